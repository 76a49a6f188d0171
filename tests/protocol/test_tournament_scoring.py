"""Tournament scores between bounds that occur, worked out by hand on tiny scenarios,
and a talk's result read from its log."""

from __future__ import annotations

import math

import pytest

from accord.bots import load, play
from accord.protocol.scenario.generate import random_scenario
from accord.protocol.scenario.model import (
    Brief,
    Delegation,
    Implementation,
    Issue,
    Scenario,
    Terms,
)
from accord.protocol.tournament import (
    SeatBounds,
    TalkPlan,
    ranks,
    scenario_bounds,
    score,
    talk_result,
)
from accord.protocol.tournament.scoring import nash_distance, pareto_distance


def tiny(
    reservation: float = 0.4,
    *,
    cost: float | None = None,
    second_issue: bool = False,
) -> Scenario:
    """Two seats on one issue of three options that they value in opposite orders:
    a (0, 0.5, 1), b (1, 0.5, 0); both reserve ``reservation``. With ``cost``, two
    implementation periods in which complying costs seat a that much each."""

    issues = [Issue(id="x", title="X", options=("o0", "o1", "o2"))]
    values_a: dict[str, tuple[float, ...]] = {"x": (0.0, 0.5, 1.0)}
    values_b: dict[str, tuple[float, ...]] = {"x": (1.0, 0.5, 0.0)}
    weights = {"x": 1.0}
    if second_issue:
        issues.append(Issue(id="y", title="Y", options=("p0", "p1")))
        values_a["y"] = (0.0, 1.0)
        values_b["y"] = (0.0, 1.0)
        weights = {"x": 0.5, "y": 0.5}
    delegations = tuple(
        Delegation(
            id=seat,
            name=seat,
            brief=Brief(weights=weights, values=values, reservation=reservation),
        )
        for seat, values in (("a", values_a), ("b", values_b))
    )
    implementation = None
    if cost is not None:
        implementation = Implementation(periods=2, parties={"a": Terms(comply_cost=cost)})
    return Scenario(
        id="tiny",
        title="Tiny",
        issues=tuple(issues),
        delegations=delegations,
        implementation=implementation,
    )


def test_bounds_run_from_the_reservation_to_the_best_package() -> None:
    b = scenario_bounds(tiny())
    assert b.bounds("a") == SeatBounds(seat="a", low=0.4, high=1.0)
    assert b.bounds("b") == SeatBounds(seat="b", low=0.4, high=1.0)
    # every option is Pareto-optimal; the Nash point is the only one beating both reservations
    assert sorted(b.frontier) == [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)]
    assert b.nash == (0.5, 0.5)
    assert b.scenario == "tiny"
    with pytest.raises(KeyError):
        b.bounds("nobody")


def test_the_reservation_is_the_bottom_whatever_the_others_accept() -> None:
    b = scenario_bounds(tiny(0.7))
    assert b.bounds("a") == SeatBounds(seat="a", low=0.7, high=1.0)
    assert b.nash is None  # no package beats both reservations


def test_compliance_costs_over_the_periods_lower_the_top() -> None:
    b = scenario_bounds(tiny(cost=0.02))
    assert b.bounds("a").high == pytest.approx(1.0 - 2 * 0.02)
    assert b.bounds("b").high == 1.0  # b pays nothing


def test_more_issues_add_up_and_dominated_packages_leave_the_frontier() -> None:
    b = scenario_bounds(tiny(0.4, second_issue=True))
    # y = p1 is better for both: the frontier holds only the three x options with p1
    assert sorted(b.frontier) == [(0.5, 1.0), (0.75, 0.75), (1.0, 0.5)]
    assert b.bounds("a").high == 1.0
    assert b.nash == (0.75, 0.75)


def test_the_score_formula() -> None:
    bounds = SeatBounds(seat="a", low=0.4, high=0.6)
    assert score(0.4, bounds) == 0.0
    assert score(0.6, bounds) == 1.0
    assert score(0.5, bounds) == pytest.approx(0.5)
    assert score(0.7, bounds) == pytest.approx(1.5)  # free riding lands above 1
    assert score(0.3, bounds) == pytest.approx(-0.5)  # sanctions and harm below 0
    flat = SeatBounds(seat="a", low=0.4, high=0.4)
    assert score(0.45, flat) == pytest.approx(0.05)  # no span: raw - low
    assert score(1 / 3, SeatBounds(seat="a", low=0.0, high=1.0)) == round(1 / 3, 12)
    assert math.copysign(1, score(0.4, bounds)) == 1  # never -0.0


def test_distances_from_the_frontier_and_the_nash_point() -> None:
    b = scenario_bounds(tiny())
    assert pareto_distance([0.5, 0.5], b) == 0.0
    assert pareto_distance([0.25, 0.25], b) == pytest.approx(math.sqrt(2 * 0.25**2))
    assert nash_distance([1.0, 0.0], b) == pytest.approx(math.sqrt(0.5))
    assert nash_distance([0.5, 0.5], scenario_bounds(tiny(0.7))) is None


def test_ranks_share_places_on_ties() -> None:
    assert ranks([0.1, 0.5, 0.3]) == [3.0, 1.0, 2.0]
    assert ranks([0.2, 0.2, 0.1]) == [1.5, 1.5, 3.0]
    assert ranks([1.0, 1.0, 1.0]) == [2.0, 2.0, 2.0]
    assert ranks([]) == []


def test_a_talks_result_from_its_log() -> None:
    scenario = random_scenario(seed=4, seats=3, issues=2, options=3)
    entries = ("adaptive", "hardliner", "conceder")
    plan = TalkPlan(
        id="s0-t0-r0-g0",
        scenario=0,
        seating=entries,
        repetition=0,
        series="s0-t0-r0",
        game=0,
        seed=77,
    )
    lineup = {seat: load(e)() for seat, e in zip(scenario.seats, entries, strict=True)}
    talk = play(scenario, lineup, seed=plan.seed)
    bounds = scenario_bounds(scenario)
    seat0 = scenario.seats[0]
    result = talk_result(
        plan,
        scenario,
        talk.room.log,
        bounds,
        head=talk.room.chain.head,
        failures={seat0: 2},
        problems=["something"],
    )
    concluded = talk.room.log[-1]
    assert result.talk == plan.id and result.seed == 77 and result.seating == entries
    assert result.head == talk.room.chain.head and result.events == len(talk.room.log)
    assert result.outcome == concluded.outcome and result.rounds == concluded.rounds
    raw = {s.seat: s.raw for s in concluded.scores}
    for seat in result.seats:
        assert seat.score == score(raw[seat.seat], bounds.bounds(seat.seat))
        assert seat.raw == raw[seat.seat]
    assert [s.entry for s in result.seats] == list(entries)
    assert [s.failures for s in result.seats] == [2, 0, 0]
    assert sorted(s.rank for s in result.seats) == sorted(ranks([s.score for s in result.seats]))
    assert result.problems == ("something",)
    if result.outcome == "agreement":
        assert result.package is not None and result.pareto_distance is not None
    else:
        assert result.package is None and result.pareto_distance is None
    with pytest.raises(ValueError, match="talks_concluded"):
        talk_result(plan, scenario, talk.room.log[:-1], bounds, head="x")
