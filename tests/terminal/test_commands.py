"""Typed command lines become protocol commands, or say in words what to write instead.

The seat's state is folded from a real engine room's log as the server
filters it for the seat, so the agenda, the ballot and the veto holders the
parser sees are the ones a client would be shown.
"""

from __future__ import annotations

import pytest

from accord.bots.seat_view import SeatState
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Pass,
    Propose,
    Say,
    Withdraw,
)
from accord.protocol.engine.room import Room
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.replies import Error
from accord.protocol.scenario import scenario_from_dict
from accord.terminal.address import seat_address, websocket_url
from accord.terminal.commands import HELP, CommandError, explain, parse
from tests.terminal.table import BEST, PERSON, scenario


def _room(**rules: object) -> Room:
    raw = scenario()
    raw["rules"].update(rules)
    room = Room(scenario_from_dict(raw, file="t"), room_id="r", seed=1, now=0.0)
    for seat in ("north", PERSON, "east"):
        room.join(seat, now=0.0)
    return room


def _state(room: Room, seat: str = PERSON) -> SeatState:
    state = SeatState(seat)
    for event in visible_log(room.log, Viewer.of_seat(seat)):
        state.add(event)
    return state


def _command(line: str, state: SeatState) -> object:
    parsed = parse(line, state)
    assert parsed is not None
    return parsed.command


def _refusal(line: str, state: SeatState) -> str:
    with pytest.raises(CommandError) as caught:
        parse(line, state)
    return str(caught.value)


def test_a_package_by_ids_labels_and_titles_in_any_case() -> None:
    state = _state(_room())
    assert _command("table cut=high checks=full fines=heavy", state) == Propose(package=BEST)
    assert _command('table Cut=HIGH checks="Full checks" FINES=heavy', state) == Propose(
        package=BEST
    )


def test_a_package_missing_issues_names_them_with_their_options() -> None:
    state = _state(_room())
    text = _refusal("table cut=high", state)
    assert "missing checks (none=No checks|full=Full checks), fines (none|heavy)" in text
    assert "no issue 'speed'" in _refusal("table speed=1 cut=high", state)
    assert "cut has no option 'max' (its options: low|mid|high)" in _refusal("table cut=max", state)
    assert "ISSUE=OPTION" in _refusal("table cut", state)
    assert "unbalanced quotes" in _refusal('table checks="Full', state)


def test_the_agenda_must_be_known_before_tabling() -> None:
    assert "not known yet" in _refusal("table cut=high", SeatState(PERSON))


def test_votes_by_id_by_row_and_with_one_package_on_the_ballot() -> None:
    room = _room()
    room.handle("north", Propose(package=BEST), now=1.0)
    for seat in (PERSON, "east"):
        room.handle(seat, Pass(), now=1.0)
    state = _state(room)
    assert state.phase == "ballot"
    yes = CastVote(package_id="R1-north-1", vote="yes")
    assert _command("vote R1-north-1 yes", state) == yes
    assert _command("vote 1 y", state) == yes
    assert _command("vote YES", state) == yes
    assert _command("vote abstain", state) == CastVote(package_id="R1-north-1", vote="abstain")
    assert "a vote is yes, no or abstain, not 'maybe'" in _refusal("vote 1 maybe", state)
    assert "vote PKG yes|no|abstain" in _refusal("vote", state)


def test_a_bare_vote_needs_a_package_when_several_are_on_the_ballot() -> None:
    room = _room()
    room.handle("north", Propose(package=BEST), now=1.0)
    room.handle("east", Propose(package={**BEST, "cut": "mid"}), now=1.0)
    room.handle(PERSON, Pass(), now=1.0)
    text = _refusal("vote no", _state(room))
    assert "name the package: vote PKG no (on the ballot: R1-north-1, R1-east-1)" in text


def test_veto_only_for_a_holder_where_vetoes_apply() -> None:
    room = _room()
    text = _refusal("veto R1-north-1", _state(room))
    assert text == "you hold no veto (only north holds one): vote no instead"
    assert _command("veto R1-east-1", _state(room, "north")) == CastVeto(package_id="R1-east-1")
    text = _refusal("veto R1-east-1", _state(_room(vetoes=False), "north"))
    assert text == "vetoes do not apply in this room: vote no instead"


def test_the_other_commands() -> None:
    state = _state(_room())
    assert _command("pass", state) == Pass()
    assert _command("withdraw R1-south-1", state) == Withdraw(package_id="R1-south-1")
    assert _command("act defect", state) == Act(choice="defect")
    assert _command("challenge east", state) == Challenge(target="east")
    assert _command("say  We can live with  a mid cut.", state) == Say(
        text="We can live with  a mid cut."
    )
    assert _command("say @north,east just you two", state) == Say(
        text="just you two", to=["north", "east"]
    )
    assert parse("help", state) is not None and parse("help", state).local == "help"
    assert parse("quit", state) is not None and parse("quit", state).local == "quit"
    assert parse("   ", state) is None


def test_mistakes_are_answered_in_words() -> None:
    state = _state(_room())
    assert _refusal("dance", state) == "no command 'dance'; type help for the list"
    assert _refusal("pass now", state) == "pass takes nothing after it"
    assert _refusal("act maybe", state) == "act comply or act defect, not 'maybe'"
    assert _refusal("say @north", state).startswith("say what?")
    assert _refusal("withdraw", state) == "write: withdraw PKG"


def test_help_lists_every_command() -> None:
    for syntax in ("table ISSUE=OPTION", "withdraw PKG", "pass", "vote PKG yes|no|abstain",
                   "vote yes|no|abstain", "veto PKG", "say TEXT", "say @SEAT,SEAT TEXT",
                   "act comply|defect", "challenge SEAT", "help", "quit"):  # fmt: skip
        assert f"  {syntax}" in HELP


def test_a_server_refusal_in_words() -> None:
    error = Error(code="wrong_phase", message="not allowed in phase 'tabling' (only in ballot)")
    assert explain(error) == (
        "refused: not allowed in phase 'tabling' (only in ballot)"
        " (wrong_phase: The command is not allowed in the room's current phase.)"
    )


@pytest.mark.parametrize(
    ("given", "token", "expected"),
    [
        ("http://127.0.0.1:8000", "t1", ("ws://127.0.0.1:8000/ws", "t1")),
        ("https://talks.example/", "t1", ("wss://talks.example/ws", "t1")),
        ("ws://127.0.0.1:8000/ws", "t1", ("ws://127.0.0.1:8000/ws", "t1")),
        ("http://h:8000/#/rooms/room-1?token=seat-abc", None, ("ws://h:8000/ws", "seat-abc")),
        ("http://h:8000/#/rooms/room-1?token=seat-abc", "mine", ("ws://h:8000/ws", "mine")),
    ],
)
def test_where_to_join(given: str, token: str | None, expected: tuple[str, str]) -> None:
    assert seat_address(given, token) == expected


def test_addresses_that_cannot_be_joined() -> None:
    with pytest.raises(ValueError, match="no seat token"):
        seat_address("http://h:8000/#/rooms/room-1", None)
    with pytest.raises(ValueError, match="not a server address"):
        websocket_url("127.0.0.1:8000")
