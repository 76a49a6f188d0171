"""The front page's lists, live, and the tournament view with its standings and report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.netutil import ORGANIZER, RunningServer, api
from tests.server.page.browser import screenshot, talk_scenario

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_new_room_appears_in_the_list_without_a_reload_and_opens(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        page, watch = await new_page()
        await page.goto(f"{server.url}/")
        await expect(page.locator("#rooms-live tr.empty")).to_have_text(
            "No talks in session right now."
        )
        loads = []
        page.on("load", lambda _: loads.append(1))

        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": talk_scenario(), "seed": 1}
        )
        assert status == 201, created
        room = created["room"]
        row = page.locator(f"#rooms-live [data-room={room}]")
        await expect(row).to_be_visible()  # the list is polled
        await expect(row).to_contain_text("A three-party emissions accord")
        await expect(row).to_contain_text("lobby")
        await expect(row).to_contain_text("waiting for seats")

        # its phase moves in the list as the room does
        status, _ = await api(
            server.url, "POST", f"/api/rooms/{room}/start", body={"absent_default": False}
        )
        assert status == 200
        await expect(row).to_contain_text("round 1 · tabling")
        await expect(row.locator(".badge")).to_have_text("running")
        await screenshot(page, tmp_path, "web-lists.png")
        assert loads == []  # all of it without reloading the page

        await row.click()
        await expect(page).to_have_url(re.compile(rf"#/rooms/{room}$"))
        await expect(page.locator("#room-title")).to_have_text("A three-party emissions accord")
        await expect(page.locator("#phase-name")).to_have_text("tabling")
        await expect(page.locator("#connection")).to_have_text("live")
        await page.go_back()
        await expect(page.locator(f"#rooms-live [data-room={room}]")).to_be_visible()
        watch.assert_clean()


async def test_the_tournament_view_shows_progress_standings_and_the_report(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        name = "page-league"
        body = {
            "name": name,
            "seed": 1,
            "entries": [
                {"name": n, "strategy": n} for n in ("conceder", "hardliner", "tit-for-tat")
            ],
            "scenarios": [{"generate": {"seed": 5, "seats": 2, "issues": 2, "options": 3}}],
        }
        status, made = await api(server.url, "POST", "/api/tournaments", body=body)
        assert status == 201, made
        page, watch = await new_page()
        await page.goto(f"{server.url}/#/")
        row = page.locator(f"#tournaments [data-tournament={name}]")
        await expect(row).to_contain_text("created")
        status, started = await api(server.url, "POST", f"/api/tournaments/{name}/start")
        assert status == 202, started
        await row.click()
        await expect(page).to_have_url(re.compile(rf"#/tournaments/{name}$"))

        await expect(page.locator("#tournament-status")).to_have_text("complete", timeout=60000)
        planned = made["talks_planned"]
        await expect(page.locator("#tournament-progress")).to_contain_text(
            f"{planned} of {planned} talks played"
        )
        status, standings = await api(server.url, "GET", f"/api/tournaments/{name}/standings")
        assert status == 200 and standings["talks"] == planned
        rows = page.locator("#standings tbody tr")
        await expect(rows).to_have_count(3)
        for k, entry in enumerate(standings["entries"]):
            await expect(rows.nth(k)).to_have_attribute("data-entry", entry["entry"])
            await expect(rows.nth(k).locator("td.strong")).to_have_text(
                f"{entry['mean_score']:.3f}"
            )
        await expect(page.locator("#talks tbody tr")).to_have_count(planned)

        # the report's plots, in a frame that runs nothing
        frame = page.locator("#report-frame")
        assert await frame.get_attribute("sandbox") == ""
        await expect(frame).to_have_attribute(
            "src", re.compile(rf"^/api/tournaments/{name}/report")
        )
        report = page.frame_locator("#report-frame")
        await expect(report.locator("svg").first).to_be_attached(timeout=20000)
        await expect(report.locator("body")).to_contain_text("hardliner")
        await page.evaluate("window.scrollTo(0, 0)")
        await screenshot(page, tmp_path, "web-tournament.png")
        watch.assert_clean()


async def test_the_organizer_opens_a_room_hands_out_its_seats_and_starts_it(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        page, watch = await new_page()
        await page.goto(f"{server.url}/")
        await expect(page.locator(".organizer-tools")).to_have_count(0)
        await page.click("[data-control=organizer-open]")
        await page.fill("[data-control=organizer-token]", ORGANIZER)
        await page.click("[data-control=organizer-use]")
        await expect(page.locator(".organizer-tools")).to_be_visible()
        await page.select_option("[data-control=new-room-scenario]", "security-council")
        await page.click("[data-control=new-room]")

        links = page.locator(".seat-links input.link-field")
        status, scenario = await api(server.url, "GET", "/api/scenarios/security-council")
        assert status == 200
        await expect(links).to_have_count(len(scenario["delegations"]))
        link = await links.first.input_value()
        match = re.fullmatch(rf"{re.escape(server.url)}/#/rooms/(room-\w+)\?token=(\S+)", link)
        assert match, link
        room, token = match.groups()
        # the link opens the seat it names
        status, analysis = await api(server.url, "GET", f"/api/rooms/{room}/analysis", token=token)
        assert status == 200 and analysis["reader"] == f"seat:{scenario['delegations'][0]['id']}"

        await page.click(f".seat-links a[href='#/rooms/{room}']")
        await expect(page.locator("#role")).to_have_text("organizer view")
        await expect(page.locator("#phase-name")).to_have_text("waiting for seats")
        await page.click("[data-control=start]")
        await expect(page.locator("#phase-name")).to_have_text("tabling")
        await expect(page.locator("#countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
        await expect(page.locator("[data-control=start]")).to_have_count(0)
        watch.assert_clean()
