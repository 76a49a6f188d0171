"""Exact analysis of a scenario's outcome space (``accord scenario analyze``).

:func:`analyze` reports the size of the outcome space, the Pareto frontier,
the Nash bargaining point, the utilitarian optimum, how many packages pass
the decision rule under sincere voting without a veto, each seat's share of
packages above its reservation, and, for scenarios with an implementation
phase, which verification/enforcement regimes deter defection.

Everything is exact with respect to the utilities the engine computes: a
seat's utility of a package is the float sum of its weighted option values
added one issue at a time in agenda order (what
:class:`~accord.protocol.scenario.utility.UtilityFunction` returns on Python 3.11,
whose ``sum()`` adds floats left to right), and every comparison is made on
those very floats. Pure Python, no I/O; spaces of 10^6 packages take seconds.

The modules, one subject each:

* :mod:`~accord.protocol.analysis.report`: the report types (msgspec structs);
* :mod:`~accord.protocol.analysis.outcome_space`: :func:`analyze`, which puts
  the report together;
* :mod:`~accord.protocol.analysis.pareto`: the Pareto frontier, built issue by
  issue;
* :mod:`~accord.protocol.analysis.skyline`: dominance and the skyline of one
  level of the frontier;
* :mod:`~accord.protocol.analysis.bargaining`: the Nash bargaining point, the
  utilitarian optimum and the highest utility sums on the frontier;
* :mod:`~accord.protocol.analysis.counting`: votes, vetoes and passing
  packages counted over the whole space;
* :mod:`~accord.protocol.analysis.regimes`: which implementation regimes
  deter defection.

The plain-text form of a report, for the terminal, is not part of the
protocol: it lives beside the command line, in :mod:`accord.report_text`.
"""

from __future__ import annotations

from accord.protocol.analysis.outcome_space import analyze
from accord.protocol.analysis.report import (
    Analysis,
    ImplementationReport,
    Point,
    Regime,
    SeatReport,
)

__all__ = [
    "Analysis",
    "ImplementationReport",
    "Point",
    "Regime",
    "SeatReport",
    "analyze",
]
