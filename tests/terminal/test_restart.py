"""The server dies mid-talk: the full-screen client reconnects by itself and plays on.

The server is a subprocess, killed with SIGKILL as the ballot opens and
started again on the same port and database. The person votes while it is
down: the votes wait, go out once the client has reconnected and resumed
from the last event it saw, and the talk concludes with the person's package.
"""

from __future__ import annotations

import signal
from pathlib import Path

from accord.protocol.events import TalksConcluded
from accord.terminal.app import SeatApp
from tests.netutil import free_port, start_server, wait_healthy
from tests.terminal.table import (
    PERSON,
    TABLE_BEST,
    open_room,
    pane,
    seated_bots,
    type_line,
    until,
)


async def test_the_client_resumes_after_a_server_restart_and_the_talk_concludes(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db, log = tmp_path / "accord.db", tmp_path / "server.log"
    proc = start_server(port, db, log)
    try:
        await wait_healthy(url, proc)
        room, tokens = await open_room(url)
        app = SeatApp(url, tokens[PERSON])
        async with (
            seated_bots(f"ws://127.0.0.1:{port}/ws", tokens, finish=30) as others,
            app.run_test(size=(150, 46)) as pilot,
        ):
            state = app.client.state
            await until(pilot, lambda: state.phase == "tabling")
            await type_line(pilot, TABLE_BEST)
            await until(pilot, lambda: state.phase == "ballot")
            before = state.last_seq

            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            await until(pilot, lambda: app.client.status == "reconnecting")
            assert "Connection: reconnecting…" in pane(app, "#state")
            for line in ("vote R1-north-1 no", "vote R1-south-1 yes", "vote R1-east-1 no"):
                await type_line(pilot, line)
            assert pane(app, "#answer") == "… vote R1-east-1 no: sent (goes out once reconnected)"

            proc = start_server(port, db, log)
            await wait_healthy(url, proc)
            await until(pilot, lambda: state.phase == "action", timeout=40)
            await type_line(pilot, "act comply")
            await until(pilot, lambda: state.phase == "verification")
            await type_line(pilot, "challenge east")
            await until(pilot, lambda: app.client.status == "closed")
            shown = pane(app, "#state")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)

    assert "Connection lost — reconnecting…" in app.log_lines
    assert f"Connected to room {room} as south; resuming after event {before}." in app.log_lines
    assert app.client.connections >= 2 and app.client.resent >= 3
    # each event once, in order, across both connections
    seqs = [event.seq for event in state.events]
    assert seqs == sorted(set(seqs))
    concluded = others["east"].rooms[room].concluded
    assert isinstance(concluded, TalksConcluded) and concluded.package_id == "R1-south-1"
    assert state.concluded == concluded
    assert "Concluded: agreement on R1-south-1. Final scores:" in shown
    assert all(f"{s.seat:<8} {s.raw:+.3f}" in shown for s in concluded.scores)
