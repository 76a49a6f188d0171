"""The room's picture as each reader may see it: the organizer every seat's utilities
with the Pareto frontier and the Nash point, a seat its own, a spectator none; and
the private statements among bots that a spectator never sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from accord.bots.registry import load
from tests.netutil import ORGANIZER, RunningServer, api
from tests.server.page.browser import Bots, eventually, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINEUP = [
    "hardliner",
    "coalition-builder",
    "conceder",
    "tit-for-tat",
    "coalition-builder",
    "inspector",
]


async def test_each_reader_sees_the_picture_its_credential_allows(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord", "seed": 4}
        )
        assert status == 201, created
        room, seats = created["room"], created["seats"]
        lineup = {seat: (load(LINEUP[k]), token) for k, (seat, token) in enumerate(seats.items())}
        async with Bots(server.ws_url, lineup, seed=4):
            await eventually(
                lambda: _concluded(server, room), within=30, what="the bots finish their talk"
            )

        # the organizer types the token in, and sees every seat's utility of every package
        page, watch = await new_page()
        await page.goto(f"{server.url}/#/")
        await page.click("[data-control=organizer-open]")
        await page.fill("[data-control=organizer-token]", ORGANIZER)
        await page.click("[data-control=organizer-use]")
        await expect(page.locator(".topbar .badge.organizer")).to_be_visible()
        assert await page.evaluate("sessionStorage.getItem('accord.organizer')") == ORGANIZER
        await page.goto(f"{server.url}/#/rooms/{room}")
        await expect(page.locator("#role")).to_have_text("organizer view")
        plot = page.locator("#plot-plane")
        await expect(plot).to_be_visible()
        status, analysis = await api(server.url, "GET", f"/api/rooms/{room}/analysis")
        assert status == 200 and analysis["frontier"]["size"] > 1 and analysis["nash"] is not None
        tabled = len(analysis["packages"])
        assert tabled >= 2
        await expect(plot.locator("circle.frontier-point")).to_have_count(
            len(analysis["frontier"]["points"])
        )
        await expect(plot.locator("g.package")).to_have_count(tabled)
        await expect(plot.locator("polygon.nash")).to_have_count(1)
        status, scenario = await api(server.url, "GET", "/api/scenarios/climate-accord")
        assert status == 200
        names = {d["id"]: d["name"] for d in scenario["delegations"]}
        first, second = analysis["seats"][:2]
        await expect(plot.locator("text.label").first).to_have_text(f"utility to {names[first]}")
        third = analysis["seats"][2]
        await page.select_option("[data-control=plane-b]", third)
        await expect(page.locator("#plot-plane text.label").nth(1)).to_have_text(
            f"utility to {names[third]}"
        )
        await page.select_option("[data-control=plane-b]", second)
        await expect(page.locator("#plot-plane text.label").nth(1)).to_have_text(
            f"utility to {names[second]}"
        )
        await screenshot(page, tmp_path, "web-picture.png", element=".slot-picture")
        await page.click("#picture [data-mode=parallel]")
        await expect(page.locator("#plot-parallel polyline.package-line")).to_have_count(tabled)
        await page.click("#picture [data-mode=concession]")
        await expect(page.locator("#plot-concession")).to_be_visible()
        # the organizer reads every statement, private ones included
        private = await page.locator("#statements .said.private").count()
        assert private > 0, "the coalition builders spoke privately"
        watch.assert_clean()

        # a seat sees its own utilities only: no plane of two seats
        seat = analysis["seats"][0]
        mine, mine_watch = await new_page()
        await mine.goto(f"{server.url}/#/rooms/{room}?token={seats[seat]}")
        await expect(mine.locator("#role")).to_contain_text("seated as")
        await expect(mine.locator("#plot-concession")).to_be_visible()
        modes = await mine.locator("#picture [data-mode]").evaluate_all(
            "els => els.map(e => e.dataset.mode)"
        )
        assert modes == ["mine", "agenda"]
        await expect(mine.locator("#plot-concession circle.table-dot")).to_have_count(tabled)
        mine_watch.assert_clean()

        # a spectator: the packages across the agenda, no utilities, no private statement
        spectator, spectator_watch = await new_page()
        await spectator.goto(f"{server.url}/#/rooms/{room}")
        await expect(spectator.locator("#plot-agenda")).to_be_visible()
        modes = await spectator.locator("#picture [data-mode]").evaluate_all(
            "els => els.map(e => e.dataset.mode)"
        )
        assert modes == ["agenda"]
        await expect(spectator.locator("#picture-note")).to_contain_text("Briefs are private")
        await expect(spectator.locator("#outcome")).to_be_visible()
        assert await spectator.locator("#statements .said.private").count() == 0
        public = await page.locator("#statements .said:not(.private)").count()
        await expect(spectator.locator("#statements .said")).to_have_count(public)
        for text in await page.locator("#statements .said.private .said-text").all_text_contents():
            assert text not in await spectator.content()
        spectator_watch.assert_clean()


async def _concluded(server: RunningServer, room: str) -> bool:
    status, state = await api(server.url, "GET", f"/api/rooms/{room}", token=None)
    return status == 200 and state["phase"] == "concluded"
