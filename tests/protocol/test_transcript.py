"""Transcripts: export, chain verification, replay, and tampering detected."""

from __future__ import annotations

import subprocess
import sys

import msgspec

from accord.bots.inprocess import play
from accord.bots.strategies.free_rider import FreeRider
from accord.bots.strategies.inspector import Inspector
from accord.bots.strategies.random import Random
from accord.protocol.codec import encode
from accord.protocol.engine.room import Room
from accord.protocol.engine.seals import link
from accord.protocol.engine.transcript import TranscriptLine, _chained, export, read, verify
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.events import ChallengeResult, VoteCast
from accord.protocol.scenario import load_scenario
from tests.helpers import DATA

LINEUP = (Random, Inspector, FreeRider)


def played(seed: int = 3, *, scenario: str = str(DATA / "small.toml")) -> Room:
    s = load_scenario(scenario)
    lineup = {seat: LINEUP[n % len(LINEUP)]() for n, seat in enumerate(s.seats)}
    return play(s, lineup, seed=seed, room_id="t", start=100.0).room


def test_a_finished_talk_verifies() -> None:
    room = played()
    assert room.finished
    result = verify(read(export(room).splitlines()))
    assert result.ok and result.chain_ok and result.replay_ok
    assert result.events == len(room.log)
    assert result.scores == room.concluded.scores  # type: ignore[union-attr]


def test_a_talk_through_implementation_verifies() -> None:
    for seed in range(20):
        room = played(seed)
        if any(isinstance(e, ChallengeResult) for e in room.log):
            break
    else:
        raise AssertionError("no seed reached an inspection")
    assert verify(read(export(room).splitlines())).ok


def _rewrite(lines: list[TranscriptLine], index: int, **changes: object) -> list[TranscriptLine]:
    out = list(lines)
    out[index] = TranscriptLine(
        hash=lines[index].hash, event=msgspec.structs.replace(lines[index].event, **changes)
    )
    return out


def _rechain(lines: list[TranscriptLine]) -> list[TranscriptLine]:
    previous = "0" * 64
    out = []
    for number, line in enumerate(lines, start=1):
        form, _ = _chained(line, number)
        previous = link(previous, form)
        out.append(msgspec.structs.replace(line, hash=previous))
    return out


def test_an_edited_event_breaks_the_chain() -> None:
    room = played()
    lines = read(export(room).splitlines())
    index = next(n for n, line in enumerate(lines) if isinstance(line.event, VoteCast))
    flipped = "no" if lines[index].event.vote == "yes" else "yes"  # type: ignore[union-attr]
    result = verify(_rewrite(lines, index, vote=flipped))
    assert not result.ok and not result.chain_ok


def test_a_forged_but_rechained_transcript_fails_replay() -> None:
    room = played()
    lines = read(export(room).splitlines())
    final = len(lines) - 1
    scores = lines[final].event.scores  # type: ignore[union-attr]
    forged = [msgspec.structs.replace(scores[0], raw=scores[0].raw + 1.0), *scores[1:]]
    result = verify(_rechain(_rewrite(lines, final, scores=forged)))
    assert result.chain_ok and not result.replay_ok and not result.ok


def test_a_truncated_transcript_still_verifies_as_far_as_it_goes() -> None:
    room = played()
    lines = read(export(room).splitlines())
    assert verify(lines[:25]).ok


def test_a_seat_copy_verifies_its_chain_but_cannot_be_replayed() -> None:
    room = played()
    full = verify(read(export(room).splitlines()))
    seat = verify(read(export(room, Viewer.of_seat(room.seats[0])).splitlines()))
    assert seat.ok and seat.chain_ok and seat.head == full.head
    assert not seat.complete and seat.withheld > 0 and seat.replay_ok is None
    assert full.complete and full.replay_ok


def test_a_live_view_rechained_is_not_a_transcript() -> None:
    """A seat's live events (hidden fields null) cannot pass for the full log."""

    room = played()
    view = visible_log(room.log, Viewer.of_seat(room.seats[0]))
    lines = _rechain([TranscriptLine(hash="", event=e) for e in view])
    result = verify(lines)
    assert not result.ok and result.replay_ok is False
    assert any("filtered view" in p for p in result.problems)


def test_same_seed_same_inputs_same_events_and_another_seed_can_differ() -> None:
    a, b = played(5), played(5)
    assert export(a) == export(b)
    outcomes = {
        tuple((e.target, e.detected) for e in played(s).log if isinstance(e, ChallengeResult))
        for s in range(8)
    }
    assert len(outcomes) > 1


def test_transcript_lines_are_json(tmp_path) -> None:
    room = played()
    data = export(room)
    lines = [msgspec.json.decode(raw) for raw in data.splitlines()]
    for line in lines:
        assert {"hash", "event"} <= set(line) <= {"hash", "event", "salts"}
    # the organizer's copy shows every secret of talks_opened with its salt
    assert set(lines[0]["salts"]) >= {"/seed", "/sealing_key", "/scenario/delegations/0/brief"}
    assert encode(read(data.splitlines())[0]) == data.splitlines()[0]


def test_cli_verify_accepts_good_and_rejects_tampered(tmp_path) -> None:
    room = played()
    good = tmp_path / "good.jsonl"
    good.write_bytes(export(room))
    ok = subprocess.run(
        [sys.executable, "-m", "accord", "verify", str(good)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "verified" in ok.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(export(room).replace(b'"choice":"defect"', b'"choice":"comply"', 1))
    tampered = subprocess.run(
        [sys.executable, "-m", "accord", "verify", str(bad)], capture_output=True, text=True
    )
    assert tampered.returncode == 1
    assert "NOT verified" in tampered.stdout
    junk = tmp_path / "junk.jsonl"
    junk.write_text("this is not json\n")
    broken = subprocess.run(
        [sys.executable, "-m", "accord", "verify", str(junk)], capture_output=True, text=True
    )
    assert broken.returncode == 1 and "not a transcript" in broken.stderr
