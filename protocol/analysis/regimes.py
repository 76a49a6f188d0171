"""Implementation regimes: which verification and enforcement options deter defection.

A regime is one combination of options on the issues that set the chance
of detecting a defection (verification) or what a detected defection costs
(enforcement). Under each, with one inspection per seat and period,
defecting pays for a seat when its temptation (defection gain plus the cost
of complying) exceeds the expected sanction; a regime under which it pays
for no seat is self-enforcing. :func:`implementation_report` lists regimes
up to a bound and counts every one of them.
"""

from __future__ import annotations

import itertools
from collections import Counter

from accord.protocol.analysis.report import ImplementationReport, Regime
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import detection_probability, sanction_size


def implementation_report(scenario: Scenario, max_regimes: int) -> ImplementationReport | None:
    """Deterrence under each regime of ``scenario`` (the first ``max_regimes``
    listed, all counted); ``None`` without an implementation phase."""

    impl = scenario.implementation
    if impl is None:
        return None
    issues = [
        issue
        for issue in scenario.issues
        if issue.id in impl.detection or issue.id in impl.sanction
    ]
    seats = scenario.seats
    temptation = {
        seat: impl.parties[seat].defect_gain + impl.parties[seat].comply_cost for seat in seats
    }
    regimes = []
    combinations = itertools.product(*(issue.options for issue in issues))
    for combination in itertools.islice(combinations, max_regimes):
        package = {issue.id: option for issue, option in zip(issues, combination, strict=True)}
        detection = float(detection_probability(scenario, package))
        sanction = float(sanction_size(scenario, package))
        expected = detection * sanction
        pays = {seat: temptation[seat] > expected for seat in seats}
        regimes.append(
            Regime(
                options=package,
                detection=detection,
                sanction=sanction,
                expected_sanction=expected,
                defection_pays=pays,
                self_enforcing=not any(pays.values()),
            )
        )

    # Count every combination without enumerating them all: detection depends
    # only on the verification issues and the sanction only on the
    # enforcement issues. Both lists repeat the arithmetic of
    # detection_probability and sanction_size (same order), so they are exact.
    misses = [1.0]
    for row in impl.detection.values():
        misses = [miss * (1.0 - q) for miss in misses for q in row]
    sanctions: list[float] = [0]  # type: ignore[list-item]  # like sum(): an int 0 start
    for row in impl.sanction.values():
        sanctions = [total + x for total in sanctions for x in row]
    sanctions.sort()
    worst = max(temptation.values())
    self_enforcing = 0
    for miss, count in Counter(misses).items():
        detection = 1.0 - miss
        # Expected sanction rises with the sanction: find the first that deters.
        lo, hi = 0, len(sanctions)
        while lo < hi:
            mid = (lo + hi) // 2
            if detection * sanctions[mid] >= worst:
                hi = mid
            else:
                lo = mid + 1
        self_enforcing += count * (len(sanctions) - lo)
    return ImplementationReport(
        issues=tuple(issue.id for issue in issues),
        temptation=temptation,
        regime_count=len(misses) * len(sanctions),
        self_enforcing_count=self_enforcing,
        regimes=tuple(regimes),
    )
