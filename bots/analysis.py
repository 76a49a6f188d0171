"""The scenario analysis a strategy may use: who can carry a package, and which
packages are efficient for the seats whose utilities it knows or estimates.

Two kinds of knowledge, kept apart on purpose:

- **Coalitions** (:class:`Coalitions`) come from public facts only: the rules,
  the seats' weights, who holds a veto. Every seat may compute them, and the
  answers are the engine's own (:func:`~accord.protocol.engine.rules.decide`).
- **Efficiency** (:func:`frontier`) needs utilities, and briefs are private: a
  seat knows its own and must *estimate* the others' (from their statements,
  their packages, an :class:`~accord.bots.tactics.OpponentModel`...). The
  frontier is computed for the briefs it is given, so it is exactly as good
  as the estimates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accord.protocol.analysis.bargaining import nash_point
from accord.protocol.analysis.pareto import pareto_frontier
from accord.protocol.commands import Vote
from accord.protocol.engine.rules import decide
from accord.protocol.frozen import FrozenDict
from accord.protocol.scenario.model import Brief, Scenario
from accord.protocol.scenario.utility import UtilityFunction

ENUMERATE_SEATS = 20
"""Most seats for which coalitions are enumerated (2^20 ≈ a million of them)."""

FRONTIER_SPACE = 2_000_000
"""Largest outcome space (packages) :func:`frontier` takes on."""


class Coalitions:
    """Winning coalitions under a room's rules: a coalition *wins* when its seats vote
    yes, every other seat votes no, and (where vetoes apply) every veto holder outside
    it vetoes; it carries the package all the same."""

    __slots__ = ("seats", "_weights", "_rules", "_veto_holders", "_minimal", "_power")

    def __init__(self, scenario: Scenario) -> None:
        self.seats: tuple[str, ...] = tuple(scenario.seats)
        self._weights = FrozenDict({d.id: d.weight for d in scenario.delegations})
        self._rules = scenario.rules
        self._veto_holders = frozenset(
            d.id for d in scenario.delegations if d.veto and scenario.rules.vetoes
        )
        self._minimal: tuple[frozenset[str], ...] | None = None
        self._power: FrozenDict[str, float] | None = None

    def wins(self, yes: Iterable[str]) -> bool:
        """Whether a package passes with exactly these seats voting yes."""

        coalition = frozenset(yes)
        if not self._veto_holders <= coalition:
            return False
        votes: dict[str, Vote] = {seat: "yes" if seat in coalition else "no" for seat in self.seats}
        return decide(self._rules, self._weights, votes)[1]

    def pivotal(self, yes: Iterable[str]) -> tuple[str, ...]:
        """The members of a winning coalition without whom it loses (none if it loses):
        the seats a package must keep on board."""

        coalition = frozenset(yes)
        if not self.wins(coalition):
            return ()
        return tuple(s for s in self.seats if s in coalition and not self.wins(coalition - {s}))

    def minimal_winning(self) -> tuple[frozenset[str], ...]:
        """Every winning coalition from which no seat can leave without it losing,
        smallest first. Enumerated: at most :data:`ENUMERATE_SEATS` seats."""

        if self._minimal is None:
            self._check_size()
            found: list[frozenset[str]] = []
            for size in range(1, len(self.seats) + 1):
                for members in itertools.combinations(self.seats, size):
                    coalition = frozenset(members)
                    if any(m <= coalition for m in found):
                        continue  # a superset of a minimal one is not minimal
                    if self.wins(coalition):
                        found.append(coalition)
            self._minimal = tuple(found)
        return self._minimal

    def power(self) -> FrozenDict[str, float]:
        """Each seat's normalised Banzhaf index: how often, among all winning
        coalitions, it is pivotal (shares sum to 1; all 0 when nothing can win).
        Enumerated: at most :data:`ENUMERATE_SEATS` seats."""

        if self._power is None:
            self._check_size()
            swings = dict.fromkeys(self.seats, 0)
            for size in range(1, len(self.seats) + 1):
                for members in itertools.combinations(self.seats, size):
                    for seat in self.pivotal(members):
                        swings[seat] += 1
            total = sum(swings.values())
            self._power = FrozenDict(
                {seat: (n / total if total else 0.0) for seat, n in swings.items()}
            )
        return self._power

    def _check_size(self) -> None:
        if len(self.seats) > ENUMERATE_SEATS:
            raise ValueError(
                f"{len(self.seats)} seats are too many to enumerate coalitions"
                f" (at most {ENUMERATE_SEATS}); ask wins() and pivotal() about the"
                " coalitions you consider"
            )


@dataclass(frozen=True)
class Efficient:
    """The Pareto frontier for some seats' utilities (see :func:`frontier`)."""

    seats: tuple[str, ...]
    packages: tuple[FrozenDict[str, str], ...]
    """Every Pareto-optimal package for those seats, in agenda order."""
    utilities: tuple[tuple[float, ...], ...]
    """Each package's utility to each of ``seats``, in that order."""
    nash: FrozenDict[str, str] | None
    """The package with the largest product of gains over the reservations, among
    those every one of ``seats`` weakly prefers to no deal; None when there is none."""


def frontier(scenario: Scenario, briefs: Mapping[str, Brief]) -> Efficient:
    """The Pareto frontier and Nash point of ``scenario`` for the seats in ``briefs``
    (a seat's own brief and estimates of others'). Raises ValueError when the
    outcome space exceeds :data:`FRONTIER_SPACE` packages or a seat is unknown."""

    seats = tuple(s for s in scenario.seats if s in briefs)
    unknown = sorted(set(briefs) - set(scenario.seats))
    if unknown:
        raise ValueError(f"no seat {unknown[0]!r} in {scenario.id}")
    if not seats:
        raise ValueError("give at least one seat's brief")
    space = 1
    for issue in scenario.issues:
        space *= len(issue.options)
    if space > FRONTIER_SPACE:
        raise ValueError(f"{space:,} packages: more than {FRONTIER_SPACE:,} to search")
    functions = [UtilityFunction(scenario, briefs[seat]) for seat in seats]
    rows = [f.rows() for f in functions]
    issue_vectors = [
        [tuple(rows[s][i][o] for s in range(len(seats))) for o in range(len(issue.options))]
        for i, issue in enumerate(scenario.issues)
    ]
    found = pareto_frontier(issue_vectors)

    def package(k: int) -> FrozenDict[str, str]:
        options = found.package(k)
        return FrozenDict(
            {issue.id: issue.options[o] for issue, o in zip(scenario.issues, options, strict=True)}
        )

    nash = nash_point(found.vectors, [f.reservation for f in functions])
    return Efficient(
        seats=seats,
        packages=tuple(package(k) for k in range(len(found.vectors))),
        utilities=tuple(tuple(v) for v in found.vectors),
        nash=None if nash is None else package(nash[0]),
    )
