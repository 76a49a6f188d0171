"""The delegation built step by step in docs/bots.md.

Run it from this folder, e.g.::

    PYTHONPATH=. accord bot play my_strategy:MyDelegation hardliner --scenario trade-round
"""

from __future__ import annotations

from collections import Counter

from accord.bots import (
    Ballot,
    Choice,
    Context,
    Delegation,
    Package,
    TabledPackage,
    Traits,
    aspiration,
    defection_pays,
    inspection_chance,
)


class MyDelegation(Delegation):
    """Concedes slowly, tables what the others have been asking for, and free
    rides on the agreement when the expected sanction is smaller than the gain.

    Its target utility falls from its best package to its reservation along a
    time-dependent curve (``e = 0.5``). Each round it tables, among the
    packages that reach the target, the one whose options the other seats have
    tabled most often. It votes yes on packages that reach the target. In
    implementation it defects when that pays given how often it has been
    inspected so far, and complies otherwise. It never inspects.
    """

    name = "my-delegation"
    traits = Traits(may_defect=True, models_opponents=True)
    exponent = 0.5

    def target(self, ctx: Context) -> float:
        """The least utility this seat accepts now (never below its reservation)."""

        return max(aspiration(ctx, self.exponent), ctx.reservation)

    def table(self, ctx: Context) -> list[Package]:
        asked = Counter(
            (issue, option)
            for tabled in ctx.history.tabled
            if tabled.seat != ctx.seat
            for issue, option in tabled.package.items()
        )
        target = self.target(ctx)
        good_enough = [p for p in ctx.all_packages() if ctx.utility(p) >= target]
        if not good_enough:
            return [ctx.best_package()]
        package = max(
            good_enough,
            key=lambda p: (sum(asked[i, o] for i, o in p.items()), ctx.utility(p)),
        )
        return [package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        return "yes" if ctx.utility(package.package) >= self.target(ctx) else "no"

    def act(self, ctx: Context) -> Choice:
        chance = inspection_chance(ctx, ctx.seat)
        return "defect" if defection_pays(ctx, inspection_chance=chance) else "comply"
