"""Tournaments through the HTTP API: created, started and read on a real server.

The main test plays one tournament whose entries are two built-ins (in the
server's worker pool, and as in-process clients in the talks they share with
the others), the JavaScript reference bot spawned per talk (a ``command``
entry) and a remote bot connected with an entry token, which receives its
seats as assignments across rooms. The others check what the API refuses,
who may read what, pagination, and a restart in the middle of a tournament.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from accord.bots.strategies.conceder import Conceder
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import (
    ProposalTabled,
    TalksConcluded,
    TalksStarted,
    Timeout,
    VoteCast,
)
from tests.helpers import ROOT
from tests.netutil import ORGANIZER, RunningServer, api

NODE = shutil.which("node")
JS_DIR = ROOT / "bots" / "reference-js"
PHASES = {"tabling": 3.0, "ballot": 3.0, "action": 3.0, "verification": 3.0}
TWO_SEATS = {"generate": {"seed": 5, "seats": 2, "issues": 2, "options": 3}}


def builtin(name: str) -> dict[str, Any]:
    return {"name": name, "strategy": name}


def builtins_only(name: str, **settings: Any) -> dict[str, Any]:
    """A small tournament of built-ins on one generated two-seat scenario."""

    return {
        "name": name,
        "seed": 1,
        "entries": [builtin("conceder"), builtin("hardliner"), builtin("random")],
        "scenarios": [TWO_SEATS],
        **settings,
    }


async def until(
    server: RunningServer, name: str, statuses: tuple[str, ...], timeout: float = 60.0
) -> dict[str, Any]:
    """Poll the tournament until its status is one of ``statuses``; its state then."""

    deadline = time.monotonic() + timeout
    while True:
        status, state = await api(server.url, "GET", f"/api/tournaments/{name}")
        assert status == 200, state
        if state["status"] in statuses:
            return state
        assert state["status"] in ("created", "running"), state
        assert time.monotonic() < deadline, f"still {state['status']} after {timeout} s: {state}"
        await asyncio.sleep(0.1)


async def transcript(
    server: RunningServer, name: str, talk: str, token: str | None = ORGANIZER
) -> tuple[int, str, dict[str, str]]:
    """(status, body, headers) of a stored talk's transcript."""

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{server.url}/api/tournaments/{name}/talks/{talk}/transcript"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as res:
        return res.status, await res.text(), dict(res.headers)


async def all_talks(server: RunningServer, name: str, limit: int = 500) -> list[dict[str, Any]]:
    """Every stored talk, page after page."""

    talks: list[dict[str, Any]] = []
    after = ""
    while True:
        status, page = await api(
            server.url, "GET", f"/api/tournaments/{name}/talks?limit={limit}{after}"
        )
        assert status == 200, page
        talks += page["talks"]
        if page["next"] is None:
            return talks
        after = f"&after={page['next']}"


@asynccontextmanager
async def remote_bot(
    server: RunningServer, name: str, token: str | None = None
) -> AsyncIterator[tuple[str, BotClient]]:
    """A bot entry registered on ``server`` (or the one ``token`` opens) and a conceder
    connected with its token, waiting for assignments; yields (entry id, client)."""

    entry = None
    if token is None:
        status, created = await api(server.url, "POST", "/api/entries", body={"name": name})
        assert status == 201, created
        entry, token = created["entry"], created["token"]
    bot = BotClient(Conceder, server.ws_url, token, seed=11)
    task = asyncio.ensure_future(bot.run())
    try:
        while bot.role != "entry":
            assert not task.done(), task
            await asyncio.sleep(0.01)
        yield entry or "", bot
    finally:
        await bot.stop()
        await asyncio.wait_for(task, 10)


