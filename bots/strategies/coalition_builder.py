"""A coalition builder: a minimum winning coalition of like-minded seats, by private side deals."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package, Traits
from accord.bots.tactics import OpponentModel, aspiration, package_near

_EPS = 1e-9


def _spread(row: list[float]) -> list[float]:
    low, high = min(row), max(row)
    return [(v - low) / (high - low) if high > low else 0.5 for v in row]


class CoalitionBuilder(Delegation):
    """Builds a bloc with the seats that want what it wants.

    Round 1 it tables the package at its (linear, ``e = 1``) aspiration and
    votes like a conceder. From round 2 it models every seat from its
    proposals and open votes (:class:`~accord.bots.tactics.OpponentModel`), ranks the
    seats by how close their estimated option values are to its own brief,
    and takes the closest ones, after any ``required`` seats and veto holders,
    until the bloc is a minimum winning coalition: enough weight to pass under
    a qualified rule, half the weight under consensus or unanimity. Each round
    it tables, among the packages at its aspiration, the one the worst-off
    partner is estimated to like most, and offers that package to its partners
    in a PRIVATE statement (a side deal). It votes yes on its own and its
    partners' packages that reach its reservation, on others only at its
    aspiration. It complies and never inspects.

    From Raiffa, "The Art and Science of Negotiation" (1982), on coalitions in
    many-party negotiation, and Riker, "The Theory of Political Coalitions"
    (1962), on minimum winning coalitions.
    """

    name = "coalition-builder"
    traits = Traits(private_statements=True, models_opponents=True)
    exponent = 1.0

    def __init__(self) -> None:
        self.partners: list[str] = []

    def on_start(self, ctx: Context) -> None:
        self.partners = []

    def closeness(
        self, ctx: Context, estimates: dict[str, dict[str, dict[str, float]]]
    ) -> dict[str, float]:
        """1 − the weighted mean distance between this seat's and each seat's option values."""

        out: dict[str, float] = {}
        for seat, estimate in estimates.items():
            distance = 0.0
            for issue in ctx.scenario.issues:
                mine = _spread(list(ctx.brief.values[issue.id]))
                theirs = _spread([estimate[issue.id][o] for o in issue.options])
                gap = sum(abs(a - b) for a, b in zip(mine, theirs, strict=True)) / len(mine)
                distance += ctx.brief.weights[issue.id] * gap
            out[seat] = 1.0 - distance
        return out

    def form(self, ctx: Context, estimates: dict[str, dict[str, dict[str, float]]]) -> None:
        weight = {d.id: d.weight for d in ctx.scenario.delegations}
        total = sum(weight.values())
        need = ctx.rules.threshold * total if ctx.rules.decision == "qualified" else total / 2
        vetoes = [d.id for d in ctx.scenario.delegations if d.veto] if ctx.rules.vetoes else []
        partners = [s for s in ctx.others if s in ctx.rules.required or s in vetoes]
        have = weight[ctx.seat] + sum(weight[s] for s in partners)
        close = self.closeness(ctx, estimates)
        for seat in sorted(close, key=lambda s: -close[s]):
            if have + _EPS >= need:
                break
            if seat not in partners:
                partners.append(seat)
                have += weight[seat]
        self.partners = partners

    def table(self, ctx: Context) -> list[Package]:
        target = aspiration(ctx, self.exponent)
        if ctx.round < 2:
            return [package_near(ctx, target)]
        model = OpponentModel(ctx)
        estimates = model.estimates()
        self.form(ctx, estimates)
        known = [estimates[s] for s in self.partners if s in estimates]
        candidates: list[Package] = [p for p in ctx.all_packages() if ctx.utility(p) >= target]
        package = max(
            candidates or [ctx.best_package()],
            key=lambda p: (min((model.utility(e, p) for e in known), default=0.0), ctx.utility(p)),
        )
        if self.partners:
            terms = ", ".join(f"{issue}={option}" for issue, option in package.items())
            ctx.say(
                f"Side deal: {ctx.seat} tables {terms} this round and backs your proposals "
                "that it can live with. Back ours and we carry the vote together.",
                to=self.partners,
            )
        return [package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        u = ctx.utility(package.package)
        if u < ctx.reservation:
            return "no"
        if package.seat == ctx.seat or package.seat in self.partners:
            return "yes"
        return "yes" if u >= aspiration(ctx, self.exponent) else "no"
