"""Bots carry a talk through a kill -9 of the server without losing a command.

The server runs as a subprocess. Six seats of a bundled scenario with an
implementation phase are played by SDK bots thinking a moment before each
answer (and, when Node.js is there, one seat by the JavaScript reference bot),
so commands are in flight when the server is killed as the second ballot
opens. It restarts on the same port and database; the bots reconnect, resume,
and send again what was not acknowledged. The talk must conclude with a
transcript that verifies and without a single timeout: no seat gets a default
it did not earn.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
from pathlib import Path

from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.hardliner import Hardliner
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import DeadlinePassed, PhaseStarted, TalksConcluded, Timeout
from accord.protocol.replies import Welcome
from accord.protocol.scenario import load_scenario
from tests.helpers import ROOT
from tests.netutil import Client, api, free_port, start_server, wait_healthy

BOT_DIR = ROOT / "bots" / "reference-js"
NODE = shutil.which("node")
HAS_JS = NODE is not None and (BOT_DIR / "node_modules" / "ws").is_dir()
SCENARIO = "climate-accord"
SEED = 7
THINK = 0.2
FINISH = 40.0


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def test_bots_resend_through_a_kill_9_and_the_talk_concludes_without_timeouts(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ws_url = f"ws://127.0.0.1:{port}/ws"
    db = tmp_path / "accord.db"
    log = tmp_path / "server.log"
    proc = start_server(port, db, log)
    node: asyncio.subprocess.Process | None = None
    played: asyncio.Future[list[object]] | None = None
    try:
        await wait_healthy(url, proc)
        status, created = await api(
            url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": SEED}
        )
        assert status == 201, created
        room = created["room"]
        tokens: dict[str, str] = created["seats"]
        seats = list(load_scenario(SCENARIO).seats)
        assert len(seats) == 6

        spectator = await Client(ws_url, "spectator").connect()
        assert isinstance(await spectator.hello(None, room=room), Welcome)

        js_seat = seats[0] if HAS_JS else None
        if js_seat is not None:
            assert NODE is not None
            node = await asyncio.create_subprocess_exec(
                NODE,
                str(BOT_DIR / "bot.js"),
                ws_url,
                tokens[js_seat],
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        bots = {
            seat: BotClient(
                Hardliner if n % 2 else Conceder,
                ws_url,
                tokens[seat],
                seed=SEED + n,
                think=THINK,
            )
            for n, seat in enumerate(seats)
            if seat != js_seat
        }
        played = asyncio.ensure_future(asyncio.gather(*(b.run() for b in bots.values())))

        second_ballot = await spectator.wait_for(
            lambda m: (
                isinstance(m, (PhaseStarted, TalksConcluded))
                and (isinstance(m, TalksConcluded) or (m.phase == "ballot" and m.round == 2))
            ),
            timeout=30,
        )
        assert isinstance(second_ballot, PhaseStarted), "the talk ended before a second ballot"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = second_ballot.seq
        await asyncio.wait_for(spectator.closed, 10)

        proc = start_server(port, db, log)
        await wait_healthy(url, proc)
        status, state = await api(url, "GET", f"/api/rooms/{room}")
        assert status == 200, state
        restarted_at = state["seq"]

        await asyncio.wait_for(played, FINISH)
        if node is not None:
            stdout, stderr = await asyncio.wait_for(node.communicate(), FINISH)
            assert node.returncode == 0, (
                f"exit {node.returncode}\n{stdout.decode()}\n{stderr.decode()}"
            )

        status, text = await api(url, "GET", f"/api/rooms/{room}/transcript")
        assert status == 200, text
    finally:
        if played is not None and not played.done():
            played.cancel()
            await asyncio.gather(played, return_exceptions=True)
        if node is not None and node.returncode is None:
            node.kill()
            await node.wait()
        stop(proc)

    lines = read(text.splitlines())
    result = verify(lines)
    assert result.ok, result.problems
    events = [line.event for line in lines]
    assert isinstance(events[-1], TalksConcluded)
    assert events[-1].seq > killed_at
    assert [e for e in events if isinstance(e, (Timeout, DeadlinePassed))] == []
    if events[-1].outcome == "agreement":
        assert any(isinstance(e, PhaseStarted) and e.phase == "action" for e in events)
    for seat, bot in bots.items():
        (play,) = bot.rooms.values()
        assert play.seat == seat
        assert play.concluded is not None and play.concluded.seq == events[-1].seq
        assert play.errors == [], (seat, play.errors)
        assert bot.connections >= 2, seat
    if js_seat is not None:
        # the JavaScript bot came back too, and went on playing
        assert [e for e in events if getattr(e, "seat", None) == js_seat and e.seq > restarted_at]
    # commands were in flight when the server died, and were sent again
    assert sum(bot.resent for bot in bots.values()) > 0
