"""The page survives its server: killed and started again on the same port and
database, the server rebuilds the room, and the page reconnects by itself, resumes
from the last event it saw, sends the command it had no answer to, and goes on live."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest
from playwright.async_api import expect

from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.free_rider import FreeRider
from tests.netutil import api, free_port, start_server, wait_healthy
from tests.server.page.browser import BEST, Bots, talk_scenario

pytestmark = pytest.mark.asyncio(loop_scope="module")


@contextlib.contextmanager
def _killed_at_exit(processes: list[Popen[bytes]]) -> Iterator[None]:
    try:
        yield
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


async def test_the_page_reconnects_after_a_server_restart_and_goes_on(
    new_page: Any, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db = tmp_path / "a.db"
    log = tmp_path / "server.log"
    processes = [start_server(port, db, log)]
    with _killed_at_exit(processes):
        await wait_healthy(url, processes[0])
        status, created = await api(
            url, "POST", "/api/rooms", body={"scenario": talk_scenario(), "seed": 5}
        )
        assert status == 201, created
        room, seats = created["room"], created["seats"]
        me, watch = await new_page()
        await me.goto(f"{url}/#/rooms/{room}?token={seats['north']}")
        bots = {"east": (Conceder, seats["east"]), "south": (FreeRider, seats["south"])}
        async with Bots(f"ws://127.0.0.1:{port}/ws", bots):
            await expect(me.locator("#phase-name")).to_have_text("tabling")
            await expect(me.locator("#table [data-package]")).to_have_count(2)  # the bots tabled
            await expect(me.locator("#connection")).to_have_text("live")

            processes[0].kill()
            processes[0].wait(10)
            await expect(me.locator("#connection")).to_have_text("reconnecting…")
            await expect(me.locator("#reconnecting")).to_be_visible()
            # the person goes on: the command waits for the connection
            await _compose(me, BEST)
            await me.click("[data-control=table]")
            await expect(me.locator("[data-control=table]")).to_have_text("Tabling…")

            processes.append(start_server(port, db, log))
            await wait_healthy(url, processes[1])
            await expect(me.locator("#connection")).to_have_text("live")
            await expect(me.locator("#reconnecting")).to_have_count(0)
            # the command went out once, on the new connection, and the talks went on
            await expect(me.locator("#phase-name")).to_have_text("ballot")
            await expect(me.locator("#table [data-package]")).to_have_count(3)
            await me.locator("#table [data-package=R1-north-1] [data-control=vote-yes]").click()
            for other in ("R1-east-1", "R1-south-1"):
                await me.locator(f"#table [data-package={other}] [data-control=vote-no]").click()
            await expect(me.locator("[data-tally=R1-north-1]")).to_contain_text("yes 2 seats")
            await expect(me.locator("#phase-name")).to_have_text("comply or defect")

        # every event once: the resumed page folded no event twice
        seqs = await me.locator("#timeline li[data-seq]").evaluate_all(
            "els => els.map(e => Number(e.dataset.seq))"
        )
        assert seqs == sorted(set(seqs)) and len(seqs) > 10
        await expect(me.locator("#timeline")).to_contain_text("north tables R1-north-1")
        assert (await me.locator("#timeline").inner_text()).count("north tables R1-north-1") == 1
        watch.assert_clean()


async def _compose(page: Any, package: dict[str, str]) -> None:
    for issue, option in package.items():
        await page.select_option(f"#composer select[data-issue={issue}]", option)
