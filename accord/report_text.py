"""Scenario analyses as plain text for the terminal (``accord scenario analyze``).

The analysis itself (:mod:`accord.protocol.analysis`) is part of the
protocol and yields msgspec structs; how a report reads on a terminal is the
command line's business, so it is kept here, beside :mod:`accord.cli`.
"""

from __future__ import annotations

from collections.abc import Sequence

from accord.protocol.analysis import Analysis, Point
from accord.protocol.scenario.model import Scenario

__all__ = ["format_analysis"]


def format_analysis(analysis: Analysis, scenario: Scenario, *, max_regimes: int = 16) -> str:
    """A plain-text report of ``analysis`` (of ``scenario``) for the terminal.

    At most ``max_regimes`` implementation regimes are listed; the JSON form
    of the analysis has them all.
    """

    seats = analysis.seats
    total = analysis.packages
    lines = [
        f"{scenario.title} ({analysis.scenario})",
        "",
        f"Outcome space     {total:,} packages over {len(scenario.issues)} issues",
        f"Pareto frontier   {analysis.pareto_size:,} packages ({_share(analysis.pareto_size, total)})",
        f"Acceptable to all {analysis.acceptable_to_all:,} packages "
        f"({_share(analysis.acceptable_to_all, total)}) beat every reservation",
        f"Would pass        {analysis.passing:,} packages ({_share(analysis.passing, total)}) "
        f"under {_rule(scenario)}, sincere votes" + (", no veto" if scenario.rules.vetoes else ""),
        "",
        "Seats             reservation   best    worst   packages above reservation",
    ]
    for report in analysis.seat_reports:
        name = scenario.delegation(report.seat).name
        lines.append(
            f"  {_clip(name, 15):<15} {report.reservation:>9.3f}  {report.best:>6.3f}  "
            f"{report.worst:>6.3f}   {report.above_reservation:,} "
            f"({report.share_above_reservation:.1%})"
        )
    lines += ["", "Nash bargaining point (max product of gains over reservation)"]
    if analysis.nash is None:
        lines.append("  none: no package gives every seat at least its reservation")
    else:
        lines += _point(analysis.nash, scenario, seats)
        lines.append(f"  product of gains {analysis.nash_product:.6g}")
    lines += ["", "Utilitarian optimum (max sum of utilities)"]
    lines += _point(analysis.utilitarian, scenario, seats)
    lines.append(f"  sum of utilities {analysis.utilitarian_sum:.4f}")
    if analysis.pareto_sample:
        lines += ["", f"Pareto frontier, first {len(analysis.pareto_sample)} by utility sum"]
        for point in analysis.pareto_sample:
            lines += _point(point, scenario, seats)
            lines.append("")
        lines.pop()
    impl = analysis.implementation
    if impl is not None:
        lines += ["", "Implementation (one inspection per seat and period)"]
        lines.append(
            "  temptation to defect (gain + cost): "
            + ", ".join(f"{seat} {value:.3f}" for seat, value in impl.temptation.items())
        )
        lines.append(
            f"  {impl.self_enforcing_count} of {impl.regime_count} regimes deter every seat"
        )
        listed = impl.regimes[:max_regimes]
        for regime in listed:
            choice = "; ".join(
                f"{scenario.issue(issue).title}: {scenario.issue(issue).label(option)}"
                for issue, option in regime.options.items()
            )
            tempted = [seat for seat, pays in regime.defection_pays.items() if pays]
            verdict = (
                "deters every seat"
                if regime.self_enforcing
                else "defection pays for " + ", ".join(tempted)
            )
            lines.append(
                f"  {choice or '(no verification or enforcement issue)'}: detection "
                f"{regime.detection:.3f} x sanction {regime.sanction:.3f} = "
                f"{regime.expected_sanction:.3f}, {verdict}"
            )
        if len(listed) < impl.regime_count:
            lines.append(f"  ... {impl.regime_count - len(listed):,} more regimes not listed")
    return "\n".join(lines)


def _point(point: Point, scenario: Scenario, seats: Sequence[str]) -> list[str]:
    choice = "; ".join(
        f"{scenario.issue(issue).title}: {scenario.issue(issue).label(option)}"
        for issue, option in point.package.items()
    )
    utilities = ", ".join(f"{seat} {point.utilities[seat]:.3f}" for seat in seats)
    return [f"  {choice}", f"  utilities: {utilities}"]


def _share(part: int, total: int) -> str:
    return f"{part / total:.1%}" if total else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _rule(scenario: Scenario) -> str:
    rules = scenario.rules
    if rules.decision == "qualified":
        text = f"qualified majority ({rules.threshold:.0%} of weight"
        if rules.quorum:
            text += f", quorum {rules.quorum:.0%}"
        text += ")"
    else:
        text = rules.decision
        if rules.all_but:
            text += f" (all but {rules.all_but})"
    if rules.required:
        text += f", {', '.join(rules.required)} required"
    return text
