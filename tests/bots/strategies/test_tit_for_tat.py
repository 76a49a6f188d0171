"""The tit-for-tat reciprocator against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Context, Record, TabledPackage
from accord.bots.inprocess import play
from accord.bots.sdk import Ballot, Delegation
from accord.bots.strategies.tit_for_tat import TitForTat
from accord.protocol.events import ChallengeResult
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict
from tests.bots.strategies.scripted import MockDelegation, Versus, read, sponsor, versus_test

SEED = 11


def build(
    seats: list[str], *, implementation: dict[str, Any] | None = None, ballot: str = "open"
) -> Scenario:
    """Two issues valued alike by every seat (low → high), consensus, open ballot."""

    issues = [
        {"id": "cut", "options": ["low", "mid", "high"]},
        {"id": "inspect", "kind": "verification", "options": ["none", "full"]},
    ]
    brief = {
        "weights": {"cut": 0.5, "inspect": 0.5},
        "values": {"cut": {"low": 0.0, "high": 1.0}, "inspect": {"low": 0.0, "high": 1.0}},
        "reservation": 0.3,
    }
    raw: dict[str, Any] = {
        "id": "tft",
        "issues": issues,
        "delegations": [{"id": s, "brief": brief} for s in seats],
        "rules": {"decision": "consensus", "vetoes": False, "max_rounds": 3, "ballot": ballot},
    }
    if implementation is not None:
        raw["implementation"] = implementation
    return scenario_from_dict(raw, file="test")


def switch(ctx: Context, package: TabledPackage) -> Ballot:
    """No in round 1, yes afterwards."""

    return "no" if ctx.round == 1 else "yes"


def test_mirrors_each_seats_last_vote_on_its_own_package() -> None:
    s = build(["r", "nay", "aye", "cheap", "switch"])
    v = versus_test(
        TitForTat(),
        scenario=s,
        seat="r",
        opponents={
            # worth 0.75, 0.5, 0.25 (< 0.3) and 0.5 to r
            "nay": MockDelegation(tables={"cut": "mid", "inspect": "full"}, votes="no"),
            "aye": MockDelegation(tables={"cut": "high", "inspect": "none"}, votes="yes"),
            "cheap": MockDelegation(tables={"cut": "mid", "inspect": "none"}, votes="yes"),
            "switch": MockDelegation(tables={"cut": "low", "inspect": "full"}, votes=switch),
        },
        seed=SEED,
    )
    votes = v.ballots
    # round 1: nothing seen yet, so it cooperates on everything at its reservation
    assert votes[1] == {"r": "yes", "nay": "yes", "aye": "yes", "cheap": "no", "switch": "yes"}
    # round 2: it answers round 1's votes on its own package
    assert votes[2]["nay"] == "no"
    assert votes[2]["aye"] == "yes"
    assert votes[2]["switch"] == "no"
    assert votes[2]["cheap"] == "no"  # voted yes, but the package is below r's reservation
    # round 3: forgives the switcher, keeps punishing the seat that still says no
    assert votes[3]["switch"] == "yes"
    assert votes[3]["nay"] == "no"
    assert votes[3]["aye"] == "yes"


def test_cooperates_when_the_ballot_is_secret() -> None:
    s = build(["r", "nay", "aye"], ballot="secret")
    v = versus_test(
        TitForTat(),
        scenario=s,
        seat="r",
        opponents={
            "nay": MockDelegation(tables={"cut": "mid", "inspect": "full"}, votes="no"),
            "aye": MockDelegation(tables={"cut": "high", "inspect": "none"}, votes="no"),
        },
        seed=SEED,
    )
    # nothing to mirror: it keeps voting yes on every package at its reservation
    assert len(v.casts) == 9 and all(c.ballot == "yes" for c in v.casts)


IMPLEMENTATION = {
    "periods": 3,
    "inspection_cost": 0.01,
    "challenge_quota": 1,
    "detection": {"inspect": [0.0, 1.0]},
    "parties": {
        s: {"comply_cost": 0.02, "defect_gain": 0.05, "harm": 0.02}
        for s in ["r", "backer", "defector", "inspector"]
    },
}


def implement(package: dict[str, str]) -> Versus:
    """``package`` is adopted; the defector defects in period 1 only; the inspector watches it."""

    s = build(["r", "backer", "defector", "inspector"], implementation=IMPLEMENTATION)
    return versus_test(
        TitForTat(),
        scenario=s,
        seat="r",
        opponents={
            "backer": sponsor(package),
            "defector": sponsor(package, acts=["defect"]),
            "inspector": sponsor(package, challenges="defector"),
        },
        seed=SEED,
    )


def test_defects_once_after_a_detected_defection_then_complies_again() -> None:
    v = implement({"cut": "high", "inspect": "full"})
    assert v.concluded.outcome == "agreement"
    log = v.talk.room.log
    detected = [e for e in log if isinstance(e, ChallengeResult) and e.detected]
    assert [(e.target, e.period) for e in detected][:1] == [("defector", 1)]
    # complies in period 1, answers the detected defection in period 2, forgives in period 3
    assert v.choices == ("comply", "defect", "comply")
    # it inspects the seat that was caught
    assert [t for p, ts in sorted(v.challenged.items()) if p >= 2 for t in ts] == [
        "defector",
        "defector",
    ]


def test_undetected_defection_does_not_trigger_retaliation() -> None:
    v = implement({"cut": "high", "inspect": "none"})  # detection probability 0
    assert v.concluded.package == {"cut": "high", "inspect": "none"}
    assert v.concluded.actions["defector"][0] == "defect"
    assert v.choices == ("comply", "comply", "comply")
    # inspections that cannot detect anything are not worth paying for
    assert v.challenged == {}


@pytest.mark.parametrize("name", bundled_names())
def test_completes_every_bundled_scenario(name: str) -> None:
    s = load_scenario(name)
    first, *others = s.seats
    opponents = {seat: TitForTat() for seat in others}
    versus_test(TitForTat(), scenario=s, seat=first, opponents=opponents, seed=SEED)


# --- reputation across talks ------------------------------------------------------------


def with_record(
    scenario: Scenario,
    opponents: dict[str, Delegation],
    reputation: dict[str, Record] | None,
) -> Versus:
    """Like :func:`versus_test` with ``r`` shown ``reputation`` (seat → record)."""

    lineup = {s: TitForTat() if s == "r" else opponents[s] for s in scenario.seats}
    talk = play(scenario, lineup, seed=SEED, reputation={"r": reputation or {}})
    assert talk.rejections == [] and talk.failures == []
    assert talk.room.concluded is not None
    return read(talk, "r")


CAUGHT = Record(talks=1, agreements=1, periods=3, inspected=1, exposure=1.0, violations_detected=1)
CLEAN = Record(talks=1, agreements=1, periods=3, inspected=3, exposure=3.0)


def test_punishes_a_seat_caught_in_an_earlier_talk_from_the_first_round() -> None:
    s = build(["r", "known", "clean", "block"])
    opponents: dict[str, Delegation] = {
        # worth 1.0 to r, like r's own; both vote yes on everything
        "known": MockDelegation(tables={"cut": "high", "inspect": "full"}, votes="yes"),
        "clean": MockDelegation(tables={"cut": "high", "inspect": "full"}, votes="yes"),
        # keeps round 1 from passing anything (consensus), then agrees
        "block": MockDelegation(tables={"cut": "high", "inspect": "full"}, votes=switch),
    }
    blind = with_record(s, opponents, None).ballots
    assert blind[1]["known"] == "yes" and blind[1]["clean"] == "yes"
    told = with_record(s, opponents, {"known": CAUGHT, "clean": CLEAN}).ballots
    # the violator's first move is answered from its record; the clean seat is trusted
    assert told[1]["known"] == "no"
    assert told[1]["clean"] == "yes"
    # it forgives once the seat has voted yes on r's package in this talk
    assert told[2]["known"] == "yes"


def test_inspects_a_known_violator_first() -> None:
    s = build(["r", "backer", "defector", "inspector"], implementation=IMPLEMENTATION)
    package = {"cut": "high", "inspect": "full"}
    opponents: dict[str, Delegation] = {
        "backer": sponsor(package),
        "defector": sponsor(package, acts=["defect"]),
        "inspector": sponsor(package),
    }
    # without a record defection pays for everyone (no sanction): it inspects in seat order
    assert with_record(s, opponents, None).challenged[1] == ["backer"]
    told = with_record(s, opponents, {"defector": CAUGHT})
    assert told.challenged[1] == ["defector"]
    # its own choices do not read the record: it complies until this talk shows a defection
    assert told.choices[0] == "comply"
