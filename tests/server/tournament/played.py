"""Tournaments played in-process for the standings, ratings, export and report tests:
no runner, no store; each talk's result is made from its room's log, and its
organizer's transcript is kept so the results can be rebuilt from transcripts alone."""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from typing import Any

import msgspec

from accord.bots.inprocess import play
from accord.bots.registry import load
from accord.protocol.engine import transcript
from accord.protocol.scenario import Scenario
from accord.protocol.tournament import (
    TalkResult,
    Tournament,
    load_scenarios,
    plan,
    scenario_bounds,
    talk_result,
    tournament_from_dict,
)

BUILT_INS = ("adaptive", "conceder", "free-rider", "hardliner", "inspector", "random")


def six_entries(sample: int = 8, seed: int = 7, **more: Any) -> dict[str, Any]:
    """Six built-ins over two bundled scenarios, ``sample`` seatings on each."""

    return {
        "name": "six",
        "seed": seed,
        "format": "sample",
        "sample": sample,
        "entries": [{"name": n, "strategy": n} for n in BUILT_INS],
        "scenarios": [{"name": "climate-accord"}, {"name": "nonproliferation-deal"}],
        **more,
    }


class Played(msgspec.Struct, frozen=True, kw_only=True):
    tournament: Tournament
    scenarios: list[Scenario]
    results: list[TalkResult]
    transcripts: dict[str, bytes]
    """Talk id → the organizer's transcript (JSON lines)."""


@functools.cache
def _played(spec: str) -> Played:
    tournament = tournament_from_dict(json.loads(spec))
    scenarios = load_scenarios(tournament)
    bounds = [scenario_bounds(s) for s in scenarios]
    results = []
    transcripts = {}
    for talk_plan in plan(tournament, scenarios):
        scenario = scenarios[talk_plan.scenario]
        delegations = {}
        for seat, name in zip(scenario.seats, talk_plan.seating, strict=True):
            entry = tournament.entry(name)
            assert entry.strategy is not None
            delegations[seat] = load(entry.strategy)(**entry.options)
        talk = play(scenario, delegations, seed=talk_plan.seed)
        failures = Counter(f.seat for f in talk.failures)
        results.append(
            talk_result(
                talk_plan,
                scenario,
                talk.room.log,
                bounds[talk_plan.scenario],
                head=talk.room.chain.head,
                failures=failures,
            )
        )
        transcripts[talk_plan.id] = transcript.export(talk.room)
    return Played(
        tournament=tournament, scenarios=scenarios, results=results, transcripts=transcripts
    )


def play_tournament(spec: dict[str, Any]) -> Played:
    """Play every talk of the tournament ``spec`` in-process (cached per spec)."""

    return _played(json.dumps(spec, sort_keys=True))


def from_transcripts(played: Played) -> list[TalkResult]:
    """The talks' results rebuilt from their transcripts alone (and the tournament
    file), checking each transcript on the way; in a shuffled order, as a store
    might return them. Failures are not in a transcript: they come from the
    stored results, as the runner stores them."""

    tournament = played.tournament
    scenarios = load_scenarios(tournament)
    bounds = [scenario_bounds(s) for s in scenarios]
    plans = {p.id: p for p in plan(tournament, scenarios)}
    stored = {r.talk: r for r in played.results}
    out = []
    for talk_id, data in played.transcripts.items():
        lines = transcript.read(data.splitlines())
        check = transcript.verify(lines)
        assert check.ok, check.problems
        assert check.head == stored[talk_id].head
        events = [line.event for line in lines if line.event is not None]
        talk_plan = plans[talk_id]
        failures = {s.seat: s.failures for s in stored[talk_id].seats if s.failures}
        out.append(
            talk_result(
                talk_plan,
                scenarios[talk_plan.scenario],
                events,
                bounds[talk_plan.scenario],
                head=check.head,
                failures=failures,
            )
        )
    random.Random(1).shuffle(out)
    return out
