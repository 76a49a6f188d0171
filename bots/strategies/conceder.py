"""A conceder: gives ground early to reach any agreement."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package, Traits
from accord.bots.tactics import Aspiration, package_near, utilities


class Conceder(Delegation):
    """Time-dependent conceding tactic (``e = 2``): its target utility falls
    quickly towards its reservation, it tables the package closest above that
    target and votes yes on anything at least that good for it (and never
    below its reservation). It complies and never inspects.

    From Faratin, Sierra and Jennings (1998), the Conceder agents of the
    Genius/ANAC suites.
    """

    name = "conceder"
    traits = Traits(stochastic=True)
    exponent = 2.0

    def on_start(self, ctx: Context) -> None:
        self._aspiration = Aspiration(self.exponent)
        self._utility = utilities(ctx)

    def table(self, ctx: Context) -> list[Package]:
        return [package_near(ctx, self._aspiration.at(ctx).target, spread=3)]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        u = self._utility(package.package)
        return "yes" if u >= self._aspiration.at(ctx).floor else "no"
