"""An adaptive negotiator: learns what the others accept and aims at the Nash point."""

from __future__ import annotations

from bots.context import Context, TabledPackage
from bots.sdk import Ballot, Choice, Delegation, Package, Traits
from bots.tactics import OpponentModel, defection_pays
from protocol.engine.rules import passes
from protocol.scenario.utility import detection_probability, sanction_size

CANDIDATES = 4000
"""At most this many of its own best packages are weighed each round."""
PRIOR_RESERVATION = 0.4
"""Estimated utility (on the opponent model's scale) at which a seat's reservation lies."""
SOFT = 0.05
"""Slack in the Nash product, so packages just short of acceptance still rank."""


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
    defect_pays = 0.5
    """Estimated chance that a seat defects when the regime does not deter it..."""
    defect_base = 0.15
    """...and when it does."""
    goodwill = True

    # --- valuation -------------------------------------------------------------------

    def value(self, ctx: Context, package: Package) -> float:
        """Own utility of ``package`` with the expected stakes of implementing it."""

        impl, terms = ctx.implementation, ctx.terms
        u = ctx.utility(package)
        if impl is None or terms is None:
            return u
        deterrent = detection_probability(ctx.scenario, package) * sanction_size(
            ctx.scenario, package
        )
        own = max(terms.defect_gain - deterrent, -terms.comply_cost)
        harm = sum(
            t.harm
            * (
                self.defect_pays
                if t.defect_gain + t.comply_cost > deterrent / 2
                else self.defect_base
            )
            for seat, t in impl.parties.items()
            if seat != ctx.seat
        )
        return u + impl.periods * (own - harm)

    def on_start(self, ctx: Context) -> None:
        ranked = sorted(
            ((self.value(ctx, p), p) for p in ctx.all_packages()), key=lambda vp: -vp[0]
        )
        self._values = {_key(p): v for v, p in ranked}
        acceptable = [vp for vp in ranked if vp[0] >= ctx.reservation] or ranked[:1]
        self._candidates = acceptable[:CANDIDATES]
        self._best = ranked[0][0]
        self._weights = {d.id: d.weight for d in ctx.scenario.delegations}
        self._vetoes = {d.id for d in ctx.scenario.delegations if d.veto and ctx.rules.vetoes}
        self._cache: tuple | None = None

    def minimum(self, ctx: Context) -> float:
        """Its current floor: from its best value down to its reservation."""

        if ctx.round >= ctx.rules.max_rounds:
            return ctx.reservation
        best = max(self._best, ctx.reservation)
        return best - (best - ctx.reservation) * ctx.progress ** (1.0 / self.exponent)

    # --- the opponents ----------------------------------------------------------------

    def _thresholds(self, ctx: Context, model: OpponentModel, est: dict) -> dict[str, float]:
        """Per seat, the estimated utility above which it votes yes now.

        Its reservation is estimated as the lowest estimated utility it voted
        yes on (at most :data:`PRIOR_RESERVATION`); its current threshold lies
        between that and its latest proposal, closing in as the rounds run out.
        """

        latest: dict[str, float] = {}
        for tabled in ctx.history.tabled:
            if tabled.seat in est:
                latest[tabled.seat] = model.utility(est[tabled.seat], tabled.package)
        lowest = dict.fromkeys(est, PRIOR_RESERVATION)
        for seat, package, vote in ctx.history.votes():
            if seat in est and vote == "yes":
                lowest[seat] = min(lowest[seat], model.utility(est[seat], package))
        out = {}
        for seat, reservation in lowest.items():
            proposal = max(latest.get(seat, reservation), reservation)
            out[seat] = reservation + (proposal - reservation) * (1.0 - ctx.progress)
        return out

    def _model(self, ctx: Context) -> tuple[OpponentModel, dict, dict[str, float]]:
        if self._cache is None or self._cache[0] != ctx.round:
            model = OpponentModel(ctx)
            est = model.estimates()
            self._cache = (ctx.round, model, est, self._thresholds(ctx, model, est), None)
        return self._cache[1], self._cache[2], self._cache[3]

    def _forecast(self, ctx: Context, package: Package, own: float) -> tuple[bool, float]:
        """Whether ``package`` would pass with this seat's yes, and its estimated Nash product."""

        model, est, thresholds = self._model(ctx)
        votes: dict[str, str] = {ctx.seat: "yes"}
        product = own - ctx.reservation + SOFT
        for seat in ctx.others:
            if seat not in est:
                votes[seat] = "yes"
                continue
            gain = model.utility(est[seat], package) - thresholds[seat]
            votes[seat] = "yes" if gain >= 0 else "no"
            product *= max(gain + SOFT, SOFT / 10)
        carried = passes(ctx.rules, self._weights, votes) and not any(
            votes[s] == "no" for s in self._vetoes if s != ctx.seat
        )
        return carried, product

    def _plan(self, ctx: Context) -> list[tuple[bool, float, Package]]:
        """(predicted to pass, Nash product, package) for the packages it would accept, best first."""

        self._model(ctx)
        if self._cache[4] is None:
            floor = self.minimum(ctx)
            plan = [(*self._forecast(ctx, p, v), p) for v, p in self._candidates if v >= floor]
            plan.sort(key=lambda cpp: (not cpp[0], -cpp[1]))
            self._cache = (*self._cache[:4], plan)
        return self._cache[4]

    # --- hooks ------------------------------------------------------------------------

    def table(self, ctx: Context) -> list[Package]:
        chosen = [p for _, _, p in self._plan(ctx)[: ctx.rules.proposals_per_round]]
        return chosen or [self._candidates[0][1]]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        """Yes at or above its minimum; also yes on a package it could live with
        (at or above its reservation) that is forecast to fail anyway: goodwill
        that costs nothing and that reciprocating seats return."""

        value = self._values.get(_key(package.package))
        if value is None:
            value = self.value(ctx, package.package)
        if value >= self.minimum(ctx):
            return "yes"
        if (
            self.goodwill
            and value >= ctx.reservation
            and not self._forecast(ctx, package.package, value)[0]
        ):
            return "yes"
        return "no"

    def act(self, ctx: Context) -> Choice:
        return "defect" if defection_pays(ctx, inspection_chance=1.0) else "comply"

    def challenge(self, ctx: Context) -> list[str]:
        """Inspect where a detected sanction would deter harm worth the inspection.

        A seat is worth inspecting when the chance that it defects (whether
        the regime deters it; a seat already caught is a known defector) ×
        the detection probability × the harm it would stop doing for the rest
        of the implementation (if the sanction outweighs its gain) exceeds the
        inspection cost.
        """

        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None:
            return []
        remaining = impl.periods - ctx.period
        worth = []
        for seat in ctx.others:
            terms = impl.parties.get(seat)
            if terms is None or adopted.sanction < terms.defect_gain + terms.comply_cost:
                continue
            deterred = (
                terms.defect_gain + terms.comply_cost <= adopted.detection * adopted.sanction / 2
            )
            defect = (
                1.0
                if ctx.history.detected(seat)
                else self.defect_base
                if deterred
                else self.defect_pays
            )
            expected = defect * adopted.detection * terms.harm * remaining
            if expected > impl.inspection_cost:
                worth.append((expected, seat))
        worth.sort(key=lambda es: -es[0])
        return [seat for _, seat in worth[: ctx.challenge_quota]]
