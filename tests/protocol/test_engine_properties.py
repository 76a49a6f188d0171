"""Property tests: random scenarios, random command sequences, and the engine's invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.protocol.codec import canonical
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Note,
    Pass,
    Propose,
    Say,
    Withdraw,
)
from accord.protocol.engine.room import Room
from accord.protocol.engine.transcript import export, read, replay, verify
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer, visible_log
from accord.protocol.errors import RuleViolation
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    Event,
    NoteMade,
    StatementMade,
    TalksOpened,
    Timeout,
    VoteCast,
)
from accord.protocol.scenario.generate import random_scenario

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def talks(draw: st.DrawFn) -> Room:
    """A room driven by a random sequence of joins, commands (valid or not) and ticks."""

    scenario = random_scenario(
        seed=draw(st.integers(0, 10_000)),
        seats=draw(st.integers(2, 5)),
        issues=draw(st.integers(2, 4)),
        options=(2, 4),
        implementation=draw(st.booleans()),
    )
    if draw(st.booleans()):
        # exercise secret ballots and tight limits often
        from msgspec.structs import replace

        scenario = replace(
            scenario,
            rules=replace(
                scenario.rules,
                ballot=draw(st.sampled_from(["open", "secret"])),
                max_rounds=draw(st.integers(1, 4)),
                proposals_per_round=draw(st.integers(1, 2)),
            ),
        )
    seats = list(scenario.seats)
    room = Room(scenario, room_id="prop", seed=draw(st.integers(0, 2**32)), now=0.0)
    now = 0.0
    package_ids = st.builds(lambda n: f"P{n}", st.integers(1, 12))

    def package():
        return st.fixed_dictionaries(
            {i.id: st.sampled_from([*i.options, "bogus"]) for i in scenario.issues}
        )

    seat_st = st.sampled_from([*seats, "ghost"])
    commands = st.one_of(
        st.builds(Propose, package=package()),
        st.builds(Withdraw, package_id=package_ids),
        st.builds(Pass),
        st.builds(CastVote, package_id=package_ids, vote=st.sampled_from(["yes", "no", "abstain"])),
        st.builds(CastVeto, package_id=package_ids),
        st.builds(
            Say,
            text=st.text(min_size=0, max_size=20),
            to=st.none() | st.lists(seat_st, max_size=3),
        ),
        st.builds(Act, choice=st.sampled_from(["comply", "defect"])),
        st.builds(Challenge, target=seat_st),
        st.builds(
            Note,
            text=st.text(max_size=20),
            data=st.dictionaries(
                st.text(max_size=3),
                st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                max_size=3,
            ),
            kind=st.sampled_from(["note", "failure"]),
        ),
    )

    def guided(seat: str):
        """A move that fits the phase, so talks get through adoption and implementation."""

        others = [x for x in seats if x != seat]
        match room.phase:
            case "tabling":
                if draw(st.integers(0, 3)) == 0:
                    return Pass()
                return Propose(
                    package={i.id: draw(st.sampled_from(i.options)) for i in scenario.issues}
                )
            case "ballot":
                ids = [p.package_id for p in room.packages() if not p.withdrawn]
                vote = draw(st.sampled_from(["yes", "yes", "yes", "no", "abstain"]))
                return CastVote(package_id=draw(st.sampled_from(ids)), vote=vote)
            case "action":
                return Act(choice=draw(st.sampled_from(["comply", "defect"])))
            case "verification":
                if draw(st.booleans()):
                    return Pass()
                return Challenge(target=draw(st.sampled_from(others)))
        return Pass()

    steps = draw(st.integers(0, 150))
    for _ in range(steps):
        kind = draw(st.sampled_from(["command"] * 3 + ["guided"] * 8 + ["tick", "join", "start"]))
        now += draw(st.sampled_from([0.0, 0.5, 5.0, 61.0]))
        try:
            if kind == "guided":
                waiting = room.waiting_for()
                if room.phase == "lobby" or not waiting:
                    room.join(draw(st.sampled_from(seats)), now=now)
                else:
                    seat = draw(st.sampled_from(waiting))
                    room.handle(seat, guided(seat), now=now)
            elif kind == "command":
                room.handle(draw(seat_st), draw(commands), now=now)
            elif kind == "tick":
                room.tick(now=now)
            elif kind == "join":
                room.join(draw(seat_st), now=now)
            else:
                room.start(now=now, absent_default=draw(st.booleans()))
        except RuleViolation:
            pass
        if room.finished:
            break
    return room


@PROPERTY
@given(talks())
def test_seqs_are_contiguous_and_the_chain_verifies_and_replays(room: Room) -> None:
    assert [e.seq for e in room.log] == list(range(1, len(room.log) + 1))
    result = verify(read(export(room).splitlines()))
    assert result.ok, result.problems
    again = replay(room.log)
    assert [canonical(e) for e in again.log] == [canonical(e) for e in room.log]
    assert again.chain.head == room.chain.head
    if room.concluded is not None:
        assert again.concluded is not None
        assert again.concluded.scores == room.concluded.scores


def _assert_may_see(events: list[Event], viewer: Viewer, finished: bool) -> None:
    me = viewer.seat
    for event in events:
        match event:
            case TalksOpened(scenario=s, seed=seed):
                assert seed is None
                for d in s.delegations:
                    assert d.brief is None or d.id == me
            case StatementMade(to=list() as to, seat=speaker):
                assert me is not None and (me == speaker or me in to)
            case VoteCast(seat=seat, vote=vote):
                assert vote is None or seat == me
            case BallotResult(secret=True, results=results):
                assert all(r.votes is None for r in results)
            case ActionTaken(seat=seat) | NoteMade(seat=seat):
                assert seat == me
            case Timeout(phase="action", seat=seat):
                assert seat == me


@PROPERTY
@given(talks())
def test_no_recipient_gets_what_it_may_not_see(room: Room) -> None:
    for seat in room.seats:
        _assert_may_see(
            visible_log(room.log, Viewer.of_seat(seat)), Viewer.of_seat(seat), room.finished
        )
    _assert_may_see(visible_log(room.log, SPECTATOR), SPECTATOR, room.finished)
    assert visible_log(room.log, ORGANIZER) == room.log


@PROPERTY
@given(talks())
def test_scores_are_finite_and_normalised_in_range(room: Room) -> None:
    if room.concluded is None:
        return
    assert {s.seat for s in room.concluded.scores} == set(room.seats)
    for score in room.concluded.scores:
        assert 0.0 <= score.normalised <= 1.0
        assert abs(score.raw) < 1e6
