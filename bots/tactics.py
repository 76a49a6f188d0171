"""Building blocks strategies share: concession curves, package choice,
opponent models and the arithmetic of inspections.

Plain functions and one small class, so a strategy stays one small class that
composes them.
"""

from __future__ import annotations

from collections import defaultdict

from bots.context import Context


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
    return best - (best - floor) * ctx.progress ** (1.0 / exponent)


def package_near(ctx: Context, target: float, *, spread: int = 1) -> dict[str, str]:
    """A package at or just above ``target``; with ``spread`` > 1, one of the
    ``spread`` closest ones at random (varies offers without conceding more)."""

    ranking = ctx.ranking()
    start = ranking.at_least(target)
    above = ranking.packages[start : start + max(1, spread)]
    if not above:
        return ctx.best_package()
    return ctx.rng.choice(above)


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


class OpponentModel:
    """Frequency model of the other seats' preferences (the HardHeaded / Genius idea).

    Options a seat tables count fully, options of packages it voted yes on
    count half, and options of packages it voted no on count against; issues
    on which a seat is consistent get more weight. The estimated utility is
    the weighted sum of normalised option scores, like a real brief.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.issues = ctx.scenario.issues

    def _counts(self) -> dict[str, dict[str, dict[str, float]]]:
        counts: dict[str, dict[str, dict[str, float]]] = defaultdict(
            lambda: {i.id: dict.fromkeys(i.options, 0.0) for i in self.issues}
        )
        for tabled in self.ctx.history.tabled:
            for issue, option in tabled.package.items():
                counts[tabled.seat][issue][option] += 1.0
        for seat, package, vote in self.ctx.history.votes():
            delta = {"yes": 0.5, "no": -0.25}.get(vote, 0.0)
            for issue, option in package.items():
                counts[seat][issue][option] += delta
        return counts

    def estimates(self) -> dict[str, dict[str, dict[str, float]]]:
        """Seat → issue → option → estimated weighted value (sums to at most 1 per package)."""

        out: dict[str, dict[str, dict[str, float]]] = {}
        for seat, by_issue in self._counts().items():
            if seat == self.ctx.seat:
                continue
            values: dict[str, dict[str, float]] = {}
            weights: dict[str, float] = {}
            for issue, row in by_issue.items():
                low, high = min(row.values()), max(row.values())
                span = high - low
                values[issue] = {o: (c - low) / span if span > 0 else 0.5 for o, c in row.items()}
                total = sum(max(0.0, c) for c in row.values())
                weights[issue] = (max(row.values()) / total) if total > 0 else 1.0 / len(row)
            norm = sum(weights.values()) or 1.0
            out[seat] = {
                issue: {o: v * weights[issue] / norm for o, v in row.items()}
                for issue, row in values.items()
            }
        return out

    def utility(self, estimates: dict[str, dict[str, float]], package: dict[str, str]) -> float:
        return sum(estimates[issue][option] for issue, option in package.items())
