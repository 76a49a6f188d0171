"""A Boulware negotiator: concedes little, and only at the end."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package, Traits
from accord.bots.tactics import Aspiration, package_near, utilities


class Hardliner(Delegation):
    """Time-dependent Boulware tactic: its target utility stays near its best
    package until late in the talks (``t^(1/e)`` with ``e = 0.2``), it tables
    the package closest above that target and votes yes only on packages that
    reach it. It complies with what is adopted and never inspects.

    From Faratin, Sierra and Jennings, "Negotiation decision functions for
    autonomous agents" (1998), the Boulware agents of the Genius/ANAC suites.
    """

    name = "hardliner"
    traits = Traits(stochastic=True)
    exponent = 0.2

    def on_start(self, ctx: Context) -> None:
        self._aspiration = Aspiration(self.exponent)
        self._utility = utilities(ctx)

    def table(self, ctx: Context) -> list[Package]:
        return [package_near(ctx, self._aspiration.at(ctx).target, spread=3)]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        u = self._utility(package.package)
        return "yes" if u >= self._aspiration.at(ctx).floor else "no"
