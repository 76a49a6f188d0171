"""kill -9 mid-talk: the server restarts on the same database and the talk goes on."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

from accord.protocol.codec import canonical
from accord.protocol.commands import Act, CastVote, Challenge, Pass, Propose, Say
from accord.protocol.engine.transcript import read
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.events import PhaseStarted, TalksConcluded
from accord.protocol.replies import Ack, Welcome
from tests.helpers import ROOT, SEATS, six_seat_scenario
from tests.netutil import Client, act, api, free_port, start_server, wait_healthy


async def rejoin(url: str, seat: str, token: str, previous: Client) -> Client:
    client = await Client(url, seat).connect()
    client.messages.extend(previous.events())  # what it saw before the crash
    welcome = await client.hello(token, last_seq=previous.last_seq())
    assert isinstance(welcome, Welcome), welcome
    return client


async def test_kill_9_mid_talk_then_restart_resume_and_verify(tmp_path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ws_url = f"ws://127.0.0.1:{port}/ws"
    db = tmp_path / "accord.db"
    log = tmp_path / "server.log"
    proc = start_server(port, db, log)
    try:
        await wait_healthy(url, proc)
        status, created = await api(
            url, "POST", "/api/rooms", body={"scenario": six_seat_scenario(), "seed": 5}
        )
        assert status == 201
        room = created["room"]
        clients = {}
        for seat in SEATS:
            clients[seat] = await Client(ws_url, seat).connect()
            assert isinstance(await clients[seat].hello(created["seats"][seat]), Welcome)
        await clients["s1"].wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "tabling")
        assert isinstance(await act(clients["s1"], Say(text="before the crash", to=["s2"])), Ack)
        package = {"cut": "mid", "checks": "full", "fines": "heavy"}
        assert isinstance(await act(clients["s1"], Propose(package=package)), Ack)
        for seat in SEATS[1:4]:
            assert isinstance(await act(clients[seat], Pass()), Ack)
        acknowledged = clients["s1"].last_seq()

        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        for c in clients.values():
            await asyncio.wait_for(c.closed, 10)

        proc = start_server(port, db, log)
        await wait_healthy(url, proc)
        status, state = await api(url, "GET", f"/api/rooms/{room}")
        assert status == 200 and state["phase"] == "tabling"
        assert state["seq"] >= acknowledged

        resumed = {
            seat: await rejoin(ws_url, seat, created["seats"][seat], clients[seat])
            for seat in SEATS
        }
        for seat in SEATS[4:]:
            assert isinstance(await act(resumed[seat], Pass()), Ack)
        await resumed["s1"].wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "ballot")
        for seat in SEATS:
            assert isinstance(
                await act(resumed[seat], CastVote(package_id="R1-s1-1", vote="yes")), Ack
            )
        for period in (1, 2):
            await resumed["s1"].wait_for(
                lambda m, p=period: (
                    isinstance(m, PhaseStarted) and m.phase == "action" and m.period == p
                )
            )
            for seat in SEATS:
                choice = "defect" if seat == "s5" else "comply"
                assert isinstance(await act(resumed[seat], Act(choice=choice)), Ack)
            await resumed["s1"].wait_for(
                lambda m, p=period: (
                    isinstance(m, PhaseStarted) and m.phase == "verification" and m.period == p
                )
            )
            assert isinstance(await act(resumed["s2"], Challenge(target="s5")), Ack)
            for seat in SEATS:
                if seat != "s2":
                    assert isinstance(await act(resumed[seat], Pass()), Ack)
        for c in resumed.values():
            await c.wait_for(lambda m: isinstance(m, TalksConcluded))

        status, text = await api(url, "GET", f"/api/rooms/{room}/transcript")
        assert status == 200
        transcript = tmp_path / "talk.jsonl"
        transcript.write_text(text)
        verified = subprocess.run(
            [sys.executable, "-m", "accord", "verify", str(transcript)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # every seat saw exactly its filtered log: nothing missed, nothing twice
        log_events = [line.event for line in read(text.splitlines())]
        for seat, client in resumed.items():
            expected = visible_log(log_events, Viewer.of_seat(seat))
            assert [canonical(e) for e in client.events()] == [canonical(e) for e in expected]
        for c in resumed.values():
            await c.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def test_sigterm_closes_connections_with_1001_and_exits_cleanly(tmp_path) -> None:
    port = free_port()
    proc = start_server(port, tmp_path / "accord.db", tmp_path / "server.log")
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", proc)
        status, created = await api(
            f"http://127.0.0.1:{port}", "POST", "/api/rooms", body={"scenario": "climate-accord"}
        )
        assert status == 201
        seat = next(iter(created["seats"]))
        client = await Client(f"ws://127.0.0.1:{port}/ws", seat).connect()
        assert isinstance(await client.hello(created["seats"][seat]), Welcome)
        proc.send_signal(signal.SIGTERM)
        code, _ = await asyncio.wait_for(client.closed, 10)
        assert code == 1001
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
