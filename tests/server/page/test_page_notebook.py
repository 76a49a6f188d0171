"""A bot's private notebook in the page: its seat and the organizer read it, as text;
a spectator never receives a note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from accord.bots import Context, Delegation, TabledPackage, Vote, load
from accord.protocol.events import NoteMade
from tests.netutil import ORGANIZER, RunningServer, api
from tests.server.page.browser import Bots, eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARKUP = "<img src=x onerror=alert(1)>"


class Diarist(Delegation):
    """Tables its best package, votes yes, and writes down why (markup included)."""

    name = "diarist"

    def table(self, ctx: Context) -> dict[str, str]:
        ctx.note(f"tabling my best {MARKUP}", round=ctx.round)
        return ctx.best_package()

    def vote(self, ctx: Context, package: TabledPackage) -> Vote:
        return "yes"


async def test_the_notebook_is_for_its_seat_and_the_organizer(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "n.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord", "seed": 2}
        )
        assert status == 201, created
        room, seats = created["room"], created["seats"]
        diarist = next(iter(seats))
        lineup = {
            seat: (Diarist if seat == diarist else load("conceder"), token)
            for seat, token in seats.items()
        }
        async with Bots(server.ws_url, lineup, seed=2):
            await eventually(
                lambda: _concluded(server, room), within=30, what="the bots finish their talk"
            )
        notes = [e for e in server.hub.rooms[room].room.log if isinstance(e, NoteMade)]
        assert notes and all(n.seat == diarist for n in notes)

        readers = {
            "organizer": f"{server.url}/#/",
            "seat": f"{server.url}/#/rooms/{room}?token={seats[diarist]}",
            "spectator": f"{server.url}/#/rooms/{room}",
        }
        for reader, address in readers.items():
            page, watch = await new_page()
            await page.goto(address)
            if reader == "organizer":
                await page.click("[data-control=organizer-open]")
                await page.fill("[data-control=organizer-token]", ORGANIZER)
                await page.click("[data-control=organizer-use]")
                await page.goto(f"{server.url}/#/rooms/{room}")
                await expect(page.locator("#role")).to_have_text("organizer view")
            await expect(page.locator("#timeline li").first).to_be_visible()
            await expect(page.locator(".ev-talks_concluded")).to_have_count(1)
            if reader == "spectator":
                await expect(page.locator("#notebook")).to_have_count(0)
                await expect(page.locator("#timeline")).not_to_contain_text("notes (private)")
            else:
                entries = page.locator("#notebook li")
                await expect(entries).to_have_count(len(notes))
                await expect(entries.first.locator(".note-text")).to_have_text(
                    f"tabling my best {MARKUP}"
                )
                await expect(entries.first).to_contain_text("round 1, tabling")
                await expect(entries.first).to_contain_text("round=1")
                assert await page.locator("#notebook img").count() == 0
            watch.assert_clean()


async def _concluded(server: Any, room: str) -> bool:
    live = server.hub.rooms.get(room)
    return live is not None and live.room.concluded is not None
