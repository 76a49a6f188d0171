"""What one tournament talk yields, read from its event log.

Everything here is a function of the talk's events (and the scenario's
bounds), so standings recomputed from stored transcripts equal those made
while the tournament ran. What the log cannot show (a strategy's hook that
raised, a sandboxed entry that was killed) the runner adds as ``failures``
and ``problems``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from accord.protocol.events import (
    ChallengeResult,
    Event,
    TalksConcluded,
    Timeout,
    VetoCast,
)
from accord.protocol.scenario import Scenario
from accord.protocol.scenario.utility import utility_functions
from accord.protocol.tournament.plan import TalkPlan
from accord.protocol.tournament.scoring import (
    ScenarioBounds,
    nash_distance,
    pareto_distance,
    score,
)


class SeatResult(msgspec.Struct, frozen=True, kw_only=True):
    """One seat of one talk: who sat there and how it went for them."""

    seat: str
    entry: str
    score: float
    """The tournament score (:mod:`accord.protocol.tournament.scoring`)."""
    raw: float
    normalised: float
    """The talk's own normalised score (between the scenario's extremes)."""
    utility: float
    compliance_costs: float = 0.0
    defection_gains: float = 0.0
    harm_suffered: float = 0.0
    sanctions: float = 0.0
    inspection_costs: float = 0.0
    vetoes: int = 0
    defections: int = 0
    detected: int = 0
    """Of its defections, those an inspection found."""
    challenges: int = 0
    """Inspections it asked for."""
    hits: int = 0
    """Of those, the ones that found a defection."""
    timeouts: int = 0
    failures: int = 0
    """Hooks that raised or overran (in-process), or a sandbox that stopped it."""
    rank: float = 0.0
    """1 for the best score of the talk; tied seats share the mean of their places."""


class TalkResult(msgspec.Struct, frozen=True, kw_only=True):
    """One talk of a tournament, as stored."""

    talk: str
    scenario: int
    scenario_id: str
    seed: int
    seating: tuple[str, ...]
    series: str
    game: int
    round: int = 0
    head: str
    """Hash-chain head of the talk's transcript."""
    events: int
    outcome: Literal["agreement", "no_deal"]
    rounds: int
    package: dict[str, str] | None = None
    pareto_distance: float | None = None
    nash_distance: float | None = None
    seats: tuple[SeatResult, ...]
    problems: tuple[str, ...] = ()


def ranks(scores: Sequence[float]) -> list[float]:
    """Place of each score, 1 the best, ties sharing the mean of their places."""

    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    out = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        place = (i + j) / 2 + 1
        for k in range(i, j + 1):
            out[order[k]] = place
        i = j + 1
    return out


def talk_result(
    plan: TalkPlan,
    scenario: Scenario,
    log: Sequence[Event],
    bounds: ScenarioBounds,
    *,
    head: str,
    failures: Mapping[str, int] | None = None,
    problems: Sequence[str] = (),
) -> TalkResult:
    """The result of a concluded talk from its full (organizer's) event log."""

    concluded = log[-1] if log else None
    if not isinstance(concluded, TalksConcluded):
        raise ValueError(f"talk {plan.id}: the log does not end with talks_concluded")
    vetoes: Counter[str] = Counter()
    timeouts: Counter[str] = Counter()
    challenges: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for event in log:
        match event:
            case VetoCast(seat=seat):
                vetoes[seat] += 1
            case Timeout(seat=seat):
                timeouts[seat] += 1
            case ChallengeResult(seat=seat, detected=detected):
                challenges[seat] += 1
                hits[seat] += int(detected)
    failures = failures or {}
    entry_of = dict(zip(scenario.seats, plan.seating, strict=True))
    scored = {s.seat: s for s in concluded.scores}
    seats = scenario.seats
    scores = [score(scored[seat].raw, bounds.bounds(seat)) for seat in seats]
    places = ranks(scores)
    results = []
    for n, seat in enumerate(seats):
        s = scored[seat]
        results.append(
            SeatResult(
                seat=seat,
                entry=entry_of[seat],
                score=scores[n],
                raw=s.raw,
                normalised=s.normalised,
                utility=s.utility,
                compliance_costs=s.compliance_costs,
                defection_gains=s.defection_gains,
                harm_suffered=s.harm_suffered,
                sanctions=s.sanctions,
                inspection_costs=s.inspection_costs,
                vetoes=vetoes[seat],
                defections=s.defections,
                detected=s.detected,
                challenges=challenges[seat],
                hits=hits[seat],
                timeouts=timeouts[seat],
                failures=failures.get(seat, 0),
                rank=places[n],
            )
        )
    pareto = nash = None
    if concluded.package is not None:
        functions = utility_functions(scenario)
        vector = [functions[seat](concluded.package) for seat in seats]
        pareto = pareto_distance(vector, bounds)
        nash = nash_distance(vector, bounds)
    return TalkResult(
        talk=plan.id,
        scenario=plan.scenario,
        scenario_id=scenario.id,
        seed=plan.seed,
        seating=plan.seating,
        series=plan.series,
        game=plan.game,
        round=plan.round,
        head=head,
        events=len(log),
        outcome=concluded.outcome,
        rounds=concluded.rounds,
        package=None if concluded.package is None else dict(concluded.package),
        pareto_distance=pareto,
        nash_distance=nash,
        seats=tuple(results),
        problems=tuple(problems),
    )