# --- the must-show tournament ----------------------------------------------------------------


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="sandboxed entries need Linux (resource limits)"
)
@pytest.mark.skipif(NODE is None, reason="node is not on PATH: the JavaScript bot needs Node.js")
@pytest.mark.skipif(
    not (JS_DIR / "node_modules" / "ws").is_dir(),
    reason="the reference bot's dependency is not installed: npm ci --prefix bots/reference-js",
)
async def test_a_spawned_js_bot_a_remote_bot_and_builtins_play_one_tournament(tmp_path) -> None:
    async with (
        RunningServer(tmp_path / "a.db", tournament_commands=True, tournament_workers=1) as server,
        remote_bot(server, "far") as (entry, bot),
    ):
        body = {
            "name": "mixed",
            "seed": 3,
            "entries": [
                builtin("conceder"),
                builtin("hardliner"),
                {"name": "js", "command": ["node", str(JS_DIR / "bot.js"), "{url}", "{token}"]},
                {"name": "far", "remote": entry},
            ],
            "scenarios": [TWO_SEATS],
            "time_limits": PHASES,
            "limits": {"cpu_seconds": 20.0, "memory_mb": 512, "wall_seconds": 120.0},
        }
        status, created = await api(server.url, "POST", "/api/tournaments", body=body)
        assert status == 201, created
        assert created["status"] == "created" and created["talks_done"] == 0
        planned = created["talks_planned"]
        assert planned == 12  # every ordered pair of the four entries on two seats

        status, started = await api(server.url, "POST", "/api/tournaments/mixed/start")
        assert status == 202 and started["status"] == "running", started
        state = await until(server, "mixed", ("complete", "failed", "interrupted"))
        assert state["status"] == "complete", state
        assert state["talks_done"] == planned and state["problems"] == 0
        assert state["started_at"] <= state["finished_at"]
        assert [e["kind"] for e in state["entries"]] == [
            "strategy",
            "strategy",
            "command",
            "remote",
        ]

        talks = await all_talks(server, "mixed")
        assert len(talks) == planned == len({t["talk"] for t in talks})
        for talk in talks:
            assert talk["problems"] == [], talk
            # the remote and the JavaScript entries sat and acted: no seat of theirs timed out
            for seat in talk["seats"]:
                assert seat["failures"] == 0, (talk["talk"], seat)
                if seat["entry"] in ("js", "far"):
                    assert seat["timeouts"] == 0, (talk["talk"], seat)

            status, text, headers = await transcript(server, "mixed", talk["talk"])
            assert status == 200 and headers["X-Accord-Reader"] == "organizer"
            lines = read(text.splitlines())
            checked = verify(lines)
            assert checked.ok and checked.complete, checked.problems
            assert checked.head == headers["X-Accord-Head"] == talk["head"]
            log = [line.event for line in lines]
            assert isinstance(log[-1], TalksConcluded)
            (opened,) = [e for e in log if isinstance(e, TalksStarted)]
            assert opened.absent == ()  # every seat joined, the remote bot included
            seats = {s["entry"]: s["seat"] for s in talk["seats"]}
            for name in set(seats) & {"js", "far"}:
                seat = seats[name]
                assert any(isinstance(e, ProposalTabled) and e.seat == seat for e in log), name
                assert any(isinstance(e, VoteCast) and e.seat == seat for e in log), name
                assert not any(isinstance(e, Timeout) and e.seat == seat for e in log), name

        # the remote bot got its seats as assignments, one room per talk it sat in
        far_talks = [t for t in talks if "far" in t["seating"]]
        assert len(bot.rooms) == len(far_talks) == 6
        assert all(play.concluded is not None for play in bot.rooms.values())

        status, board = await api(server.url, "GET", "/api/tournaments/mixed/standings")
        assert status == 200, board
        assert board["tournament"] == "mixed" and board["talks"] == planned
        assert {row["entry"]: row["talks"] > 0 for row in board["entries"]} == {
            "conceder": True,
            "hardliner": True,
            "js": True,
            "far": True,
        }

        # anyone reads the public copy of a public tournament's talk; it verifies to the
        # same head, withholding what only the seats and the organizer saw
        status, text, headers = await transcript(server, "mixed", talks[0]["talk"], token=None)
        assert status == 200 and headers["X-Accord-Reader"] == "spectator"
        public = verify(read(text.splitlines()))
        assert public.ok and not public.complete and public.head == talks[0]["head"]
        # the remote entry's token reads the copy of its own seat
        far_talk = far_talks[0]
        seat = next(s["seat"] for s in far_talk["seats"] if s["entry"] == "far")
        status, entry_token = await api(server.url, "POST", "/api/entries", body={"name": "x"})
        status, text, headers = await transcript(server, "mixed", far_talk["talk"], token=bot.token)
        assert status == 200 and headers["X-Accord-Reader"] == f"seat:{seat}"
        assert verify(read(text.splitlines())).head == far_talk["head"]
        # another entry's token opens no seat there
        status, text, _ = await transcript(
            server, "mixed", far_talk["talk"], token=entry_token["token"]
        )
        assert status == 403

        # complete: starting it again is refused
        status, error = await api(server.url, "POST", "/api/tournaments/mixed/start")
        assert status == 409 and error["error"]["code"] == "tournament_complete"


