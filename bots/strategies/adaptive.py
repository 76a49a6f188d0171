"""An adaptive negotiator: learns what the others accept and aims at the Nash point."""

from __future__ import annotations

from collections import Counter

from bots.context import Context, TabledPackage
from bots.sdk import Ballot, Choice, Delegation, Package, Traits
from bots.tactics import OpponentModel, defection_pays, inspection_chance
from protocol.engine.rules import passes
from protocol.scenario.utility import detection_probability, sanction_size

CANDIDATES = 4000
"""At most this many of its own best packages are weighed each round."""
INSPECTORS = 2
"""Inspections per period it reckons with before defecting."""
PRIOR_RESERVATION = 0.4
"""A seat's reservation on the opponent model's scale, until its votes show a lower one."""
SOFT = 0.05
"""Slack in the Nash product, so that packages just short of acceptance still rank."""


def _caught(detection: float, inspections: int) -> float:
    return 1.0 - (1.0 - detection) ** inspections


class NashSeeker(Delegation):
    """Values a package at what living with it is worth: its utility, plus
    per implementation period the gain of defecting where even two
    inspections would not deter it (else minus the cost of complying), minus
    the harm expected from the other seats the regime does not deter.

    Each round it models every other seat from its proposals and open votes
    (:class:`~bots.tactics.OpponentModel`) and estimates the seat's reservation
    (the lowest estimated utility it voted yes on) and current threshold
    (between that and its latest proposal, closing in as the rounds run
    out). It predicts the sincere votes on every package at or above its own
    minimum, keeps those that pass the room's rule without a veto, and tables
    the one(s) with the largest estimated Nash product (own gain over its
    reservation × each seat's estimated gain over its threshold); if none is
    forecast to pass, the best by that product. Its minimum falls from its
    best value to its reservation (Boulware, ``e = 0.6``; the reservation in
    the last round), never below. It votes yes at or above its minimum, and,
    in open ballots, on packages above its reservation that are forecast to
    fail anyway (goodwill that reciprocators return).

    In implementation it defects only when that clearly pays: when its gain
    beats the expected sanction even under as many inspections per period as
    it has ever drawn (at least two). It inspects a seat only when that
    deters it (detection × sanction outweighs the seat's gain, its inspection
    rate so far does not) and the harm stopped is worth the inspection cost.

    From the Nash bargaining solution (Nash, "The bargaining problem", 1950)
    and opponent modelling in the ANAC agents (Baarslag, Hendrikx, Hindriks
    and Jonker, "Learning about the opponent in automated bilateral
    negotiation", 2016).
    """

    name = "adaptive"
    traits = Traits(models_opponents=True, challenges=True, may_defect=True)
    exponent = 0.6
    defect_pays = 0.5
    """Chance that a seat defects when the regime does not deter it..."""
    defect_base = 0.15
    """...and when it does."""

    def value(self, ctx: Context, package: Package) -> float:
        """Own utility of ``package`` with the expected stakes of implementing it."""

        impl, terms = ctx.implementation, ctx.terms
        u = ctx.utility(package)
        if impl is None or terms is None:
            return u
        detection = detection_probability(ctx.scenario, package)
        sanction = sanction_size(ctx.scenario, package)
        own = max(terms.defect_gain - _caught(detection, INSPECTORS) * sanction, -terms.comply_cost)
        harm = 0.0
        for seat, t in impl.parties.items():
            if seat != ctx.seat:
                pays = t.defect_gain + t.comply_cost > detection * sanction / 2
                harm += t.harm * (self.defect_pays if pays else self.defect_base)
        return u + impl.periods * (own - harm)

    def on_start(self, ctx: Context) -> None:
        ranked = sorted(
            ((self.value(ctx, p), p) for p in ctx.all_packages()), key=lambda vp: -vp[0]
        )
        self._values = {tuple(p.values()): v for v, p in ranked}
        self._candidates = [vp for vp in ranked if vp[0] >= ctx.reservation][:CANDIDATES] or ranked[
            :1
        ]
        self._best = max(ranked[0][0], ctx.reservation)
        self._weights = {d.id: d.weight for d in ctx.scenario.delegations}
        self._vetoes = {d.id for d in ctx.scenario.delegations if d.veto and ctx.rules.vetoes}
        self._round: dict = {}

    def minimum(self, ctx: Context) -> float:
        if ctx.round >= ctx.rules.max_rounds:
            return ctx.reservation
        return self._best - (self._best - ctx.reservation) * ctx.progress ** (1.0 / self.exponent)

    # --- the opponents ----------------------------------------------------------------

    def _model(self, ctx: Context) -> dict:
        """This round's opponent model, thresholds and plan (computed once a round)."""

        if self._round.get("round") == ctx.round:
            return self._round
        model = OpponentModel(ctx)
        est = model.estimates()
        latest = {
            t.seat: model.utility(est[t.seat], t.package)
            for t in ctx.history.tabled
            if t.seat in est
        }
        lowest = dict.fromkeys(est, PRIOR_RESERVATION)
        for seat, package, vote in ctx.history.votes():
            if seat in est and vote == "yes":
                lowest[seat] = min(lowest[seat], model.utility(est[seat], package))
        thresholds = {
            seat: low + (max(latest.get(seat, low), low) - low) * (1.0 - ctx.progress)
            for seat, low in lowest.items()
        }
        self._round = {"round": ctx.round, "model": model, "est": est, "thresholds": thresholds}
        return self._round

    def _forecast(self, ctx: Context, package: Package, own: float) -> tuple[bool, float]:
        """Whether ``package`` would pass with this seat's yes, and its estimated Nash product."""

        m = self._model(ctx)
        votes: dict[str, str] = {ctx.seat: "yes"}
        product = own - ctx.reservation + SOFT
        for seat in ctx.others:
            if seat in m["est"]:
                gain = m["model"].utility(m["est"][seat], package) - m["thresholds"][seat]
                votes[seat] = "yes" if gain >= 0 else "no"
                product *= max(gain + SOFT, SOFT / 10)
            else:  # nothing seen yet: assume it would agree
                votes[seat] = "yes"
        vetoed = any(votes[s] == "no" for s in self._vetoes if s != ctx.seat)
        return passes(ctx.rules, self._weights, votes) and not vetoed, product

    # --- hooks ------------------------------------------------------------------------

    def table(self, ctx: Context) -> list[Package]:
        m = self._model(ctx)
        if "plan" not in m:
            floor = self.minimum(ctx)
            plan = [(*self._forecast(ctx, p, v), p) for v, p in self._candidates if v >= floor]
            m["plan"] = sorted(plan, key=lambda cpp: (not cpp[0], -cpp[1]))
        chosen = [p for _, _, p in m["plan"][: ctx.rules.proposals_per_round]]
        return chosen or [self._candidates[0][1]]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        value = self._values.get(tuple(package.package.values()))
        if value is None:
            value = self.value(ctx, package.package)
        if value >= self.minimum(ctx):
            return "yes"
        goodwill = ctx.rules.ballot == "open" and value >= ctx.reservation
        return "yes" if goodwill and not self._forecast(ctx, package.package, value)[0] else "no"

    def act(self, ctx: Context) -> Choice:
        adopted = ctx.adopted
        if adopted is None or adopted.detection <= 0:
            return "defect" if defection_pays(ctx) else "comply"
        per_period = Counter(c.period for c in ctx.history.challenges if c.target == ctx.seat)
        caught = _caught(adopted.detection, max(INSPECTORS, *per_period.values(), 0))
        return (
            "defect"
            if defection_pays(ctx, inspection_chance=caught / adopted.detection)
            else "comply"
        )

    def challenge(self, ctx: Context) -> list[str]:
        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None:
            return []
        expected = adopted.detection * adopted.sanction
        remaining = impl.periods - ctx.period + 1
        worth = []
        for seat in ctx.others:
            terms = impl.parties.get(seat)
            if terms is None:
                continue
            gain = terms.defect_gain + terms.comply_cost
            if inspection_chance(ctx, seat) * expected < gain <= expected:
                defect = 1.0 if ctx.history.detected(seat) else self.defect_pays
                if defect * terms.harm * remaining > impl.inspection_cost:
                    worth.append((defect * terms.harm, seat))
        worth.sort(key=lambda vs: -vs[0])
        return [seat for _, seat in worth[: ctx.challenge_quota]]
