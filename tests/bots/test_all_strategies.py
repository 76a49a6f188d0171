"""Every built-in strategy completes talks on every bundled scenario, both ways."""

from __future__ import annotations

import asyncio

import pytest

from accord.bots.inprocess import play
from accord.bots.registry import BUILTIN, available, load
from accord.bots.sdk import Delegation
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import TalksConcluded
from accord.protocol.scenario import bundled_names, load_scenario
from tests.netutil import RunningServer, api

STRATEGIES = sorted(BUILTIN)


def lineups(seats: tuple[str, ...]) -> list[dict[str, str]]:
    """Seatings that, together, put every strategy at this table at least once."""

    out = []
    for start in range(0, len(STRATEGIES), len(seats)):
        names = [STRATEGIES[(start + n) % len(STRATEGIES)] for n in range(len(seats))]
        out.append(dict(zip(seats, names, strict=True)))
    return out


def test_every_builtin_strategy_is_available_with_a_docstring_and_traits() -> None:
    assert set(STRATEGIES) <= set(available())
    for name in STRATEGIES:
        cls = load(name)
        assert issubclass(cls, Delegation)
        assert cls.name == name
        assert cls.__doc__ and len(cls.__doc__.split()) > 15
        assert cls.traits is not Delegation.traits or name == "hardliner"


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_every_strategy_in_process(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    for name in STRATEGIES:
        cls = load(name)
        talk = play(scenario, {seat: cls() for seat in scenario.seats}, seed=5)
        assert talk.room.finished, name
        assert talk.rejections == [], (name, talk.rejections[:3])
        assert talk.failures == [], (name, talk.failures[:3])
    for lineup in lineups(scenario.seats):
        talk = play(scenario, {seat: load(n)() for seat, n in lineup.items()}, seed=6)
        assert talk.room.finished and talk.rejections == [] and talk.failures == [], lineup


@pytest.mark.parametrize("scenario_name", bundled_names())
async def test_every_strategy_over_websockets(scenario_name: str, tmp_path) -> None:
    scenario = load_scenario(scenario_name)
    async with RunningServer(tmp_path / "bots.db") as server:
        for lineup in lineups(scenario.seats):
            status, created = await api(
                server.url, "POST", "/api/rooms", body={"scenario": scenario_name, "seed": 8}
            )
            assert status == 201
            failures: list[object] = []
            bots = {
                seat: BotClient(
                    load(name),
                    server.ws_url,
                    created["seats"][seat],
                    seed=8,
                    on_failure=failures.append,
                )
                for seat, name in lineup.items()
            }
            await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots.values())), 120)
            assert failures == []
            for seat, bot in bots.items():
                (played,) = bot.rooms.values()
                assert played.errors == [], (lineup[seat], played.errors[:3])
                assert isinstance(played.concluded, TalksConcluded)
            status, text = await api(server.url, "GET", f"/api/rooms/{created['room']}/transcript")
            assert status == 200 and verify(read(text.splitlines())).ok