# --- what the API refuses ------------------------------------------------------------------------


async def test_creating_and_starting_need_the_organizer_token(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        status, created = await api(
            server.url, "POST", "/api/tournaments", body=builtins_only("guarded")
        )
        assert status == 201, created
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "bot"})
        routes = [
            ("/api/tournaments", builtins_only("other")),
            ("/api/tournaments/guarded/start", None),
        ]
        for path, body in routes:
            for token, expected, code in [
                (None, 401, "token_required"),
                ("org_not-the-token", 401, "bad_token"),
                (entry["token"], 403, "forbidden"),
            ]:
                status, error = await api(server.url, "POST", path, body=body, token=token)
                assert (status, error["error"]["code"]) == (expected, code), (path, token, error)
        # nothing was created or started by those calls
        status, listed = await api(server.url, "GET", "/api/tournaments")
        assert [(t["tournament"], t["status"]) for t in listed["tournaments"]] == [
            ("guarded", "created")
        ]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"seed": "seven"}, "$.seed"),
        (
            {"entries": [builtin("conceder"), {"name": "x", "strategy": "no-such"}]},
            "$.entries[1].strategy",
        ),
        ({"entries": [{"name": "js", "command": ["node", "bot.js"]}]}, "$.entries[0].command"),
        ({"entries": [{"name": "p", "package": "/srv/p", "class": "p:P"}]}, "$.entries[0].package"),
        ({"entries": [{"name": "w", "wheel": "w.whl", "class": "w:W"}]}, "$.entries[0].wheel"),
        ({"entries": [{"name": "far", "remote": "bot-00000000"}]}, "$.entries[0].remote"),
        ({"scenarios": [{"file": "/etc/passwd"}]}, "$.scenarios[0].file"),
        ({"scenarios": [{"name": "/etc/passwd"}]}, "$.scenarios[0].name"),
        ({"entries": [{"name": "m", "strategy": "subprocess:Popen"}]}, "$.entries[0].strategy"),
        ({"store": "/tmp/elsewhere.db"}, "$.store"),
        ({"format": "sample"}, "$.sample"),
        ({"name": "no spaces"}, "$.name"),
    ],
)
async def test_an_invalid_tournament_is_refused_naming_the_field(
    tmp_path, change: dict[str, Any], path: str
) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        body = {**builtins_only("refused"), **change}
        status, error = await api(server.url, "POST", "/api/tournaments", body=body)
        assert status == 400, error
        assert error["error"]["code"] == "invalid_tournament"
        assert error["error"]["message"].startswith(f"request: {path}: "), error
        status, listed = await api(server.url, "GET", "/api/tournaments")
        assert listed == {"tournaments": [], "next": None}


