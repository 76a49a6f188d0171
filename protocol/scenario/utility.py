"""Utilities of packages and the stakes of implementation.

The utility of a package for a delegation is Σᵢ wᵢ · vᵢ(option on issue i),
in [0, 1]; without agreement a delegation gets its reservation utility.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import reduce
from operator import add

from accord.protocol.frozen import FrozenDict
from accord.protocol.scenario.model import Brief, Scenario

Package = Mapping[str, str]


def add_up(values: Iterable[float]) -> float:
    """Left-to-right float sum, the same on every Python version.

    The builtin ``sum`` compensates rounding from Python 3.12 on, which would
    make scores differ in the last bit between versions, and a transcript
    recorded on one version fail to replay on another.
    """

    return reduce(add, values, 0)


class UtilityFunction:
    """A delegation's utility over packages, precomputed for fast lookups.

    Immutable once made, so one can be shared (between the seats of a talk,
    or the talks of a tournament) without any holder changing it for another.
    """

    __slots__ = ("reservation", "_table", "_by_item", "_best", "_worst")

    reservation: float
    _table: FrozenDict[str, FrozenDict[str, float]]
    _by_item: FrozenDict[tuple[str, str], float]
    _best: float
    _worst: float

    def __init__(self, scenario: Scenario, brief: Brief) -> None:
        table = FrozenDict(
            {
                issue.id: FrozenDict(
                    {
                        option: brief.weights[issue.id] * value
                        for option, value in zip(issue.options, brief.values[issue.id], strict=True)
                    }
                )
                for issue in scenario.issues
            }
        )
        init = object.__setattr__
        init(self, "reservation", brief.reservation)
        init(self, "_table", table)
        # (issue, option) → weighted value: a package's items look up their terms
        init(
            self,
            "_by_item",
            FrozenDict(
                {
                    (issue, option): value
                    for issue, row in table.items()
                    for option, value in row.items()
                }
            ),
        )
        init(self, "_best", add_up(max(row.values()) for row in table.values()))
        init(self, "_worst", add_up(min(row.values()) for row in table.values()))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a utility function is read-only")

    def __call__(self, package: Package) -> float:
        return add_up(map(self._by_item.__getitem__, package.items()))

    def best(self) -> float:
        """The highest utility any package gives."""

        return self._best

    def worst(self) -> float:
        """The lowest utility any package gives."""

        return self._worst

    def rows(self) -> list[list[float]]:
        """Weighted value of each option, issue by issue, in agenda order."""

        return [list(row.values()) for row in self._table.values()]


def utility_function(scenario: Scenario, brief: Brief) -> UtilityFunction:
    """``UtilityFunction(scenario, brief)``."""

    return UtilityFunction(scenario, brief)


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
    return add_up(
        row[scenario.issue(issue_id).options.index(package[issue_id])]
        for issue_id, row in impl.sanction.items()
    )


class Stakes:
    """:func:`detection_probability` and :func:`sanction_size` on one scenario,
    with each option's term looked up instead of searched for (same results).
    Public data, immutable once made."""

    __slots__ = ("_miss", "_sanction")

    _miss: FrozenDict[str, FrozenDict[str, float]] | None
    _sanction: FrozenDict[str, FrozenDict[str, float]] | None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("stakes are read-only")

    def __init__(self, scenario: Scenario) -> None:
        def positions(issue_id: str) -> dict[str, int]:
            first: dict[str, int] = {}  # option → its first position, as options.index
            for n, option in enumerate(scenario.issue(issue_id).options):
                first.setdefault(option, n)
            return first

        impl = scenario.implementation
        # issue → option → term, in the implementation's order of issues (the
        # order in which the functions multiply and add the terms)
        miss: FrozenDict[str, FrozenDict[str, float]] | None = None
        sanction: FrozenDict[str, FrozenDict[str, float]] | None = None
        if impl is not None:
            miss = FrozenDict(
                {
                    i: FrozenDict({option: 1.0 - row[n] for option, n in positions(i).items()})
                    for i, row in impl.detection.items()
                }
            )
            sanction = FrozenDict(
                {
                    i: FrozenDict({option: row[n] for option, n in positions(i).items()})
                    for i, row in impl.sanction.items()
                }
            )
        object.__setattr__(self, "_miss", miss)
        object.__setattr__(self, "_sanction", sanction)

    def detection(self, package: Package) -> float:
        """:func:`detection_probability` of ``package``."""

        if self._miss is None:
            return 0.0
        miss = 1.0
        for issue_id, row in self._miss.items():
            miss *= row[package[issue_id]]
        return 1.0 - miss

    def sanction(self, package: Package) -> float:
        """:func:`sanction_size` of ``package``."""

        if self._sanction is None:
            return 0.0
        return add_up([row[package[issue_id]] for issue_id, row in self._sanction.items()])
