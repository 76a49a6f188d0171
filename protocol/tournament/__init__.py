"""Tournaments, the pure part: the tournament file, the plan of talks, and
what each talk yields (scores between bounds that occur, agreements placed
against the Pareto frontier and the Nash point). Running, storing, rating
and reporting are the server's (:mod:`accord.server.tournament`)."""

from accord.protocol.tournament.plan import (
    TalkPlan,
    all_seatings,
    load_scenarios,
    plan,
    plan_round,
    symmetric_seats,
    talk_seed,
)
from accord.protocol.tournament.results import SeatResult, TalkResult, ranks, talk_result
from accord.protocol.tournament.scoring import ScenarioBounds, SeatBounds, scenario_bounds, score
from accord.protocol.tournament.spec import (
    EntrySpec,
    GenerateSpec,
    SandboxLimits,
    ScenarioSpec,
    Tournament,
    TournamentFile,
    default_store,
    load_tournament,
    parse_tournament,
    tournament_from_dict,
)

__all__ = [
    "EntrySpec",
    "GenerateSpec",
    "SandboxLimits",
    "ScenarioBounds",
    "ScenarioSpec",
    "SeatBounds",
    "SeatResult",
    "TalkPlan",
    "TalkResult",
    "Tournament",
    "TournamentFile",
    "all_seatings",
    "default_store",
    "load_scenarios",
    "load_tournament",
    "parse_tournament",
    "plan",
    "plan_round",
    "ranks",
    "scenario_bounds",
    "score",
    "symmetric_seats",
    "talk_result",
    "talk_seed",
    "tournament_from_dict",
]
