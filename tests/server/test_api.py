"""The HTTP API, OpenAPI, health and metrics, bot entries, resume."""

from __future__ import annotations

import asyncio
import json
import re

from accord.protocol.codec import canonical
from accord.protocol.commands import Pass, Propose, Resume, Say
from accord.protocol.contract import json_schema
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.events import PhaseStarted, StatementMade
from accord.protocol.replies import Ack, Assignment, Error, Welcome
from accord.server.openapi import openapi_document
from tests.helpers import six_seat_scenario
from tests.netutil import Client, RunningServer, api


async def test_rooms_scenarios_schema_health(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, body = await api(server.url, "GET", "/api/scenarios", token=None)
        assert status == 200
        names = {s["name"] for s in body["scenarios"]}
        assert {"climate-accord", "security-council"} <= names
        status, public = await api(server.url, "GET", "/api/scenarios/climate-accord", token=None)
        assert status == 200 and all(d.get("brief") is None for d in public["delegations"])
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord", "seed": 3}
        )
        assert status == 201 and set(created["seats"]) == {d["id"] for d in public["delegations"]}
        assert len(set(created["seats"].values())) == len(created["seats"])
        status, rooms = await api(server.url, "GET", "/api/rooms", token=None)
        assert [r["room"] for r in rooms["rooms"]] == [created["room"]]
        assert rooms["rooms"][0]["phase"] == "lobby"
        status, state = await api(server.url, "GET", f"/api/rooms/{created['room']}", token=None)
        assert state["type"] == "snapshot" and state["seq"] == 1
        assert all(d.get("brief") is None for d in state["scenario"]["delegations"])
        status, schema = await api(server.url, "GET", "/api/schema", token=None)
        assert schema == json.loads(canonical(json_schema()))
        status, health = await api(server.url, "GET", "/healthz", token=None)
        assert health == {"status": "ok", "rooms": 1, "connections": 0}
        async with server.http.get(server.url + "/metrics") as res:  # type: ignore[union-attr]
            text = await res.text()
        assert res.status == 200
        for metric in ("accord_connections", "accord_rooms", "accord_event_write_seconds"):
            assert metric in text
        assert 'accord_rooms{phase="lobby"} 1.0' in text
        async with server.http.get(server.url + "/") as res:  # type: ignore[union-attr]
            assert res.status == 200 and "accord" in await res.text()


async def test_tokens_are_stored_only_as_digests(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "trade-round"}
        )
        stored = await server.hub.store.tokens(room=created["room"])
        digests = {t.digest for t in stored}
        for token in created["seats"].values():
            assert token not in digests
    raw = (tmp_path / "a.db").read_bytes()
    for token in created["seats"].values():
        assert token.encode() not in raw


