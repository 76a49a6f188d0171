"""The adaptive strategy (a Nash seeker) against scripted opponents."""

from __future__ import annotations

import random
from typing import Any

import pytest

from accord.bots.context import Context, Record, TabledPackage
from accord.bots.inprocess import play
from accord.bots.sdk import Ballot, Delegation, Package
from accord.bots.strategies.adaptive import Adaptive
from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.free_rider import FreeRider
from accord.bots.strategies.hardliner import Hardliner
from accord.protocol.events import BallotResult
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict
from tests.bots.strategies.scripted import MockDelegation, Versus, read, sponsor, versus_test

SEED = 9
ROUNDS = 10
LEVELS = ["0", "1", "2", "3"]


def rising(high_first: bool = False) -> list[float]:
    row = [0.0, 1 / 3, 2 / 3, 1.0]
    return row[::-1] if high_first else row


def integrative() -> Scenario:
    """Three issues; each seat cares most about a different one.

    ``me`` weighs x at 0.7 and wants every issue high; ``b`` wants y low and
    ``c`` wants z low (0.8 of their briefs), so packages with x high and y, z
    low or middling suit everyone. Consensus with a seat that always votes no:
    nothing is ever adopted, so every round's ballot shows who accepts what.
    """

    def brief(weights: tuple[float, float, float], low: str | None, reservation: float) -> dict:
        return {
            "weights": dict(zip("xyz", weights, strict=True)),
            "values": {i: rising(high_first=i == low) for i in "xyz"},
            "reservation": reservation,
        }

    raw: dict[str, Any] = {
        "id": "integrative",
        "issues": [{"id": i, "options": LEVELS} for i in "xyz"],
        "delegations": [
            {"id": "me", "brief": brief((0.7, 0.15, 0.15), None, 0.3)},
            {"id": "b", "brief": brief((0.1, 0.8, 0.1), "y", 0.6)},
            {"id": "c", "brief": brief((0.1, 0.1, 0.8), "z", 0.6)},
            {"id": "block", "brief": brief((0.4, 0.3, 0.3), None, 0.5)},
        ],
        "rules": {"decision": "consensus", "vetoes": False, "max_rounds": ROUNDS},
    }
    return scenario_from_dict(raw, file="test")


def best(ctx: Context) -> Package:
    """Its best package."""

    return ctx.best_package()


def sincere(ctx: Context, package: TabledPackage) -> Ballot:
    """Yes exactly on packages reaching its reservation."""

    return "yes" if ctx.utility(package.package) >= ctx.reservation else "no"


def ballots(v: Versus) -> dict[int, dict[str, dict[str, str]]]:
    """Round → tabling seat → that package's votes."""

    out: dict[int, dict[str, dict[str, str]]] = {}
    for event in v.talk.room.log:
        if isinstance(event, BallotResult):
            for result in event.results:
                assert result.votes is not None
                out.setdefault(event.round, {})[result.seat] = result.votes
    return out


def accepted_rounds(candidate: Delegation) -> tuple[int, Versus]:
    """In how many rounds both sincere seats voted yes on ``candidate``'s package."""

    v = versus_test(
        candidate,
        scenario=integrative(),
        seat="me",
        opponents={
            "b": MockDelegation(tables=best, votes=sincere),
            "c": MockDelegation(tables=best, votes=sincere),
            # tables a package worthless to me and votes no on everything
            "block": MockDelegation(tables={"x": "0", "y": "0", "z": "0"}, votes="no"),
        },
        seed=SEED,
    )
    rounds = ballots(v)
    assert len(rounds) == ROUNDS
    accepted = sum(
        1 for votes in rounds.values() if votes["me"]["b"] == "yes" and votes["me"]["c"] == "yes"
    )
    return accepted, v


def test_tables_packages_the_others_accept_more_often_than_a_hardliner() -> None:
    adaptive, v = accepted_rounds(Adaptive())
    hardliner, _ = accepted_rounds(Hardliner())
    conceder, _ = accepted_rounds(Conceder())
    # from the opponents' proposals and votes it finds what both accept (x
    # high, y and z low) once its own minimum allows; the others table blind
    assert adaptive >= 3
    assert adaptive > hardliner
    assert adaptive > conceder
    # it never gives its yes below its reservation, not even in the last round
    assert [votes["block"] for votes in v.ballots.values()] == ["no"] * ROUNDS
    # and what it tables is still good for it (well above its reservation)
    assert len(v.tabled) == ROUNDS
    assert min(v.tabled_utilities().values()) >= 0.5


# --- implementation -------------------------------------------------------------------

WEAKEST = {
    "tariffs": "40",
    "farm": "60",
    "sdt": "longer",
    "monitoring": "none",
    "disputes": "consultations",
}
STRONGEST = {**WEAKEST, "monitoring": "audit", "disputes": "binding"}


def trade_round(package: Package, *, inspect: str | None = None) -> tuple[str, ...]:
    """China's choices when every other seat sponsors ``package`` (and may inspect)."""

    scenario = load_scenario("trade-round")
    sponsors = {
        seat: sponsor(package, challenges=inspect) for seat in scenario.seats if seat != "china"
    }
    v = versus_test(Adaptive(), scenario=scenario, seat="china", opponents=sponsors, seed=SEED)
    assert v.concluded.package == package
    return v.choices


def test_defects_when_nothing_can_be_detected() -> None:
    assert trade_round(WEAKEST) == ("defect",) * 5