async def test_a_body_that_is_not_a_tournament_object_is_an_invalid_request(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        for body in ([1, 2], {**builtins_only("p"), "public": "yes"}):
            status, error = await api(server.url, "POST", "/api/tournaments", body=body)
            assert (status, error["error"]["code"]) == (400, "invalid_request"), error


async def test_a_second_start_a_taken_name_and_a_complete_tournament_are_conflicts(
    tmp_path,
) -> None:
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        body = builtins_only("twice", repetitions=5)
        assert (await api(server.url, "POST", "/api/tournaments", body=body))[0] == 201
        status, error = await api(server.url, "POST", "/api/tournaments", body=body)
        assert (status, error["error"]["code"]) == (409, "tournament_exists")

        status, started = await api(server.url, "POST", "/api/tournaments/twice/start")
        assert status == 202 and started["status"] == "running"
        status, error = await api(server.url, "POST", "/api/tournaments/twice/start")
        assert (status, error["error"]["code"]) == (409, "tournament_running"), error

        state = await until(server, "twice", ("complete",))
        assert state["talks_done"] == state["talks_planned"] == 30
        status, error = await api(server.url, "POST", "/api/tournaments/twice/start")
        assert (status, error["error"]["code"]) == (409, "tournament_complete"), error


async def test_unknown_tournaments_and_talks_are_not_found(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db") as server:
        for method, path in [
            ("GET", "/api/tournaments/nope"),
            ("POST", "/api/tournaments/nope/start"),
            ("GET", "/api/tournaments/nope/standings"),
            ("GET", "/api/tournaments/nope/talks"),
            ("GET", "/api/tournaments/nope/talks/s0-t0-r0-g0/transcript"),
        ]:
            status, error = await api(server.url, method, path)
            assert (status, error["error"]["code"]) == (404, "not_found"), (path, error)
        assert (await api(server.url, "POST", "/api/tournaments", body=builtins_only("yes")))[
            0
        ] == 201
        status, _, _ = await transcript(server, "yes", "s0-t0-r0-g0")  # planned, not played
        assert status == 404


# --- reading ----------------------------------------------------------------------------------------


async def test_tournaments_and_talks_come_a_page_at_a_time(backend: dict[str, Any]) -> None:
    async with RunningServer(**backend, tournament_workers=1) as server:
        for name in ("a", "b", "c"):
            status, _ = await api(server.url, "POST", "/api/tournaments", body=builtins_only(name))
            assert status == 201
        status, first = await api(server.url, "GET", "/api/tournaments?limit=2", token=None)
        assert [t["tournament"] for t in first["tournaments"]] == ["a", "b"]
        assert first["next"] is not None
        status, second = await api(
            server.url, "GET", f"/api/tournaments?limit=2&after={first['next']}", token=None
        )
        assert [t["tournament"] for t in second["tournaments"]] == ["c"]
        assert second["next"] is None
        for query in ("limit=0", "limit=501", "limit=x", "after=not-a-cursor"):
            status, error = await api(server.url, "GET", f"/api/tournaments?{query}")
            assert (status, error["error"]["code"]) == (400, "invalid_request"), query

        assert (await api(server.url, "POST", "/api/tournaments/b/start"))[0] == 202
        state = await until(server, "b", ("complete",))
        assert state["talks_done"] == 6
        whole = await all_talks(server, "b")
        paged = await all_talks(server, "b", limit=4)
        assert paged == whole and len(whole) == 6
        assert [t["talk"] for t in whole] == [f"s0-t{n}-r0-g0" for n in range(6)]
        status, error = await api(server.url, "GET", "/api/tournaments/b/talks?after=zzz")
        assert (status, error["error"]["code"]) == (400, "invalid_request")


async def test_a_private_tournament_is_the_organizers_to_read(backend: dict[str, Any]) -> None:
    async with RunningServer(**backend, tournament_workers=1) as server:
        body = {**builtins_only("secret"), "public": False}
        status, created = await api(server.url, "POST", "/api/tournaments", body=body)
        assert status == 201 and created["public"] is False
        assert (await api(server.url, "POST", "/api/tournaments", body=builtins_only("open")))[
            0
        ] == 201
        for name in ("secret", "open"):
            assert (await api(server.url, "POST", f"/api/tournaments/{name}/start"))[0] == 202
            await until(server, name, ("complete",))
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "bot"})

        talk = "s0-t0-r0-g0"
        reads = ["", "/standings", "/talks"]
        for suffix in reads:
            path = f"/api/tournaments/secret{suffix}"
            for token, expected, code in [
                (None, 401, "token_required"),
                ("org_not-the-token", 401, "bad_token"),
                (entry["token"], 403, "forbidden"),
            ]:
                status, error = await api(server.url, "GET", path, token=token)
                assert (status, error["error"]["code"]) == (expected, code), (path, error)
            assert (await api(server.url, "GET", path))[0] == 200
            # a public one is anyone's
            assert (await api(server.url, "GET", f"/api/tournaments/open{suffix}", token=None))[
                0
            ] == 200
        for token, expected in [(None, 401), ("org_not-the-token", 401), (entry["token"], 403)]:
            status, _, _ = await transcript(server, "secret", talk, token=token)
            assert status == expected, token
        status, text, headers = await transcript(server, "secret", talk)
        assert status == 200 and headers["X-Accord-Reader"] == "organizer"
        assert verify(read(text.splitlines())).complete

        # the list shows a private tournament to the organizer only
        status, anyone = await api(server.url, "GET", "/api/tournaments", token=None)
        assert [t["tournament"] for t in anyone["tournaments"]] == ["open"]
        status, organizer = await api(server.url, "GET", "/api/tournaments")
        assert [(t["tournament"], t["public"]) for t in organizer["tournaments"]] == [
            ("secret", False),
            ("open", True),
        ]


