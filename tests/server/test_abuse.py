"""Bad input over real sockets: typed errors or close codes, and nothing else breaks."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import websockets

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.codec import decode_event
from accord.protocol.commands import CastVote, Pass, Propose, Say
from accord.protocol.events import PhaseStarted, StatementMade
from accord.protocol.replies import Ack, Error, Welcome
from accord.server.session import (
    CLOSE_BAD_TOKEN,
    CLOSE_FLOOD,
    CLOSE_HANDSHAKE,
    CLOSE_SEAT_IN_USE,
    CLOSE_SLOW_CONSUMER,
)
from tests.netutil import Client, RunningServer, api

PKG = {"cut": "mid", "checks": "full", "fines": "heavy"}


def scenario() -> dict:
    from tests.helpers import six_seat_scenario

    return six_seat_scenario()


async def open_room(server: RunningServer, *, start: bool = True) -> dict:
    status, created = await api(server.url, "POST", "/api/rooms", body={"scenario": scenario()})
    assert status == 201, created
    if start:
        status, body = await api(server.url, "POST", f"/api/rooms/{created['room']}/start")
        assert status == 200, body
    return created


async def seated(server: RunningServer, created: dict, seat: str) -> Client:
    client = await Client(server.ws_url, seat).connect()
    welcome = await client.hello(created["seats"][seat])
    assert isinstance(welcome, Welcome), welcome
    return client


async def error_for(client: Client, raw: str | bytes) -> Error:
    start = len(client.messages)
    await client.send_raw(raw)
    return await client.wait_for(lambda m: isinstance(m, Error), start=start)


async def test_malformed_frames_get_typed_errors_and_the_connection_lives(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        created = await open_room(server)
        client = await seated(server, created, "s1")
        assert (await error_for(client, "{not json")).code == "bad_json"
        assert (await error_for(client, '{"type": "teleport", "ref": "x1"}')).code == "unknown_type"
        wrong = await error_for(
            client, '{"type": "vote", "package_id": 7, "vote": "yes", "ref": "x2"}'
        )
        assert wrong.code == "invalid_message" and wrong.ref == "x2"
        assert "package_id" in wrong.message
        missing = await error_for(client, '{"type": "propose", "ref": "x3"}')
        assert missing.code == "invalid_message" and missing.ref == "x3"
        extra = await error_for(client, '{"type": "pass", "sneaky": true}')
        assert extra.code == "invalid_message"
        again = await error_for(client, json.dumps({"type": "hello", "version": PROTOCOL_VERSION}))
        assert again.code == "already_welcomed"
        other = await error_for(client, json.dumps({"type": "pass", "seat": "s2", "ref": "x4"}))
        assert other.code == "not_your_seat" and other.ref == "x4"
        phase = await error_for(
            client, json.dumps({"type": "vote", "package_id": "P1", "vote": "yes"})
        )
        assert phase.code == "wrong_phase"
        # still alive and acting
        start = len(client.messages)
        await client.send(Propose(package=PKG, ref="ok"))
        ack = await client.wait_for(
            lambda m: isinstance(m, (Ack, Error)) and m.ref == "ok", start=start
        )
        assert isinstance(ack, Ack)
        await client.close()


async def test_handshake_failures_close_with_their_codes(tmp_path) -> None:
    async with RunningServer(tmp_path / "b.db", hello_timeout=1.0) as server:
        created = await open_room(server)

        no_hello = await Client(server.ws_url, "no-hello").connect()
        await no_hello.send(Pass(ref="p"))
        err = await no_hello.wait_for(lambda m: isinstance(m, Error))
        assert err.code == "hello_required"
        assert (await asyncio.wait_for(no_hello.closed, 5))[0] == CLOSE_HANDSHAKE

        silent = await Client(server.ws_url, "silent").connect()
        err = await silent.wait_for(lambda m: isinstance(m, Error))
        assert err.code == "hello_required"
        assert (await asyncio.wait_for(silent.closed, 5))[0] == CLOSE_HANDSHAKE

        bad = await Client(server.ws_url, "bad-token").connect()
        err = await bad.hello("seat_not-a-real-token")
        assert isinstance(err, Error) and err.code == "bad_token"
        assert (await asyncio.wait_for(bad.closed, 5))[0] == CLOSE_BAD_TOKEN

        version = await Client(server.ws_url, "old").connect()
        await version.send_raw(json.dumps({"type": "hello", "version": 99}))
        err = await version.wait_for(lambda m: isinstance(m, Error))
        assert err.code == "unsupported_version"
        assert (await asyncio.wait_for(version.closed, 5))[0] == CLOSE_HANDSHAKE

        junk = await Client(server.ws_url, "junk").connect()
        await junk.send_raw("\x00\x01 not json")
        err = await junk.wait_for(lambda m: isinstance(m, Error))
        assert err.code == "bad_json"
        assert (await asyncio.wait_for(junk.closed, 5))[0] == CLOSE_HANDSHAKE

        first = await seated(server, created, "s3")
        twin = await Client(server.ws_url, "twin").connect()
        err = await twin.hello(created["seats"]["s3"])
        assert isinstance(err, Error) and err.code == "seat_in_use"
        assert (await asyncio.wait_for(twin.closed, 5))[0] == CLOSE_SEAT_IN_USE
        # the holder is unaffected
        start = len(first.messages)
        await first.send(Say(text="still here", ref="sh"))
        assert isinstance(
            await first.wait_for(
                lambda m: isinstance(m, (Ack, Error)) and m.ref == "sh", start=start
            ),
            Ack,
        )
        # once the holder leaves, the seat can be taken again
        await first.close()
        await asyncio.sleep(0.2)
        back = await seated(server, created, "s3")
        await back.close()


async def test_oversize_frame_closes_with_1009_and_other_rooms_play_on(tmp_path) -> None:
    async with RunningServer(tmp_path / "c.db", max_frame_bytes=4096) as server:
        created = await open_room(server)
        neighbour_room = await open_room(server)
        neighbour = await seated(server, neighbour_room, "s1")
        client = await seated(server, created, "s1")
        await client.send(Say(text="x" * 5000))
        code, _ = await asyncio.wait_for(client.closed, 5)
        assert code == 1009
        start = len(neighbour.messages)
        await neighbour.send(Propose(package=PKG, ref="n1"))
        assert isinstance(
            await neighbour.wait_for(
                lambda m: isinstance(m, (Ack, Error)) and m.ref == "n1", start=start
            ),
            Ack,
        )
        await neighbour.close()


async def test_flood_is_rate_limited_then_closed(tmp_path) -> None:
    async with RunningServer(
        tmp_path / "d.db", message_rate=5.0, message_burst=10, flood_close_after=20
    ) as server:
        created = await open_room(server)
        client = await seated(server, created, "s1")
        calm = await seated(server, created, "s2")
        for n in range(60):
            try:
                await client.send(Say(text=f"spam {n}", ref=f"f{n}"))
            except websockets.ConnectionClosed:
                break
        code, _ = await asyncio.wait_for(client.closed, 5)
        assert code == CLOSE_FLOOD
        limited = [m for m in client.messages if isinstance(m, Error) and m.code == "rate_limited"]
        assert limited
        accepted = [m.ref for m in client.messages if isinstance(m, Ack)]
        assert 1 <= len(accepted) <= 12
        # every acknowledged statement is in the store, in order
        rows = await server.hub.store.events(created["room"])
        said = [
            e.text
            for e in map(decode_event, (r.data for r in rows))
            if isinstance(e, StatementMade)
        ]
        assert said == [f"spam {ref[1:]}" for ref in accepted]
        # the neighbour at the table is unaffected
        start = len(calm.messages)
        await calm.send(Say(text="calm", ref="c1"))
        assert isinstance(
            await calm.wait_for(
                lambda m: isinstance(m, (Ack, Error)) and m.ref == "c1", start=start
            ),
            Ack,
        )
        await calm.close()


async def test_slow_consumer_is_dropped_without_stalling_the_room(tmp_path) -> None:
    async with RunningServer(
        tmp_path / "e.db",
        send_queue=8,
        message_rate=1e6,
        message_burst=10**6,
        address_message_rate=1e6,
        address_message_burst=10**6,
        flood_close_after=10**6,
    ) as server:
        created = await open_room(server)
        room = created["room"]
        # a spectator that never reads: its TCP buffers fill, then its send queue
        slow = await websockets.connect(server.ws_url, max_queue=1, max_size=2**20)
        await slow.send(json.dumps({"type": "hello", "version": PROTOCOL_VERSION, "room": room}))
        talker = await seated(server, created, "s1")
        closes = server.hub.metrics.closes.labels("slow_consumer")

        def dropped() -> float:
            return closes._value.get()

        text = "y" * 900
        acks = 0
        for n in range(6000):
            await talker.send(Say(text=text, ref=f"t{n}"))
            if n % 200 == 199:
                await talker.wait_for(
                    lambda m, r=f"t{n}": isinstance(m, Ack) and m.ref == r, timeout=30
                )
                acks = n + 1
                if dropped() >= 1:
                    break
        assert dropped() >= 1
        # the server closed the slow reader with its code; the talker was never stalled
        # (read at once: a reader that stays silent past the close timeout is cut off
        # without the close frame, which waits behind what it never read)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_SLOW_CONSUMER
        assert acks >= 200
        await talker.close()


async def test_http_api_errors_are_typed_json(tmp_path) -> None:
    async with RunningServer(tmp_path / "f.db") as server:
        status, body = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord"}, token=None
        )
        assert status == 401 and body["error"]["code"] == "token_required"
        status, body = await api(server.url, "POST", "/api/rooms", body={"scenario": "atlantis"})
        assert status == 404 and body["error"]["code"] == "unknown_scenario"
        broken = scenario()
        broken["delegations"][0]["brief"]["weights"]["cut"] = 0.9
        status, body = await api(server.url, "POST", "/api/rooms", body={"scenario": broken})
        assert status == 422 and body["error"]["code"] == "invalid_scenario"
        assert "$.delegations[0].brief.weights" in body["error"]["message"]
        status, body = await api(server.url, "POST", "/api/rooms", body={"scenario": 5, "x": 1})
        assert status == 400 and body["error"]["code"] == "invalid_request"
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                server.url + "/api/rooms",
                data=b"{nope",
                headers={"Authorization": "Bearer org_test-organizer-token"},
            ) as res,
        ):
            assert res.status == 400
            assert (await res.json())["error"]["code"] == "invalid_request"
        status, body = await api(server.url, "GET", "/api/rooms/room-missing")
        assert status == 404 and body["error"]["code"] == "not_found"
        created = await open_room(server, start=False)
        status, body = await api(
            server.url, "GET", f"/api/rooms/{created['room']}/transcript", token=None
        )
        assert status == 403
        status, body = await api(server.url, "POST", f"/api/rooms/{created['room']}/start")
        assert status == 200
        status, body = await api(server.url, "POST", f"/api/rooms/{created['room']}/start")
        assert status == 409 and body["error"]["code"] == "wrong_phase"


async def test_origin_check(tmp_path) -> None:
    async with RunningServer(tmp_path / "g.db", allowed_origins=("http://good.example",)) as server:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(server.ws_url, origin="http://evil.example")
        assert refused.value.response.status_code == 403
        ok = await websockets.connect(server.ws_url, origin="http://good.example")
        await ok.close()
        bot = await websockets.connect(server.ws_url)  # no Origin: not a browser
        await bot.close()


async def test_ballot_votes_arrive_in_order_and_are_all_stored(tmp_path) -> None:
    async with RunningServer(tmp_path / "h.db") as server:
        created = await open_room(server)
        clients = {s: await seated(server, created, s) for s in created["seats"]}
        await clients["s1"].send(Propose(package=PKG, ref="p"))
        for seat, c in clients.items():
            if seat != "s1":
                await c.send(Pass(ref=f"pass-{seat}"))
        await clients["s1"].wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "ballot")
        await asyncio.gather(
            *(c.send(CastVote(package_id="R1-s1-1", vote="yes", ref="v")) for c in clients.values())
        )
        for c in clients.values():
            await c.wait_for(lambda m: isinstance(m, Ack) and m.ref == "v")
        rows = await server.hub.store.events(created["room"])
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        for c in clients.values():
            seqs = [e.seq for e in c.events()]
            assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
            await c.close()
