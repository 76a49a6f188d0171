"""Tables a talk builds from its scenario, kept for the talks that follow on it.

A seat's context needs the agenda's packages and stakes (public), its utility
function and the ranking of every package by it (its own brief), and what its
strategy derives from them (:func:`accord.bots.context.remember`). A talk builds these
itself (the cold path); a :class:`Tables` passed to :func:`accord.bots.inprocess.play`
keeps them for the next talks on the same scenario (the warm path: a
tournament plays one scenario thousands of times).

What is kept is immutable, and a seat is handed only what is its own: the
agenda's tables, the tables of its own brief, and the shelf of its own
strategy class on that brief. The :class:`Tables` object stays with whoever
drives the talks.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar, overload

import msgspec

from accord.protocol.frozen import FrozenDict
from accord.protocol.scenario.model import Brief, Scenario
from accord.protocol.scenario.utility import Stakes, UtilityFunction

ENUMERATION_LIMIT = 50_000
"""Outcome spaces up to this size are enumerated exactly; larger ones are sampled."""

T = TypeVar("T")
Package = FrozenDict[str, str]


class _ReadOnly:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")


class Packages(Sequence[Package]):
    """An agenda's packages in some order, each made when it is read (read-only).

    Package ``n`` of the agenda is the ``n``-th of ``itertools.product`` over its
    issues' options; ``order`` says which agenda package stands at each place.
    Nothing is kept between reads, so no reader can change what another reads.
    """

    __slots__ = ("_ids", "_options", "_order")

    _ids: tuple[str, ...]
    _options: tuple[tuple[str, ...], ...]
    _order: tuple[int, ...]

    def __init__(
        self, ids: tuple[str, ...], options: tuple[tuple[str, ...], ...], order: Sequence[int]
    ) -> None:
        object.__setattr__(self, "_ids", ids)
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_order", tuple(order))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("packages are read-only")

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> Package: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Package, ...]: ...

    def __getitem__(self, index: int | slice) -> Package | tuple[Package, ...]:
        if isinstance(index, slice):
            return tuple(self._make(n) for n in self._order[index])
        return self._make(self._order[index])

    def _make(self, n: int) -> Package:
        chosen = []
        for options in reversed(self._options):  # the last issue varies fastest
            n, k = divmod(n, len(options))
            chosen.append(options[k])
        return FrozenDict(zip(self._ids, reversed(chosen), strict=True))


class Ranking(_ReadOnly):
    """The agenda's packages sorted by one seat's utility, lowest first (read-only).

    Exact outcome spaces are ranked from the utility's rows: every package's
    utility is built issue by issue (the same additions, in the same order, as
    the utility function makes for one package), and the packages sorted by it,
    ties in agenda order, as sorting (utility, position) pairs would.
    """

    __slots__ = ("packages", "utilities")

    packages: Sequence[Package]
    """The packages, lowest utility first."""
    utilities: tuple[float, ...]
    """Each package's utility, in the same order."""

    def __init__(self, agenda: AgendaTables, utility: UtilityFunction) -> None:
        if agenda.exact:
            level: list[float] = [0]  # add_up starts from 0
            for row in utility.rows():
                level = [u + t for u in level for t in row]
            order = sorted(range(len(level)), key=level.__getitem__)
            packages: Sequence[Package] = Packages(agenda.ids, agenda.options, order)
            utilities = tuple([level[n] for n in order])
        else:
            sample = agenda.packages
            scored = sorted((utility(p), n) for n, p in enumerate(sample))
            utilities = tuple(u for u, _ in scored)
            packages = tuple(sample[n] for _, n in scored)
        object.__setattr__(self, "utilities", utilities)
        object.__setattr__(self, "packages", packages)

    def at_least(self, target: float) -> int:
        """Index of the first package whose utility is at least ``target``."""

        return bisect.bisect_left(self.utilities, target)


