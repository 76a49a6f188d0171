"""Final scores: what each seat lived with, and where that lies in its range.

raw = utility of the adopted package (or the reservation without one)
      − compliance costs + defection gains − harm suffered − sanctions
      − inspection costs.

The normalised score places ``raw`` between the worst (0) and the best (1)
outcome the scenario allows that seat, so scores compare across scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accord.protocol.events import SeatScore
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import UtilityFunction, add_up

_DIGITS = 12


@dataclass
class Ledger:
    """A seat's running account during implementation."""

    compliance_costs: float = 0.0
    defection_gains: float = 0.0
    harm_suffered: float = 0.0
    sanctions: float = 0.0
    inspection_costs: float = 0.0
    defections: int = 0
    detected: int = 0
    actions: list[str] = field(default_factory=list)


def score_range(scenario: Scenario, seat: str, utility: UtilityFunction) -> tuple[float, float]:
    """(worst, best) raw score the scenario allows ``seat``."""

    best_utility = max(utility.best(), utility.reservation)
    worst_utility = min(utility.worst(), utility.reservation)
    impl = scenario.implementation
    if impl is None:
        return worst_utility, best_utility
    terms = impl.parties[seat]
    periods = impl.periods
    max_sanction = add_up(max(row) for row in impl.sanction.values())
    harm = add_up(t.harm for s, t in impl.parties.items() if s != seat)
    per_period_loss = (
        max(terms.comply_cost, max_sanction - terms.defect_gain)
        + harm
        + impl.challenge_quota * impl.inspection_cost
    )
    best = max(utility.best() + periods * terms.defect_gain, utility.reservation)
    worst = min(utility.worst() - periods * per_period_loss, utility.reservation)
    return worst, best


def final_score(
    scenario: Scenario,
    seat: str,
    utility: UtilityFunction,
    value: float,
    ledger: Ledger,
) -> SeatScore:
    """Score one seat given its agreement value (utility or reservation) and ledger."""

    raw = (
        value
        - ledger.compliance_costs
        + ledger.defection_gains
        - ledger.harm_suffered
        - ledger.sanctions
        - ledger.inspection_costs
    )
    worst, best = score_range(scenario, seat, utility)
    span = best - worst
    normalised = 1.0 if span <= 0 else min(1.0, max(0.0, (raw - worst) / span))
    return SeatScore(
        seat=seat,
        raw=round(raw, _DIGITS),
        normalised=round(normalised, _DIGITS),
        utility=round(value, _DIGITS),
        compliance_costs=round(ledger.compliance_costs, _DIGITS),
        defection_gains=round(ledger.defection_gains, _DIGITS),
        harm_suffered=round(ledger.harm_suffered, _DIGITS),
        sanctions=round(ledger.sanctions, _DIGITS),
        inspection_costs=round(ledger.inspection_costs, _DIGITS),
        defections=ledger.defections,
        detected=ledger.detected,
    )
