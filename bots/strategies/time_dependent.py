"""A time-dependent negotiator: concedes along a curve set by one exponent."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package, Traits
from accord.bots.tactics import Aspiration, package_near, utilities


class TimeDependent(Delegation):
    """Time-dependent tactic: its target utility falls from its best
    package's utility towards its reservation as the rounds run out, along
    ``best − (best − floor) · t^(1/e)``; the exponent ``e`` sets the pace.
    ``e < 1`` holds out and concedes late (Boulware), ``e = 1`` concedes
    linearly, ``e > 1`` concedes early (Conceder). Each round it tables one of
    the three packages closest above its target, at random, and votes yes on
    anything at least that good for it (never below its reservation). It
    complies with what is adopted and never inspects.

    The exponent is a keyword-only option, ``TimeDependent(exponent=0.5)``;
    without it the class attribute applies, so a named variant is a subclass
    that only sets ``name`` and ``exponent`` (``conceder``, ``hardliner``).

    From Faratin, Sierra and Jennings, "Negotiation decision functions for
    autonomous agents" (1998), the time-dependent agents of the Genius/ANAC
    suites.
    """

    name = "time-dependent"
    traits = Traits(stochastic=True)
    exponent = 1.0
    """The concession exponent ``e`` when the constructor is not given one."""

    def __init__(self, *, exponent: float | None = None) -> None:
        if exponent is not None:
            if not exponent > 0:
                raise ValueError(f"the exponent must be positive, not {exponent!r}")
            # an instance attribute shadows the class's default for this instance only
            self.exponent = exponent

    def on_start(self, ctx: Context) -> None:
        self._aspiration = Aspiration(self.exponent)
        self._utility = utilities(ctx)

    def table(self, ctx: Context) -> list[Package]:
        return [package_near(ctx, self._aspiration.at(ctx).target, spread=3)]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        u = self._utility(package.package)
        return "yes" if u >= self._aspiration.at(ctx).floor else "no"
