"""Utilities of packages and the stakes of implementation.

The utility of a package for a delegation is Σᵢ wᵢ · vᵢ(option on issue i),
in [0, 1]; without agreement a delegation gets its reservation utility.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import reduce
from operator import add

from protocol.scenario.model import Brief, Scenario

Package = Mapping[str, str]


def add_up(values: Iterable[float]) -> float:
    """Left-to-right float sum, the same on every Python version.

    The builtin ``sum`` compensates rounding from Python 3.12 on, which would
    make scores differ in the last bit between versions, and a transcript
    recorded on one version fail to replay on another.
    """

    return reduce(add, values, 0)


class UtilityFunction:
    """A delegation's utility over packages, precomputed for fast lookups."""

    __slots__ = ("reservation", "_table", "_by_item", "_best", "_worst")

    def __init__(self, scenario: Scenario, brief: Brief) -> None:
        self.reservation = brief.reservation
        self._table: dict[str, dict[str, float]] = {
            issue.id: {
                option: brief.weights[issue.id] * value
                for option, value in zip(issue.options, brief.values[issue.id], strict=True)
            }
            for issue in scenario.issues
        }
        # (issue, option) → weighted value: a package's items look up their terms
        self._by_item = {
            (issue, option): value
            for issue, row in self._table.items()
            for option, value in row.items()
        }
        self._best: float | None = None
        self._worst: float | None = None

    def __call__(self, package: Package) -> float:
        return add_up(map(self._by_item.__getitem__, package.items()))

    def best(self) -> float:
        """The highest utility any package gives."""

        if self._best is None:
            self._best = add_up(max(row.values()) for row in self._table.values())
        return self._best

    def worst(self) -> float:
        """The lowest utility any package gives."""

        if self._worst is None:
            self._worst = add_up(min(row.values()) for row in self._table.values())
        return self._worst

    def rows(self) -> list[list[float]]:
        """Weighted value of each option, issue by issue, in agenda order."""

        return [list(row.values()) for row in self._table.values()]


_SHARED_LIMIT = 256
_shared: dict[tuple[int, int], tuple[object, Brief, UtilityFunction]] = {}


def utility_function(scenario: Scenario, brief: Brief) -> UtilityFunction:
    """``UtilityFunction(scenario, brief)``, shared by every room and seat that use
    the same agenda and brief objects (a tournament plays one scenario many
    times, and each seat's view of it keeps the agenda and its brief)."""

    key = (id(scenario.issues), id(brief))
    found = _shared.get(key)
    # the entry holds the agenda and the brief, so their ids cannot be reused
    if found is not None and found[0] is scenario.issues and found[1] is brief:
        return found[2]
    if len(_shared) >= _SHARED_LIMIT:
        _shared.clear()
    utility = UtilityFunction(scenario, brief)
    _shared[key] = (scenario.issues, brief, utility)
    return utility


def utility_functions(scenario: Scenario) -> dict[str, UtilityFunction]:
    """One utility function per seat (the scenario must carry every brief)."""

    out: dict[str, UtilityFunction] = {}
    for delegation in scenario.delegations:
        if delegation.brief is None:
            raise ValueError(f"the brief of {delegation.id!r} is not in this view")
        out[delegation.id] = utility_function(scenario, delegation.brief)
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
    with each option's term looked up instead of searched for (same results)."""

    __slots__ = ("_miss", "_sanction")

    def __init__(self, scenario: Scenario) -> None:
        def positions(issue_id: str) -> dict[str, int]:
            first: dict[str, int] = {}  # option → its first position, as options.index
            for n, option in enumerate(scenario.issue(issue_id).options):
                first.setdefault(option, n)
            return first

        impl = scenario.implementation
        # issue → option → term, in the implementation's order of issues (the
        # order in which the functions multiply and add the terms)
        self._miss: dict[str, dict[str, float]] | None = None
        self._sanction: dict[str, dict[str, float]] | None = None
        if impl is not None:
            self._miss = {
                i: {option: 1.0 - row[n] for option, n in positions(i).items()}
                for i, row in impl.detection.items()
            }
            self._sanction = {
                i: {option: row[n] for option, n in positions(i).items()}
                for i, row in impl.sanction.items()
            }

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
