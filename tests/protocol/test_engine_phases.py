"""How rounds end, and seats that are absent when the organizer starts the talks."""

from __future__ import annotations

import math

import msgspec
import pytest

from accord.protocol.commands import Act, CastVote, Pass, Propose
from accord.protocol.engine.room import Room
from accord.protocol.engine.transcript import export, read, verify
from accord.protocol.events import (
    BallotResult,
    DeadlinePassed,
    NoAgreement,
    PhaseStarted,
    RoundEnded,
    TalksConcluded,
    TalksStarted,
    Timeout,
)
from tests.helpers import PKG_A, scenario, seated_room

IMPLEMENTATION = {
    "periods": 1,
    "parties": {s: {"comply_cost": 0.1, "defect_gain": 0.2, "harm": 0.05} for s in "abc"},
}


def kinds(events: list) -> list[str]:
    return [e.__struct_config__.tag for e in events]


def test_a_round_with_nothing_tabled_says_so_before_the_next_tabling() -> None:
    room = seated_room(scenario(rules={"max_rounds": 3}))
    deadline = room.deadline
    assert deadline is not None
    events = room.tick(now=deadline)
    assert kinds(events) == ["deadline_passed", "round_ended", "phase_started"]
    ended = events[1]
    assert isinstance(ended, RoundEnded) and ended.round == 1 and ended.reason == "nothing_tabled"
    assert isinstance(events[2], PhaseStarted) and events[2].round == 2


def test_every_seat_passing_ends_the_round_at_once() -> None:
    room = seated_room(scenario(rules={"max_rounds": 3}))
    events = []
    for seat in room.seats:
        events += room.handle(seat, Pass(), now=1.0)
    assert kinds(events)[-2:] == ["round_ended", "phase_started"]
    assert events[-2].reason == "nothing_tabled"  # type: ignore[attr-defined]


def test_a_ballot_that_passes_nothing_ends_the_round_with_its_reason() -> None:
    room = seated_room(scenario(rules={"max_rounds": 2, "decision": "unanimity"}))
    room.handle("a", Propose(package=PKG_A), now=1.0)
    room.handle("b", Pass(), now=1.0)
    room.handle("c", Pass(), now=1.0)
    events = []
    for seat, vote in (("a", "yes"), ("b", "no"), ("c", "yes")):
        events += room.handle(seat, CastVote(package_id="R1-a-1", vote=vote), now=2.0)
    assert kinds(events)[-3:] == ["ballot_result", "round_ended", "phase_started"]
    assert isinstance(events[-2], RoundEnded) and events[-2].reason == "nothing_passed"


def test_the_last_round_ends_then_no_agreement() -> None:
    room = seated_room(scenario(rules={"max_rounds": 1}))
    assert room.deadline is not None
    events = room.tick(now=room.deadline)
    assert kinds(events) == ["deadline_passed", "round_ended", "no_agreement", "talks_concluded"]
    assert isinstance(events[2], NoAgreement) and events[2].rounds == 1


def started_with_absent(*, absent_default: bool, rounds: int = 2) -> Room:
    s = scenario(rules={"max_rounds": rounds}, implementation=IMPLEMENTATION)
    room = Room(s, room_id="r", seed=3, now=0.0)
    room.join("a", now=0.0)
    room.start(now=1.0, absent_default=absent_default)
    return room


def test_absent_seats_act_by_default_at_once_when_the_organizer_says_so() -> None:
    room = started_with_absent(absent_default=True)
    started = next(e for e in room.log if isinstance(e, TalksStarted))
    assert started.absent == ("b", "c") and started.absent_default
    # the one present seat acts; no phase waits for a deadline
    room.handle("a", Propose(package=PKG_A), now=2.0)
    assert room.phase == "ballot"
    room.handle("a", CastVote(package_id="R1-a-1", vote="yes"), now=3.0)
    assert room.phase == "action"  # consensus: one yes, no no
    room.handle("a", Act(choice="comply"), now=4.0)
    assert room.phase == "verification"
    room.handle("a", Pass(), now=5.0)
    assert room.finished
    assert not any(isinstance(e, DeadlinePassed) for e in room.log)
    timeouts = [e for e in room.log if isinstance(e, Timeout)]
    assert {(t.seat, t.phase, t.default) for t in timeouts} == {
        ("b", "ballot", "abstain"),
        ("c", "ballot", "abstain"),
        ("b", "action", "comply"),
        ("c", "action", "comply"),
    }
    result = next(e for e in room.log if isinstance(e, BallotResult)).results[0]
    assert result.votes == {"a": "yes", "b": "abstain", "c": "abstain"}
    assert result.tally.timeouts == 2
    # a replay of the transcript reproduces the same talk
    assert verify(read(export(room).splitlines())).ok


def test_without_the_option_absent_seats_hold_every_phase_to_its_deadline() -> None:
    room = started_with_absent(absent_default=False)
    room.handle("a", Propose(package=PKG_A), now=2.0)
    assert room.phase == "tabling"  # b and c have not acted
    started = next(e for e in room.log if isinstance(e, TalksStarted))
    assert not started.absent_default


def test_a_seat_that_arrives_late_acts_for_itself_from_the_next_phase() -> None:
    room = started_with_absent(absent_default=True)
    room.join("b", now=1.5)
    room.handle("a", Propose(package=PKG_A), now=2.0)
    assert room.phase == "ballot"  # b was still absent when tabling began
    room.handle("a", CastVote(package_id="R1-a-1", vote="yes"), now=3.0)
    assert room.phase == "ballot"  # now b's vote is awaited
    assert room.waiting_for() == ["b"]
    room.handle("b", CastVote(package_id="R1-a-1", vote="no"), now=4.0)
    assert room.phase == "tabling" and room.round == 2


def test_when_every_seat_is_absent_the_talks_run_through_without_recursion() -> None:
    s = scenario(rules={"max_rounds": 1000})
    room = Room(s, room_id="r", seed=1, now=0.0)
    events = room.start(now=1.0, absent_default=True)
    assert room.finished
    assert isinstance(events[-1], TalksConcluded) and events[-1].outcome == "no_deal"
    assert sum(isinstance(e, RoundEnded) for e in events) == 1000
    assert verify(read(export(room).splitlines())).ok


@pytest.mark.parametrize("now", [math.inf, -math.inf, math.nan])
def test_the_room_refuses_a_time_that_is_not_finite(now: float) -> None:
    room = seated_room(scenario())
    with pytest.raises(ValueError, match="finite"):
        room.handle("a", Pass(), now=now)
    with pytest.raises(ValueError, match="finite"):
        room.tick(now=now)
    assert room.log[-1].at == 0.0  # nothing was recorded


def test_the_room_refuses_a_scenario_with_a_number_that_is_not_finite() -> None:
    s = scenario()
    broken = msgspec.structs.replace(
        s,
        delegations=(
            msgspec.structs.replace(s.delegations[0], weight=math.inf),
            *s.delegations[1:],
        ),
    )
    # refused when frozen, or (for a scenario frozen by hand) when the chain encodes it
    with pytest.raises(ValueError, match="not finite|no JSON form"):
        Room(broken, room_id="r", seed=1, now=0.0)
    unfrozen = msgspec.structs.replace(broken, delegations=list(broken.delegations))
    with pytest.raises(ValueError, match="not finite"):
        Room(unfrozen, room_id="r", seed=1, now=0.0)