class AgendaTables(_ReadOnly):
    """What every seat on an agenda may share: its packages and its stakes."""

    __slots__ = ("ids", "options", "exact", "stakes", "_sample", "_packages")

    ids: tuple[str, ...]
    """The issues' ids, in agenda order."""
    options: tuple[tuple[str, ...], ...]
    """Each issue's options, in agenda order."""
    exact: bool
    """Whether :attr:`packages` holds every package (else a sample)."""
    stakes: Stakes
    _sample: str
    _packages: tuple[Package, ...] | None

    def __init__(self, scenario: Scenario) -> None:
        init = object.__setattr__
        init(self, "ids", tuple(i.id for i in scenario.issues))
        init(self, "options", tuple(tuple(i.options) for i in scenario.issues))
        init(self, "exact", scenario.outcome_count <= ENUMERATION_LIMIT)
        init(self, "stakes", Stakes(scenario))
        init(self, "_sample", f"{scenario.id}/sample")
        init(self, "_packages", None)

    @property
    def packages(self) -> tuple[Package, ...]:
        """Every package when the space is small enough, else a fixed sample of it
        (made when first asked for)."""

        made = self._packages
        if made is None:
            if self.exact:
                made = tuple(
                    FrozenDict(zip(self.ids, combo, strict=True))
                    for combo in itertools.product(*self.options)
                )
            else:
                sampler = random.Random(self._sample)
                made = tuple(
                    FrozenDict(
                        {i: sampler.choice(o) for i, o in zip(self.ids, self.options, strict=True)}
                    )
                    for _ in range(ENUMERATION_LIMIT)
                )
            object.__setattr__(self, "_packages", made)
        return made


class BriefTables(_ReadOnly):
    """What a seat with one brief needs on one agenda: its utility function and,
    made when first asked for, the ranking of every package by it."""

    __slots__ = ("agenda", "utility", "_ranking")

    agenda: AgendaTables
    utility: UtilityFunction
    _ranking: Ranking | None

    def __init__(self, agenda: AgendaTables, scenario: Scenario, brief: Brief) -> None:
        object.__setattr__(self, "agenda", agenda)
        object.__setattr__(self, "utility", UtilityFunction(scenario, brief))
        object.__setattr__(self, "_ranking", None)

    def ranking(self) -> Ranking:
        ranking = self._ranking
        if ranking is None:
            ranking = Ranking(self.agenda, self.utility)
            object.__setattr__(self, "_ranking", ranking)
        return ranking


class Tables:
    """Agenda and brief tables by scenario, and each strategy's shelf, kept for reuse.

    ``limit`` bounds how many agendas (and briefs, and shelves) are kept; the
    least recently used go first.
    """

    def __init__(self, *, limit: int = 64) -> None:
        self._limit = limit
        self._agendas: OrderedDict[bytes, AgendaTables] = OrderedDict()
        self._briefs: OrderedDict[bytes, BriefTables] = OrderedDict()
        self._shelves: OrderedDict[tuple[bytes, Hashable], dict[bytes, Any]] = OrderedDict()

    def agenda(self, scenario: Scenario) -> AgendaTables:
        return self._kept(self._agendas, _agenda_key(scenario), lambda: AgendaTables(scenario))

    def brief(self, scenario: Scenario, brief: Brief) -> BriefTables:
        key = _agenda_key(scenario) + b"\0" + msgspec.json.encode(brief)
        return self._kept(
            self._briefs, key, lambda: BriefTables(self.agenda(scenario), scenario, brief)
        )

    def shelf(self, scenario: Scenario, brief: Brief, owner: type) -> dict[bytes, Any]:
        """Where the strategy class ``owner`` keeps what it derives from ``brief``."""

        key = (_agenda_key(scenario) + b"\0" + msgspec.json.encode(brief), _owner(owner))
        return self._kept(self._shelves, key, dict)

    def utilities(self, scenario: Scenario) -> FrozenDict[str, UtilityFunction]:
        """Seat → utility function, for the room (the scenario must carry every brief)."""

        out = {}
        for d in scenario.delegations:
            if d.brief is None:
                raise ValueError(f"the brief of {d.id!r} is not in this view")
            out[d.id] = self.brief(scenario, d.brief).utility
        return FrozenDict(out)

    def _kept(self, store: OrderedDict[Any, T], key: Any, make: Callable[[], T]) -> T:
        found = store.get(key)
        if found is None:
            found = store[key] = make()
            if len(store) > self._limit:
                store.popitem(last=False)
        else:
            store.move_to_end(key)
        return found


def _agenda_key(scenario: Scenario) -> bytes:
    return msgspec.json.encode((scenario.id, scenario.issues, scenario.implementation))


def _owner(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
