"""The free rider against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import LocalTalk, play
from accord.bots.sdk import Ballot, Delegation, Package
from accord.bots.strategies.free_rider import FreeRider
from accord.protocol.events import BallotResult, ProposalTabled
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict

SEED = 7

# trade-round: China (weight 2 of 12) is tempted by 0.11 a period; the others
# carry any package without it (10 of 12 ≥ 75 %).
WEAKEST = {
    "tariffs": "40",
    "farm": "60",
    "sdt": "longer",
    "monitoring": "none",
    "disputes": "consultations",
}
STRONGEST = {**WEAKEST, "monitoring": "audit", "disputes": "binding"}


class Sponsor(Delegation):
    """Tables one fixed package, votes yes on it only, and may inspect one seat every period."""

    name = "sponsor"

    def __init__(self, package: Package, *, inspect: str | None = None) -> None:
        self.package, self.inspect = package, inspect

    def table(self, ctx: Context) -> list[Package]:
        return [self.package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        return "yes" if package.package == self.package else "no"

    def challenge(self, ctx: Context) -> list[str]:
        return [self.inspect] if self.inspect else []


def clean(talk: LocalTalk) -> None:
    assert talk.rejections == []
    assert talk.failures == []
    assert talk.room.concluded is not None


def trade_round(package: Package, *, inspect: str | None = None) -> LocalTalk:
    scenario = load_scenario("trade-round")
    seats: dict[str, Delegation] = {
        seat: Sponsor(package, inspect=inspect) for seat in scenario.seats if seat != "china"
    }
    seats["china"] = FreeRider()
    talk = play(scenario, seats, seed=SEED)
    clean(talk)
    assert talk.room.adopted is not None and talk.room.adopted.package == package
    return talk


def test_defects_every_period_when_the_agreement_detects_nothing() -> None:
    talk = trade_round(WEAKEST)
    concluded = talk.room.concluded
    assert concluded is not None
    assert concluded.actions["china"] == ("defect",) * 5
    china = next(s for s in concluded.scores if s.seat == "china")
    assert china.defection_gains == pytest.approx(5 * 0.07)
    assert china.sanctions == 0


def test_complies_under_the_strongest_regime_when_inspected_every_period() -> None:
    talk = trade_round(STRONGEST, inspect="china")
    concluded = talk.room.concluded
    assert concluded is not None
    assert concluded.actions["china"] == ("comply",) * 5
    # the others, complying sponsors, are unaffected: the free rider does no harm
    assert all(s.harm_suffered == 0 for s in concluded.scores)


def inline(*, detection: float, sanction: float) -> Scenario:
    """Three equal seats; qualified rule (2 of 3 carry); one regime of each strength."""

    issues = [
        {"id": "cut", "options": ["low", "mid", "high"]},
        {"id": "verify", "kind": "verification", "options": ["none", "full"]},
        {"id": "enforce", "kind": "enforcement", "options": ["none", "heavy"]},
    ]
    brief = {
        "weights": {"cut": 1.0, "verify": 0.0, "enforce": 0.0},
        "values": {"cut": [0.0, 0.5, 1.0], "verify": [0.5, 0.5], "enforce": [0.5, 0.5]},
        "reservation": 0.2,
    }
    raw: dict[str, Any] = {
        "id": "free-rider",
        "issues": issues,
        "delegations": [{"id": s, "brief": brief} for s in ("fr", "a", "b")],
        "rules": {"decision": "qualified", "threshold": 0.6, "vetoes": False, "max_rounds": 3},
        "implementation": {
            "periods": 3,
            "detection": {"verify": [0.0, detection]},
            "sanction": {"enforce": [0.0, sanction]},
            "parties": {
                "fr": {"comply_cost": 0.02, "defect_gain": 0.1, "harm": 0.05},
                "a": {"comply_cost": 0.02, "defect_gain": 0.05},
                "b": {"comply_cost": 0.02, "defect_gain": 0.05},
            },
        },
    }
    return scenario_from_dict(raw, file="test")


MIDDLE = {"cut": "high", "verify": "full", "enforce": "heavy"}


def test_learns_from_inspections_whether_defection_pays() -> None:
    # detection 0.5 × sanction 0.4 = 0.2 against a temptation of 0.12: defection
    # pays at the prior inspection chance (½), not once it is inspected every period
    s = inline(detection=0.5, sanction=0.4)
    watched = play(
        s, {"fr": FreeRider(), "a": Sponsor(MIDDLE, inspect="fr"), "b": Sponsor(MIDDLE)}, seed=SEED
    )
    unwatched = play(s, {"fr": FreeRider(), "a": Sponsor(MIDDLE), "b": Sponsor(MIDDLE)}, seed=SEED)
    for talk in (watched, unwatched):
        clean(talk)
        assert talk.room.adopted is not None and talk.room.adopted.package == MIDDLE
    assert watched.room.concluded is not None and unwatched.room.concluded is not None
    assert watched.room.concluded.actions["fr"] == ("defect", "comply", "comply")
    assert unwatched.room.concluded.actions["fr"] == ("defect", "defect", "defect")


def test_prefers_weak_verification_at_the_table() -> None:
    weak = {"cut": "high", "verify": "none", "enforce": "none"}
    strong = {"cut": "high", "verify": "full", "enforce": "heavy"}
    s = inline(detection=0.9, sanction=1.0)
    talk = play(s, {"fr": FreeRider(), "a": Sponsor(strong), "b": Sponsor(weak)}, seed=SEED)
    clean(talk)
    tabled = [e for e in talk.room.log if isinstance(e, ProposalTabled) and e.seat == "fr"]
    first = tabled[0].package
    assert first["cut"] == "high" and (first["verify"], first["enforce"]) != ("full", "heavy")
    ballot = next(e for e in talk.room.log if isinstance(e, BallotResult))
    votes = {r.seat: r.votes["fr"] for r in ballot.results if r.votes is not None}
    # the same utility, but only the weak regime lets it free ride
    assert votes["a"] == "no"
    assert votes["b"] == "yes"


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    talk = play(scenario, {seat: FreeRider() for seat in scenario.seats}, seed=SEED)
    clean(talk)
    assert talk.room.finished
