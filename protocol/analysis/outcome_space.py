"""The analysis of a scenario's outcome space: :func:`analyze`.

It takes every seat's utilities of every option, then puts together the
Pareto frontier (:mod:`~accord.protocol.analysis.pareto`), the packages
chosen on it (:mod:`~accord.protocol.analysis.bargaining`), the counts over
the whole space (:mod:`~accord.protocol.analysis.counting`) and the
implementation regimes (:mod:`~accord.protocol.analysis.regimes`) into one
:class:`~accord.protocol.analysis.report.Analysis`.
"""

from __future__ import annotations

from accord.protocol.analysis.bargaining import (
    highest_sums,
    nash_point,
    utilitarian_optimum,
    utility_sums,
)
from accord.protocol.analysis.counting import count_votes
from accord.protocol.analysis.pareto import pareto_frontier
from accord.protocol.analysis.regimes import implementation_report
from accord.protocol.analysis.report import Analysis, Point, SeatReport
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import utility_functions


def analyze(scenario: Scenario, *, sample: int = 5, max_regimes: int = 1024) -> Analysis:
    """Analyse ``scenario`` exactly (it must carry every seat's brief).

    ``sample`` bounds the frontier packages listed; ``max_regimes`` bounds the
    implementation regimes listed (all are counted).
    """

    functions = utility_functions(scenario)
    seats = scenario.seats
    # rows[s][i][o]: seat s's weighted value of option o on issue i.
    rows = [functions[seat].rows() for seat in seats]
    reservations = [functions[seat].reservation for seat in seats]
    issue_vectors = [
        [tuple(rows[s][i][o] for s in range(len(seats))) for o in range(len(issue.options))]
        for i, issue in enumerate(scenario.issues)
    ]

    frontier = pareto_frontier(issue_vectors)
    counts = count_votes(scenario, rows, reservations)
    vectors = frontier.vectors

    def point(k: int) -> Point:
        return Point(
            package={
                issue.id: issue.options[o]
                for issue, o in zip(scenario.issues, frontier.package(k), strict=True)
            },
            utilities=dict(zip(seats, vectors[k], strict=True)),
        )

    sums = utility_sums(vectors)
    utilitarian, best_sum = utilitarian_optimum(sums)
    nash = nash_point(vectors, reservations)
    top = highest_sums(sums, vectors, sample)

    total = scenario.outcome_count
    seat_reports = tuple(
        SeatReport(
            seat=seat,
            reservation=reservations[s],
            best=functions[seat].best(),
            worst=functions[seat].worst(),
            above_reservation=counts.above[s],
            share_above_reservation=counts.above[s] / total,
        )
        for s, seat in enumerate(seats)
    )
    return Analysis(
        scenario=scenario.id,
        seats=seats,
        packages=total,
        pareto_size=len(vectors),
        pareto_sample=tuple(point(k) for k in top),
        nash=None if nash is None else point(nash[0]),
        nash_product=None if nash is None else nash[1],
        utilitarian=point(utilitarian),
        utilitarian_sum=best_sum,
        passing=counts.passing,
        acceptable_to_all=counts.all_yes,
        seat_reports=seat_reports,
        implementation=implementation_report(scenario, max_regimes),
    )
