"""Utilities of packages and the stakes of implementation.

The utility of a package for a delegation is Σᵢ wᵢ · vᵢ(option on issue i),
in [0, 1]; without agreement a delegation gets its reservation utility.
"""

from __future__ import annotations

from collections.abc import Mapping

from protocol.scenario.model import Brief, Scenario

Package = Mapping[str, str]


class UtilityFunction:
    """A delegation's utility over packages, precomputed for fast lookups."""

    __slots__ = ("reservation", "_table")

    def __init__(self, scenario: Scenario, brief: Brief) -> None:
        self.reservation = brief.reservation
        self._table: dict[str, dict[str, float]] = {
            issue.id: {
                option: brief.weights[issue.id] * value
                for option, value in zip(issue.options, brief.values[issue.id], strict=True)
            }
            for issue in scenario.issues
        }

    def __call__(self, package: Package) -> float:
        return sum(self._table[issue][option] for issue, option in package.items())

    def best(self) -> float:
        """The highest utility any package gives."""

        return sum(max(row.values()) for row in self._table.values())

    def worst(self) -> float:
        """The lowest utility any package gives."""

        return sum(min(row.values()) for row in self._table.values())

    def rows(self) -> list[list[float]]:
        """Weighted value of each option, issue by issue, in agenda order."""

        return [list(row.values()) for row in self._table.values()]


def utility_functions(scenario: Scenario) -> dict[str, UtilityFunction]:
    """One utility function per seat (the scenario must carry every brief)."""

    out: dict[str, UtilityFunction] = {}
    for delegation in scenario.delegations:
        if delegation.brief is None:
            raise ValueError(f"the brief of {delegation.id!r} is not in this view")
        out[delegation.id] = UtilityFunction(scenario, delegation.brief)
    return out


def detection_probability(scenario: Scenario, package: Package) -> float:
    """Chance that one inspection detects a defection under the adopted package.

    Several verification issues are independent layers: 1 − Π(1 − pᵢ).
    """

    impl = scenario.implementation
    if impl is None:
        return 0.0
    miss = 1.0
    for issue_id, row in impl.detection.items():
        miss *= 1.0 - row[scenario.issue(issue_id).options.index(package[issue_id])]
    return 1.0 - miss


def sanction_size(scenario: Scenario, package: Package) -> float:
    """What a detected defection costs the violator under the adopted package."""

    impl = scenario.implementation
    if impl is None:
        return 0.0
    return sum(
        row[scenario.issue(issue_id).options.index(package[issue_id])]
        for issue_id, row in impl.sanction.items()
    )
