"""The strategy developer's errors and notebook: each error says what is wrong, a
hook's traceback is printed and kept for the seat, and ``ctx.note`` writes a private
notebook that the seat and the organizer see, in-process and over a websocket."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from accord.bots import Context, Delegation
from accord.bots.inprocess import play
from accord.bots.registry import UnknownStrategy, load
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import export, read, verify
from accord.protocol.engine.visibility import SPECTATOR, Viewer
from accord.protocol.events import NoteMade
from accord.protocol.scenario import load_scenario
from tests.helpers import ROOT
from tests.netutil import RunningServer, free_port

BOTS = textwrap.dedent(
    '''
    from accord.bots import Delegation

    class Pivot(Delegation):
        """Notes its reasoning, then breaks."""

        name = "pivot"

        def table(self, ctx):
            ctx.note("tabling my best", round=ctx.round)
            raise RuntimeError("boom")

    class Tariffs(Delegation):
        name = "tariffs"

        def table(self, ctx):
            package = ctx.best_package()
            package["tariffs"] = "99"
            return package

    def helper():
        return None
    '''
)


@pytest.fixture
def mybots(tmp_path: Path) -> Path:
    (tmp_path / "mybots.py").write_text(BOTS)
    return tmp_path


def _accord(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": f"{cwd}:{ROOT}"},
    )


# --- errors that say what is wrong -----------------------------------------------------------


def test_a_missing_class_is_named_with_close_matches(mybots: Path) -> None:
    sys.path.insert(0, str(mybots))
    try:
        with pytest.raises(UnknownStrategy) as caught:
            load("mybots:Pivto")
        assert str(caught.value) == (
            "module 'mybots' has no 'Pivto'; did you mean Pivot?"
            " (its Delegation classes: Pivot, Tariffs)"
        )
        with pytest.raises(UnknownStrategy, match="'mybots:helper' is a function, not a Dele"):
            load("mybots:helper")
    finally:
        sys.path.remove(str(mybots))
        sys.modules.pop("mybots", None)


def test_an_unknown_name_or_module_says_so() -> None:
    with pytest.raises(UnknownStrategy, match=r"no strategy 'hardlinr'; did you mean hardliner\?"):
        load("hardlinr")
    with pytest.raises(UnknownStrategy, match=r"no module 'nosuchbot' to import 'nosuchbot:X'"):
        load("nosuchbot:X")
    with pytest.raises(UnknownStrategy, match="give module:Class"):
        load("nosuchbot:")


def test_bot_play_prints_a_hooks_full_traceback_once_and_counts_repeats(mybots: Path) -> None:
    transcript = mybots / "talk.jsonl"
    done = _accord(
        "bot", "play", "mybots:Pivot", "mybots:Tariffs", "conceder",
        "--scenario", "trade-round", "--seed", "3", "--transcript", str(transcript),
        cwd=mybots,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "! pivot at seat us: table raised RuntimeError: boom" in err
    assert "Traceback (most recent call last):" in err
    assert 'mybots.py", line 11, in table' in err and "    RuntimeError: boom" in err
    assert "bots/runner.py" not in err  # the trace starts in the strategy's own code
    assert err.count("Traceback") == 2  # us and india play Pivot: once each
    assert "! (the failure of table at seat us above happened" in err
    # an invalid answer names the issue, the option and the allowed options
    assert (
        "table returned an invalid package {'tariffs': '99', " in err
        and "issue 'tariffs' has no option '99' (its options: '20', '30', '40', '50', '60')" in err
    )

    # the failures and notes are kept for the seat: accord verify --seat prints them
    shown = _accord("verify", str(transcript), "--seat", "us", cwd=mybots)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "verified" in out and "Notebook of us:" in out
    assert "(round 1, tabling) note:\n    tabling my best\n    data: round=1" in out
    assert "(round 1, tabling) FAILURE:\n    Traceback (most recent call last):" in out
    assert "data: hook='table', problem='raised RuntimeError: boom'" in out
    other = _accord("verify", str(transcript), "--seat", "eu", cwd=mybots)
    assert "Notebook of eu:" in other.stdout and "tabling my best" not in other.stdout
    wrong = _accord("verify", str(transcript), "--seat", "atlantis", cwd=mybots)
    assert wrong.returncode == 2
    assert "no seat 'atlantis' in this talk; its seats: us, eu, china" in wrong.stderr


def test_the_public_copy_keeps_notes_sealed_and_says_where_they_are() -> None:
    class Thinker(Delegation):
        name = "thinker"

        def table(self, ctx: Context) -> dict[str, str]:
            return ctx.best_package()

        def vote(self, ctx: Context, tabled: object) -> str:
            ctx.note("yes: above my reservation")
            return "yes"

    scenario = load_scenario("climate-accord")
    talk = play(scenario, {s: Thinker() for s in scenario.seats}, seed=5)
    notes = [e for e in talk.room.log if isinstance(e, NoteMade)]
    assert notes and {n.seat for n in notes} == set(scenario.seats)
    me = scenario.seats[0]
    mine = export(talk.room, Viewer.of_seat(me))
    public = export(talk.room, SPECTATOR)
    assert verify(read(mine.splitlines())).ok and verify(read(public.splitlines())).ok
    assert mine.count(b'"note_made"') == sum(n.seat == me for n in notes)
    assert b'"note_made"' not in public


def test_notes_too_large_for_the_room_are_cut_never_an_error() -> None:
    class Verbose(Delegation):
        name = "verbose"

        def table(self, ctx: Context) -> dict[str, str]:
            ctx.note("x" * 10_000, many=list(range(3)), big=2**60, bad=float("nan"))
            return ctx.best_package()

    scenario = load_scenario("climate-accord")
    talk = play(scenario, {s: Verbose() for s in scenario.seats}, seed=5)
    assert not talk.rejections and not talk.failures
    note = next(e for e in talk.room.log if isinstance(e, NoteMade))
    assert len(note.text) == 4000 and note.text.endswith("…")
    assert dict(note.data) == {"many": "[0, 1, 2]", "big": str(2**60), "bad": "nan"}


# --- over a websocket ---------------------------------------------------------------------


class Noter(Delegation):
    name = "noter"

    def table(self, ctx: Context) -> dict[str, str]:
        ctx.note(f"{ctx.seat} tables its best", seat=ctx.seat)
        return ctx.best_package()

    def vote(self, ctx: Context, tabled: object) -> str:
        return "yes"


async def test_over_a_websocket_notes_reach_their_seat_only(tmp_path: Path) -> None:
    scenario = load_scenario("climate-accord")
    async with RunningServer(tmp_path / "db.sqlite") as server:
        live, tokens = await server.hub.create_room(scenario, seed=4)
        seen: dict[str, list[NoteMade]] = {s: [] for s in scenario.seats}

        def keep(play: object, event: object) -> None:
            if isinstance(event, NoteMade):
                seen[play.seat].append(event)  # type: ignore[attr-defined]

        bots = [
            BotClient(Noter, server.ws_url, tokens[s], seed=1, on_event=keep)
            for s in scenario.seats
        ]
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), 60)
        stored = [e for e in live.room.log if isinstance(e, NoteMade)]
    assert stored, "the notes reached the room's log"
    for seat, notes in seen.items():
        assert notes and all(n.seat == seat for n in notes)
        assert [n.text for n in notes] == [n.text for n in stored if n.seat == seat]


def test_bot_run_gives_up_when_it_never_connected(tmp_path: Path) -> None:
    started = time.monotonic()
    done = _accord(
        "bot", "run", "hardliner", "--server", f"ws://127.0.0.1:{free_port()}/ws",
        "--token", "seat_nothing", "--wait", "1",
        cwd=tmp_path,
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode != 0
    assert "cannot reach ws://127.0.0.1:" in done.stderr and "within 1 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert "reconnecting" not in done.stderr + done.stdout
