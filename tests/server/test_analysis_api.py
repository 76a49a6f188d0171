"""The routes behind the web page's picture and tournament view: a room's analysis (each
reader sees the utilities its credential allows) and a tournament's report page; and
the page itself, served with a strict Content-Security-Policy."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from accord.protocol.commands import Pass, Propose, Withdraw
from accord.protocol.replies import Ack, Welcome
from accord.protocol.scenario import scenario_from_dict
from accord.protocol.scenario.utility import utility_functions
from tests.netutil import ORGANIZER, Client, RunningServer, act, api
from tests.server.page.browser import BEST, talk_scenario

WORST = {"cut": "20", "checks": "none", "fines": "none"}


def _scenario() -> dict[str, Any]:
    """The page's test talk, with room for several packages per seat and round."""

    scenario = talk_scenario()
    scenario["rules"] = {**scenario["rules"], "proposals_per_round": 3}
    return scenario


async def _room(server: RunningServer, **body: Any) -> dict[str, Any]:
    status, created = await api(
        server.url, "POST", "/api/rooms", body={"scenario": _scenario(), "seed": 2, **body}
    )
    assert status == 201, created
    return created


async def test_each_reader_gets_the_utilities_its_credential_allows(
    backend: dict[str, Any],
) -> None:
    async with RunningServer(**backend) as server:
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "picture-bot"})
        assert status == 201, entry
        created = await _room(server, entries={"south": entry["entry"]})
        room, seats = created["room"], created["seats"]
        other = await _room(server)

        north = await Client(server.ws_url, "north").connect()
        assert isinstance(await north.hello(seats["north"]), Welcome)
        await api(server.url, "POST", f"/api/rooms/{room}/start", body={"absent_default": True})
        await north.wait_for(lambda m: getattr(m, "phase", None) == "tabling")
        assert isinstance(await act(north, Propose(package=WORST)), Ack)
        assert isinstance(await act(north, Withdraw(package_id="R1-north-1")), Ack)
        assert isinstance(await act(north, Propose(package=BEST)), Ack)
        path = f"/api/rooms/{room}/analysis"
        functions = utility_functions(scenario_from_dict(_scenario(), file="test"))

        # the organizer: every seat's utility, the reservations, the frontier and the Nash point
        status, full = await api(server.url, "GET", path)
        assert status == 200, full
        assert full["reader"] == "organizer" and full["seats"] == ["north", "east", "south"]
        assert full["connected"] == {"north": True, "east": False, "south": False}
        assert full["reservations"] == {"north": 0.4, "east": 0.4, "south": 0.2}
        assert [(p["package_id"], p["withdrawn"]) for p in full["packages"]] == [
            ("R1-north-1", True),
            ("R1-north-2", False),
        ]
        for p in full["packages"]:
            assert p["utilities"] == pytest.approx(
                {s: f(p["package"]) for s, f in functions.items()}
            )
        assert full["packages"][1]["utilities"] == pytest.approx(
            {"north": 1.0, "east": 1.0, "south": 0.0}
        )
        frontier = full["frontier"]
        assert frontier["size"] == len(frontier["points"]) > 1
        assert all(set(point) == {"north", "east", "south"} for point in frontier["points"])
        assert {"north": 1.0, "east": 1.0, "south": 0.0} in frontier["points"]
        nash = full["nash"]
        assert set(nash["package"]) == {"cut", "checks", "fines"}
        assert nash["utilities"] == pytest.approx(
            {s: f(nash["package"]) for s, f in functions.items()}
        )
        assert all(nash["utilities"][s] >= full["reservations"][s] for s in full["seats"])

        # a seat: its own utility and reservation, nothing of the others'
        status, own = await api(server.url, "GET", path, token=seats["north"])
        assert status == 200, own
        assert own["reader"] == "seat:north" and own["reservations"] == {"north": 0.4}
        assert [p["utilities"] for p in own["packages"]] == [
            {"north": pytest.approx(0.0)},
            {"north": 1.0},
        ]
        assert own["frontier"] is None and own["nash"] is None

        # a bot entry seated in the room reads as that seat
        status, entry_view = await api(server.url, "GET", path, token=entry["token"])
        assert status == 200, entry_view
        assert entry_view["reader"] == "seat:south" and entry_view["reservations"] == {"south": 0.2}
        assert entry_view["packages"][1]["utilities"] == {"south": 0.0}

        # no token: the packages, no utility at all
        status, public = await api(server.url, "GET", path, token=None)
        assert status == 200, public
        assert public["reader"] == "spectator" and public["reservations"] == {}
        assert [p["utilities"] for p in public["packages"]] == [{}, {}]
        assert [p["package"] for p in public["packages"]] == [WORST, BEST]
        assert public["frontier"] is None and public["nash"] is None

        # another room's seat, a token nobody has, a room nobody made
        status, body = await api(server.url, "GET", path, token=other["seats"]["north"])
        assert (status, body["error"]["code"]) == (403, "forbidden")
        status, body = await api(server.url, "GET", path, token="seat_nobody")
        assert (status, body["error"]["code"]) == (401, "bad_token")
        status, body = await api(server.url, "GET", "/api/rooms/room-nowhere/analysis")
        assert (status, body["error"]["code"]) == (404, "not_found")
        await north.close()


