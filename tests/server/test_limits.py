"""Nothing a client sends or opens is unbounded: seats, refs, connections, message
rates, idle lobbies, room lists and scenario sizes all have limits, over real sockets."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from typing import Any

import pytest
import websockets

from accord.protocol.codec import encode
from accord.protocol.commands import Ping, Say
from accord.protocol.replies import Ack, Assignment, Error, Pong, Welcome
from accord.protocol.scenario import scenario_from_dict
from tests.netutil import (
    Client,
    RunningServer,
    api,
    free_port,
    start_server,
    wait_healthy,
)

UNKNOWN_ROOM = 4404
"""Close code of a hello naming a room that does not exist, failed or expired."""
SEAT_IN_USE = 4409
"""Close code of a hello for a seat another live connection holds."""


async def open_room(server: RunningServer, scenario: Any = "trade-round") -> dict[str, Any]:
    status, created = await api(server.url, "POST", "/api/rooms", body={"scenario": scenario})
    assert status == 201, created
    return created


async def answer(client: Client, message: Any) -> Any:
    """Send ``message`` (which has a ref); return the ack, pong or error that answers it."""

    start = len(client.messages)
    await client.send(message)
    return await client.wait_for(
        lambda m: isinstance(m, (Ack, Pong, Error)) and m.ref == message.ref, start=start
    )


async def until(predicate: Any, *, timeout: float = 5.0, every: float = 0.02) -> None:
    """Poll an async predicate until it holds."""

    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(every)


def metric(text: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" ([0-9.e+]+)"
    found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def metrics_of(server: RunningServer) -> str:
    assert server.http is not None
    async with server.http.get(server.url + "/metrics") as res:
        return await res.text()


# --- one holder per seat ---------------------------------------------------------------------------


async def test_one_connection_holds_a_seat_whatever_its_credential(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "bot"})
        assert status == 201, entry
        first = await open_room(server)
        first_room = first["room"]
        # the seat is assigned to the bot entry, but its seat token connects first
        status, body = await api(
            server.url,
            "POST",
            "/api/rooms",
            body={"scenario": "trade-round", "entries": {"eu": entry["entry"]}},
        )
        assert status == 201, body
        room = body["room"]
        holder = await Client(server.ws_url, "holder").connect()
        assert isinstance(await holder.hello(body["seats"]["eu"]), Welcome)

        bot = await Client(server.ws_url, "bot").connect()
        welcome = await bot.hello(entry["token"])
        assert isinstance(welcome, Welcome) and welcome.role == "entry", welcome
        refused = await bot.wait_for(lambda m: isinstance(m, (Error, Assignment)))
        assert isinstance(refused, Error), refused
        assert refused.code == "seat_in_use" and refused.room == room
        # the bot stays connected, with no assignment for that seat
        assert isinstance(await answer(bot, Ping(ref="alive")), Pong)
        assert not [m for m in bot.messages if isinstance(m, Assignment)]
        assert not bot.closed.done()
        # the seat stays with the first connection
        assert isinstance(await answer(holder, Say(text="still mine", ref="mine")), Ack)
        status, state = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 200 and [s["id"] for s in state["seats"] if s["seated"]] == ["eu"]

        # the other way round: the entry is assigned first, then a seat token comes
        status, body = await api(
            server.url,
            "POST",
            "/api/rooms",
            body={"scenario": "trade-round", "entries": {"eu": entry["entry"]}},
        )
        assert status == 201, body
        second = body["room"]
        assignment = await bot.wait_for(lambda m: isinstance(m, Assignment) and m.room == second)
        assert assignment.seat == "eu"
        twin = await Client(server.ws_url, "twin").connect()
        err = await twin.hello(body["seats"]["eu"])
        assert isinstance(err, Error) and err.code == "seat_in_use", err
        assert (await asyncio.wait_for(twin.closed, 5))[0] == SEAT_IN_USE
        said = await answer(bot, Say(text="the bot's seat", room=second, ref="bot-says"))
        assert isinstance(said, Ack) and said.room == second
        assert first_room != second
        await holder.close()
        await bot.close()


# --- refs ------------------------------------------------------------------------------------------


async def test_a_ref_over_128_characters_is_refused_and_not_echoed(tmp_path) -> None:
    async with RunningServer(tmp_path / "b.db") as server:
        created = await open_room(server)
        seat, token = next(iter(created["seats"].items()))
        client = await Client(server.ws_url, seat).connect()
        assert isinstance(await client.hello(token), Welcome)
        longest = "r" * 128
        pong = await answer(client, Ping(ref=longest))
        assert isinstance(pong, Pong) and pong.ref == longest
        start = len(client.messages)
        await client.send(Ping(ref="r" * 129))
        err = await client.wait_for(lambda m: isinstance(m, (Error, Pong)), start=start)
        assert isinstance(err, Error), err
        assert err.code == "invalid_message" and "$.ref" in err.message
        assert err.ref is None
        start = len(client.messages)
        await client.send(Say(text="a long ref", ref="s" * 129))
        err = await client.wait_for(lambda m: isinstance(m, (Error, Ack)), start=start)
        assert isinstance(err, Error) and err.code == "invalid_message" and err.ref is None
        # nothing was said
        assert isinstance(await answer(client, Say(text="short ref", ref="ok")), Ack)
        await client.close()


async def test_long_refs_of_refused_commands_stay_out_of_the_log(tmp_path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    proc = start_server(port, tmp_path / "accord.db", log)
    try:
        await wait_healthy(url, proc)
        status, created = await api(url, "POST", "/api/rooms", body={"scenario": "trade-round"})
        assert status == 201, created
        watcher = await Client(f"ws://127.0.0.1:{port}/ws", "watcher").connect()
        welcome = await watcher.hello(None, room=created["room"])
        assert isinstance(welcome, Welcome), welcome
        ref = "Q" * 60_000
        frame = encode(Say(text="hello", ref=ref))
        assert len(frame) < 64 * 1024
        for _ in range(100):
            await watcher.send_raw(frame)

        async def all_refused() -> bool:
            return sum(isinstance(m, Error) for m in watcher.messages) >= 100

        await until(all_refused, timeout=20)
        refusals = [m for m in watcher.messages if isinstance(m, Error)]
        await watcher.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    text = log.read_text(errors="replace")
    assert "refused" in text  # the refusals were logged, without their refs
    assert log.stat().st_size < 200_000
    assert "Q" * 1000 not in text
    # each was refused as a well-formed say with a ref too long, which no answer echoes
    assert len(refusals) == 100
    assert all(m.code == "invalid_message" and "$.ref" in m.message for m in refusals)
    assert all(m.ref is None for m in refusals)


# --- connections -------------------------------------------------------------------------------


async def refused_status(server: RunningServer) -> tuple[int, dict[str, Any]]:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws_url)
    response = refused.value.response
    assert response.headers.get("Content-Type", "").startswith("application/json")
    return response.status_code, json.loads(response.body)


async def open_connections(server: RunningServer) -> int:
    _, health = await api(server.url, "GET", "/healthz", token=None)
    return health["connections"]


async def test_connections_from_one_address_are_capped_before_the_upgrade(tmp_path) -> None:
    async with RunningServer(tmp_path / "c.db", max_connections_per_address=5) as server:
        sockets = [await websockets.connect(server.ws_url) for _ in range(5)]
        status, body = await refused_status(server)
        assert status == 429 and body["error"]["code"] == "too_many_from_address"
        status, body = await refused_status(server)
        assert status == 429
        await sockets.pop().close()

        async def freed() -> bool:
            return await open_connections(server) == 4

        await until(freed)
        sockets.append(await websockets.connect(server.ws_url))
        status, _ = await refused_status(server)
        assert status == 429
        text = await metrics_of(server)
        refused = metric(text, "accord_connections_refused_total", 'reason="too_many_from_address"')
        assert refused == 3
        for ws in sockets:
            await ws.close()


async def test_connections_in_all_are_capped_before_the_upgrade(tmp_path) -> None:
    async with RunningServer(
        tmp_path / "d.db", max_connections=3, max_connections_per_address=100
    ) as server:
        sockets = [await websockets.connect(server.ws_url) for _ in range(3)]
        status, body = await refused_status(server)
        assert status == 503 and body["error"]["code"] == "too_many_connections"
        text = await metrics_of(server)
        assert (
            metric(text, "accord_connections_refused_total", 'reason="too_many_connections"') == 1
        )
        for ws in sockets:
            await ws.close()


async def test_the_message_rate_of_an_address_is_shared_by_its_connections(tmp_path) -> None:
    async with RunningServer(
        tmp_path / "e.db",
        address_message_rate=5.0,
        address_message_burst=20,
        message_rate=1e6,
        message_burst=10**6,
        flood_close_after=10**6,
    ) as server:
        created = await open_room(server)
        clients = []
        for n in range(4):
            client = await Client(server.ws_url, f"watcher-{n}").connect()
            assert isinstance(await client.hello(None, room=created["room"]), Welcome)
            clients.append(client)
        began = time.monotonic()
        for n in range(20):
            for c, client in enumerate(clients):
                await client.send(Ping(ref=f"{c}-{n}"))

        async def answered() -> bool:
            return all(
                sum(isinstance(m, (Pong, Error)) for m in client.messages) >= 20
                for client in clients
            )

        await until(answered)
        elapsed = time.monotonic() - began
        pongs = sum(isinstance(m, Pong) for client in clients for m in client.messages)
        limited = [m for client in clients for m in client.messages if isinstance(m, Error)]
        assert all(m.code == "rate_limited" for m in limited)
        assert pongs + len(limited) == 80
        assert 20 <= pongs <= 20 + 5 * elapsed + 2, (pongs, elapsed)
        text = await metrics_of(server)
        assert metric(text, "accord_address_rate_limited_total") == len(limited) > 0
        for client in clients:
            await client.close()


async def test_reconnecting_does_not_refill_the_budget_of_an_address(tmp_path) -> None:
    async with RunningServer(
        tmp_path / "e2.db",
        address_message_rate=2.0,
        address_message_burst=10,
        message_rate=1e6,
        message_burst=10**6,
        flood_close_after=10**6,
    ) as server:
        created = await open_room(server)
        began = time.monotonic()
        pongs = 0
        for attempt in range(3):
            client = await Client(server.ws_url, f"watcher-{attempt}").connect()
            assert isinstance(await client.hello(None, room=created["room"]), Welcome)
            for n in range(15):
                await client.send(Ping(ref=f"{attempt}-{n}"))

            async def answered(client: Client = client) -> bool:
                return sum(isinstance(m, (Pong, Error)) for m in client.messages) >= 15

            await until(answered)
            pongs += sum(isinstance(m, Pong) for m in client.messages)
            await client.close()

            async def gone() -> bool:
                return await open_connections(server) == 0

            await until(gone)  # the address has no connection left
        elapsed = time.monotonic() - began
        assert 10 <= pongs <= 10 + 2 * elapsed + 2, (pongs, elapsed)


# --- idle lobbies ----------------------------------------------------------------------------------


async def test_an_idle_lobby_expires_and_a_started_room_never_does(tmp_path) -> None:
    async with RunningServer(tmp_path / "f.db", lobby_ttl=0.5) as server:
        began = time.monotonic()
        idle = await open_room(server)
        started = await open_room(server)
        status, body = await api(server.url, "POST", f"/api/rooms/{started['room']}/start")
        assert status == 200, body
        watcher = await Client(server.ws_url, "watcher").connect()
        assert isinstance(await watcher.hello(None, room=idle["room"]), Welcome)

        async def gone() -> bool:
            status, _ = await api(server.url, "GET", f"/api/rooms/{idle['room']}", token=None)
            return status == 410

        await until(gone, timeout=5)
        assert time.monotonic() - began >= 0.5
        status, body = await api(server.url, "GET", f"/api/rooms/{idle['room']}", token=None)
        assert body["error"]["code"] == "room_expired"
        # the spectator that watched the lobby is told
        told = await watcher.wait_for(lambda m: isinstance(m, Error))
        assert told.code == "room_expired" and told.room == idle["room"]

        status, listed = await api(server.url, "GET", "/api/rooms", token=None)
        by_id = {r["room"]: r for r in listed["rooms"]}
        assert by_id[idle["room"]]["status"] == "expired" and by_id[idle["room"]]["reason"]
        assert by_id[started["room"]]["status"] == "running"

        seat, token = next(iter(idle["seats"].items()))
        late = await Client(server.ws_url, seat).connect()
        err = await late.hello(token)
        assert isinstance(err, Error) and err.code == "room_expired", err
        assert (await asyncio.wait_for(late.closed, 5))[0] == UNKNOWN_ROOM

        # the started room is older than the ttl and idle, and stays
        await asyncio.sleep(max(0.0, began + 1.0 - time.monotonic()))
        assert server.hub.expire_idle_lobbies() == []
        status, state = await api(server.url, "GET", f"/api/rooms/{started['room']}", token=None)
        assert status == 200 and state["phase"] == "tabling"
        await watcher.close()


async def test_a_room_that_just_expired_is_not_brought_back_before_its_status_is_stored(
    tmp_path,
) -> None:
    async with RunningServer(tmp_path / "f2.db", lobby_ttl=3600) as server:
        created = await open_room(server)
        room = created["room"]
        hub = server.hub
        hub.rooms[room].last_activity -= 7200  # idle for two hours
        assert hub.expire_idle_lobbies() == [room]
        # at once, before the store has recorded the expiry
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the code says which
            await hub.open_room(room)
        assert getattr(raised.value, "code", None) == "room_expired", raised.value
        seat, token = next(iter(created["seats"].items()))
        late = await Client(server.ws_url, seat).connect()
        err = await late.hello(token)
        assert isinstance(err, Error) and err.code == "room_expired", err
        assert (await asyncio.wait_for(late.closed, 5))[0] == UNKNOWN_ROOM
        status, body = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 410, body
        assert room not in hub.rooms

        async def stored() -> bool:
            record = await hub.store.room(room)
            return record is not None and record.status == "expired"

        await until(stored)
        status, body = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 410, body
        assert room not in hub.rooms
        rows = await hub.store.events(room)
        assert len(rows) == 1  # nobody took a seat in the expired room


# --- the room list -------------------------------------------------------------------------------


async def test_the_room_list_pages_oldest_first(backend: dict[str, Any]) -> None:
    async with RunningServer(**backend) as server:
        made = [(await open_room(server))["room"] for _ in range(7)]
        status, page = await api(server.url, "GET", "/api/rooms?limit=3", token=None)
        assert status == 200, page
        assert [r["room"] for r in page["rooms"]] == made[:3]
        assert page["next"]
        walked: list[str] = []
        query = "/api/rooms?limit=3"
        pages = 0
        while True:
            status, page = await api(server.url, "GET", query, token=None)
            assert status == 200, page
            walked += [r["room"] for r in page["rooms"]]
            pages += 1
            if page["next"] is None:
                break
            query = f"/api/rooms?limit=3&after={page['next']}"
        assert walked == made and pages == 3
        assert len(page["rooms"]) == 1
        status, everything = await api(server.url, "GET", "/api/rooms", token=None)
        assert [r["room"] for r in everything["rooms"]] == made and everything["next"] is None

        for bad in ("limit=0", "limit=501", "limit=x", "after=garbage", "status=asleep"):
            status, body = await api(server.url, "GET", f"/api/rooms?{bad}", token=None)
            assert status == 400, (bad, body)
            assert body["error"]["code"] == "invalid_request", (bad, body)
        status, page = await api(server.url, "GET", "/api/rooms?limit=500", token=None)
        assert status == 200 and len(page["rooms"]) == 7

        status, _ = await api(server.url, "POST", f"/api/rooms/{made[1]}/start")
        assert status == 200
        status, lobby = await api(server.url, "GET", "/api/rooms?status=lobby&limit=4", token=None)
        assert status == 200
        assert [r["room"] for r in lobby["rooms"]] == [made[0], *made[2:5]]
        assert all(r["status"] == "lobby" for r in lobby["rooms"])
        status, rest = await api(
            server.url, "GET", f"/api/rooms?status=lobby&limit=4&after={lobby['next']}", token=None
        )
        assert [r["room"] for r in rest["rooms"]] == made[5:] and rest["next"] is None
        status, running = await api(server.url, "GET", "/api/rooms?status=running", token=None)
        assert [r["room"] for r in running["rooms"]] == [made[1]]


# --- scenario sizes ---------------------------------------------------------------------------------


def wide_scenario() -> dict[str, Any]:
    """Valid, and small to send, but 100 issues of 1000 options each once expanded."""

    issues = [
        {"id": f"i{n}", "title": f"Issue {n}", "range": {"min": 0, "max": 999, "step": 1}}
        for n in range(100)
    ]
    return {
        "id": "wide",
        "title": "Wide",
        "issues": issues,
        "delegations": [
            {
                "id": seat,
                "weight": 1,
                "brief": {
                    "weights": {i["id"]: 0.01 for i in issues},
                    "values": {i["id"]: {"low": 0, "high": 1} for i in issues},
                    "reservation": 0.3,
                },
            }
            for seat in ("a", "b", "c")
        ],
    }


async def test_a_scenario_whose_frames_would_be_too_large_is_refused(tmp_path) -> None:
    wide = wide_scenario()
    loaded = scenario_from_dict(wide, file="wide")  # the loader accepts it
    assert len(loaded.issues) == 100 and all(len(i.options) == 1000 for i in loaded.issues)
    async with RunningServer(tmp_path / "g.db") as server:
        status, body = await api(server.url, "POST", "/api/rooms", body={"scenario": wide})
        assert status == 422, body
        assert body["error"]["code"] == "scenario_too_large"
        message = body["error"]["message"]
        assert re.search(r"\b\d{7,} bytes\b", message), message
        assert str(1024 * 1024) in message
        status, listed = await api(server.url, "GET", "/api/rooms", token=None)
        assert listed["rooms"] == []

    async with RunningServer(tmp_path / "h.db", max_server_frame_bytes=4_000) as server:
        status, body = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord"}
        )
        assert status == 422, body
        assert body["error"]["code"] == "scenario_too_large"
        assert "4000" in body["error"]["message"]
        status, listed = await api(server.url, "GET", "/api/rooms", token=None)
        assert listed["rooms"] == []
