"""The HTTP side: every error a JSON body with a stable code, credentials, and starting
a room whose absent seats act by default."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from accord.protocol.commands import Act, CastVote, Pass, Propose
from accord.protocol.engine.transcript import read
from accord.protocol.events import PhaseStarted, TalksConcluded, TalksStarted, Timeout
from accord.protocol.replies import Ack, Error, Welcome
from accord.protocol.scenario import load_scenario
from tests.netutil import ORGANIZER, Client, RunningServer, api

JSON = "application/json"


async def raw(
    server: RunningServer,
    method: str,
    path: str,
    *,
    data: bytes | None = None,
    token: str | None = ORGANIZER,
) -> tuple[int, str, dict[str, str], str]:
    """(status, content type, headers, body text) of one request with a raw body."""

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    assert server.http is not None
    async with server.http.request(method, server.url + path, data=data, headers=headers) as res:
        return res.status, res.content_type, dict(res.headers), await res.text()


def error_of(text: str) -> dict[str, Any]:
    """The ``error`` of a JSON error body, checking its shape."""

    body = json.loads(text)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


async def test_a_deeply_nested_body_is_an_invalid_request(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        bodies = [
            b'{"scenario": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
            # where the body's type admits any JSON: the decoder itself must refuse the depth
            b'{"scenario": {"id": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}",
            b'{"scenario": {"id": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}}",
        ]
        for deep in bodies:
            status, kind, _, text = await raw(server, "POST", "/api/rooms", data=deep)
            assert (status, kind) == (400, JSON), (status, text[:500])
            assert error_of(text)["code"] == "invalid_request"
            assert "Traceback" not in text and "RecursionError" not in text
        status, health = await api(server.url, "GET", "/healthz", token=None)
        assert status == 200 and health["status"] == "ok"
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord"}
        )
        assert status == 201, created


async def test_unknown_routes_wrong_methods_and_large_bodies_are_json(tmp_path) -> None:
    async with RunningServer(tmp_path / "b.db") as server:
        for path in ("/api/nothing-here", "/nothing/at/all", "/api/rooms/x/y/z"):
            status, kind, _, text = await raw(server, "GET", path)
            assert (status, kind) == (404, JSON), (path, status, text)
            assert error_of(text)["code"] == "not_found"

        for method, path, allowed in (
            ("DELETE", "/api/rooms", {"GET", "POST"}),
            ("PUT", "/api/entries", {"POST"}),
            ("POST", "/healthz", {"GET"}),
        ):
            status, kind, headers, text = await raw(server, method, path)
            assert (status, kind) == (405, JSON), (method, path, status, text)
            assert error_of(text)["code"] == "method_not_allowed"
            # a 405 names the methods the resource allows (RFC 9110)
            assert allowed <= set(headers.get("Allow", "").split(",")), headers

        big = b'{"scenario": "' + b"x" * (1024**2 + 10) + b'"}'
        status, kind, _, text = await raw(server, "POST", "/api/rooms", data=big)
        assert (status, kind) == (413, JSON), (status, text[:300])
        assert error_of(text)["code"] == "payload_too_large"
        status, _ = await api(server.url, "GET", "/healthz", token=None)
        assert status == 200


async def test_credentials_401_without_or_with_an_unknown_token_403_with_the_wrong_one(
    backend: dict[str, Any],
) -> None:
    async with RunningServer(**backend) as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord"}
        )
        assert status == 201, created
        room = created["room"]
        seat_token = created["seats"]["eu"]
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "bot"})
        assert status == 201, entry
        organizer_routes = [
            ("POST", "/api/rooms", b'{"scenario": "climate-accord"}'),
            ("POST", "/api/entries", b'{"name": "someone"}'),
            ("POST", f"/api/rooms/{room}/start", b"{}"),
        ]
        for method, path, body in organizer_routes:
            status, kind, headers, text = await raw(server, method, path, data=body, token=None)
            assert (status, kind) == (401, JSON), (path, status, text)
            assert error_of(text)["code"] == "token_required"
            assert headers.get("WWW-Authenticate", "").startswith("Bearer"), headers

            status, kind, headers, text = await raw(
                server, method, path, data=body, token="seat_no-such-token"
            )
            assert (status, kind) == (401, JSON), (path, status, text)
            assert error_of(text)["code"] == "bad_token"
            assert headers.get("WWW-Authenticate", "").startswith("Bearer"), headers

            for token in (seat_token, entry["token"]):
                status, kind, headers, text = await raw(
                    server, method, path, data=body, token=token
                )
                assert (status, kind) == (403, JSON), (path, status, text)
                assert error_of(text)["code"] == "forbidden"
                assert "WWW-Authenticate" not in headers
        # none of those refused calls started the room
        status, state = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 200 and state["phase"] == "lobby"


# --- starting with absent seats acting by default ---------------------------------------------


def first_package(scenario: str) -> dict[str, str]:
    return {issue.id: issue.options[0] for issue in load_scenario(scenario).issues}


async def autoplay(client: Client, seat: str, package: dict[str, str]) -> TalksConcluded:
    """Act at once whenever a phase starts: table one package in round 1 and pass, vote
    yes on it, comply, pass in verification. Returns the conclusion."""

    seen = 0
    while True:
        await client.wait_for(lambda m: True, start=seen, timeout=30)
        while seen < len(client.messages):
            message = client.messages[seen]
            seen += 1
            if isinstance(message, TalksConcluded):
                return message
            if not isinstance(message, PhaseStarted):
                continue
            tag = f"{message.phase}-{message.round}-{message.period}"
            if message.phase == "tabling":
                if message.round == 1:
                    await client.send(Propose(package=package, ref=f"{tag}-propose"))
                await client.send(Pass(ref=f"{tag}-pass"))
            elif message.phase == "ballot":
                await client.send(
                    CastVote(package_id=f"R{message.round}-{seat}-1", vote="yes", ref=tag)
                )
            elif message.phase == "action":
                await client.send(Act(choice="comply", ref=tag))
            elif message.phase == "verification":
                await client.send(Pass(ref=tag))


async def test_start_with_absent_default_lets_one_seat_conclude_without_deadlines(
    tmp_path,
) -> None:
    scenario = "climate-accord"
    limits = load_scenario(scenario).rules.time_limits
    assert min(limits.tabling, limits.ballot, limits.action, limits.verification) >= 30
    async with RunningServer(tmp_path / "d.db") as server:
        status, created = await api(server.url, "POST", "/api/rooms", body={"scenario": scenario})
        assert status == 201, created
        room = created["room"]
        seat = "eu"
        absent = set(created["seats"]) - {seat}
        client = await Client(server.ws_url, seat).connect()
        assert isinstance(await client.hello(created["seats"][seat]), Welcome)
        playing = asyncio.ensure_future(autoplay(client, seat, first_package(scenario)))
        began = time.monotonic()
        status, started = await api(
            server.url, "POST", f"/api/rooms/{room}/start", body={"absent_default": True}
        )
        assert status == 200, started
        assert set(started) == {"room", "seq"} and started["room"] == room
        assert isinstance(started["seq"], int) and started["seq"] >= 1
        concluded = await asyncio.wait_for(playing, 15)
        assert time.monotonic() - began < 15
        assert concluded.outcome == "agreement"
        errors = [m for m in client.messages if isinstance(m, Error)]
        assert errors == []
        await client.close()

        status, text = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
        assert status == 200, text
        log = [line.event for line in read(text.splitlines())]
        talks = [e for e in log if isinstance(e, TalksStarted)]
        assert len(talks) == 1 and talks[0].absent_default is True
        assert set(talks[0].absent) == absent
        timeouts = [e for e in log if isinstance(e, Timeout)]
        assert {t.seat for t in timeouts if t.phase == "ballot"} == absent
        assert all(t.default == "abstain" for t in timeouts if t.phase == "ballot")
        acted = {t.seat for t in timeouts if t.phase == "action" and t.default == "comply"}
        assert acted == absent
        assert all(t.seat != seat for t in timeouts)


async def test_start_without_a_body_keeps_absent_seats_holding_the_phase(tmp_path) -> None:
    async with RunningServer(tmp_path / "e.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord"}
        )
        assert status == 201, created
        room = created["room"]
        client = await Client(server.ws_url, "eu").connect()
        assert isinstance(await client.hello(created["seats"]["eu"]), Welcome)
        status, started = await api(server.url, "POST", f"/api/rooms/{room}/start")
        assert status == 200, started
        talks = await client.wait_for(lambda m: isinstance(m, TalksStarted))
        assert talks.absent_default is False
        await client.wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "tabling")
        start = len(client.messages)
        await client.send(Pass(ref="done"))
        ack = await client.wait_for(
            lambda m: isinstance(m, (Ack, Error)) and m.ref == "done", start=start
        )
        assert isinstance(ack, Ack), ack
        await asyncio.sleep(0.2)
        status, state = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
        assert status == 200 and state["phase"] == "tabling" and state["round"] == 1
        waiting = [s["id"] for s in state["seats"] if not s["done"]]
        assert set(waiting) == set(created["seats"]) - {"eu"}
        await client.close()
