"""A veto player: uses its veto as leverage, then settles before the deadline."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package, Traits
from accord.bots.tactics import aspiration, package_near


class VetoPlayer(Delegation):
    """Holds out with its veto, and says so.

    Its target utility is a Boulware aspiration (``e = 0.3``): it stays near
    its best package and falls slowly. Each round it tables the package
    closest above that target and announces publicly that this is the text it
    would accept. With a veto, it vetoes every package below the target, so
    the others must come to it; in the last ``relax_rounds`` rounds it relaxes
    to its reservation: yes on anything that reaches it, a veto only below
    it. Without a veto it behaves like a hardliner: yes at its target, no
    otherwise (and never a veto). It complies and never inspects.

    From the UN Security Council, where the permanent members' veto is
    bargaining leverage, and Tsebelis, "Veto Players: How Political
    Institutions Work" (2002).
    """

    name = "veto-player"
    traits = Traits(uses_veto=True)
    exponent = 0.3
    relax_rounds = 1

    def threshold(self, ctx: Context) -> float:
        """The least utility it accepts this round."""

        if ctx.holds_veto and ctx.round > ctx.rules.max_rounds - self.relax_rounds:
            return ctx.reservation
        return max(aspiration(ctx, self.exponent), ctx.reservation)

    def table(self, ctx: Context) -> list[Package]:
        package = package_near(ctx, self.threshold(ctx))
        terms = ", ".join(f"{issue}={option}" for issue, option in package.items())
        stance = (
            "will veto anything weaker" if ctx.holds_veto else "will vote against anything weaker"
        )
        ctx.say(f"{ctx.seat} can accept {terms} and {stance} in round {ctx.round}.")
        return [package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        if ctx.utility(package.package) >= self.threshold(ctx):
            return "yes"
        return "veto" if ctx.holds_veto else "no"