async def test_standings_are_those_of_the_cli_and_are_read_again_when_talks_are_added(
    tmp_path,
) -> None:
    import msgspec

    from accord.server.tournament.service import TOURNAMENTS
    from accord.server.tournament.standings import standings
    from accord.server.tournament.store import load_results

    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        assert (await api(server.url, "POST", "/api/tournaments", body=builtins_only("s")))[
            0
        ] == 201
        status, empty = await api(server.url, "GET", "/api/tournaments/s/standings", token=None)
        assert status == 200 and empty["talks"] == 0 and len(empty["entries"]) == 3
        assert (await api(server.url, "POST", "/api/tournaments/s/start"))[0] == 202
        await until(server, "s", ("complete",))
        status, board = await api(server.url, "GET", "/api/tournaments/s/standings", token=None)
        assert board["talks"] == 6
        tournament, results = await asyncio.to_thread(load_results, str(tmp_path / "a.db"), "s")
        assert board == msgspec.json.decode(msgspec.json.encode(standings(results, tournament)))
        # polling again reads nothing new: the same board, made once
        service = server.app[TOURNAMENTS]
        made = service._boards["s"]
        await api(server.url, "GET", "/api/tournaments/s/standings", token=None)
        assert service._boards["s"] is made and made.standings is not None


# --- a restart in the middle --------------------------------------------------------------------


async def test_a_server_stopped_mid_tournament_resumes_it_with_another_start(tmp_path) -> None:
    from accord.protocol.tournament import load_scenarios, plan, tournament_from_dict

    body = builtins_only("long", repetitions=200)  # 1,200 talks: seconds of play
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        assert (await api(server.url, "POST", "/api/tournaments", body=body))[0] == 201
        assert (await api(server.url, "POST", "/api/tournaments/long/start"))[0] == 202
        while (await api(server.url, "GET", "/api/tournaments/long"))[1]["talks_done"] == 0:
            await asyncio.sleep(0.05)
    # the server stopped: what finished is stored, the rest waits for a start
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        status, state = await api(server.url, "GET", "/api/tournaments/long")
        assert state["status"] == "interrupted", state
        assert 0 < state["talks_done"] < state["talks_planned"] == 1200
        assert (await api(server.url, "POST", "/api/tournaments/long/start"))[0] == 202
        state = await until(server, "long", ("complete",), timeout=120)
        talks = await all_talks(server, "long")
    tournament = tournament_from_dict(body)
    planned = plan(tournament, load_scenarios(tournament))
    assert [t["talk"] for t in talks] == [p.id for p in planned]  # each once, none missing


