"""The free rider against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Record
from accord.bots.inprocess import play
from accord.bots.strategies.free_rider import FreeRider
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict
from tests.bots.strategies.scripted import Versus, read, sponsor, versus_test

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


def trade_round(package: dict[str, str], *, inspect: str | None = None) -> Versus:
    """China free rides while every other seat sponsors ``package`` (and may inspect)."""

    scenario = load_scenario("trade-round")
    sponsors = {
        seat: sponsor(package, challenges=inspect) for seat in scenario.seats if seat != "china"
    }
    v = versus_test(FreeRider(), scenario=scenario, seat="china", opponents=sponsors, seed=SEED)
    assert v.concluded.package == package
    return v


def test_defects_every_period_when_the_agreement_detects_nothing() -> None:
    v = trade_round(WEAKEST)
    assert v.choices == ("defect",) * 5
    china = next(s for s in v.concluded.scores if s.seat == "china")
    assert china.defection_gains == pytest.approx(5 * 0.07)
    assert china.sanctions == 0


def test_complies_under_the_strongest_regime_when_inspected_every_period() -> None:
    v = trade_round(STRONGEST, inspect="china")
    assert v.choices == ("comply",) * 5
    # the others, complying sponsors, are unaffected: the free rider does no harm
    assert all(s.harm_suffered == 0 for s in v.concluded.scores)


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
    watched = versus_test(
        FreeRider(),
        scenario=s,
        seat="fr",
        opponents={"a": sponsor(MIDDLE, challenges="fr"), "b": sponsor(MIDDLE)},
        seed=SEED,
        expected={"adopted": MIDDLE, "choices": ("defect", "comply", "comply")},
    )
    assert watched.challenged == {}  # it never inspects
    versus_test(
        FreeRider(),
        scenario=s,
        seat="fr",
        opponents={"a": sponsor(MIDDLE), "b": sponsor(MIDDLE)},
        seed=SEED,
        expected={"adopted": MIDDLE, "choices": ("defect", "defect", "defect")},
    )


def test_prefers_weak_verification_at_the_table() -> None:
    weak = {"cut": "high", "verify": "none", "enforce": "none"}
    strong = {"cut": "high", "verify": "full", "enforce": "heavy"}
    s = inline(detection=0.9, sanction=1.0)
    v = versus_test(
        FreeRider(),
        scenario=s,
        seat="fr",
        opponents={"a": sponsor(strong), "b": sponsor(weak)},
        seed=SEED,
    )
    first = v.tabled[1][0]
    assert first["cut"] == "high" and (first["verify"], first["enforce"]) != ("full", "heavy")
    votes = v.ballots[1]
    # the same utility, but only the weak regime lets it free ride
    assert votes["a"] == "no"
    assert votes["b"] == "yes"


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats
    v = versus_test(
        FreeRider(),
        scenario=scenario,
        seat=first,
        opponents={seat: FreeRider() for seat in others},
        seed=SEED,
    )
    assert v.talk.room.finished


# --- reputation across talks ------------------------------------------------------------


def with_record(*, caught: int, inspected: bool) -> Versus:
    """``fr`` under the middle regime (defection pays at an even inspection chance,
    not at a certain one); its own record shows ``caught`` detected defections;
    ``a`` inspects it every period when ``inspected``."""

    s = inline(detection=0.5, sanction=0.4)
    lineup = {
        "fr": FreeRider(),
        "a": sponsor(MIDDLE, challenges="fr" if inspected else None),
        "b": sponsor(MIDDLE),
    }
    own = Record(
        talks=1,
        agreements=1,
        periods=3,
        inspected=caught,
        exposure=0.5 * caught,
        violations_detected=caught,
        violation_talks=int(caught > 0),
    )
    talk = play(s, lineup, seed=SEED, reputation={"fr": {"fr": own}})
    assert talk.rejections == [] and talk.failures == []
    v = read(talk, "fr")
    assert v.concluded.package == MIDDLE
    return v


def test_complies_once_caught_before_while_it_is_watched() -> None:
    # a clean record changes nothing: it takes the gamble at ½ (0.5 × 0.4 × ½ < 0.12)
    assert with_record(caught=0, inspected=True).choices == ("defect", "comply", "comply")
    # caught in an earlier talk, it expects to be inspected from the first period
    assert with_record(caught=1, inspected=True).choices == ("comply", "comply", "comply")


def test_a_record_only_moves_its_prior() -> None:
    # nobody inspects it: after one period unwatched its estimate falls to ½ again
    assert with_record(caught=1, inspected=False).choices == ("comply", "defect", "defect")
