"""A person at the table in the web page, against bots, with a spectator watching;
markup shown as text; server errors shown by the controls that caused them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.free_rider import FreeRider
from tests.netutil import RunningServer, api
from tests.server.page.browser import BEST, MARKUP, Bots, markup_scenario, screenshot, talk_scenario

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _room(
    server: RunningServer, scenario: dict[str, Any], seed: int = 3
) -> tuple[str, dict[str, str]]:
    status, created = await api(
        server.url, "POST", "/api/rooms", body={"scenario": scenario, "seed": seed}
    )
    assert status == 201, created
    return created["room"], created["seats"]


async def _compose(page: Any, package: dict[str, str]) -> None:
    for issue, option in package.items():
        await page.select_option(f"#composer select[data-issue={issue}]", option)


async def _say(page: Any, text: str, to: tuple[str, ...] = ()) -> None:
    await page.fill("[data-control=say-text]", text)
    for seat in to:
        await page.check(f"#say-form [data-to={seat}]")
    await page.click("[data-control=say]")
    # the form empties once the server has acknowledged the statement
    await expect(page.locator("[data-control=say-text]")).to_have_value("")


async def test_a_person_tables_and_votes_to_an_agreement_while_a_spectator_watches(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        room, seats = await _room(server, talk_scenario())
        watcher, watcher_watch = await new_page()
        await watcher.goto(f"{server.url}/#/rooms/{room}")
        me, my_watch = await new_page()
        await me.goto(f"{server.url}/#/rooms/{room}?token={seats['north']}")

        # the token left the address bar (and the history) for this tab's sessionStorage
        await expect(me.locator("#role")).to_have_text("seated as Northland")
        assert seats["north"] not in me.url and me.url.endswith(f"#/rooms/{room}")
        assert await me.evaluate(f"sessionStorage.getItem('accord.seat.{room}')") == seats["north"]
        # the private brief is the seat's only
        await expect(me.locator("#reservation")).to_have_text("0.400")
        await expect(me.locator("#brief-notes")).to_have_text(
            "Hold out for the deep cut, with checks that bite."
        )
        await expect(watcher.locator("#role")).to_have_text("spectator")
        assert await watcher.locator("#desk").count() == 0
        assert "Hold out" not in await watcher.locator("body").inner_text()

        bots = {"east": (Conceder, seats["east"]), "south": (FreeRider, seats["south"])}
        async with Bots(server.ws_url, bots):
            await expect(me.locator("#phase-name")).to_have_text("tabling")
            await _compose(me, BEST)
            await expect(me.locator("#composer-utility")).to_have_text("1.000")
            await _say(me, "We want a deep cut, checked on site.")
            await _say(me, "psst: a side deal for you alone", to=("east",))
            await me.click("[data-control=table]")

            # every seat has tabled: the ballot, with three packages on it
            await expect(me.locator("#phase-name")).to_have_text("ballot")
            await expect(me.locator("#table [data-package]")).to_have_count(3)
            others = [
                p
                for p in await me.locator("#table [data-package]").evaluate_all(
                    "els => els.map(e => e.dataset.package)"
                )
                if p != "R1-north-1"
            ]
            assert sorted(others) == ["R1-east-1", "R1-south-1"]
            own = me.locator("#table [data-package=R1-north-1]")
            await expect(own.locator("[data-utility]")).to_have_attribute("data-utility", "1.000")
            await expect(
                watcher.locator("#table [data-package=R1-north-1] .pkg-options")
            ).to_have_text(await own.locator(".pkg-options").text_content())
            await screenshot(me, tmp_path, "web-seat.png", full_page=True)
            await own.locator("[data-control=vote-yes]").click()
            await expect(own.locator(".your-vote")).to_have_text("You voted yes.")
            for package in others:
                await me.locator(f"#table [data-package={package}] [data-control=vote-no]").click()

            # the same package and tally in both pages; the ballot is open, so every vote shows
            tally = me.locator("[data-tally=R1-north-1]")
            await expect(tally).to_contain_text("yes 2 seats (weight 3 of 4)")
            await expect(watcher.locator("[data-tally=R1-north-1]")).to_have_text(
                await tally.text_content()
            )
            chips = watcher.locator("#table [data-package=R1-north-1] .vote-chips")
            await expect(chips.locator("[data-seat=north] .chip-vote")).to_have_text("yes")
            await expect(chips.locator("[data-seat=east] .chip-vote")).to_have_text("yes")
            await expect(chips.locator("[data-seat=south] .chip-vote")).to_have_text("no")
            await expect(watcher.locator("#adopted")).to_contain_text("R1-north-1")

            # implementation: comply, then inspect the free rider, who defected
            await expect(me.locator("#phase-name")).to_have_text("comply or defect")
            await me.click("[data-control=comply]")
            await expect(me.locator("#phase-name")).to_have_text("verification")
            # a seat sees its own action; the spectator sees none before the end
            await expect(me.locator("#periods [data-period='1'] .action-comply")).to_contain_text(
                "north"
            )
            await expect(watcher.locator("#periods [data-period='1']")).to_contain_text(
                "hidden until the talks end"
            )
            await me.select_option("[data-control=challenge-target]", "south")
            await me.click("[data-control=challenge]")

            for page in (me, watcher):
                await expect(page.locator("#outcome-line")).to_have_text(
                    "Agreement on R1-north-1 after 1 round."
                )
                await expect(page.locator("#periods [data-period='1']")).to_contain_text(
                    "Northland → Southport: violation detected"
                )
                await expect(page.locator("#periods [data-period='1']")).to_contain_text(
                    "Southport −0.1"
                )
                await expect(page.locator("#scores tbody tr")).to_have_count(3)
                sanctions = page.locator("#scores [data-seat=south] td.sanctions")
                await expect(sanctions).to_contain_text("0.100")
                await expect(sanctions.locator(".tiny")).to_have_text("1 caught")
                await expect(
                    page.locator("#periods [data-period='1'] .action-defect")
                ).to_contain_text("south")

        # the head hash is the transcript's, and the chain checks out in the browser
        assert server.http is not None
        async with server.http.get(f"{server.url}/api/rooms/{room}/transcript") as res:
            assert res.status == 200
            head = res.headers["X-Accord-Head"]
        for page, reader in ((me, "seat:north"), (watcher, "spectator")):
            await expect(page.locator("#head-hash")).to_have_text(head)
            await expect(page.locator("#verified")).to_have_text(
                re.compile(
                    rf"^✓ \d+ events chain to this head: checked in this browser \({reader}'s copy\)\.$"
                )
            )
            assert (
                await page.locator("#transcript-link").get_attribute("href")
                == f"/api/rooms/{room}/transcript"
            )

        # the private statement reached the seat's page, never the spectator's
        await expect(me.locator("#statements .said.private")).to_contain_text(
            "psst: a side deal for you alone"
        )
        await expect(watcher.locator("#statements .said")).to_have_count(1)
        await expect(watcher.locator("#statements")).to_contain_text(
            "We want a deep cut, checked on site."
        )
        assert "psst" not in await watcher.locator("body").inner_text()
        assert "psst" not in await watcher.content()
        await expect(watcher.locator("#timeline .hidden-events").first).to_be_visible()
        await watcher.evaluate("window.scrollTo(0, 0)")
        await screenshot(watcher, tmp_path, "web-room.png", full_page=True)
        my_watch.assert_clean()
        watcher_watch.assert_clean()


async def test_statements_names_and_scenario_texts_are_shown_as_text(
    new_page: Any, tmp_path: Path
) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        room, seats = await _room(server, markup_scenario())
        watcher, watcher_watch = await new_page()
        await watcher.goto(f"{server.url}/#/rooms/{room}")
        me, my_watch = await new_page()
        await me.goto(f"{server.url}/#/rooms/{room}?token={seats['north']}")
        statement = "<img src=x onerror=alert(1)>"
        await _say(me, statement)  # statements are allowed in the lobby
        for page in (me, watcher):
            await expect(page.locator("#statements .said-text")).to_have_text(statement)
            await expect(page.locator("#room-title")).to_have_text(MARKUP["title"])
            await expect(page.locator("#seats [data-seat=east] .seat-name")).to_have_text(
                MARKUP["name"]
            )
            assert (
                await page.locator("#scenario-description").text_content() == MARKUP["description"]
            )
            await expect(page.locator("#agenda [data-issue=cut] .issue-title")).to_have_text(
                MARKUP["issue"]
            )
            await expect(page.locator("#agenda [data-issue=cut] .options li").last).to_have_text(
                MARKUP["label"]
            )
            await expect(page.locator("#timeline")).to_contain_text(f"north: “{statement}”")
        await expect(me.locator("#brief-notes")).to_have_text(MARKUP["notes"])
        await expect(me.locator("#composer select[data-issue=cut] option").last).to_have_text(
            f"{MARKUP['label']} · 1.00"
        )
        # and in the list of rooms
        await watcher.goto(f"{server.url}/#/")
        await expect(watcher.locator(f"[data-room={room}]")).to_contain_text(MARKUP["title"])
        for page, watch in ((me, my_watch), (watcher, watcher_watch)):
            # nothing the texts hold became an element, and nothing ran
            for tag in (
                "img[src=x]",
                "#app script",
                "#app b",
                "#app u",
                "#app i:not(.dot):not(.presence):not(.on):not(.off):not(.swatch)",
            ):
                assert await page.locator(tag).count() == 0, tag
            watch.assert_clean()
            assert watch.dialogs == []


async def test_a_server_error_shows_next_to_the_control_that_caused_it(
    new_page: Any, tmp_path: Path
) -> None:
    scenario = talk_scenario()
    scenario["rules"] = {**scenario["rules"], "proposals_per_round": 2}
    async with RunningServer(tmp_path / "a.db") as server:
        room, seats = await _room(server, scenario)
        me, watch = await new_page()
        # a seat taken by typing its token into the room's page
        await me.goto(f"{server.url}/#/rooms/{room}")
        await expect(me.locator("#role")).to_have_text("spectator")
        await me.click("[data-control=take-seat]")
        await me.fill("[data-control=seat-token]", seats["north"])
        await me.click("[data-control=seat-token-use]")
        await expect(me.locator("#role")).to_have_text("seated as Northland")
        # the other seats are absent and act by default at once: the person holds the phase
        status, body = await api(
            server.url, "POST", f"/api/rooms/{room}/start", body={"absent_default": True}
        )
        assert status == 200, body
        await expect(me.locator("#phase-name")).to_have_text("tabling")

        await me.select_option("#composer select[data-issue=cut]", "60")
        await me.click("[data-control=table]")  # two issues left open
        table_group = me.locator(".control-group", has=me.locator("[data-control=table]"))
        error = table_group.locator("[data-error-for=table]")
        await expect(error).to_contain_text("a package needs an option for every issue")
        await expect(error.locator(".code")).to_have_text("incomplete_package")
        await expect(me.locator("#table [data-package]")).to_have_count(0)  # nothing was tabled

        await me.click("[data-control=say]")  # nothing typed
        say_group = me.locator(".control-group", has=me.locator("[data-control=say]"))
        await expect(say_group.locator("[data-error-for=say] .code")).to_have_text(
            "empty_statement"
        )
        assert await me.locator("[data-error-for]").count() == 2  # each error by its own control

        # a complete package is tabled (the error about the draft goes away), then withdrawn
        await _compose(me, BEST)
        await expect(error).to_have_count(0)
        await me.click("[data-control=table]")
        first = me.locator("#table [data-package=R1-north-1]")
        await first.locator("[data-control=withdraw]").click()
        await expect(first.locator(".badge")).to_have_text("withdrawn")
        await expect(first.locator("[data-control=withdraw]")).to_have_count(0)
        # another one, then a pass: the ballot, where a veto sinks it
        await me.select_option("#composer select[data-issue=cut]", "40")
        await me.click("[data-control=table]")
        await expect(me.locator("#table [data-package=R1-north-2]")).to_have_count(1)
        await me.click("[data-control=pass]")
        await expect(me.locator("#phase-name")).to_have_text("ballot")
        await expect(first.locator("[data-control^=vote]")).to_have_count(0)
        second = me.locator("#table [data-package=R1-north-2]")
        await second.locator("[data-control=veto]").click()
        await expect(me.locator("#phase-name")).to_have_text("tabling")  # round 2
        await expect(me.locator("#phase")).to_contain_text("Round 2 of 3")
        vetoed = me.locator("#history [data-round='1'] [data-package=R1-north-2]")
        await expect(vetoed.locator("[data-result]")).to_have_attribute("data-result", "vetoed")
        await expect(vetoed.locator(".verdict")).to_have_text(" — VETOED by north")
        watch.assert_clean()
