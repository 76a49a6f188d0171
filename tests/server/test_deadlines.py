"""Wall-clock deadlines on a live server: absent seats get the defaults, talks go on."""

from __future__ import annotations

import asyncio

from accord.bots.strategies.conceder import Conceder
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import DeadlinePassed, TalksConcluded, Timeout
from tests.helpers import SEATS, six_seat_scenario
from tests.netutil import Client, RunningServer, api


def quick_scenario() -> dict:
    scenario = six_seat_scenario()
    scenario["rules"]["time_limits"] = {
        "tabling": 0.4,
        "ballot": 0.4,
        "action": 0.4,
        "verification": 0.4,
    }
    return scenario


async def test_an_absent_seat_gets_default_actions_and_the_talk_concludes(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": quick_scenario(), "seed": 1}
        )
        assert status == 201
        room = created["room"]
        absent = "s6"
        spectator = await Client(server.ws_url, "spectator").connect()
        await spectator.hello(None, room=room)
        bots = [
            BotClient(Conceder, server.ws_url, created["seats"][seat], seed=1)
            for seat in SEATS
            if seat != absent
        ]
        running = asyncio.gather(*(b.run() for b in bots))
        await asyncio.sleep(0.3)
        assert (await api(server.url, "POST", f"/api/rooms/{room}/start"))[0] == 200
        await asyncio.wait_for(running, 60)
        concluded = await spectator.wait_for(lambda m: isinstance(m, TalksConcluded), timeout=30)
        status, text = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
        log = [line.event for line in read(text.splitlines())]
        assert verify(read(text.splitlines())).ok
        timeouts = [e for e in log if isinstance(e, Timeout) and e.seat == absent]
        assert any(t.phase == "ballot" and t.default == "abstain" for t in timeouts)
        if concluded.outcome == "agreement":
            assert any(t.phase == "action" and t.default == "comply" for t in timeouts)
            assert concluded.actions[absent] and set(concluded.actions[absent]) == {"comply"}
        assert any(isinstance(e, DeadlinePassed) for e in log)
        # the spectator saw the public timeouts but never the hidden action defaults
        seen = [e for e in spectator.events() if isinstance(e, Timeout)]
        assert seen and all(t.phase != "action" for t in seen)
        await spectator.close()


async def test_too_many_rooms_for_one_entry(tmp_path) -> None:
    async with RunningServer(tmp_path / "b.db", max_rooms_per_entry=1) as server:
        _, entry = await api(server.url, "POST", "/api/entries", body={"name": "busy"})
        bot = await Client(server.ws_url, "entry").connect()
        await bot.hello(entry["token"])
        for _ in range(2):
            status, _ = await api(
                server.url,
                "POST",
                "/api/rooms",
                body={"scenario": six_seat_scenario(), "entries": {"s1": entry["entry"]}},
            )
            assert status == 201
        error = await bot.wait_for(lambda m: getattr(m, "code", None) == "too_many_rooms")
        assert error.room is not None
        assignments = [m for m in bot.messages if type(m).__name__ == "Assignment"]
        assert len(assignments) == 1
        await bot.close()
