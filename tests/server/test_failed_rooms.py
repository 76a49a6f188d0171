"""Rooms whose stored events no longer replay: marked failed, answered with typed errors."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

from accord.protocol.commands import Say
from accord.protocol.replies import Ack, Error, Welcome
from tests.netutil import ORGANIZER, Client, RunningServer, api

SCENARIO = "trade-round"
UNKNOWN_ROOM = 4404
"""The close code of a hello naming a room that does not exist, failed or expired."""


async def open_room(server: RunningServer) -> dict[str, Any]:
    status, created = await api(server.url, "POST", "/api/rooms", body={"scenario": SCENARIO})
    assert status == 201, created
    return created


async def seated(server: RunningServer, token: str, name: str) -> Client:
    client = await Client(server.ws_url, name).connect()
    welcome = await client.hello(token)
    assert isinstance(welcome, Welcome), welcome
    return client


async def say(client: Client, text: str, ref: str) -> Any:
    start = len(client.messages)
    await client.send(Say(text=text, ref=ref))
    return await client.wait_for(
        lambda m: isinstance(m, (Ack, Error)) and m.ref == ref, start=start
    )


async def run_sql(backend: dict[str, Any], sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """One statement on the stopped server's database (``{events}`` names its events
    table, ``$1``... its parameters); returns the rows it yields."""

    if "store" not in backend:
        conn = sqlite3.connect(backend["db"])
        try:
            with conn:
                rows = conn.execute(
                    re.sub(r"\$\d", "?", sql.format(events="events")), params
                ).fetchall()
        finally:
            conn.close()
        return [tuple(row) for row in rows]
    import asyncpg

    conn = await asyncpg.connect(backend["db"])
    try:
        table = f'"{backend["store"].schema}".events'
        rows = await conn.fetch(sql.format(events=table), *params)
    finally:
        await conn.close()
    return [tuple(row) for row in rows]


async def test_rooms_that_do_not_replay_fail_with_a_reason_and_the_others_play_on(
    backend: dict[str, Any],
) -> None:
    async with RunningServer(**backend) as server:
        edited = await open_room(server)  # one event's data will be changed
        gapped = await open_room(server)  # one event row will be deleted
        healthy = await open_room(server)
        for n, created in enumerate((edited, gapped, healthy)):
            seat, token = next(iter(created["seats"].items()))
            client = await seated(server, token, seat)
            assert isinstance(await say(client, f"statement number {n}", f"s{n}"), Ack)
            await client.close()

    # the server is stopped: damage two rooms' stored events
    rows = await run_sql(
        backend, "SELECT seq, data FROM {events} WHERE room = $1 ORDER BY seq", edited["room"]
    )
    seq, data = next((seq, bytes(data)) for seq, data in rows if b"statement number 0" in data)
    changed = data.replace(b"statement number 0", b"statement number 9")
    updated = await run_sql(
        backend,
        "UPDATE {events} SET data = $1 WHERE room = $2 AND seq = $3 RETURNING seq",
        changed,
        edited["room"],
        seq,
    )
    assert updated == [(seq,)]
    deleted = await run_sql(
        backend, "DELETE FROM {events} WHERE room = $1 AND seq = 2 RETURNING seq", gapped["room"]
    )
    assert deleted == [(2,)]

    async with RunningServer(**backend) as server:  # start-up survives the damage
        for created in (edited, gapped):
            room = created["room"]
            status, body = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
            assert status == 409, body
            assert body["error"]["code"] == "room_failed"
            assert room in body["error"]["message"]

        status, listed = await api(server.url, "GET", "/api/rooms", token=None)
        assert status == 200, listed
        by_id = {r["room"]: r for r in listed["rooms"]}
        for created in (edited, gapped):
            summary = by_id[created["room"]]
            assert summary["status"] == "failed"
            assert summary["reason"]
            # the 409 names the same reason as the list
            _, body = await api(server.url, "GET", f"/api/rooms/{created['room']}", token=None)
            assert summary["reason"] in body["error"]["message"]
        assert by_id[healthy["room"]]["status"] == "lobby"
        status, failed = await api(server.url, "GET", "/api/rooms?status=failed", token=None)
        assert status == 200
        assert {r["room"] for r in failed["rooms"]} == {edited["room"], gapped["room"]}
        status, running = await api(server.url, "GET", "/api/rooms?status=running", token=None)
        assert status == 200 and running["rooms"] == []

        # its transcript (even for the organizer) and its start are refused the same way
        for created in (edited, gapped):
            room = created["room"]
            for method, path in (("GET", "transcript"), ("POST", "start")):
                status, body = await api(server.url, method, f"/api/rooms/{room}/{path}")
                assert status == 409, (path, body)
                assert body["error"]["code"] == "room_failed", (path, body)

        # a seat of a failed room: typed error, then close 4404
        for created in (edited, gapped):
            seat, token = next(iter(created["seats"].items()))
            client = await Client(server.ws_url, seat).connect()
            err = await client.hello(token)
            assert isinstance(err, Error) and err.code == "room_failed", err
            assert (await asyncio.wait_for(client.closed, 5))[0] == UNKNOWN_ROOM
            # a spectator the same
            watcher = await Client(server.ws_url, "watcher").connect()
            err = await watcher.hello(None, room=created["room"])
            assert isinstance(err, Error) and err.code == "room_failed", err
            assert (await asyncio.wait_for(watcher.closed, 5))[0] == UNKNOWN_ROOM

        # the healthy room in the same database still plays
        seat, token = next(iter(healthy["seats"].items()))
        client = await seated(server, token, seat)
        assert isinstance(await say(client, "after the restart", "again"), Ack)
        other_seat, other_token = list(healthy["seats"].items())[1]
        other = await seated(server, other_token, other_seat)
        assert isinstance(await say(other, "me too", "too"), Ack)
        await client.close()
        await other.close()
        status, state = await api(server.url, "GET", f"/api/rooms/{healthy['room']}", token=None)
        assert status == 200 and state["phase"] == "lobby"
        assert status == 200 and {s["id"] for s in state["seats"] if s["seated"]} == {
            seat,
            other_seat,
        }


async def test_a_concluded_room_whose_events_do_not_decode_answers_room_failed(
    backend: dict[str, Any],
) -> None:
    async with RunningServer(**backend) as server:
        created = await open_room(server)
        room = created["room"]
        # nobody seated and absent seats acting by default: the talks conclude at once
        status, body = await api(
            server.url, "POST", f"/api/rooms/{room}/start", body={"absent_default": True}
        )
        assert status == 200, body
        status, state = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 200 and state["phase"] == "concluded"

    damaged = await run_sql(
        backend,
        "UPDATE {events} SET data = $1 WHERE room = $2 AND seq = 2 RETURNING seq",
        b"this is not an event",
        room,
    )
    assert damaged == [(2,)]

    async with RunningServer(**backend) as server:
        for token in (ORGANIZER, None):  # the organizer, and anyone (the room is public)
            status, body = await api(
                server.url, "GET", f"/api/rooms/{room}/transcript", token=token
            )
            assert status == 409, body
            assert body["error"]["code"] == "room_failed"
        status, body = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 409 and body["error"]["code"] == "room_failed", body
        status, listed = await api(server.url, "GET", "/api/rooms", token=None)
        (summary,) = listed["rooms"]
        assert summary["status"] == "failed" and summary["reason"]
        status, body = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
        assert status == 409 and summary["reason"] in body["error"]["message"]


async def test_a_spectator_naming_an_unknown_room_gets_unknown_room_and_4404(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        watcher = await Client(server.ws_url, "watcher").connect()
        err = await watcher.hello(None, room="room-that-never-was")
        assert isinstance(err, Error) and err.code == "unknown_room", err
        assert (await asyncio.wait_for(watcher.closed, 5))[0] == UNKNOWN_ROOM