def test_complies_under_the_strongest_regime_when_inspected_every_period() -> None:
    assert trade_round(STRONGEST, inspect="china") == ("comply",) * 5


def regime(*, inspection_cost: float = 0.03) -> Scenario:
    """Detection 0.5 × sanction 0.4: an expected sanction of 0.2 per inspection.

    The seat ``me`` is tempted by 0.22 a period: defection pays if it is
    inspected once at most, not if it is inspected twice. ``deter`` (0.15) is
    deterred only if it expects to be inspected; ``greedy`` (0.3) never is.
    """

    brief = {
        "weights": {"cut": 1.0, "verify": 0.0, "enforce": 0.0},
        "values": {"cut": [0.0, 1.0], "verify": [0.5, 0.5], "enforce": [0.5, 0.5]},
        "reservation": 0.2,
    }
    raw: dict[str, Any] = {
        "id": "regime",
        "issues": [
            {"id": "cut", "options": ["low", "high"]},
            {"id": "verify", "kind": "verification", "options": ["none", "full"]},
            {"id": "enforce", "kind": "enforcement", "options": ["none", "heavy"]},
        ],
        "delegations": [{"id": s, "brief": brief} for s in ("me", "deter", "greedy")],
        "rules": {"decision": "qualified", "threshold": 0.6, "vetoes": False, "max_rounds": 2},
        "implementation": {
            "periods": 4,
            "inspection_cost": inspection_cost,
            "detection": {"verify": [0.0, 0.5]},
            "sanction": {"enforce": [0.0, 0.4]},
            "parties": {
                "me": {"comply_cost": 0.02, "defect_gain": 0.2, "harm": 0.05},
                "deter": {"comply_cost": 0.02, "defect_gain": 0.13, "harm": 0.1},
                "greedy": {"comply_cost": 0.02, "defect_gain": 0.28, "harm": 0.2},
            },
        },
    }
    return scenario_from_dict(raw, file="test")


STRONG = {"cut": "high", "verify": "full", "enforce": "heavy"}


def in_regime(me: Delegation, *, inspection_cost: float = 0.03) -> Versus:
    """Both other seats sponsor the strong regime and defect every period."""

    return versus_test(
        me,
        scenario=regime(inspection_cost=inspection_cost),
        seat="me",
        opponents={
            "deter": sponsor(STRONG, acts="defect"),
            "greedy": sponsor(STRONG, acts="defect"),
        },
        seed=SEED,
        expected={"adopted": STRONG},
    )


def test_defects_only_when_that_clearly_pays() -> None:
    # the free rider takes the gamble at its prior inspection chance; the Nash
    # seeker reckons with two inspections a period and keeps its word
    assert in_regime(Adaptive()).choices == ("comply",) * 4
    assert in_regime(FreeRider()).choices[0] == "defect"


def test_inspects_the_seat_an_inspection_deters_when_worth_the_cost() -> None:
    targets = [t for ts in in_regime(Adaptive()).challenged.values() for t in ts]
    assert "deter" in targets
    assert "greedy" not in targets  # no sanction here stops it: inspecting it is money thrown away
    assert in_regime(Adaptive(), inspection_cost=0.5).challenged == {}


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats
    opponents = {seat: Adaptive() for seat in others}
    v = versus_test(Adaptive(), scenario=scenario, seat=first, opponents=opponents, seed=SEED)
    assert v.talk.room.finished


# --- reputation across talks ------------------------------------------------------------

# caught twice in an earlier talk by inspections that would have caught it once in expectation
CAUGHT = Record(talks=1, agreements=1, periods=4, inspected=2, exposure=1.0, violations_detected=2)


def test_counts_on_a_known_violator_defecting_when_it_weighs_an_inspection() -> None:
    scenario = regime(inspection_cost=0.25)
    lineup: dict[str, Delegation] = {
        "me": Adaptive(),
        "deter": sponsor(STRONG, acts="defect"),
        "greedy": sponsor(STRONG, acts="defect"),
    }

    def challenged(reputation: dict[str, Record]) -> dict[int, list[str]]:
        talk = play(scenario, lineup, seed=SEED, reputation={"me": reputation})
        assert talk.rejections == [] and talk.failures == []
        v = read(talk, "me")
        assert v.concluded.package == STRONG
        return v.challenged

    # blind: ½ × harm 0.1 × 4 periods = 0.2, not worth an inspection at 0.25
    assert 1 not in challenged({})
    # deter's record: (2 + ½) / (1 + 1) = 1, capped at 1: 1 × 0.1 × 4 = 0.4 is worth it
    assert challenged({"deter": CAUGHT})[1] == ["deter"]


def test_a_known_violator_lowers_the_value_of_regimes_that_do_not_deter_it() -> None:
    scenario = regime()
    weak = {"cut": "high", "verify": "none", "enforce": "none"}
    blind = Context(seat="me", scenario=scenario, rng=random.Random(0))
    told = Context(seat="me", scenario=scenario, rng=random.Random(0), reputation={"deter": CAUGHT})
    adaptive = Adaptive()
    # deter's expected harm over 4 periods: 0.1 × ½ blind, 0.1 × 1 told
    assert adaptive.value(told, weak) == pytest.approx(adaptive.value(blind, weak) - 4 * 0.1 * 0.5)
    # the record names the valuation it is kept under, so talks do not share the wrong one
    assert adaptive.value_key(told) != adaptive.value_key(blind)
    assert adaptive.value_key(blind) == adaptive.value_key(
        Context(seat="me", scenario=scenario, rng=random.Random(0), reputation={"deter": Record()})
    )
