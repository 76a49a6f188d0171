"""Tournament scores: where a seat's raw score lies between bounds that occur.

A talk's own ``normalised`` score (in ``talks_concluded``) places the raw
score between the worst and best outcomes the scenario allows at all: every
other party defecting, the largest sanction, every inspection. Real talks
never come near those ends, so in a tournament every strategy lands between
0.77 and 0.83 of that range. The tournament *score* uses bounds that happen:

    score = (raw − low) / (high − low)

- ``low``: the seat's reservation, what it has without an agreement;
- ``high``: its best compliant outcome: its best package (which is
  Pareto-optimal: nothing gives it more) with its compliance costs over the
  implementation periods taken off (without an implementation phase, its
  best utility).

So 0 is "no deal", 1 is "its best deal, kept by all"; free riding can push
a score above 1, sanctions and harm below 0. The raw score and its breakdown
are kept beside it. Where ``high`` is not above ``low`` (a seat that no
agreement can help), the score is ``raw − low``.

(Bounding ``high`` by the packages every seat accepts instead would make the
span tiny for a seat whose acceptable deals barely beat its reservation, and
every implementation gain or loss of that seat enormous.)

The module also places agreements in the outcome space: their Euclidean
distance, in utilities, from the nearest Pareto-optimal package and from the
Nash bargaining point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from accord.protocol.analysis.bargaining import nash_point
from accord.protocol.analysis.pareto import pareto_frontier
from accord.protocol.scenario import Scenario
from accord.protocol.scenario.utility import utility_functions

DIGITS = 12
"""Scores are rounded to this many decimals, like the talk's own scores."""


class SeatBounds(msgspec.Struct, frozen=True, kw_only=True):
    """One seat's score bounds."""

    seat: str
    low: float
    high: float


class ScenarioBounds(msgspec.Struct, frozen=True, kw_only=True):
    """What scoring and placing agreements need of a scenario, computed once."""

    scenario: str
    seats: tuple[SeatBounds, ...]
    frontier: tuple[tuple[float, ...], ...]
    """Utility vectors (seat order) of the Pareto-optimal packages."""
    nash: tuple[float, ...] | None
    """Utility vector of the Nash bargaining point (None if no package beats
    every reservation)."""

    def bounds(self, seat: str) -> SeatBounds:
        for b in self.seats:
            if b.seat == seat:
                return b
        raise KeyError(seat)


def scenario_bounds(scenario: Scenario) -> ScenarioBounds:
    """Score bounds, frontier and Nash point of ``scenario`` (with every brief)."""

    functions = utility_functions(scenario)
    seats = scenario.seats
    reservations = [functions[s].reservation for s in seats]
    rows = [functions[s].rows() for s in seats]
    impl = scenario.implementation
    costs = [
        impl.periods * impl.parties[s].comply_cost
        if impl is not None and s in impl.parties
        else 0.0
        for s in seats
    ]
    bounds = [
        SeatBounds(seat=seat, low=reservations[s], high=functions[seat].best() - costs[s])
        for s, seat in enumerate(seats)
    ]
    issue_vectors = [
        [tuple(rows[s][i][o] for s in range(len(seats))) for o in range(len(issue.options))]
        for i, issue in enumerate(scenario.issues)
    ]
    frontier = pareto_frontier(issue_vectors).vectors
    nash = nash_point(frontier, reservations)
    return ScenarioBounds(
        scenario=scenario.id,
        seats=tuple(bounds),
        frontier=tuple(tuple(v) for v in frontier),
        nash=None if nash is None else tuple(frontier[nash[0]]),
    )


def score(raw: float, bounds: SeatBounds) -> float:
    """The tournament score of a raw score (see the module's formula)."""

    span = bounds.high - bounds.low
    value = raw - bounds.low if span <= 0 else (raw - bounds.low) / span
    return round(value, DIGITS) + 0.0


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    return math.sqrt(math.fsum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def pareto_distance(utilities: Sequence[float], bounds: ScenarioBounds) -> float:
    """How far an agreement's utility vector lies from the nearest Pareto-optimal one
    (0 on the frontier)."""

    if not bounds.frontier:
        return 0.0
    return round(min(distance(utilities, v) for v in bounds.frontier), DIGITS) + 0.0


def nash_distance(utilities: Sequence[float], bounds: ScenarioBounds) -> float | None:
    """How far an agreement's utility vector lies from the Nash bargaining point."""

    if bounds.nash is None:
        return None
    return round(distance(utilities, bounds.nash), DIGITS) + 0.0
