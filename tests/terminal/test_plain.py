"""``accord join --plain`` as a real process: commands through a pipe, events as lines.

The server runs in the test's process on a real port, the two other seats
are built-in bots over real websockets, and the person's seat is the
``accord join`` command in a subprocess whose stdin is a pipe the test
writes commands into, one line at a time, as it reads the lines the client
prints.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import ROOT
from tests.netutil import RunningServer, free_port
from tests.terminal.table import (
    PERSON,
    TABLE_BEST,
    Lines,
    ballot_ids,
    join_command,
    open_room,
    seated_bots,
)


async def test_a_full_talk_through_a_pipe_ends_with_the_scores_and_status_0(
    tmp_path: Path,
) -> None:
    async with RunningServer(tmp_path / "db.sqlite") as server:
        room, tokens = await open_room(server.url)
        link = f"{server.url}/#/rooms/{room}?token={tokens[PERSON]}"  # the token from the link
        proc = await asyncio.create_subprocess_exec(
            *join_command(link, None),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        out = Lines(proc.stdout)

        async def send(line: str) -> int:
            """Write one command line into the pipe; the index its answer will follow."""

            mark = len(out.lines)
            proc.stdin.write(line.encode() + b"\n")  # type: ignore[union-attr]
            await proc.stdin.drain()  # type: ignore[union-attr]
            return mark

        try:
            async with seated_bots(server.ws_url, tokens) as others:
                await out.wait_for(lambda line: line == "— Round 1: tabling —")
                mark = await send("table cut=high")
                await out.wait_for(lambda line: line.startswith("✗ table cut=high: "), start=mark)
                mark = await send("veto R1-north-1")
                await out.wait_for(lambda line: line.startswith("✗ veto R1-north-1: "), start=mark)
                mark = await send("vote R1-north-1 yes")
                await out.wait_for(lambda line: line.startswith("✗ vote R1-north-1"), start=mark)
                await send("help")
                await send(TABLE_BEST)
                ballot = await out.wait_for(lambda line: line == "— Round 1: ballot —")
                await out.wait_for(lambda line: line.startswith("Your move: vote"), start=ballot)
                packages = ballot_ids(out.lines[ballot:])
                assert sorted(packages) == ["R1-east-1", "R1-north-1", "R1-south-1"]
                for package in packages:
                    await send(f"vote {package} {'yes' if package == 'R1-south-1' else 'no'}")
                await out.wait_for(lambda line: line.startswith("— Implementation period 1"))
                await send("act comply")
                await out.wait_for(lambda line: line == "— Period 1: verification —")
                await send("challenge east")
                status = await asyncio.wait_for(proc.wait(), 15)
                await out.finish()
                errors = (await proc.stderr.read()).decode()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    printed = "\n".join(out.lines)
    assert status == 0, printed + errors
    assert errors == ""
    # the brief, the answers to the commands, the events
    assert "You are south — South (weight 1, no veto)" in printed
    assert "Notes: private notes of south" in printed and "notes of north" not in printed
    assert (
        "✗ table cut=high: a package needs an option for every issue;"
        " missing checks (none=No checks|full=Full checks), fines (none|heavy)"
    ) in out.lines
    assert (
        "✗ veto R1-north-1: you hold no veto (only north holds one): vote no instead" in out.lines
    )
    assert (
        "✗ vote R1-north-1 yes: refused: not allowed in phase 'tabling' (only in ballot)"
        " (wrong_phase: The command is not allowed in the room's current phase.)"
    ) in out.lines
    assert (
        "  vote PKG yes|no|abstain  vote on a package on the ballot (PKG: its id or row number)"
        in (out.lines)
    )
    assert f"✓ {TABLE_BEST}: accepted" in out.lines
    assert "You vote yes on R1-south-1." in out.lines
    assert any(line.startswith("ADOPTED R1-south-1 ") for line in out.lines)
    assert "You comply in period 1 (the others do not see it)." in out.lines
    assert "south inspects east: nothing found." in out.lines
    # the scores, as the server computed them
    concluded = others["north"].rooms[room].concluded
    assert concluded is not None and concluded.package_id == "R1-south-1"
    assert "Talks concluded: agreement on R1-south-1 after 1 round." in out.lines
    for score in concluded.scores:
        mine = "  ← you" if score.seat == PERSON else ""
        line = f"  {score.seat:<8} {score.raw:+.3f}  (normalised {score.normalised:.2f}){mine}"
        assert line in out.lines
    assert out.lines[-1] == "The talks are over."


def test_a_server_that_is_not_there_ends_the_join_at_once() -> None:
    port = free_port()  # nothing listens on it
    started = time.monotonic()
    done = subprocess.run(
        [*join_command(f"http://127.0.0.1:{port}", "seat-token")],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1, done
    assert time.monotonic() - started < 10
    assert f"error: cannot reach ws://127.0.0.1:{port}/ws within 3 s" in done.stderr


async def test_a_refused_token_ends_the_join_with_the_reason(tmp_path: Path) -> None:
    async with RunningServer(tmp_path / "db.sqlite") as server:
        await open_room(server.url)
        proc = await asyncio.create_subprocess_exec(
            *join_command(server.url, "seat-nobody-has"),
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 1, (stdout, stderr)
    assert stderr.decode() == "error: the server refused this seat: unknown token (bad_token)\n"


def test_a_link_without_a_token_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accord", "join", "http://127.0.0.1:9/#/rooms/r-1", "--plain"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "error: no seat token: give --token T" in done.stderr
