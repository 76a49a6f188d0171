"""The same delegation class in-process and over a real websocket."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import play
from accord.bots.sdk import Ballot, Delegation, Traits
from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.hardliner import Hardliner
from accord.bots.strategies.random import Random
from accord.bots.websocket import BotClient
from accord.protocol.codec import canonical
from accord.protocol.engine.transcript import read, verify
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.events import BallotResult, Event, PackageAdopted, PhaseStarted, TalksConcluded
from accord.protocol.scenario import load_scenario
from tests.netutil import RunningServer, api

SCENARIO = "climate-accord"
KINDS = [Hardliner, Conceder, Random]


def _lineup(seats: tuple[str, ...]) -> dict[str, type[Delegation]]:
    return {seat: KINDS[n % len(KINDS)] for n, seat in enumerate(seats)}


def normalised(events: list[Event]) -> list[list[bytes]]:
    """Events without times and room ids, grouped by phase, order within a phase ignored.

    Commands from different seats arrive in different orders over a network;
    everything the engine decides from them must be the same.
    """

    blocks: list[list[bytes]] = [[]]
    for event in events:
        fields = {
            k: v
            for k, v in msgspec.structs.asdict(event).items()
            if k not in ("at", "seq", "room", "deadline", "sealing_key")
        }
        fields["type"] = event.__struct_config__.tag
        if isinstance(event, (PhaseStarted, BallotResult, PackageAdopted, TalksConcluded)):
            blocks.append([])
        blocks[-1].append(canonical(fields))
        if isinstance(event, (PhaseStarted, BallotResult, PackageAdopted, TalksConcluded)):
            blocks.append([])
    return [sorted(b) for b in blocks if b]


async def play_over_websockets(
    server: RunningServer, scenario: Any, lineup: dict[str, Any], seed: int, **bot_options: Any
) -> tuple[str, dict[str, BotClient]]:
    status, created = await api(
        server.url, "POST", "/api/rooms", body={"scenario": scenario, "seed": seed}
    )
    assert status == 201, created
    bots = {
        seat: BotClient(factory, server.ws_url, created["seats"][seat], seed=seed, **bot_options)
        for seat, factory in lineup.items()
    }
    await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots.values())), 60)
    return created["room"], bots


async def transcript(server: RunningServer, room: str) -> list[Event]:
    status, text = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
    assert status == 200
    lines = read(text.splitlines())
    assert verify(lines).ok
    return [line.event for line in lines]


async def test_same_strategies_same_seed_same_talk_both_ways(tmp_path) -> None:
    scenario = load_scenario(SCENARIO)
    lineup = _lineup(scenario.seats)
    local = play(scenario, {seat: cls() for seat, cls in lineup.items()}, seed=4)
    assert local.room.finished and not local.rejections
    async with RunningServer(tmp_path / "a.db") as server:
        room, bots = await play_over_websockets(server, SCENARIO, lineup, seed=4)
        remote = await transcript(server, room)
    assert normalised(remote) == normalised(local.room.log)
    assert remote[-1].scores == local.room.log[-1].scores  # type: ignore[attr-defined]
    for bot in bots.values():
        (played,) = bot.rooms.values()
        assert played.errors == []
        assert played.concluded is not None


class Faulty(Delegation):
    """Raises in vote and stalls in act: both must be isolated."""

    name = "faulty"
    traits = Traits()

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        raise RuntimeError("boom")

    def act(self, ctx: Context) -> str:  # type: ignore[override]
        time.sleep(0.3)
        return "defect"


def test_a_failing_strategy_is_isolated_in_process() -> None:
    scenario = load_scenario(SCENARIO)
    lineup: dict[str, Delegation] = {seat: Conceder() for seat in scenario.seats}
    faulty_seat = scenario.seats[0]
    lineup[faulty_seat] = Faulty()
    talk = play(scenario, lineup, seed=2, budget=0.1)
    assert talk.room.finished and not talk.rejections
    hooks = {(f.seat, f.strategy, f.hook) for f in talk.failures}
    assert (faulty_seat, "faulty", "vote") in hooks
    assert any("raised RuntimeError: boom" in str(f) for f in talk.failures)
    # its votes were the default abstention, its actions the default compliance
    for event in talk.room.log:
        if isinstance(event, BallotResult):
            for result in event.results:
                assert result.votes is not None and result.votes[faulty_seat] == "abstain"
    if talk.room.adopted is not None:
        assert (faulty_seat, "faulty", "act") in hooks
        assert set(talk.room.ledgers[faulty_seat].actions) == {"comply"}


async def test_a_failing_strategy_is_isolated_over_websockets(tmp_path) -> None:
    scenario = load_scenario(SCENARIO)
    lineup: dict[str, Any] = {seat: Conceder for seat in scenario.seats}
    lineup[scenario.seats[1]] = Faulty
    failures = []
    async with RunningServer(tmp_path / "b.db") as server:
        room, bots = await play_over_websockets(
            server, SCENARIO, lineup, seed=3, budget=0.1, on_failure=failures.append
        )
        log = await transcript(server, room)
    assert isinstance(log[-1], TalksConcluded)
    assert {(f.seat, f.strategy, f.hook) for f in failures} >= {
        (scenario.seats[1], "faulty", "vote")
    }


class Slow(Conceder):
    """A conceder that lingers a little on every vote, so the test can cut its line."""

    name = "slow-conceder"

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        time.sleep(0.01)
        return super().vote(ctx, package)


async def test_a_dropped_bot_reconnects_and_misses_nothing(tmp_path) -> None:
    scenario = load_scenario(SCENARIO)
    lineup: dict[str, Any] = {seat: Conceder for seat in scenario.seats}
    victim = scenario.seats[2]
    lineup[victim] = Slow
    async with RunningServer(tmp_path / "c.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": 9}
        )
        bots = {
            seat: BotClient(factory, server.ws_url, created["seats"][seat], seed=9)
            for seat, factory in lineup.items()
        }
        dropped = asyncio.Event()

        def cut(play: Any, event: Event) -> None:
            if isinstance(event, PhaseStarted) and event.phase == "ballot" and not dropped.is_set():
                dropped.set()
                asyncio.get_running_loop().call_soon(
                    lambda: asyncio.ensure_future(bots[victim].drop())
                )

        bots[victim].on_event = cut
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots.values())), 60)
        log = await transcript(server, created["room"])
    assert dropped.is_set()
    assert bots[victim].connections >= 2
    (played,) = bots[victim].rooms.values()
    expected = visible_log(log, Viewer.of_seat(victim))
    assert [canonical(e) for e in played.events] == [canonical(e) for e in expected]
    assert isinstance(log[-1], TalksConcluded)
