"""A Boulware negotiator: concedes little, and only at the end."""

from __future__ import annotations

from accord.bots.strategies.time_dependent import TimeDependent


class Hardliner(TimeDependent):
    """Time-dependent Boulware tactic: its target utility stays near its best
    package until late in the talks (``t^(1/e)`` with ``e = 0.2``), it tables
    one of the packages closest above that target and votes yes only on
    packages that reach it. It complies with what is adopted and never
    inspects.

    :class:`~accord.bots.strategies.time_dependent.TimeDependent` with
    ``exponent = 0.2``. From Faratin, Sierra and Jennings, "Negotiation
    decision functions for autonomous agents" (1998), the Boulware agents of
    the Genius/ANAC suites.
    """

    name = "hardliner"
    exponent = 0.2
