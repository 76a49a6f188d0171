"""Scenarios: the agenda, the delegations with their private briefs, the rules."""

from accord.protocol.scenario.load import (
    bundled_names,
    load_scenario,
    parse_scenario,
    scenario_from_dict,
)
from accord.protocol.scenario.model import (
    Brief,
    Delegation,
    Implementation,
    Issue,
    Rules,
    Scenario,
    Terms,
    TimeLimits,
)
from accord.protocol.scenario.samples import six_seat_scenario
from accord.protocol.scenario.utility import UtilityFunction, utility_functions

__all__ = [
    "Brief",
    "Delegation",
    "Implementation",
    "Issue",
    "Rules",
    "Scenario",
    "Terms",
    "TimeLimits",
    "UtilityFunction",
    "bundled_names",
    "load_scenario",
    "parse_scenario",
    "scenario_from_dict",
    "six_seat_scenario",
    "utility_functions",
]
