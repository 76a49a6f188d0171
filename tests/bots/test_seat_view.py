"""SeatState: what one seat knows of its talk, folded from the events it is shown.

Every state here is folded from a real engine room's log, filtered for the
seat exactly as the server filters it (``visible_log``), so the tests check
the fold against what a seat really receives: its own brief only, its own
vote until the ballot closes, tallies of a secret ballot, private statements
only where it speaks or is addressed, its own hidden actions, and the scores.
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
from accord.protocol.scenario import scenario_from_dict
from tests.helpers import SEATS, six_seat_scenario

FIRST = {"cut": "mid", "checks": "none", "fines": "none"}
SECOND = {"cut": "mid", "checks": "full", "fines": "heavy"}


def _view(room: Room, seat: str) -> SeatState:
    state = SeatState(seat)
    for event in visible_log(room.log, Viewer.of_seat(seat)):
        assert state.add(event)
    return state


def _opened() -> Room:
    room = Room(scenario_from_dict(six_seat_scenario(), file="six"), room_id="r", seed=1, now=0.0)
    for seat in SEATS:
        room.join(seat, now=0.0)
    return room


def _first_round(room: Room) -> None:
    """s1 speaks privately to s2, s3 publicly; s1 tables FIRST, s2 tables and withdraws."""

    room.handle("s1", Say(text="just us two", to=["s2"]), now=1.0)
    room.handle("s3", Say(text="hello all"), now=1.0)
    room.handle("s1", Propose(package=FIRST), now=2.0)
    room.handle("s2", Propose(package=SECOND), now=2.0)
    room.handle("s2", Withdraw(package_id="R1-s2-1"), now=3.0)
    for seat in SEATS[1:]:
        room.handle(seat, Pass(), now=4.0)


def _to_implementation(room: Room) -> None:
    """Round 1's ballot (s6 vetoes), round 2 adopts SECOND."""

    room.handle("s6", CastVeto(package_id="R1-s1-1"), now=5.0)
    for seat in SEATS[:5]:
        room.handle(seat, CastVote(package_id="R1-s1-1", vote="yes"), now=5.0)
    room.handle("s2", Propose(package=SECOND), now=6.0)
    for seat in SEATS:
        if seat != "s2":
            room.handle(seat, Pass(), now=6.0)
    for seat in SEATS:
        room.handle(seat, CastVote(package_id="R2-s2-1", vote="yes"), now=7.0)


def test_before_the_talks_open_only_the_welcome_is_known() -> None:
    brief = scenario_from_dict(six_seat_scenario(), file="six").delegation("s2").brief
    state = SeatState("s2", brief)
    assert state.brief == brief and state.scenario is None
    assert state.phase == "lobby" and state.to_do == [] and state.packages() == []
    assert state.utility(FIRST) is None
    assert state.deadline is None and state.remaining(0.0) is None


def test_a_seat_sees_its_own_brief_and_no_other() -> None:
    room = _opened()
    state = _view(room, "s3")
    assert state.scenario is not None
    assert [d.id for d in state.scenario.delegations if d.brief is not None] == ["s3"]
    assert state.brief is not None and state.brief.notes == "private notes of s3"
    assert state.name == "Seat 3" and not state.holds_veto
    assert _view(room, "s6").holds_veto
    assert [(s.id, s.weight, s.veto, s.seated) for s in state.seats][-1] == ("s6", 3, True, True)
    # the same package is worth different amounts to different seats
    assert state.utility({"cut": "low", "checks": "none", "fines": "none"}) == pytest.approx(
        0.5 * 0.2 + 0.25 * 0.3 + 0.25 * 0.6
    )


def test_phase_round_deadline_and_what_is_left_to_do() -> None:
    room = _opened()
    state = _view(room, "s1")
    assert (state.phase, state.round, state.period) == ("tabling", 1, 0)
    assert state.deadline == 60.0 and state.remaining(45.5) == 14.5 and state.remaining(99) == 0
    assert state.to_do == ["table up to 1 package (or pass)"]
    room.handle("s1", Propose(package=FIRST), now=1.0)
    assert _view(room, "s1").to_do == []
    room.handle("s2", Pass(), now=1.0)
    assert _view(room, "s2").to_do == []


def test_a_withdrawn_package_leaves_the_ballot_and_frees_the_slot() -> None:
    room = _opened()
    room.handle("s2", Propose(package=SECOND), now=1.0)
    room.handle("s2", Withdraw(package_id="R1-s2-1"), now=2.0)
    state = _view(room, "s2")
    (line,) = state.packages()
    assert line.withdrawn and state.ballot == []
    assert state.to_do == ["table up to 1 package (or pass)"]


