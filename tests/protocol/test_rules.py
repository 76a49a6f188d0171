"""Decision rules, vetoes and adoption, through the room engine."""

from __future__ import annotations

import pytest

from accord.protocol.commands import CastVeto, CastVote, Pass, Propose
from accord.protocol.engine.room import Room
from accord.protocol.engine.rules import passes
from accord.protocol.events import BallotResult, PackageAdopted
from accord.protocol.scenario import Rules
from tests.helpers import PKG_A, PKG_B, scenario, seated_room

W3 = {"a": 1.0, "b": 1.0, "c": 1.0}


def ballot(room: Room, votes: dict[str, dict[str, str]], *, tabled_by: dict[str, dict]) -> list:
    """Table the given packages (one per seat, others pass), then cast ``votes``."""

    events = []
    for seat in room.seats:
        if seat in tabled_by:
            events += room.handle(seat, Propose(package=tabled_by[seat]), now=1.0)
        else:
            events += room.handle(seat, Pass(), now=1.0)
    assert room.phase == "ballot"
    ids = {p.seat: p.package_id for p in room.packages()}
    for seat, by_owner in votes.items():
        for owner, vote in by_owner.items():
            pid = ids[owner]
            if vote == "veto":
                events += room.handle(seat, CastVeto(package_id=pid), now=2.0)
            else:
                events += room.handle(seat, CastVote(package_id=pid, vote=vote), now=2.0)
    return events


def result_of(events: list) -> BallotResult:
    return next(e for e in events if isinstance(e, BallotResult))


def test_veto_holder_alone_blocks_a_package_everyone_else_supports() -> None:
    s = scenario([("p", 1.0, True), ("b", 1.0, False), ("c", 1.0, False)])
    room = seated_room(s)
    events = ballot(
        room, {"p": {"b": "veto"}, "b": {"b": "yes"}, "c": {"b": "yes"}}, tabled_by={"b": PKG_A}
    )
    result = result_of(events).results[0]
    assert result.vetoed_by == ("p",)
    assert not result.passed
    assert room.adopted is None and room.round == 2


def test_veto_blocks_even_under_qualified_majority_with_heavy_support() -> None:
    s = scenario(
        [("p", 1.0, True), ("b", 5.0, False), ("c", 5.0, False)],
        rules={"decision": "qualified", "threshold": 0.5},
    )
    room = seated_room(s)
    events = ballot(
        room, {"p": {"b": "veto"}, "b": {"b": "yes"}, "c": {"b": "yes"}}, tabled_by={"b": PKG_A}
    )
    assert not result_of(events).results[0].passed


def test_qualified_majority_passes_against_weak_opposition() -> None:
    s = scenario(
        [("a", 3.0, False), ("b", 3.0, False), ("c", 1.0, False)],
        rules={"decision": "qualified", "threshold": 0.6},
    )
    room = seated_room(s)
    events = ballot(
        room, {"a": {"a": "yes"}, "b": {"a": "yes"}, "c": {"a": "no"}}, tabled_by={"a": PKG_A}
    )
    assert result_of(events).results[0].passed
    adopted = [e for e in events if isinstance(e, PackageAdopted)]
    assert adopted and adopted[0].package == PKG_A


def test_qualified_majority_fails_below_threshold() -> None:
    s = scenario(
        [("a", 3.0, False), ("b", 3.0, False), ("c", 1.0, False)],
        rules={"decision": "qualified", "threshold": 0.6},
    )
    room = seated_room(s)
    events = ballot(
        room, {"a": {"a": "yes"}, "b": {"a": "no"}, "c": {"a": "yes"}}, tabled_by={"a": PKG_A}
    )
    assert not result_of(events).results[0].passed


def test_without_veto_a_no_vote_of_a_veto_holder_is_just_a_vote() -> None:
    s = scenario(
        [("p", 1.0, True), ("b", 2.0, False), ("c", 2.0, False)],
        rules={"decision": "qualified", "threshold": 0.6},
    )
    room = seated_room(s)
    events = ballot(
        room, {"p": {"b": "no"}, "b": {"b": "yes"}, "c": {"b": "yes"}}, tabled_by={"b": PKG_A}
    )
    assert result_of(events).results[0].passed


@pytest.mark.parametrize(
    ("decision", "votes", "expected"),
    [
        ("unanimity", {"a": "yes", "b": "yes", "c": "yes"}, True),
        ("unanimity", {"a": "yes", "b": "yes", "c": "abstain"}, False),
        ("consensus", {"a": "yes", "b": "yes", "c": "abstain"}, True),
        ("consensus", {"a": "yes", "b": "yes", "c": "no"}, False),
        ("consensus", {"a": "abstain", "b": "abstain", "c": "abstain"}, False),
        ("unanimity", {"a": "yes", "b": "yes"}, False),  # a timeout abstains
        ("consensus", {"a": "yes", "b": "yes"}, True),
    ],
)
def test_unanimity_and_consensus_differ_on_abstention(
    decision: str, votes: dict[str, str], expected: bool
) -> None:
    rules = Rules(decision=decision)  # type: ignore[arg-type]
    assert passes(rules, W3, votes) is expected  # type: ignore[arg-type]


