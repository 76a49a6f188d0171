"""``accord demo --human SEAT``: bots fill the other seats and wait for a person, who
sits down with the seat token the demo prints (here a scripted client holds it)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from accord.bots.registry import load
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import read, verify
from tests.helpers import ROOT
from tests.netutil import free_port

LINK = re.compile(r"^\s+(http://\S+/#/rooms/(\S+)\?token=(\S+))$")
JOIN = re.compile(r"^\s+accord join (http://\S+) --token (\S+)$")


async def _line(stream: asyncio.StreamReader, seen: list[str]) -> str:
    raw = await asyncio.wait_for(stream.readline(), 60)
    assert raw, "the demo ended early:\n" + "".join(seen)
    line = raw.decode()
    seen.append(line)
    return line.rstrip("\n")


async def test_demo_waits_for_the_human_seat_and_plays_with_whoever_holds_its_token(
    tmp_path: Path,
) -> None:
    port = free_port()
    transcript = tmp_path / "t.jsonl"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "accord", "demo", "--once", "--human", "china",
        "--port", str(port), "--db", str(tmp_path / "demo.db"),
        "--transcript", str(transcript),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    seen: list[str] = []
    try:
        link = join = None
        while join is None:
            line = await _line(proc.stdout, seen)
            link = link or LINK.match(line)
            join = JOIN.match(line)
        assert link is not None, seen
        page, room, token = link.groups()
        # the token rides in the fragment, which a browser never sends to the server
        assert urlsplit(page).path == "/" and parse_qs(urlsplit(page).fragment.split("?")[1])
        assert join.group(1) == f"http://127.0.0.1:{port}" and join.group(2) == token
        assert any("china        played by you" in line for line in seen)
        assert any(f"http://127.0.0.1:{port}/#/rooms/{room}" in line for line in seen)

        # nothing starts while the human seat is empty, however long it waits
        early: list[str] = []
        with contextlib.suppress(TimeoutError):
            while True:
                early.append(await asyncio.wait_for(_line(proc.stdout, seen), 1.5))
        assert any("takes its seat." in line for line in early), early  # the bots sit
        assert not any(line.startswith("The talks begin") for line in early), early

        person = BotClient(load("conceder"), f"ws://127.0.0.1:{port}/ws", token, seed=1)
        sitting = asyncio.create_task(person.run())
        while not (line := await _line(proc.stdout, seen)).startswith("Talks concluded"):
            pass
        await asyncio.wait_for(sitting, 30)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = "".join(seen) + out.decode()
    assert proc.returncode == 0, (text, err.decode())
    assert "Traceback" not in err.decode()
    assert "china takes its seat." in text
    assert re.search(r"^\s+china\s+you\s+[+-]\d\.\d{3}", text, re.MULTILINE), text
    # a person came to play one talk: no tournament afterwards
    assert "A short tournament" not in text
    log = read(transcript.read_bytes().splitlines())
    assert verify(log).ok
    opened = log[0].event
    limits = opened.scenario.rules.time_limits  # type: ignore[union-attr]
    assert limits.tabling >= 300 and limits.ballot >= 120  # minutes, not seconds, to think


async def test_demo_human_names_the_seats_when_the_seat_does_not_exist(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "accord", "demo", "--human", "atlantis",
        "--port", str(free_port()), "--db", str(tmp_path / "demo.db"),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert "no seat 'atlantis' in security-council" in err.decode()
    assert "us, uk, france, russia, china" in err.decode()
    assert not (tmp_path / "demo.db").exists()