def test_votes_stay_hidden_until_the_ballot_closes_then_tallies_show() -> None:
    room = _opened()
    _first_round(room)
    room.handle("s1", CastVote(package_id="R1-s1-1", vote="yes"), now=5.0)
    room.handle("s2", CastVote(package_id="R1-s1-1", vote="no"), now=5.0)
    s1 = _view(room, "s1")
    assert s1.phase == "ballot"
    (line,) = s1.ballot
    assert line.package_id == "R1-s1-1" and line.seat == "s1"
    assert line.utility == pytest.approx(0.5 * 0.5 + 0.25 * 0.3 + 0.25 * 0.6)
    assert line.voted == ("s1", "s2") and line.my_vote == "yes" and line.result is None
    assert _view(room, "s2").ballot[0].my_vote == "no"
    assert _view(room, "s3").ballot[0].my_vote is None
    assert _view(room, "s3").to_do == ["vote on R1-s1-1"]

    room.handle("s6", CastVeto(package_id="R1-s1-1"), now=6.0)
    for seat in ("s3", "s4", "s5"):
        room.handle(seat, CastVote(package_id="R1-s1-1", vote="yes"), now=6.0)
    s6 = _view(room, "s6")
    line = s6.package("R1-s1-1")
    assert line is not None and line.my_vote == "veto"
    assert line.result is not None and line.result.vetoed_by == ("s6",)
    assert not line.result.passed and not line.adopted
    # a secret ballot: the tally, never who voted how
    assert line.result.votes is None
    assert (line.result.tally.yes, line.result.tally.no) == (4, 2)
    assert s6.round == 2 and s6.phase == "tabling" and len(s6.ballots) == 1


def test_private_statements_reach_the_speaker_and_the_addressed_only() -> None:
    room = _opened()
    _first_round(room)
    said = {seat: [(s.seat, s.text, s.to) for s in _view(room, seat).statements] for seat in SEATS}
    public = ("s3", "hello all", None)
    private = ("s1", "just us two", ("s2",))
    assert said["s1"] == [private, public] and said["s2"] == [private, public]
    for seat in SEATS[2:]:
        assert said[seat] == [public]


def test_implementation_periods_show_own_actions_inspections_and_sanctions() -> None:
    room = _opened()
    _first_round(room)
    _to_implementation(room)
    s4 = _view(room, "s4")
    assert s4.adopted is not None and s4.adopted.package == SECOND
    assert s4.phase == "action" and s4.period == 1 and s4.round == 2
    assert s4.to_do == ["act comply or act defect"]
    assert s4.package("R2-s2-1") is not None and s4.package("R2-s2-1").adopted

    for seat in SEATS:
        room.handle(seat, Act(choice="defect" if seat == "s4" else "comply"), now=8.0)
    room.handle("s1", Challenge(target="s4"), now=9.0)
    for seat in SEATS[1:]:
        room.handle(seat, Pass(), now=9.0)
    # period 2: nobody acts; the deadline gives everyone the default
    room.tick(now=1000.0)

    s4, s1 = _view(room, "s4"), _view(room, "s1")
    assert s4.phase == "verification" and s4.period == 2
    assert [p.my_action for p in s4.periods] == ["defect", "comply (timeout)"]
    assert [p.my_action for p in s1.periods] == ["comply", "comply (timeout)"]
    (inspection,) = s1.periods[0].challenges
    assert (inspection.seat, inspection.target, inspection.detected) == ("s1", "s4", True)
    assert [(s.seat, s.amount) for s in s4.periods[0].sanctions] == [("s4", 0.3)]
    assert s4.to_do == ["challenge a seat (or pass)"]


def test_the_conclusion_gives_every_score_and_this_seats_own() -> None:
    room = _opened()
    _first_round(room)
    _to_implementation(room)
    for _ in range(2):
        for seat in SEATS:
            room.handle(seat, Act(choice="comply"), now=8.0)
        for seat in SEATS:
            room.handle(seat, Pass(), now=8.0)
    state = _view(room, "s5")
    assert state.phase == "concluded" and state.deadline is None and state.to_do == []
    assert state.concluded is not None and state.concluded.outcome == "agreement"
    assert [s.seat for s in state.scores] == SEATS
    assert state.my_score is not None and state.my_score.seat == "s5"
    assert state.my_score.compliance_costs == pytest.approx(0.1)


def test_repeated_and_stale_events_are_ignored() -> None:
    room = _opened()
    state = _view(room, "s1")
    count = len(state.events)
    assert not state.add(room.log[0]) and not state.add(room.log[-1])
    assert len(state.events) == count and state.last_seq == room.log[-1].seq
