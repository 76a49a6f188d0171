"""Reputation in a running tournament: each talk after the first of a series shows
every seat the public records of the earlier talks; without reputation, nothing."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from accord.bots import Context, Delegation, load, play
from accord.bots.reputation import series_reputation
from accord.protocol.scenario.generate import random_scenario
from accord.protocol.tournament import load_scenarios, plan, tournament_from_dict
from accord.server.tournament.reputation import SeriesReputation
from accord.server.tournament.worker import Player, make_setup

INSPECTED = random_scenario(seed=11, seats=3, issues=3, options=3, implementation=True)


class Spy(Delegation):
    """Plays like the adaptive strategy and writes down what it is shown."""

    name = "spy"
    seen: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def __init__(self) -> None:
        self.inner = load("adaptive")()

    def on_start(self, ctx: Context) -> None:
        Spy.seen.append((ctx.seat, dict(ctx.reputation)))
        self.inner.on_start(ctx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def table(self, ctx: Context) -> Any:
        return self.inner.table(ctx)

    def vote(self, ctx: Context, package: Any) -> Any:
        return self.inner.vote(ctx, package)

    def act(self, ctx: Context) -> Any:
        return self.inner.act(ctx)

    def challenge(self, ctx: Context) -> Any:
        return self.inner.challenge(ctx)


def logs_of(count: int) -> list[list[Any]]:
    lineup = ("free-rider", "inspector", "tit-for-tat")
    out = []
    for seed in range(count):
        seats = {s: load(e)() for s, e in zip(INSPECTED.seats, lineup, strict=True)}
        out.append(play(INSPECTED, seats, seed=seed).room.log)
    return out


def test_the_series_record_equals_the_sdks_over_the_same_logs() -> None:
    logs = logs_of(3)
    record = SeriesReputation()
    assert record.shown() is None
    for n, log in enumerate(logs, start=1):
        record.add(log)
        assert record.shown() == series_reputation(logs[:n])
    shown = record.shown()
    assert shown is not None and set(shown) == set(INSPECTED.seats)
    assert all(r.talks == 3 for r in shown[INSPECTED.seats[0]].values())


@pytest.mark.parametrize("reputation", [True, False])
def test_each_talk_after_the_first_of_a_series_shows_the_earlier_ones(reputation: bool) -> None:
    raw = {
        "name": "rep",
        "seed": 3,
        "format": "sample",
        "sample": 1,
        "series": 3,
        "reputation": reputation,
        "entries": [
            {"name": "spy", "strategy": f"{__name__}:Spy"},
            {"name": "free-rider", "strategy": "free-rider"},
            {"name": "inspector", "strategy": "inspector"},
        ],
        "scenarios": [{"generate": {"seed": 11, "seats": 3, "issues": 3, "options": 3}}],
    }
    tournament = tournament_from_dict(raw)
    scenarios = load_scenarios(tournament)
    series = plan(tournament, scenarios)
    assert [p.game for p in series] == [0, 1, 2]
    Spy.seen.clear()
    outcome = Player.of(make_setup(tournament, scenarios)).play(series)
    assert [t.result.talk for t in outcome.talks] == [p.id for p in series]
    seen = Spy.seen
    assert len(seen) == 3  # one spy seat, three talks
    if not reputation:
        assert all(shown == {} for _, shown in seen)
        return
    assert seen[0][1] == {}
    for game, (_, shown) in enumerate(seen[1:], start=1):
        assert set(shown) == set(scenarios[0].seats)  # every seat at the table, its own too
        assert all(record.talks == game for record in shown.values())
    # what the second talk showed is the public record of the first
    spy_seat = seen[0][0]
    first_log = play(
        scenarios[0],
        {
            s: load(e)() if e != "spy" else Spy()
            for s, e in zip(scenarios[0].seats, series[0].seating, strict=True)
        },
        seed=series[0].seed,
        room_id=f"rep/{series[0].id}",
        budget=tournament.spec.budget,
    ).room.log
    assert seen[1][1] == series_reputation([first_log])[spy_seat]
