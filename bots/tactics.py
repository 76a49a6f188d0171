"""Building blocks strategies share: concession curves, package choice,
opponent models and the arithmetic of inspections.

Plain functions and one small class, so a strategy stays one small class that
composes them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping

import msgspec

from accord.bots.context import Context, remember
from accord.bots.sdk import Package
from accord.protocol.frozen import FrozenDict
from accord.protocol.scenario.utility import UtilityFunction


def aspiration(ctx: Context, exponent: float) -> float:
    """Time-dependent target utility (Faratin, Sierra & Jennings 1998).

    Falls from the best package's utility to the floor (the reservation, or
    the worst package if that is higher) as the rounds run out:
    ``best − (best − floor) · t^(1/e)``. ``e < 1`` concedes late (Boulware,
    a hardliner); ``e > 1`` concedes early (a conceder).
    """

    best = ctx.utility.best()
    floor = max(ctx.reservation, ctx.utility.worst())
    if best <= floor:
        return best
    curve: float = ctx.progress ** (1.0 / exponent)  # a float ** float is typed Any
    return best - (best - floor) * curve


class Aspiration:
    """:func:`aspiration` for one talk, computed once a round (it changes with
    the round only): ``target`` is the aspiration, ``floor`` the aspiration but
    never below the reservation (what a vote must reach)."""

    __slots__ = ("exponent", "round", "target", "floor")

    def __init__(self, exponent: float) -> None:
        self.exponent = exponent
        self.round: int | None = None
        self.target = self.floor = 0.0

    def at(self, ctx: Context) -> Aspiration:
        """Brought up to ``ctx``'s round."""

        if ctx.round != self.round:
            self.round = ctx.round
            self.target = aspiration(ctx, self.exponent)
            self.floor = max(self.target, ctx.reservation)
        return self


def utilities(ctx: Context) -> UtilityFunction:
    """This seat's utility function (``ctx.utility``): what strategies vote with."""

    return ctx.utility


def package_near(ctx: Context, target: float, *, spread: int = 1) -> dict[str, str]:
    """A package at or just above ``target``; with ``spread`` > 1, one of the
    ``spread`` closest ones at random (varies offers without conceding more)."""

    ranking = ctx.ranking()
    start = ranking.at_least(target)
    stop = min(start + max(1, spread), len(ranking.packages))
    if start >= stop:
        return ctx.best_package()
    # the same draw as choosing among the packages themselves; only the chosen one is made
    return ranking.packages[ctx.rng.choice(range(start, stop))]


def expected_sanction(ctx: Context) -> float:
    """Detection probability × sanction of the adopted package (one inspection)."""

    adopted = ctx.adopted
    return 0.0 if adopted is None else adopted.detection * adopted.sanction


def defection_pays(
    ctx: Context, *, inspection_chance: float = 1.0, seat: str | None = None
) -> bool:
    """Whether defecting beats complying this period in expectation for ``seat``
    (this seat by default): the gain of defecting plus the saved cost of
    complying against the expected sanction."""

    impl = ctx.implementation
    terms = ctx.terms if seat is None else (None if impl is None else impl.parties.get(seat))
    if terms is None:
        return False
    gain = terms.defect_gain + terms.comply_cost
    return gain > inspection_chance * expected_sanction(ctx)


def inspection_chance(ctx: Context, seat: str) -> float:
    """Share of past verification phases in which ``seat`` was inspected (prior 0.5)."""

    periods = max(0, ctx.period - 1)
    inspected = {
        c.period for c in ctx.history.challenges if c.target == seat and c.period < ctx.period
    }
    return (len(inspected) + 0.5) / (periods + 1)


_VOTE_SCORES = {"yes": 0.5, "no": -0.25}
"""What a vote adds to the score of each option of the package."""


