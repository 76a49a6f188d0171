"""A seat's private notebook in the engine: notes are recorded in any phase, seen by
their seat and the organizer only, sealed in every other copy, bounded, and replayed."""

from __future__ import annotations

import math

import pytest

from accord.protocol.commands import NOTES_PER_SEAT, Note, Pass
from accord.protocol.engine.room import Room
from accord.protocol.engine.transcript import export, read, replay, verify
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer, visible_log
from accord.protocol.errors import BadNote, NoteLimit, RoomConcluded
from accord.protocol.events import NoteMade
from accord.protocol.scenario import load_scenario


def _started() -> Room:
    room = Room(load_scenario("climate-accord"), room_id="notes", seed=3, now=0.0)
    for seat in room.seats:
        room.join(seat, now=1.0)
    assert room.phase == "tabling"
    return room


def test_a_note_reaches_its_seat_and_the_organizer_and_no_one_else() -> None:
    room = _started()
    me, other = room.seats[0], room.seats[1]
    phase, waiting = room.phase, room.waiting_for()
    made = room.handle(me, Note(text="pivot is the EU", data={"u": 0.71, "k": 3}), now=2.0)
    assert [type(e) for e in made] == [NoteMade]
    note = made[0]
    assert (note.seat, note.text, dict(note.data), note.kind) == (
        me, "pivot is the EU", {"u": 0.71, "k": 3}, "note"
    )  # fmt: skip
    # a note changes nothing in the talks: nobody's turn is taken
    assert room.phase == phase and room.waiting_for() == waiting
    assert note in visible_log(room.log, Viewer.of_seat(me))
    assert note in visible_log(room.log, ORGANIZER)
    for viewer in (Viewer.of_seat(other), SPECTATOR):
        assert not any(isinstance(e, NoteMade) for e in visible_log(room.log, viewer))


def test_every_copy_of_a_transcript_with_notes_verifies_and_only_two_hold_the_note() -> None:
    room = _started()
    me = room.seats[0]
    room.handle(me, Note(text="secret plan", kind="failure"), now=2.0)
    for seat in room.seats:
        room.handle(seat, Pass(), now=3.0)
    copies = {
        "organizer": export(room),
        "me": export(room, Viewer.of_seat(me)),
        "other": export(room, Viewer.of_seat(room.seats[1])),
        "public": export(room, SPECTATOR),
    }
    for name, data in copies.items():
        result = verify(read(data.splitlines()))
        assert result.ok, (name, result.problems)
        assert result.head == room.chain.head
        assert (b"secret plan" in data) == (name in ("organizer", "me")), name
    again = replay(room.log)
    assert again.chain.head == room.chain.head
    assert [e for e in again.log if isinstance(e, NoteMade)] == [
        e for e in room.log if isinstance(e, NoteMade)
    ]


@pytest.mark.parametrize(
    ("note", "words"),
    [
        (Note(text="   "), "needs some text or data"),
        (Note(text="x" * 4001), "4001 characters; the limit is 4000"),
        (Note(text="x", data={f"k{n}": n for n in range(33)}), "33 data entries"),
        (Note(text="x", data={"k" * 65: 1}), "1 to 64 characters"),
        (Note(text="x", data={"": 1}), "at least one character"),
        (Note(text="x", data={"s": "y" * 1001}), "1001 characters; the limit is 1000"),
        (Note(text="x", data={"u": math.inf}), "inf is not a finite number"),
        (Note(text="x", data={"u": math.nan}), "nan is not a finite number"),
        (Note(text="x", data={"n": 2**53}), "within ±(2**53 - 1)"),
    ],
)
def test_a_bad_note_is_refused_in_words_and_changes_nothing(note: Note, words: str) -> None:
    room = _started()
    before = list(room.log)
    with pytest.raises(BadNote) as caught:
        room.handle(room.seats[0], note, now=2.0)
    assert words in caught.value.message and caught.value.code == "bad_note"
    assert room.log == before


def test_a_seat_may_make_only_so_many_notes_in_a_talk() -> None:
    room = _started()
    me = room.seats[0]
    for n in range(NOTES_PER_SEAT):
        room.handle(me, Note(text=str(n)), now=2.0)
    with pytest.raises(NoteLimit) as caught:
        room.handle(me, Note(text="one more"), now=2.0)
    assert caught.value.code == "note_limit"
    room.handle(room.seats[1], Note(text="another seat's notebook is its own"), now=2.0)


def test_no_note_after_the_talks_conclude() -> None:
    room = _started()
    room.tick(now=1e9)
    while not room.finished:
        room.tick(now=room.deadline or 1e9)
    with pytest.raises(RoomConcluded):
        room.handle(room.seats[0], Note(text="too late"), now=2e9)