async def test_openapi_document_covers_every_route(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, served = await api(server.url, "GET", "/api/openapi.json", token=None)
        assert status == 200
        assert served == json.loads(json.dumps(openapi_document()))
        assert served["openapi"].startswith("3.1")
        documented = {
            (path, method.upper()) for path, ops in served["paths"].items() for method in ops
        }
        routed = set()
        for resource in server.app.router.resources():
            info = resource.get_info()
            path = info.get("path") or info.get("formatter")
            for route in resource:
                if route.method in ("GET", "POST") and path not in ("/", "/ws", "/static/{name}"):
                    routed.add((path, route.method))
        assert routed == documented
        # every $ref resolves
        text = json.dumps(served)
        for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
            name = ref.rsplit("/", 1)[-1]
            assert name in served["components"]["schemas"], ref


def test_the_api_page_lists_every_route_and_error_code() -> None:
    from accord.server.api import STATUS
    from tests.helpers import ROOT

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(GET|POST) (/\S*)` \|", text, flags=re.M)
    documented = {(path, method) for method, path in rows}
    assert len(documented) == len(rows)  # no route twice
    described = {
        (path, method.upper())
        for path, ops in openapi_document()["paths"].items()
        for method in ops
    }
    # the OpenAPI document lists exactly the routes (test above); /healthz, /metrics and the
    # document itself are in the table too
    assert documented == described
    for code, status in STATUS.items():
        if code in ("too_many_from_address", "too_many_connections"):
            assert f"`{status} {code}`" in text, code  # the websocket upgrade's, after the table
            continue
        assert re.search(rf"^\| {status} \| [^|]*`{code}`", text, flags=re.M), code


async def test_an_entry_token_sits_in_several_rooms_over_one_connection(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "bot"})
        assert status == 201
        bot = await Client(server.ws_url, "entry").connect()
        welcome = await bot.hello(entry["token"])
        assert isinstance(welcome, Welcome) and welcome.role == "entry"
        rooms = []
        for _ in range(2):
            status, created = await api(
                server.url,
                "POST",
                "/api/rooms",
                body={"scenario": six_seat_scenario(), "entries": {"s1": entry["entry"]}},
            )
            assert status == 201
            rooms.append(created["room"])
        assignments = []
        for room in rooms:
            assignments.append(
                await bot.wait_for(lambda m, r=room: isinstance(m, Assignment) and m.room == r)
            )
        assert all(a.seat == "s1" and a.brief is not None for a in assignments)
        for room in rooms:
            assert (await api(server.url, "POST", f"/api/rooms/{room}/start"))[0] == 200
        # a room-scoped command must name its room on a multi-room connection
        start = len(bot.messages)
        await bot.send(Pass(ref="no-room"))
        err = await bot.wait_for(lambda m: isinstance(m, Error) and m.ref == "no-room", start=start)
        assert err.code == "room_required"
        for room in rooms:
            await bot.send(Say(text=f"hello {room}", room=room, ref=room))
            ack = await bot.wait_for(lambda m, r=room: isinstance(m, (Ack, Error)) and m.ref == r)
            assert isinstance(ack, Ack) and ack.room == room
        said = [e for e in bot.events() if isinstance(e, StatementMade)]
        assert {(e.room, e.text) for e in said} == {(r, f"hello {r}") for r in rooms}
        await bot.close()


async def test_entry_reconnects_and_gets_its_assignments_again(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        _, entry = await api(server.url, "POST", "/api/entries", body={"name": "later"})
        _, created = await api(
            server.url,
            "POST",
            "/api/rooms",
            body={"scenario": six_seat_scenario(), "entries": {"s2": entry["entry"]}},
        )
        bot = await Client(server.ws_url, "entry").connect()
        assert isinstance(await bot.hello(entry["token"]), Welcome)
        assignment = await bot.wait_for(lambda m: isinstance(m, Assignment))
        assert assignment.room == created["room"] and assignment.seat == "s2"
        await bot.close()


async def test_resume_message_replays_what_was_missed(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        _, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": six_seat_scenario()}
        )
        room = created["room"]
        assert (await api(server.url, "POST", f"/api/rooms/{room}/start"))[0] == 200
        s1 = await Client(server.ws_url, "s1").connect()
        await s1.hello(created["seats"]["s1"])
        await s1.wait_for(lambda m: isinstance(m, PhaseStarted))
        s2 = await Client(server.ws_url, "s2").connect()
        await s2.hello(created["seats"]["s2"], last_seq=10**6)  # claims to have seen everything
        await s1.send(Propose(package={"cut": "low", "checks": "none", "fines": "none"}, ref="p"))
        await s1.send(Say(text="to s2 only", to=["s2"], ref="s"))
        await s1.wait_for(lambda m: isinstance(m, Ack) and m.ref == "s")
        await s2.wait_for(lambda m: isinstance(m, StatementMade))
        start = len(s2.messages)
        await s2.send(Resume(last_seq=0, ref="again"))
        ack = await s2.wait_for(lambda m: isinstance(m, Ack) and m.ref == "again", start=start)
        replayed = [m for m in s2.messages[start:] if hasattr(m, "seq") and hasattr(m, "at")]
        status, text = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
        from accord.protocol.engine.transcript import read

        log = [line.event for line in read(text.splitlines())]
        expected = visible_log(log, Viewer.of_seat("s2"))
        assert [canonical(e) for e in replayed] == [canonical(e) for e in expected]
        assert ack.seq == log[-1].seq
        await s1.close()
        await s2.close()


async def test_concluded_rooms_leave_memory_and_come_back_from_the_store(tmp_path) -> None:
    from accord.bots.strategies.conceder import Conceder
    from accord.bots.websocket import BotClient
    from accord.protocol.events import TalksConcluded

    async with RunningServer(tmp_path / "a.db", concluded_linger=0.2) as server:
        _, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "trade-round", "seed": 2}
        )
        room = created["room"]
        bots = [BotClient(Conceder, server.ws_url, t, seed=2) for t in created["seats"].values()]
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), 60)
        for _ in range(50):
            if room not in server.hub.rooms:
                break
            await asyncio.sleep(0.1)
        assert room not in server.hub.rooms
        status, state = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 200 and state["phase"] == "concluded"
        watcher = await Client(server.ws_url, "late").connect()
        assert isinstance(await watcher.hello(None, room=room), Welcome)
        final = await watcher.wait_for(lambda m: isinstance(m, TalksConcluded))
        assert final.seq == state["seq"]
        await watcher.close()


async def test_an_entry_for_an_unknown_seat_is_an_invalid_request(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        _, entry = await api(server.url, "POST", "/api/entries", body={"name": "bot"})
        status, body = await api(
            server.url,
            "POST",
            "/api/rooms",
            body={"scenario": six_seat_scenario(), "entries": {"s99": entry["entry"]}},
        )
        # the scenario is fine: the request names a seat it does not have
        assert status == 400
        assert body["error"]["code"] == "invalid_request", body
        assert "s99" in body["error"]["message"]
        status, listed = await api(server.url, "GET", "/api/rooms")
        assert status == 200 and listed["rooms"] == []  # nothing was created