async def test_the_analysis_follows_the_table_and_the_connections(tmp_path: Any) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        created = await _room(server)
        room = created["room"]
        seats = {seat: await Client(server.ws_url, seat).connect() for seat in created["seats"]}
        for seat, client in seats.items():
            assert isinstance(await client.hello(created["seats"][seat]), Welcome)
        await seats["north"].wait_for(lambda m: getattr(m, "phase", None) == "tabling")
        assert isinstance(await act(seats["east"], Propose(package=BEST)), Ack)
        for seat in ("north", "south"):
            assert isinstance(await act(seats[seat], Pass()), Ack)
        status, analysis = await api(server.url, "GET", f"/api/rooms/{room}/analysis", token=None)
        assert status == 200
        assert [(p["package_id"], p["seat"], p["round"]) for p in analysis["packages"]] == [
            ("R1-east-1", "east", 1)
        ]
        assert analysis["connected"] == {"north": True, "east": True, "south": True}
        for client in seats.values():
            await client.close()
        # a dropped connection shows at once
        deadline = time.monotonic() + 5
        while True:
            status, analysis = await api(
                server.url, "GET", f"/api/rooms/{room}/analysis", token=None
            )
            if not any(analysis["connected"].values()):
                break
            assert time.monotonic() < deadline, analysis["connected"]
            await asyncio.sleep(0.05)


async def test_the_report_route_serves_the_report_page_with_a_csp(tmp_path: Any) -> None:
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        body = {
            "name": "reported",
            "seed": 2,
            "entries": [{"name": n, "strategy": n} for n in ("conceder", "hardliner")],
            "scenarios": [{"generate": {"seed": 5, "seats": 2, "issues": 2, "options": 3}}],
        }
        for name, public in (("reported", True), ("hidden", False)):
            status, made = await api(
                server.url,
                "POST",
                "/api/tournaments",
                body={**body, "name": name, "public": public},
            )
            assert status == 201, made
        status, _ = await api(server.url, "POST", "/api/tournaments/reported/start")
        assert status == 202
        deadline = time.monotonic() + 60
        while True:
            status, state = await api(server.url, "GET", "/api/tournaments/reported")
            if state["status"] == "complete":
                break
            assert state["status"] in ("created", "running") and time.monotonic() < deadline, state
            await asyncio.sleep(0.1)

        assert server.http is not None
        async with server.http.get(f"{server.url}/api/tournaments/reported/report") as res:
            assert res.status == 200
            assert res.content_type == "text/html"
            csp = res.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp
            assert "frame-ancestors 'self'" in csp
            assert res.headers["X-Content-Type-Options"] == "nosniff"
            page = await res.text()
        assert page.lstrip().lower().startswith("<!doctype html")
        assert "<script" not in page.lower()
        assert "conceder" in page and "hardliner" in page and "<svg" in page
        # the same stored talks, the same page
        async with server.http.get(f"{server.url}/api/tournaments/reported/report") as res:
            assert await res.text() == page

        # a private tournament's report is the organizer's only
        status, body_ = await api(server.url, "GET", "/api/tournaments/hidden/report", token=None)
        assert (status, body_["error"]["code"]) == (401, "token_required")
        async with server.http.get(
            f"{server.url}/api/tournaments/hidden/report",
            headers={"Authorization": f"Bearer {ORGANIZER}"},
        ) as res:
            assert res.status == 200 and "hidden" in await res.text()
        status, body_ = await api(server.url, "GET", "/api/tournaments/nowhere/report")
        assert (status, body_["error"]["code"]) == (404, "not_found")


async def test_the_page_and_its_files_are_served_with_a_strict_policy(tmp_path: Any) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        assert server.http is not None
        async with server.http.get(f"{server.url}/") as res:
            assert res.status == 200 and res.content_type == "text/html"
            csp = res.headers["Content-Security-Policy"]
            assert (
                "script-src 'self'" in csp
                and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
            )
            assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
            assert res.headers["Referrer-Policy"] == "no-referrer"
            html = await res.text()
        # no inline script: every script is a file of the page's own
        assert '<script type="module" src="/static/app.js"></script>' in html
        assert html.count("<script") == 1
        for name, kind in (
            ("app.js", "text/javascript"),
            ("styles.css", "text/css"),
            ("favicon.svg", "image/svg+xml"),
        ):
            async with server.http.get(f"{server.url}/static/{name}") as res:
                assert res.status == 200, name
                assert res.headers["Content-Type"].startswith(kind)
                assert "Content-Security-Policy" in res.headers
        for bad in ("nothing.js", "..%2fapi.py", "index.html", "App.js", ".hidden.js"):
            async with server.http.get(f"{server.url}/static/{bad}") as res:
                assert res.status == 404, bad