class OpponentModel:
    """Frequency model of the other seats' preferences (the HardHeaded / Genius idea).

    Options a seat tables count fully, options of packages it voted yes on
    count half, and options of packages it voted no on count against; issues
    on which a seat is consistent get more weight. The estimated utility is
    the weighted sum of normalised option scores, like a real brief.

    One model can be kept for a whole talk: it counts only what the history
    gained since the last call.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.issues = ctx.scenario.issues
        # a seat's scores are one flat list: issue by issue in agenda order,
        # each issue's options in order (``_slices`` says where each issue is)
        self._at: dict[str, dict[str, int]] = {}
        self._slices: list[tuple[int, int]] = []
        offset = 0
        for issue in self.issues:
            self._at[issue.id] = {o: offset + n for n, o in enumerate(issue.options)}
            self._slices.append((offset, offset + len(issue.options)))
            offset += len(issue.options)
        self._width = offset
        self._scores: dict[str, list[float]] = {}
        self._tabled_seen = 0  # how much of the history the scores cover
        self._ballots_seen = 0
        self._tablers: dict[str, None] = {}  # seats in order of first appearance
        self._voters: dict[str, None] = {}

    def _row(self, seat: str) -> list[float]:
        row = self._scores.get(seat)
        if row is None:
            row = self._scores[seat] = [0.0] * self._width
        return row

    def _positions(self, package: Mapping[str, str]) -> list[int]:
        at = self._at
        return [at[issue][option] for issue, option in package.items()]

    def _counts(self) -> dict[str, list[float]]:
        """Seat → flat scores: +1 per tabling, +0.5 per yes, -0.25 per no.

        Brought up to date with what was added to the history since the last
        call. The scores are multiples of 0.25, so they come out exactly the
        same in any order of addition; the seats come in the order of a full
        recount (the seats that tabled, then those that only voted).
        """

        history = self.ctx.history
        for tabled in history.tabled[self._tabled_seen :]:
            self._tablers.setdefault(tabled.seat)
            row = self._row(tabled.seat)
            for n in self._positions(tabled.package):
                row[n] += 1.0
        self._tabled_seen = len(history.tabled)
        for ballot in history.ballots[self._ballots_seen :]:
            for result in ballot.results:
                package = history.package(result.package_id)
                if result.votes is None or package is None:
                    continue
                positions = self._positions(package)
                for seat, vote in result.votes.items():
                    self._voters.setdefault(seat)
                    delta = _VOTE_SCORES.get(vote, 0.0)
                    row = self._row(seat)
                    for n in positions:
                        row[n] += delta
        self._ballots_seen = len(history.ballots)
        order = [*self._tablers, *(s for s in self._voters if s not in self._tablers)]
        return {seat: self._scores[seat] for seat in order}

    def estimates(self) -> dict[str, dict[str, dict[str, float]]]:
        """Seat → issue → option → estimated weighted value (sums to at most 1 per package)."""

        out: dict[str, dict[str, dict[str, float]]] = {}
        for seat, scores in self._counts().items():
            if seat != self.ctx.seat:
                flat = self._estimate(scores)
                out[seat] = {
                    issue.id: dict(zip(issue.options, flat[start:end], strict=True))
                    for issue, (start, end) in zip(self.issues, self._slices, strict=True)
                }
        return out

    def tables(self) -> dict[str, list[float]]:
        """Seat → :meth:`estimates` as one flat list: issue by issue in agenda
        order, each issue's options in order."""

        return {
            seat: self._estimate(scores)
            for seat, scores in self._counts().items()
            if seat != self.ctx.seat
        }

    def _estimate(self, scores: list[float]) -> list[float]:
        """One seat's estimated weighted option values (a flat list), from its scores."""

        issues: list[tuple[list[float], float, float, float]] = []  # scores, low, span, weight
        weights: list[float] = []
        for start, end in self._slices:
            row = scores[start:end]
            low, high = min(row), max(row)
            # Σ max(0, c) = (Σ c + Σ |c|) / 2, exact for multiples of 0.25
            total = (sum(row) + sum(map(abs, row))) * 0.5
            weight = high / total if total > 0 else 1.0 / (end - start)
            weights.append(weight)
            issues.append((row, low, high - low, weight))
        norm = sum(weights) or 1.0
        out: list[float] = []
        for row, low, span, w in issues:
            if span > 0:
                out += [(c - low) / span * w / norm for c in row]
            else:
                out += [0.5 * w / norm] * len(row)
        return out

    # typed for floats: as a bare staticmethod(sum), sum's first overload (over bools) is taken
    total: staticmethod[[Iterable[float]], float] = staticmethod(sum)
    """How :meth:`utility` adds up a package's estimated option values (code that
    computes many such utilities at once adds them the same way)."""

    def utility(
        self, estimates: Mapping[str, Mapping[str, float]], package: Mapping[str, str]
    ) -> float:
        return self.total([estimates[issue][option] for issue, option in package.items()])


class ValueRanking:
    """Every package sorted by a strategy's own value of it, lowest first.

    With a ``key`` (naming everything ``value`` reads beyond the agenda and
    the brief) the ranking is kept on the strategy class's shelf and shared
    between its talks; without one it is built for this talk only.
    """

    def __init__(
        self,
        ctx: Context,
        value: Callable[[FrozenDict[str, str]], float],
        *,
        key: tuple[object, ...] | None,
    ) -> None:
        def rank() -> tuple[
            list[tuple[float, FrozenDict[str, str]]],
            list[float],
            dict[tuple[tuple[str, str], ...], float],
        ]:
            ranked = sorted(((value(p), p) for p in ctx.all_packages()), key=lambda vp: vp[0])
            by_items = {tuple(p.items()): v for v, p in ranked}
            return ranked, [v for v, _ in ranked], by_items

        made = rank() if key is None else remember(ctx, msgspec.json.encode(key), rank)
        self.ranked, self.values, self._by_items = made
        self.shared = key is not None
        """Whether the ranking is shared between talks (``value`` reads only what ``key`` names)."""

    def value_of(self, package: Mapping[str, str]) -> float | None:
        """The value ``package`` was ranked at (``None`` if it was not ranked, say
        a package with its issues in another order): a lookup instead of ``value``,
        valid while ``value`` would still give the same."""

        return self._by_items.get(tuple(package.items()))

    def near(self, ctx: Context, target: float, *, spread: int = 3) -> Package:
        """One of the ``spread`` packages valued closest above ``target`` (the best if none)."""

        start = bisect_left(self.values, target)
        above = self.ranked[start:] or self.ranked[-1:]
        return ctx.rng.choice(above[:spread])[1]
