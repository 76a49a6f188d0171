"""A small table for the terminal client's tests: one scenario, rooms, bots, readers.

Three seats: ``north`` (weight 2, holds a veto), ``south`` and ``east``; the
person sits at ``south``. Every brief ranks the packages the same way, with
``cut=high checks=full fines=heavy`` the best for all (utility 1), so the
built-in bots vote yes on it whoever tables it; the rule is consensus, so the
person's "no" sinks every other package and the adopted one is known in
advance. One implementation period follows, with a sure inspection.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from accord.bots.strategies.conceder import Conceder
from accord.bots.websocket import BotClient
from accord.terminal.app import SeatApp
from tests.netutil import api

PERSON = "south"
"""The seat the person plays."""
BOTS = ("north", "east")
BEST = {"cut": "high", "checks": "full", "fines": "heavy"}
TABLE_BEST = "table cut=high checks=full fines=heavy"


def scenario(*, limit: float = 20.0) -> dict[str, Any]:
    """The three-seat scenario; ``limit`` seconds for every phase."""

    issues = [
        {"id": "cut", "title": "Cut", "options": ["low", "mid", "high"]},
        {
            "id": "checks",
            "title": "Checks",
            "kind": "verification",
            "options": ["none", "full"],
            "labels": ["No checks", "Full checks"],
        },
        {"id": "fines", "title": "Fines", "kind": "enforcement", "options": ["none", "heavy"]},
    ]
    delegations = [
        {
            "id": seat,
            "name": seat.capitalize(),
            "weight": 2 if seat == "north" else 1,
            "veto": seat == "north",
            "brief": {
                "weights": {"cut": 0.5, "checks": 0.25, "fines": 0.25},
                "values": {"cut": [0.0, 0.4, 1.0], "checks": [0.2, 1.0], "fines": [0.3, 1.0]},
                "reservation": 0.3,
                "notes": f"private notes of {seat}",
            },
        }
        for seat in ("north", PERSON, "east")
    ]
    return {
        "id": "terminal-table",
        "title": "Terminal table",
        "issues": issues,
        "delegations": delegations,
        "rules": {
            "decision": "consensus",
            "max_rounds": 3,
            "ballot": "open",
            "time_limits": {k: limit for k in ("tabling", "ballot", "action", "verification")},
        },
        "implementation": {
            "periods": 1,
            "inspection_cost": 0.02,
            "challenge_quota": 1,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.3]},
            "parties": {
                seat: {"comply_cost": 0.05, "defect_gain": 0.1, "harm": 0.02}
                for seat in ("north", PERSON, "east")
            },
        },
    }


async def open_room(base: str, **options: Any) -> tuple[str, dict[str, str]]:
    """Create a room on :func:`scenario` over the HTTP API: (room id, seat → token)."""

    status, created = await api(
        base, "POST", "/api/rooms", body={"scenario": scenario(**options), "seed": 5}
    )
    assert status == 201, created
    return created["room"], created["seats"]


@asynccontextmanager
async def seated_bots(
    ws_url: str, tokens: dict[str, str], *, finish: float = 15.0
) -> AsyncIterator[dict[str, BotClient]]:
    """Built-in conceders at every seat but the person's, playing while the block runs;
    on leaving it they must finish their talk within ``finish`` seconds."""

    clients = {seat: BotClient(Conceder, ws_url, tokens[seat], seed=3) for seat in BOTS}
    playing = asyncio.gather(*(client.run() for client in clients.values()))
    try:
        yield clients
        await asyncio.wait_for(asyncio.shield(playing), finish)
    finally:
        if not playing.done():
            playing.cancel()
            await asyncio.gather(playing, return_exceptions=True)


def ballot_ids(lines: list[str]) -> list[str]:
    """The package ids announced as tabled, in order, in lines of words."""

    found: list[str] = []
    for line in lines:
        for pid in re.findall(r"\b(R\d+-[\w-]+-\d+)\b", line):
            if pid not in found:
                found.append(pid)
    return found


def join_command(url: str, token: str | None, *, plain: bool = True) -> list[str]:
    """``accord join`` as a command line for a subprocess (without ``--token`` when
    ``token`` is None: the URL is then a room link that carries it)."""

    command = [sys.executable, "-m", "accord", "join", url]
    if token is not None:
        command += ["--token", token]
    return command + (["--plain"] if plain else [])


class Lines:
    """A subprocess's output, read line by line as it comes."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while raw := await stream.readline():
            self.lines.append(raw.decode().rstrip("\n"))
            self._changed.set()
        self._changed.set()

    @property
    def ended(self) -> bool:
        return self._reader.done()

    async def wait_for(
        self, predicate: Callable[[str], bool], *, start: int = 0, timeout: float = 15.0
    ) -> int:
        """The index of the first line from ``start`` that matches ``predicate``."""

        async def scan() -> int:
            seen = start
            while True:
                for n in range(seen, len(self.lines)):
                    if predicate(self.lines[n]):
                        return n
                seen = len(self.lines)
                if self.ended:
                    raise AssertionError("output ended:\n" + "\n".join(self.lines))
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(scan(), timeout)
        except TimeoutError:
            raise AssertionError("not seen in time; output:\n" + "\n".join(self.lines)) from None

    async def finish(self) -> None:
        await self._reader


# --- the full-screen client under textual's pilot ---------------------------------------


async def until(pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds (failing with the screen's last lines)."""

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            app = pilot.app
            shown = app.log_lines[-20:] if isinstance(app, SeatApp) else []
            raise AssertionError("not on the screen in time; its last lines:\n" + "\n".join(shown))
        await pilot.pause(0.05)


async def type_line(pilot: Pilot[Any], line: str) -> None:
    """Enter ``line`` on the command line: its text as one paste (a key press per
    character is slow under load), then the Enter key."""

    await pilot.app.run_action("focus_command")
    command = pilot.app.query_one("#command", Input)
    command.post_message(events.Paste(line))
    await until(pilot, lambda: command.value == line)
    await pilot.press("enter")


def pane(app: SeatApp, selector: str) -> str:
    """The text a Static pane shows."""

    return str(app.query_one(selector, Static).content)


def save_screenshot(app: SeatApp, tmp_path: Path) -> Path:
    """An SVG screenshot of ``app`` in ``tmp_path``, and also as ``terminal.svg`` in the
    directory ``ACCORD_SCREENSHOTS`` names, when it is set (the docs' copy)."""

    svg = app.export_screenshot(title="accord join")
    path = tmp_path / "terminal.svg"
    path.write_text(svg, encoding="utf-8")
    target = os.environ.get("ACCORD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / "terminal.svg").write_text(svg, encoding="utf-8")
    return path
