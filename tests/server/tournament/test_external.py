"""Talks with untrusted and external entries (accord.server.tournament.external).

Submitted entries (tests/server/tournament/entries) run confined in processes
of their own and play over real websockets against built-ins seated in this
process. Each test plays one talk with short phases; an entry that breaks a
limit is stopped, its seat plays the defaults, the talk concludes and the
result says what happened.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import psutil
import pytest

from accord.bots.context import Record
from accord.bots.strategies.conceder import Conceder
from accord.bots.websocket import BotClient
from accord.protocol.events import (
    ActionTaken,
    ProposalTabled,
    StatementMade,
    TalksConcluded,
    TalksStarted,
    Timeout,
    VoteCast,
)
from accord.protocol.scenario import Scenario
from accord.protocol.scenario.samples import six_seat_scenario
from accord.protocol.tournament import (
    TalkPlan,
    Tournament,
    load_scenarios,
    plan,
    tournament_from_dict,
)
from accord.server.tournament import external
from accord.server.tournament.external import (
    EmbeddedServer,
    ExternalEntryError,
    ExternalTalk,
    embedded_server,
    play_external,
)
from accord.server.tournament.sandbox import landlock_abi
from tests.helpers import ROOT

ENTRIES = Path(__file__).parent / "entries"
NODE = shutil.which("node")
JS_DIR = ROOT / "bots" / "reference-js"
FAST = {"tabling": 0.5, "ballot": 0.5, "action": 0.5, "verification": 0.5}

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the sandbox needs Linux (resource limits, /proc)"
)


# --- building talks -----------------------------------------------------------------------------


def package(name: str, cls: str, **options: Any) -> dict[str, Any]:
    """A package entry from tests/server/tournament/entries/<name>."""

    entry: dict[str, Any] = {"name": name, "package": str(ENTRIES / name), "class": f"{name}:{cls}"}
    if options:
        entry["options"] = options
    return entry


def builtin(name: str) -> dict[str, Any]:
    return {"name": name, "strategy": name}


def make(
    tmp_path: Path,
    entries: list[dict[str, Any]],
    *,
    limits: dict[str, Any] | None = None,
    time_limits: dict[str, float] | None = None,
    scenario: dict[str, Any] | None = None,
) -> tuple[Tournament, TalkPlan, Scenario]:
    """A tournament of ``entries`` on one scenario (the six-seat sample unless given)
    and its first talk, with the entries seated in the order given."""

    if scenario is None:
        path = tmp_path / "six.json"
        path.write_text(json.dumps(six_seat_scenario()))
        scenario = {"file": str(path)}
    raw = {
        "name": "sandboxed",
        "seed": 7,
        "format": "sample",
        "sample": 1,
        "entries": entries,
        "scenarios": [scenario],
        "time_limits": time_limits or FAST,
        "limits": limits or {"cpu_seconds": 20.0, "memory_mb": 512, "wall_seconds": 120.0},
    }
    tournament = tournament_from_dict(raw, base=tmp_path)
    scenarios = load_scenarios(tournament)
    first = plan(tournament, scenarios)[0]
    seats = scenarios[first.scenario].seats
    seating = tuple(e["name"] for e in entries)[: len(seats)]
    return tournament, msgspec.structs.replace(first, seating=seating), scenarios[first.scenario]


@pytest.fixture
def no_orphans() -> Iterator[None]:
    """Every process a talk started is gone (and reaped) when it returns."""

    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    left = [p for p in me.children(recursive=True) if p.pid not in before]
    assert left == [], [(p.pid, p.status(), p.cmdline()) for p in left]


def timeouts(talk: ExternalTalk) -> set[str]:
    return {e.seat for e in talk.log if isinstance(e, Timeout)}


def problem_of(talk: ExternalTalk, seat: str) -> list[str]:
    return [p for p in talk.problems if f"(seat {seat})" in p]


# --- limits -------------------------------------------------------------------------------------


def test_misbehaving_entries_are_stopped_and_their_seats_play_defaults(
    tmp_path: Path, no_orphans: None
) -> None:
    marker = f"accord-orphan-{uuid.uuid4().hex}"
    tournament, talk_plan, scenario = make(
        tmp_path,
        [
            package("looper", "Looper", marker=marker),
            package("hog", "Hog"),
            package("crasher", "Crasher"),
            package("quitter", "Quitter"),
            builtin("conceder"),
            builtin("hardliner"),
        ],
        limits={"cpu_seconds": 1.5, "memory_mb": 128, "wall_seconds": 60.0},
    )

    talk = play_external(tournament, talk_plan, scenario)

    assert isinstance(talk.log[-1], TalksConcluded)
    assert talk.head and talk.log[-1].seq == len(talk.log)
    # each was stopped by what it broke, and the report says so
    assert problem_of(talk, "s1") == ["entry 'looper' (seat s1): killed after 1.5 s of CPU (limit)"]
    assert "entry 'hog' (seat s2): exceeded 128 MiB (memory limit)" in problem_of(talk, "s2")
    assert problem_of(talk, "s3") == [
        "entry 'crasher' (seat s3): exited with status 1: accord-sandbox: importing "
        "'crasher:Crasher' raised RuntimeError: the crasher crashed at import"
    ]
    assert problem_of(talk, "s4") == [
        "entry 'quitter' (seat s4): exited with status 7: quitter: leaving the table"
    ]
    assert {seat for seat, n in talk.failures.items() if n > 0} == {"s1", "s2", "s3", "s4"}
    # the crasher never came: the room started without it, its seat played by default
    (started,) = [e for e in talk.log if isinstance(e, TalksStarted)]
    assert started.absent == ("s3",) and started.absent_default
    # the others stopped acting: deadlines played their defaults; the built-ins never timed out
    assert timeouts(talk) >= {"s1", "s2", "s4"}
    assert not timeouts(talk) & {"s5", "s6"}
    assert any(isinstance(e, ProposalTabled) and e.seat == "s4" for e in talk.log)
    # the looper's grandchild left its process group: it went too
    assert not [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]


def test_an_entry_blocked_without_using_cpu_is_stopped_by_the_wall_clock(
    tmp_path: Path, no_orphans: None
) -> None:
    tournament, talk_plan, scenario = make(
        tmp_path,
        [
            package("sleeper", "Sleeper"),
            builtin("conceder"),
            builtin("hardliner"),
            builtin("adaptive"),
            builtin("tit-for-tat"),
            builtin("inspector"),
        ],
        limits={"cpu_seconds": 30.0, "memory_mb": 256, "wall_seconds": 1.5},
        # at least six phases, each to its deadline (the sleeper never acts): the talk
        # outlasts the wall-clock limit
        time_limits={"tabling": 0.4, "ballot": 0.4, "action": 0.4, "verification": 0.4},
    )

    talk = play_external(tournament, talk_plan, scenario)

    assert isinstance(talk.log[-1], TalksConcluded)
    assert talk.problems == [
        "entry 'sleeper' (seat s1): killed after 1.5 s of wall-clock time (limit)"
    ]
    assert talk.failures == {"s1": 1}
    assert timeouts(talk) == {"s1"}


# --- isolation ----------------------------------------------------------------------------------


@pytest.mark.skipif(
    landlock_abi() < 4,
    reason="the kernel has no Landlock (ABI 4+): an untrusted entry could read whatever "
    "the organizer's user id can (see docs/tournaments.md, threat model)",
)
def test_an_untrusted_entry_cannot_read_another_entrys_brief(
    tmp_path: Path, no_orphans: None
) -> None:
    store = embedded_server().store_path
    with socket.socket() as elsewhere:  # a port that is not the talk's server
        elsewhere.bind(("127.0.0.1", 0))
        elsewhere.listen()
        targets = [
            str(store),
            str(store.parent),
            str(ENTRIES / "polite"),
            str(tmp_path),
            f"/proc/{psutil.Process().pid}/environ",
        ]
        tournament, talk_plan, scenario = make(
            tmp_path,
            [
                package("spy", "Spy", targets=targets, port=elsewhere.getsockname()[1]),
                package("polite", "Polite"),
                builtin("conceder"),
                builtin("hardliner"),
                builtin("adaptive"),
                builtin("tit-for-tat"),
            ],
            time_limits={"tabling": 2.0, "ballot": 2.0, "action": 2.0, "verification": 2.0},
        )
        talk = play_external(tournament, talk_plan, scenario)

    assert isinstance(talk.log[-1], TalksConcluded)
    (said,) = [
        e for e in talk.log if isinstance(e, StatementMade) and e.text.startswith("spy report ")
    ]
    report = json.loads(said.text.removeprefix("spy report "))
    # it did search (its own brief and the decoy in its home were found) ...
    assert report["notes"] == ["decoy", "s1"], report
    # ... and found nothing of anyone else: no note, no token, nothing opened outside its home
    assert report["tokens"] == 0 and report["opened"] == [], report
    assert report["memory"] is False and report["signal"] is False, report
    assert report["connect"] is False, report
    assert talk.failures == {} and talk.problems == []


# --- other languages, packages, wheels and built-ins together -------------------------------------


def wheel(tmp_path: Path) -> Path:
    """A pure-Python wheel holding one delegation (imported from the zip file itself)."""

    path = tmp_path / "polite_wheel-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as whl:
        whl.writestr(
            "polite_wheel.py",
            "from accord.bots.strategies.conceder import Conceder\n\n\n"
            "class PoliteWheel(Conceder):\n    name = 'polite-wheel'\n",
        )
        info = "polite_wheel-1.0.dist-info"
        whl.writestr(
            f"{info}/METADATA", "Metadata-Version: 2.1\nName: polite-wheel\nVersion: 1.0\n"
        )
        whl.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        whl.writestr(f"{info}/RECORD", "")
    return path


@pytest.mark.skipif(
    NODE is None, reason="node is not on PATH: the JavaScript reference bot needs Node.js"
)
@pytest.mark.skipif(
    not (JS_DIR / "node_modules" / "ws").is_dir(),
    reason="the reference bot's dependency is not installed: run `npm ci --prefix bots/reference-js`",
)
def test_a_javascript_command_a_package_a_wheel_and_builtins_play_one_talk(
    tmp_path: Path, no_orphans: None
) -> None:
    tournament, talk_plan, scenario = make(
        tmp_path,
        [
            {"name": "js", "command": ["node", str(JS_DIR / "bot.js"), "{url}", "{token}"]},
            package("polite", "Polite"),
            {"name": "wheel", "wheel": str(wheel(tmp_path)), "class": "polite_wheel:PoliteWheel"},
            builtin("conceder"),
            builtin("adaptive"),
            builtin("hardliner"),
        ],
        time_limits={"tabling": 5.0, "ballot": 5.0, "action": 5.0, "verification": 5.0},
    )

    talk = play_external(tournament, talk_plan, scenario)

    final = talk.log[-1]
    assert isinstance(final, TalksConcluded)
    assert talk.failures == {} and talk.problems == []
    # every seat acted in time, in every phase
    assert timeouts(talk) == set()
    for seat in scenario.seats:
        assert any(isinstance(e, ProposalTabled) and e.seat == seat for e in talk.log), seat
        assert any(isinstance(e, VoteCast) and e.seat == seat for e in talk.log), seat
        if final.outcome == "agreement":
            assert any(isinstance(e, ActionTaken) and e.seat == seat for e in talk.log), seat


# --- reputation ---------------------------------------------------------------------------------


def test_reputation_reaches_sandboxed_and_trusted_strategies(tmp_path: Path) -> None:
    tournament, talk_plan, scenario = make(
        tmp_path,
        [
            package("teller", "Teller"),
            {
                "name": "trusted-teller",
                "strategy": "tests.server.tournament.entries.teller.teller:Teller",
            },
            builtin("conceder"),
            builtin("hardliner"),
            builtin("adaptive"),
            builtin("tit-for-tat"),
        ],
        time_limits={"tabling": 2.0, "ballot": 2.0, "action": 2.0, "verification": 2.0},
    )
    reputation = {
        "s1": {"s3": Record(talks=2, vetoes=1), "s6": Record(talks=2, violations_detected=1)},
        "s2": {"s4": Record(talks=1, vetoes=3)},
    }

    talk = play_external(tournament, talk_plan, scenario, reputation=reputation)

    told = {
        e.seat: json.loads(e.text.removeprefix("reputation "))
        for e in talk.log
        if isinstance(e, StatementMade) and e.text.startswith("reputation ")
    }
    assert told == {
        seat: {other: msgspec.to_builtins(r) for other, r in records.items()}
        for seat, records in reputation.items()
    }


# --- remote entries -----------------------------------------------------------------------------


def test_a_remote_entry_is_refused_without_the_tournaments_server(tmp_path: Path) -> None:
    tournament, talk_plan, scenario = make(
        tmp_path,
        [{"name": "far", "remote": "bot-1234abcd"}, builtin("conceder"), builtin("hardliner")],
        scenario={"generate": {"seed": 3, "seats": 3, "issues": 2, "options": 3}},
    )
    with pytest.raises(
        ExternalEntryError, match="'far'.*remote bot.*run the tournament on a server"
    ):
        play_external(tournament, talk_plan, scenario)


def test_a_remote_entry_plays_its_seat_on_the_tournaments_server(tmp_path: Path) -> None:
    embedded = EmbeddedServer(remote_entries=True)
    server = embedded.start()
    try:
        entry, token = embedded.call(server.hub.register_entry("far"))
        tournament, talk_plan, scenario = make(
            tmp_path,
            [{"name": "far", "remote": entry}, builtin("conceder"), builtin("hardliner")],
            scenario={"generate": {"seed": 3, "seats": 3, "issues": 2, "options": 3}},
            time_limits={"tabling": 2.0, "ballot": 2.0, "action": 2.0, "verification": 2.0},
        )
        far = scenario.seats[0]
        # the remote bot: connected with its entry token, it waits for assignments
        bot = BotClient(Conceder, server.ws_url, token, seed=1)

        async def connect() -> asyncio.Future[Any]:
            task = asyncio.ensure_future(bot.run())
            while bot.role != "entry":
                await asyncio.sleep(0.01)
            return task

        running = embedded.call(connect(), timeout=10)

        talk = play_external(tournament, talk_plan, scenario, server=server)

        assert isinstance(talk.log[-1], TalksConcluded)
        assert talk.failures == {} and talk.problems == []
        assert timeouts(talk) == set()
        (play,) = bot.rooms.values()
        assert play.seat == far and play.concluded is not None

        # gone: the next talk starts without it and its seat plays the defaults
        embedded.call(bot.stop(), timeout=10)
        embedded.call(asyncio.wait_for(running, 10), timeout=15)
        fast = {"tabling": 0.2, "ballot": 0.2, "action": 0.2, "verification": 0.2}
        tournament, talk_plan, scenario = make(
            tmp_path,
            [{"name": "far", "remote": entry}, builtin("conceder"), builtin("hardliner")],
            scenario={"generate": {"seed": 3, "seats": 3, "issues": 2, "options": 3}},
            time_limits=fast,
        )
        talk = play_external(tournament, talk_plan, scenario, server=server, join_timeout=0.5)
        assert isinstance(talk.log[-1], TalksConcluded)
        assert talk.failures == {far: 1}
        assert talk.problems == [
            f"entry 'far' (seat {far}): the remote bot did not join within 0.5 s"
        ]
    finally:
        embedded.close()


# --- the embedded server -------------------------------------------------------------------------


def test_the_embedded_server_is_reused_then_renewed_with_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tournament, talk_plan, scenario = make(
        tmp_path,
        [
            builtin(name)
            for name in ("conceder", "hardliner", "adaptive", "tit-for-tat", "inspector", "random")
        ],
    )
    first = embedded_server()
    monkeypatch.setattr(external, "ROTATE_AFTER", first.played + 2)
    one = play_external(tournament, talk_plan, scenario)
    assert embedded_server() is first and first.store_path.exists()
    two = play_external(tournament, talk_plan, scenario)
    assert one.head != two.head  # two rooms (each has its own id), same talk otherwise

    renewed = embedded_server()
    assert renewed is not first and renewed.played == 0
    assert not first.store_path.parent.exists()


# --- the sandbox runner -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "says"),
    [
        ("polite", "--class must be module:Class, not 'polite'"),
        ("polite:", "--class must be module:Class, not 'polite:'"),
        ("po lite:Polite", "--class must be module:Class"),
        ("nowhere:Polite", "no module 'nowhere' in"),
        ("polite:Missing", "'polite:Missing' is not a Delegation class"),
        ("polite:Conceder.name", "'polite:Conceder.name' is not a Delegation class"),
    ],
)
def test_the_sandbox_runner_refuses_a_bad_class_path_in_one_line(cls: str, says: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "accord.bots.sandbox",
            "--path",
            str(ENTRIES / "polite"),
            "--class",
            cls,
            "--url",
            "ws://127.0.0.1:9/ws",
            "--token",
            "seat_x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("accord-sandbox: "), done.stderr
    assert says in lines[0]
    assert done.stdout == ""
