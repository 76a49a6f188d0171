"""A conceder: gives ground early to reach any agreement."""

from __future__ import annotations

from accord.bots.strategies.time_dependent import TimeDependent


class Conceder(TimeDependent):
    """Time-dependent conceding tactic (``e = 2``): its target utility falls
    quickly towards its reservation, it tables one of the packages closest
    above that target and votes yes on anything at least that good for it
    (and never below its reservation). It complies and never inspects.

    :class:`~accord.bots.strategies.time_dependent.TimeDependent` with
    ``exponent = 2``. From Faratin, Sierra and Jennings (1998), the Conceder
    agents of the Genius/ANAC suites.
    """

    name = "conceder"
    exponent = 2.0
