"""A free rider: wants a deal, but one it can quietly break."""

from __future__ import annotations

from collections.abc import Mapping

from accord.bots.context import Context, TabledPackage, stakes
from accord.bots.sdk import Ballot, Choice, Delegation, Package, Traits
from accord.bots.tactics import Aspiration, ValueRanking, defection_pays, inspection_chance

CAUGHT_PRIOR = 1.0
"""Its prior inspection chance once its record shows a detected defection: the
others can read that record, and inspectors and reciprocators watch known
violators first."""


class FreeRider(Delegation):
    """Negotiates like a moderate conceder (``e = 1``: its target utility falls
    linearly to its reservation), but values a package at what living with
    it would be worth: its utility, plus per implementation period either
    ``defect_gain`` minus the expected sanction (detection × sanction × the
    chance of being inspected) or, when that is worse, minus ``comply_cost``.
    So it tables and votes for weak verification and enforcement.
    In implementation it defects whenever the expected sanction, with the
    inspection chance estimated from how often it has been inspected so far,
    is below its gain, and complies otherwise. It never inspects.

    Reputation (``ctx.reputation``, its own record, public like the others'):
    once its record shows a defection caught in an earlier talk of the
    series, the prior of its inspection chance is 1 instead of ½, since the
    seats that read records watch known violators first. So a free rider
    caught before expects to be inspected from the first period: it defects
    only where even certain inspection would not deter it (or once periods
    without an inspection have worn the estimate down), and at the table it
    prefers weak regimes all the more. Without such a record it plays as
    without reputation.

    The free-rider problem of public goods: Olson, "The Logic of Collective
    Action" (1965) — each party gains from an agreement others keep. Its
    reading of its own record follows the reputation argument of Kreps,
    Milgrom, Roberts and Wilson (1982): in a repeated game a player's past
    conduct shapes how the others treat it, so it pays to mind one's record.
    """

    name = "free-rider"
    traits = Traits(stochastic=True, may_defect=True)
    exponent = 1.0

    def value(self, ctx: Context, package: Mapping[str, str]) -> float:
        """Utility plus the expected gains of free riding under ``package``."""

        impl, terms = ctx.implementation, ctx.terms
        u = ctx.utility(package)
        if impl is None or terms is None:
            return u
        deterrent = (
            self.inspection_chance(ctx)
            * stakes(ctx).detection(package)
            * stakes(ctx).sanction(package)
        )
        return u + impl.periods * max(terms.defect_gain - deterrent, -terms.comply_cost)

    def _target(self, ctx: Context) -> float:
        return self._aspiration.at(ctx).floor

    def value_key(self, ctx: Context) -> tuple[object, ...]:
        """What :meth:`value` reads beyond the agenda and this seat's brief
        (the inspection chance is its prior at the start).

        The ranking is kept on this class's shelf under it and shared between
        talks; a subclass whose ``value`` reads more extends it.
        """

        return (ctx.seat, ctx.implementation, self.inspection_chance(ctx))

    def inspection_chance(self, ctx: Context) -> float:
        """The chance that it is inspected this period: the share of the past
        periods in which it was, with a prior of ½ counted as one period
        (:func:`~accord.bots.tactics.inspection_chance`), or a prior of
        :data:`CAUGHT_PRIOR` once its record shows a detected defection."""

        record = ctx.reputation.get(ctx.seat)
        if record is None or record.violations_detected == 0:
            return inspection_chance(ctx, ctx.seat)
        periods = max(0, ctx.period - 1)
        inspected = {
            c.period
            for c in ctx.history.challenges
            if c.target == ctx.seat and c.period < ctx.period
        }
        return (len(inspected) + CAUGHT_PRIOR) / (periods + 1)

    def on_start(self, ctx: Context) -> None:
        self._ranking = ValueRanking(ctx, lambda p: self.value(ctx, p), key=self.value_key(ctx))
        self._aspiration = Aspiration(self.exponent)

    def table(self, ctx: Context) -> list[Package]:
        return [self._ranking.near(ctx, self._target(ctx))]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        value = None
        if self._ranking.shared and ctx.period <= 1 and not ctx.history.challenges:
            # the inspection chance is still its prior, as when the ranking was made
            value = self._ranking.value_of(package.package)
        if value is None:
            value = self.value(ctx, package.package)
        return "yes" if value >= self._target(ctx) else "no"

    def act(self, ctx: Context) -> Choice:
        chance = self.inspection_chance(ctx)
        return "defect" if defection_pays(ctx, inspection_chance=chance) else "comply"
