"""The inspector against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import LocalTalk, play
from accord.bots.sdk import Ballot, Choice, Delegation, Package
from accord.bots.strategies.inspector import Inspector
from accord.protocol.events import BallotResult, ChallengeResult
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict

SEED = 5
STRONG = {"cut": "high", "verify": "full", "enforce": "heavy"}
WEAK = {"cut": "high", "verify": "none", "enforce": "none"}


def build(*, detection: float, sanction: float, inspection_cost: float) -> Scenario:
    """The inspector and two seats that carry any package together (2 of 3 ≥ 60 %).

    Defection pays for ``cheat`` (temptation 0.22, harm 0.1) under any regime
    here except the strongest; it never pays for ``honest`` (temptation 0).
    """

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
        "id": "inspector",
        "issues": issues,
        "delegations": [{"id": s, "brief": brief} for s in ("insp", "cheat", "honest")],
        "rules": {"decision": "qualified", "threshold": 0.6, "vetoes": False, "max_rounds": 3},
        "implementation": {
            "periods": 4,
            "inspection_cost": inspection_cost,
            "detection": {"verify": [0.0, detection]},
            "sanction": {"enforce": [0.0, sanction]},
            "parties": {
                "insp": {"comply_cost": 0.02, "defect_gain": 0.3, "harm": 0.05},
                "cheat": {"comply_cost": 0.02, "defect_gain": 0.2, "harm": 0.1},
                "honest": {},
            },
        },
    }
    return scenario_from_dict(raw, file="test")


class Fixed(Delegation):
    """Tables one fixed package and votes yes on it only; always defects or always complies."""

    name = "fixed"

    def __init__(self, package: Package, *, defects: bool = False) -> None:
        self.package, self.defects = package, defects

    def table(self, ctx: Context) -> list[Package]:
        return [self.package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        return "yes" if package.package == self.package else "no"

    def act(self, ctx: Context) -> Choice:
        return "defect" if self.defects else "comply"


def run(scenario: Scenario, package: Package) -> LocalTalk:
    talk = play(
        scenario,
        {
            "insp": Inspector(),
            "cheat": Fixed(package, defects=True),
            "honest": Fixed(package),
        },
        seed=SEED,
    )
    assert talk.rejections == []
    assert talk.failures == []
    assert talk.room.concluded is not None
    assert talk.room.adopted is not None and talk.room.adopted.package == package
    return talk


def inspections(talk: LocalTalk) -> list[tuple[int, str]]:
    return [
        (e.period, e.target)
        for e in talk.room.log
        if isinstance(e, ChallengeResult) and e.seat == "insp"
    ]


def test_inspects_the_seat_for_which_defection_pays_every_period() -> None:
    # detection 0.5 × sanction 0.4 = 0.2 < 0.22: defection pays for cheat; an
    # inspection is worth ½ × 0.5 × (0.1 + 0.4) = 0.125 > 0.03
    talk = run(build(detection=0.5, sanction=0.4, inspection_cost=0.03), STRONG)
    assert inspections(talk) == [(1, "cheat"), (2, "cheat"), (3, "cheat"), (4, "cheat")]
    scores = {s.seat: s for s in talk.room.concluded.scores}  # type: ignore[union-attr]
    assert scores["cheat"].detected >= 1
    assert scores["insp"].inspection_costs == pytest.approx(4 * 0.03)


def test_passes_when_an_inspection_costs_more_than_it_is_worth() -> None:
    talk = run(build(detection=0.5, sanction=0.4, inspection_cost=0.5), STRONG)
    assert inspections(talk) == []
    scores = {s.seat: s for s in talk.room.concluded.scores}  # type: ignore[union-attr]
    assert scores["insp"].inspection_costs == 0


def test_never_inspects_when_nothing_can_be_detected_and_always_complies() -> None:
    talk = run(build(detection=0.9, sanction=1.0, inspection_cost=0.01), WEAK)
    assert inspections(talk) == []
    concluded = talk.room.concluded
    assert concluded is not None
    # defecting would pay it 0.32 a period, undetectably; it complies all the same
    assert concluded.actions["insp"] == ("comply",) * 4


def test_prefers_the_regime_that_deters_at_the_table() -> None:
    s = build(detection=0.9, sanction=1.0, inspection_cost=0.01)
    talk = play(s, {"insp": Inspector(), "cheat": Fixed(WEAK), "honest": Fixed(STRONG)}, seed=SEED)
    assert talk.rejections == [] and talk.failures == []
    ballot = next(e for e in talk.room.log if isinstance(e, BallotResult))
    votes = {r.seat: r.votes["insp"] for r in ballot.results if r.votes is not None}
    # the same utility; only the strong regime deters cheat's harm
    assert votes == {"insp": "yes", "cheat": "no", "honest": "yes"}


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    talk = play(scenario, {seat: Inspector() for seat in scenario.seats}, seed=SEED)
    assert talk.rejections == []
    assert talk.failures == []
    assert talk.room.finished and talk.room.concluded is not None
