"""``accord bot play`` and ``accord bot run`` for scripting: pinned seats, a hook
budget, JSON results, batches of seeds, several seats from one process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from accord.bots import BotClient, load
from accord.protocol.scenario import load_scenario
from tests.helpers import ROOT
from tests.netutil import RunningServer


def _accord(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": f"{cwd}:{ROOT}"},
    )


def test_pinned_seats_and_a_json_result() -> None:
    done = _accord(
        "bot", "play", "conceder", "--seat", "us=hardliner", "--seat", "china=adaptive",
        "--scenario", "trade-round", "--seed", "3", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["lineup"] == {
        "us": "hardliner", "eu": "conceder", "china": "adaptive",
        "india": "conceder", "brazil": "conceder", "g90": "conceder",
    }  # fmt: skip
    assert result["seed"] == 3 and result["scenario"] == "trade-round"
    assert result["outcome"] in ("agreement", "no_agreement")
    assert {s["seat"] for s in result["scores"]} == set(result["lineup"])
    assert all({"raw", "normalised", "strategy"} <= set(s) for s in result["scores"])
    assert result["failures"] == [] and result["rejections"] == []
    assert len(result["head"]) == 64


def test_a_batch_of_seeds_prints_a_summary(tmp_path: Path) -> None:
    as_json = _accord(
        "bot", "play", "conceder", "hardliner", "--scenario", "climate-accord",
        "--seeds", "3", "--seed", "5", "--json",
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    batch = json.loads(as_json.stdout)
    assert [t["seed"] for t in batch["talks"]] == [5, 6, 7]
    assert len(batch["summary"]) == 6
    assert batch["agreements"] == sum(t["outcome"] == "agreement" for t in batch["talks"])
    text = _accord(
        "bot", "play", "conceder", "hardliner", "--scenario", "climate-accord",
        "--seeds", "3", "--seed", "5",
    )  # fmt: skip
    assert "3 talks (seeds 5..7)" in text.stdout
    assert "mean raw" in text.stdout and "mean norm" in text.stdout
    first = batch["summary"][0]
    assert f"{first['mean_raw']:+.3f}" in text.stdout


def test_the_hook_budget_and_bad_pins(tmp_path: Path) -> None:
    (tmp_path / "slowbot.py").write_text(
        textwrap.dedent(
            """
            import time
            from accord.bots import Delegation

            class Slow(Delegation):
                name = "slow"

                def table(self, ctx):
                    time.sleep(0.2)
                    return ctx.best_package()
            """
        )
    )
    done = _accord(
        "bot", "play", "conceder", "--seat", "eu=slowbot:Slow", "--scenario", "trade-round",
        "--budget", "0.05", "--json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    failures = json.loads(done.stdout)["failures"]
    assert failures and failures[0]["seat"] == "eu" and failures[0]["hook"] == "table"
    assert "(budget 0.05 s)" in failures[0]["problem"]
    wrong = _accord("bot", "play", "--seat", "atlantis=conceder", "--scenario", "trade-round")
    assert wrong.returncode == 2
    assert "--seat atlantis: no such seat in trade-round; its seats: us, eu" in wrong.stderr
    empty = _accord("bot", "play", "--seat", "us=conceder", "--scenario", "trade-round")
    assert empty.returncode == 2 and "seats eu, china, india, brazil, g90 have no" in empty.stderr


async def test_one_bot_run_process_plays_several_seats(tmp_path: Path) -> None:
    scenario = load_scenario("climate-accord")
    async with RunningServer(tmp_path / "db.sqlite") as server:
        live, tokens = await server.hub.create_room(scenario, seed=6)
        mine = scenario.seats[:2]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "accord", "bot", "run", "adaptive",
            "--server", server.url, "--token", tokens[mine[0]], "--token", tokens[mine[1]],
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        others = [
            BotClient(load("conceder"), server.ws_url, tokens[seat], seed=1)
            for seat in scenario.seats[2:]
        ]
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in others)), 60)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert live.room.concluded is not None
    assert proc.returncode == 0, err.decode()
    for seat in mine:
        assert f"{live.id}: {seat} scored " in out.decode()
