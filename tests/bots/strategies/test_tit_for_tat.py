"""The tit-for-tat reciprocator against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import LocalTalk, play
from accord.bots.sdk import Ballot, Choice, Delegation, Package
from accord.bots.strategies.tit_for_tat import Reciprocator
from accord.protocol.events import BallotResult, ChallengeResult, VoteCast
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict

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


class Scripted(Delegation):
    """Tables one fixed package; votes by a fixed rule; acts and inspects by script."""

    name = "scripted"

    def __init__(
        self,
        package: Package,
        *,
        votes: str = "yes",
        defect_in: tuple[int, ...] = (),
        inspect: str | None = None,
    ) -> None:
        self.package, self.votes, self.defect_in, self.inspect = package, votes, defect_in, inspect

    def table(self, ctx: Context) -> list[Package]:
        return [self.package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        if self.votes == "own":  # yes only on its own package's content
            return "yes" if package.package == self.package else "no"
        if self.votes == "switch":  # no in round 1, yes afterwards
            return "no" if ctx.round == 1 else "yes"
        return "yes" if self.votes == "yes" else "no"

    def act(self, ctx: Context) -> Choice:
        return "defect" if ctx.period in self.defect_in else "comply"

    def challenge(self, ctx: Context) -> list[str]:
        return [self.inspect] if self.inspect else []


def votes_of(talk: LocalTalk, voter: str) -> dict[int, dict[str, str]]:
    """Round → owner seat → how ``voter`` voted on that owner's package."""

    out: dict[int, dict[str, str]] = {}
    for event in talk.room.log:
        if isinstance(event, BallotResult):
            for result in event.results:
                assert result.votes is not None
                out.setdefault(event.round, {})[result.seat] = result.votes[voter]
    return out


def clean(talk: LocalTalk) -> None:
    assert talk.rejections == []
    assert talk.failures == []
    assert talk.room.concluded is not None


def test_mirrors_each_seats_last_vote_on_its_own_package() -> None:
    s = build(["r", "nay", "aye", "cheap", "switch"])
    talk = play(
        s,
        {
            "r": Reciprocator(),
            "nay": Scripted({"cut": "mid", "inspect": "full"}, votes="no"),  # worth 0.75 to r
            "aye": Scripted({"cut": "high", "inspect": "none"}, votes="yes"),  # worth 0.5
            "cheap": Scripted({"cut": "mid", "inspect": "none"}, votes="yes"),  # 0.25 < 0.3
            "switch": Scripted({"cut": "low", "inspect": "full"}, votes="switch"),  # 0.5
        },
        seed=SEED,
    )
    clean(talk)
    votes = votes_of(talk, "r")
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
    talk = play(
        s,
        {
            "r": Reciprocator(),
            "nay": Scripted({"cut": "mid", "inspect": "full"}, votes="no"),
            "aye": Scripted({"cut": "high", "inspect": "none"}, votes="no"),
        },
        seed=SEED,
    )
    clean(talk)
    mine = [e for e in talk.room.log if isinstance(e, VoteCast) and e.seat == "r"]
    # nothing to mirror: it keeps voting yes on every package at its reservation
    assert len(mine) == 9 and all(e.vote == "yes" for e in mine)


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


def implement(package: Package) -> LocalTalk:
    """``package`` is adopted; the defector defects in period 1 only; the inspector watches it."""

    s = build(["r", "backer", "defector", "inspector"], implementation=IMPLEMENTATION)
    return play(
        s,
        {
            "r": Reciprocator(),
            "backer": Scripted(package, votes="own"),
            "defector": Scripted(package, votes="own", defect_in=(1,)),
            "inspector": Scripted(package, votes="own", inspect="defector"),
        },
        seed=SEED,
    )


def test_defects_once_after_a_detected_defection_then_complies_again() -> None:
    talk = implement({"cut": "high", "inspect": "full"})
    clean(talk)
    concluded = talk.room.concluded
    assert concluded is not None and concluded.outcome == "agreement"
    detected = [e for e in talk.room.log if isinstance(e, ChallengeResult) and e.detected]
    assert [(e.target, e.period) for e in detected][:1] == [("defector", 1)]
    # complies in period 1, answers the detected defection in period 2, forgives in period 3
    assert concluded.actions["r"] == ("comply", "defect", "comply")
    # it inspects the seat that was caught
    mine = [e for e in talk.room.log if isinstance(e, ChallengeResult) and e.seat == "r"]
    assert [e.target for e in mine if e.period >= 2] == ["defector", "defector"]


def test_undetected_defection_does_not_trigger_retaliation() -> None:
    talk = implement({"cut": "high", "inspect": "none"})  # detection probability 0
    clean(talk)
    concluded = talk.room.concluded
    assert concluded is not None and concluded.package == {"cut": "high", "inspect": "none"}
    assert concluded.actions["defector"][0] == "defect"
    assert concluded.actions["r"] == ("comply", "comply", "comply")
    # inspections that cannot detect anything are not worth paying for
    assert not [e for e in talk.room.log if isinstance(e, ChallengeResult) and e.seat == "r"]


@pytest.mark.parametrize("name", bundled_names())
def test_completes_every_bundled_scenario(name: str) -> None:
    s = load_scenario(name)
    talk = play(s, {seat: Reciprocator() for seat in s.seats}, seed=SEED)
    clean(talk)