# --- the command line ------------------------------------------------------------------------


async def accord_cli(*argv: str, token: str | None = ORGANIZER) -> tuple[int, str, str]:
    """``python -m accord ARGV`` without blocking the loop the server runs on."""

    env = {k: v for k, v in os.environ.items() if k != "ACCORD_ORGANIZER_TOKEN"}
    if token is not None:
        env["ACCORD_ORGANIZER_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "accord",
        *argv,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_line_runs_a_tournament_file_on_a_server(tmp_path) -> None:
    file = tmp_path / "league.toml"
    file.write_text(
        'name = "league"\nseed = 2\nstore = "here.db"\n'
        + "".join(
            f'\n[[entries]]\nname = "{n}"\nstrategy = "{n}"\n' for n in ("conceder", "random")
        )
        + "\n[[scenarios]]\ngenerate = { seed = 5, seats = 2, issues = 2, options = 3 }\n"
    )
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        run = ("tournament", "run", str(file), "--server", server.url, "--quiet")
        code, out, err = await accord_cli(*run, token=None)
        assert code == 2 and "ACCORD_ORGANIZER_TOKEN" in err

        code, out, err = await accord_cli(*run, "--private")
        assert code == 0, err
        assert "league: 2 talks" in out and "conceder" in out and "random" in out
        status, state = await api(server.url, "GET", "/api/tournaments/league")
        assert state["status"] == "complete" and state["public"] is False
        assert not (tmp_path / "here.db").exists()  # the file's store is the server's business

        code, out, err = await accord_cli(*run)
        assert code == 2 and "--resume" in err
        code, out, err = await accord_cli(*run, "--resume")  # nothing left: the summary again
        assert code == 0 and "league: 2 talks" in out, err
        file.write_text(file.read_text().replace("seed = 2", "seed = 3"))
        code, out, err = await accord_cli(*run, "--resume")
        assert code == 2 and "another file" in err


async def test_a_server_stops_at_once_under_talks_in_flight_and_resumes_them(tmp_path) -> None:
    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        status, entry = await api(server.url, "POST", "/api/entries", body={"name": "late"})
        body = {
            **builtins_only("waiting"),
            "entries": [builtin("conceder"), {"name": "late", "remote": entry["entry"]}],
            "time_limits": PHASES,
        }
        assert (await api(server.url, "POST", "/api/tournaments", body=body))[0] == 201
        assert (await api(server.url, "POST", "/api/tournaments/waiting/start"))[0] == 202
        # both talks wait in their lobbies for a remote bot that is not connected
        while len(server.hub.rooms) < 2:
            await asyncio.sleep(0.05)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5  # not the 10 s a lobby waits for a remote bot

    async with RunningServer(tmp_path / "a.db", tournament_workers=1) as server:
        status, state = await api(server.url, "GET", "/api/tournaments/waiting")
        assert state["status"] == "interrupted" and state["talks_done"] == 0, state
        # the remote bot comes, with its entry token from before the restart
        async with remote_bot(server, "late", token=entry["token"]):
            assert (await api(server.url, "POST", "/api/tournaments/waiting/start"))[0] == 202
            state = await until(server, "waiting", ("complete",))
            talks = await all_talks(server, "waiting")
    assert state["problems"] == 0 and len(talks) == state["talks_planned"] == 2
    for talk in talks:
        assert all(seat["timeouts"] == seat["failures"] == 0 for seat in talk["seats"]), talk
