"""An adaptive negotiator: learns what the others accept and aims at the Nash point."""

from __future__ import annotations

from bots.context import Context, TabledPackage
from bots.sdk import Ballot, Choice, Delegation, Package, Traits
from bots.tactics import OpponentModel, defection_pays, inspection_chance
from protocol.engine.rules import passes
from protocol.scenario.utility import detection_probability, sanction_size

CANDIDATES = 4000
"""At most this many of its own best packages are weighed each round."""
PRIOR_DEFECT = 0.5
"""Chance that a seat for which defection pays defects (before evidence)."""


def _key(package: Package) -> tuple[str, ...]:
    return tuple(package.values())


class NashSeeker(Delegation):
    """Values each package at what living with it is worth: utility, plus
    the gain of free riding where the adopted regime would not deter it
    (else minus the cost of complying), minus the harm expected from the seats
    the regime would not deter. Each round it models every other seat from its
    proposals and open votes (:class:`~bots.tactics.OpponentModel`), estimates
    each seat's acceptance threshold (the lowest estimated utility it voted
    yes on, or that of its latest proposal), predicts the sincere votes on
    every package it would accept, keeps those that would pass the room's
    rule without a veto, and tables the one with the largest estimated Nash
    product (own gain × every other seat's estimated gain over its
    threshold). Its own minimum falls from its best value towards its
    reservation as the rounds run out, never below it; it votes yes on
    packages at or above that minimum. In implementation it defects only
    when that clearly pays given how often it has been inspected, and it
    inspects the seat whose expected detected sanction is worth the cost.

    From the Nash bargaining solution (Nash, "The bargaining problem",
    1950) and opponent modelling in the ANAC agents (Baarslag, Hendrikx,
    Hindriks and Jonker, "Learning about the opponent in automated bilateral
    negotiation", 2016).
    """

    name = "adaptive"
    traits = Traits(models_opponents=True, challenges=True, may_defect=True)
    exponent = 0.6
    margin = 1.25
    """Defects only when its gain exceeds the expected sanction by this factor."""

    # --- valuation -------------------------------------------------------------------

    def value(self, ctx: Context, package: Package) -> float:
        """Own utility of ``package`` with the expected stakes of implementing it."""

        impl, terms = ctx.implementation, ctx.terms
        u = ctx.utility(package)
        if impl is None or terms is None:
            return u
        deterrent = (
            0.5
            * detection_probability(ctx.scenario, package)
            * sanction_size(ctx.scenario, package)
        )
        own = max(terms.defect_gain - self.margin * deterrent, -terms.comply_cost)
        harm = sum(
            t.harm
            for seat, t in impl.parties.items()
            if seat != ctx.seat and t.defect_gain + t.comply_cost > deterrent
        )
        return u + impl.periods * (own - PRIOR_DEFECT * harm)

    def on_start(self, ctx: Context) -> None:
        ranked = sorted(
            ((self.value(ctx, p), p) for p in ctx.all_packages()), key=lambda vp: -vp[0]
        )
        self._values = {_key(p): v for v, p in ranked}
        acceptable = [vp for vp in ranked if vp[0] >= ctx.reservation] or ranked[:1]
        self._candidates = acceptable[:CANDIDATES]
        self._best = ranked[0][0]
        self._plan: tuple[int, list[tuple[float, float, Package]]] | None = None

    def minimum(self, ctx: Context) -> float:
        """Its current floor: from its best value down to its reservation."""

        if ctx.round >= ctx.rules.max_rounds:
            return ctx.reservation
        best = max(self._best, ctx.reservation)
        return best - (best - ctx.reservation) * ctx.progress ** (1.0 / self.exponent)

    # --- the opponents ----------------------------------------------------------------

    def _thresholds(self, ctx: Context, model: OpponentModel, est: dict) -> dict[str, float]:
        """Per seat, the estimated utility above which it votes yes."""

        out: dict[str, float] = {}
        for tabled in ctx.history.tabled:
            if tabled.seat in est:
                out[tabled.seat] = model.utility(est[tabled.seat], tabled.package)
        for seat, package, vote in ctx.history.votes():
            if seat in est and vote == "yes":
                u = model.utility(est[seat], package)
                out[seat] = min(out.get(seat, u), u)
        return out

    def _predict(self, ctx: Context) -> list[tuple[float, float, Package]]:
        """(Nash product, own value, package) of the acceptable packages predicted to pass."""

        if self._plan is not None and self._plan[0] == ctx.round:
            return self._plan[1]
        model = OpponentModel(ctx)
        est = model.estimates()
        thresholds = self._thresholds(ctx, model, est)
        weights = {d.id: d.weight for d in ctx.scenario.delegations}
        vetoes = {d.id for d in ctx.scenario.delegations if d.veto} if ctx.rules.vetoes else set()
        floor = self.minimum(ctx)
        plan = []
        for own, package in self._candidates:
            if own < floor:
                break
            votes: dict[str, str] = {ctx.seat: "yes"}
            product = own - ctx.reservation
            for seat in ctx.others:
                if seat not in est:
                    votes[seat] = "yes"
                    continue
                gain = model.utility(est[seat], package) - thresholds.get(seat, 1.0)
                votes[seat] = "yes" if gain >= 0 else "no"
                product *= max(gain + 0.05, 0.01)
            if any(votes[s] == "no" for s in vetoes if s != ctx.seat):
                continue
            if passes(ctx.rules, weights, votes):
                plan.append((product, own, package))
        plan.sort(key=lambda pvp: -pvp[0])
        self._plan = (ctx.round, plan)
        return plan

    # --- hooks ------------------------------------------------------------------------

    def table(self, ctx: Context) -> list[Package]:
        limit = ctx.rules.proposals_per_round
        chosen = [p for _, _, p in self._predict(ctx)[:limit]]
        if len(chosen) < limit:
            floor = self.minimum(ctx)
            above = [p for v, p in self._candidates if v >= floor]
            chosen.append(above[-1] if above else self._candidates[0][1])
        return chosen[:limit]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        value = self._values.get(_key(package.package))
        if value is None:
            value = self.value(ctx, package.package)
        return "yes" if value >= self.minimum(ctx) else "no"

    def act(self, ctx: Context) -> Choice:
        chance = min(1.0, self.margin * inspection_chance(ctx, ctx.seat))
        return "defect" if defection_pays(ctx, inspection_chance=chance) else "comply"

    def challenge(self, ctx: Context) -> list[str]:
        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None:
            return []
        worth = []
        for seat in ctx.others:
            terms = impl.parties.get(seat)
            if terms is None:
                continue
            chance = inspection_chance(ctx, seat) * adopted.detection * adopted.sanction
            defect = PRIOR_DEFECT if terms.defect_gain + terms.comply_cost > chance else 0.0
            if ctx.history.detected(seat):
                defect = 1.0
            expected = defect * adopted.detection * adopted.sanction
            if expected > impl.inspection_cost:
                worth.append((expected, seat))
        worth.sort(key=lambda es: -es[0])
        return [seat for _, seat in worth[: ctx.challenge_quota]]