def test_all_but_k_tolerates_k_dissenters() -> None:
    votes = {"a": "yes", "b": "yes", "c": "no"}
    assert not passes(Rules(decision="consensus"), W3, votes)  # type: ignore[arg-type]
    assert passes(Rules(decision="consensus", all_but=1), W3, votes)  # type: ignore[arg-type]
    assert passes(Rules(decision="unanimity", all_but=1), W3, votes)  # type: ignore[arg-type]
    two_no = {"a": "yes", "b": "no", "c": "no"}
    assert not passes(Rules(decision="consensus", all_but=1), W3, two_no)  # type: ignore[arg-type]


def test_required_seat_no_blocks_under_every_rule() -> None:
    votes = {"a": "yes", "b": "yes", "c": "no"}
    for decision in ("qualified", "consensus", "unanimity"):
        rules = Rules(decision=decision, required=("c",), threshold=0.5, all_but=2)  # type: ignore[arg-type]
        assert not passes(rules, W3, votes), decision  # type: ignore[arg-type]
        assert passes(rules, W3, {**votes, "c": "yes"}), decision  # type: ignore[arg-type]


def test_required_seat_abstention_blocks_too() -> None:
    rules = Rules(decision="consensus", required=("c",))
    assert not passes(rules, W3, {"a": "yes", "b": "yes", "c": "abstain"})


def test_quorum_counts_explicit_votes_only() -> None:
    rules = Rules(decision="qualified", threshold=0.3, quorum=0.9)
    assert not passes(rules, W3, {"a": "yes", "b": "abstain"})  # c timed out: 2/3 present
    assert passes(rules, W3, {"a": "yes", "b": "abstain", "c": "no"})


def test_adoption_picks_the_largest_yes_weight() -> None:
    s = scenario(
        [("a", 1.0, False), ("b", 2.0, False), ("c", 4.0, False)],
        rules={"decision": "qualified", "threshold": 0.1},
    )
    room = seated_room(s)
    events = ballot(
        room,
        {
            "a": {"a": "yes", "b": "yes"},
            "b": {"a": "yes", "b": "no"},
            "c": {"a": "no", "b": "yes"},
        },
        tabled_by={"a": PKG_A, "b": PKG_B},
    )
    results = result_of(events).results
    assert all(r.passed for r in results)
    adopted = next(e for e in events if isinstance(e, PackageAdopted))
    assert adopted.seat == "b" and adopted.yes_weight == 5.0


def test_adoption_ties_go_to_the_earliest_tabled() -> None:
    s = scenario(rules={"decision": "consensus"})
    room = seated_room(s)
    events = ballot(
        room,
        {seat: {"a": "yes", "b": "yes"} for seat in "abc"},
        tabled_by={"b": PKG_B, "a": PKG_A},
    )
    adopted = next(e for e in events if isinstance(e, PackageAdopted))
    # seats act in seat order, so a's package was tabled first
    assert adopted.seat == "a"


def test_secret_ballot_publishes_tallies_only() -> None:
    from accord.protocol.engine.visibility import SPECTATOR, Viewer, visible

    s = scenario(rules={"ballot": "secret"})
    room = seated_room(s)
    events = ballot(room, {seat: {"a": "yes"} for seat in "abc"}, tabled_by={"a": PKG_A})
    result = result_of(events)
    assert result.secret and result.results[0].votes is not None  # the log keeps them
    for viewer in (SPECTATOR, Viewer.of_seat("a"), Viewer.of_seat("b")):
        shown = visible(result, viewer)
        assert isinstance(shown, BallotResult)
        assert shown.results[0].votes is None
        assert shown.results[0].tally.yes == 3


def test_the_room_blocks_a_package_without_its_required_seat() -> None:
    """Through the room, not just ``passes``: a room that ignores ``required`` (it had
    a copy of the rule of its own once) adopts here. Checked by reintroducing
    that bug on purpose: this test fails."""

    s = scenario(rules={"decision": "qualified", "threshold": 0.5, "required": ["c"]})
    room = seated_room(s)
    events = ballot(
        room, {"a": {"a": "yes"}, "b": {"a": "yes"}, "c": {"a": "abstain"}}, tabled_by={"a": PKG_A}
    )
    result = result_of(events).results[0]
    assert result.tally.yes_weight == 2.0  # two of three: enough weight, but c said no yes
    assert not result.passed and room.adopted is None
    room2 = seated_room(s)
    events = ballot(
        room2, {"a": {"a": "yes"}, "b": {"a": "no"}, "c": {"a": "yes"}}, tabled_by={"a": PKG_A}
    )
    assert result_of(events).results[0].passed and room2.adopted is not None
