"""The inspector against scripted opponents."""

from __future__ import annotations

import random
from typing import Any

import pytest

from accord.bots.context import Context, Record
from accord.bots.inprocess import play
from accord.bots.strategies.inspector import Inspector
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict
from tests.bots.strategies.scripted import Versus, read, sponsor, versus_test

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


def run(scenario: Scenario, package: dict[str, str]) -> Versus:
    """``cheat`` and ``honest`` sponsor ``package``; ``cheat`` defects every period."""

    v = versus_test(
        Inspector(),
        scenario=scenario,
        seat="insp",
        opponents={"cheat": sponsor(package, acts="defect"), "honest": sponsor(package)},
        seed=SEED,
    )
    assert v.concluded.package == package
    return v


def inspections(v: Versus) -> list[tuple[int, str]]:
    return [(period, target) for period, targets in v.challenged.items() for target in targets]


def test_inspects_the_seat_for_which_defection_pays_every_period() -> None:
    # detection 0.5 × sanction 0.4 = 0.2 < 0.22: defection pays for cheat; an
    # inspection is worth ½ × 0.5 × (0.1 + 0.4) = 0.125 > 0.03
    v = run(build(detection=0.5, sanction=0.4, inspection_cost=0.03), STRONG)
    assert inspections(v) == [(1, "cheat"), (2, "cheat"), (3, "cheat"), (4, "cheat")]
    scores = {s.seat: s for s in v.concluded.scores}
    assert scores["cheat"].detected >= 1
    assert scores["insp"].inspection_costs == pytest.approx(4 * 0.03)


def test_passes_when_an_inspection_costs_more_than_it_is_worth() -> None:
    v = run(build(detection=0.5, sanction=0.4, inspection_cost=0.5), STRONG)
    assert inspections(v) == []
    scores = {s.seat: s for s in v.concluded.scores}
    assert scores["insp"].inspection_costs == 0


def test_never_inspects_when_nothing_can_be_detected_and_always_complies() -> None:
    v = run(build(detection=0.9, sanction=1.0, inspection_cost=0.01), WEAK)
    assert inspections(v) == []
    # defecting would pay it 0.32 a period, undetectably; it complies all the same
    assert v.choices == ("comply",) * 4


def test_prefers_the_regime_that_deters_at_the_table() -> None:
    s = build(detection=0.9, sanction=1.0, inspection_cost=0.01)
    v = versus_test(
        Inspector(),
        scenario=s,
        seat="insp",
        opponents={"cheat": sponsor(WEAK), "honest": sponsor(STRONG)},
        seed=SEED,
    )
    # the same utility; only the strong regime deters cheat's harm
    assert v.ballots[1] == {"insp": "yes", "cheat": "no", "honest": "yes"}


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats
    opponents = {seat: Inspector() for seat in others}
    v = versus_test(Inspector(), scenario=scenario, seat=first, opponents=opponents, seed=SEED)
    assert v.talk.room.finished


# --- reputation across talks ------------------------------------------------------------

# caught once in an earlier talk, by inspections that would have caught it half the time
CAUGHT = Record(talks=1, agreements=1, periods=4, inspected=1, exposure=0.5, violations_detected=1)


def with_record(scenario: Scenario, reputation: dict[str, Record] | None) -> Versus:
    """``cheat`` and ``honest`` sponsor the strong regime and comply; ``insp`` is
    shown ``reputation`` (seat → record)."""

    lineup = {"insp": Inspector(), "cheat": sponsor(STRONG), "honest": sponsor(STRONG)}
    talk = play(scenario, lineup, seed=SEED, reputation={"insp": reputation or {}})
    assert talk.rejections == [] and talk.failures == []
    v = read(talk, "insp")
    assert v.concluded.package == STRONG
    return v


def test_inspects_a_seat_with_a_record_first_even_where_defection_does_not_pay_it() -> None:
    s = build(detection=0.5, sanction=0.4, inspection_cost=0.03)
    # honest gains nothing by defecting: ⅒ × 0.5 × 0.4 = 0.02 is not worth 0.03
    assert inspections(with_record(s, None))[0] == (1, "cheat")
    # caught before: (1 + ⅒) / (0.5 + 1) ≈ 0.73, and 0.73 × 0.5 × 0.4 ≈ 0.15 beats
    # cheat's ½ × 0.5 × (0.1 + 0.4) = 0.125
    told = with_record(s, {"honest": CAUGHT})
    assert inspections(told)[0] == (1, "honest")


def test_a_known_violator_makes_weak_verification_worth_less_at_the_table() -> None:
    s = build(detection=0.9, sanction=1.0, inspection_cost=0.01)
    blind = Context(seat="insp", scenario=s, rng=random.Random(0))
    told = Context(seat="insp", scenario=s, rng=random.Random(0), reputation={"cheat": CAUGHT})
    inspector = Inspector()
    # the weak regime deters nobody: cheat's harm over 4 periods weighs ½ blind,
    # (1 + ½) / (0.5 + 1) = 1 told
    assert inspector.value(blind, WEAK) == pytest.approx(1.0 - 4 * 0.5 * 0.1)
    assert inspector.value(told, WEAK) == pytest.approx(1.0 - 4 * 1.0 * 0.1)
    # the strong regime deters cheat (½ × 0.9 × 1 > 0.22): the record costs it nothing
    assert inspector.value(told, STRONG) == inspector.value(blind, STRONG) == 1.0
