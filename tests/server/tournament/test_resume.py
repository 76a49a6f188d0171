"""A run killed or stopped half-way, then ``--resume``: exactly the talks of a clean run.

The tournament runs as a subprocess (``python -m accord tournament run``) in a
session of its own; the test watches its SQLite store until it holds some but
not all of the talks, then kills it (SIGKILL: no chance to clean up) or
interrupts it (SIGINT, as Ctrl-C in a terminal sends to the whole process
group).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from accord.protocol.tournament import load_scenarios, load_tournament, plan
from accord.server.tournament.runner import run_tournament
from accord.server.tournament.store import dump
from tests.helpers import ROOT
from tests.server.tournament.files import (
    accord,
    count,
    status,
    stored_talks,
    tournament_toml,
    write,
)

# series of two talks with reputation, on a six-seat scenario: slow enough (a few
# seconds with one worker) to catch the run in the middle
LONG = tournament_toml(
    "long",
    format="sample",
    sample=400,
    series=2,
    reputation=True,
    scenarios=(
        'generate = { seed = 6, seats = 6, issues = 4, options = 4, decision = "consensus" }',
    ),
)


def start(file: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "accord", "tournament", "run", str(file)]
        + ["--workers", "1", "--quiet", "--store", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a command in a terminal
    )


def wait_for_some(db: Path, total: int, process: subprocess.Popen[str]) -> int:
    """Wait until the store holds some talks (and not all); return how many."""

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        held = count(db)
        if held:
            assert held < total, "the run finished before it could be stopped"
            return held
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("no talk was stored within two minutes")


def clean_run(tmp_path: Path, file: Path) -> list[tuple[str, str, str]]:
    db = tmp_path / "clean.db"
    run_tournament(load_tournament(file), str(db), workers=2)
    return stored_talks(db, "long")


def test_sigkill_mid_run_then_resume_stores_exactly_the_talks_of_a_clean_run(
    tmp_path: Path,
) -> None:
    file = write(tmp_path, LONG)
    tournament = load_tournament(file)
    total = len(plan(tournament, load_scenarios(tournament)))
    assert total == 800
    db = tmp_path / "killed.db"
    process = start(file, db)
    try:
        wait_for_some(db, total, process)
        process.kill()  # SIGKILL to the tournament process alone
        process.wait(timeout=30)
    finally:
        # its workers notice their organizer is gone; make sure of it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    partial = stored_talks(db, "long")
    assert 0 < len(partial) < total
    # whole series only: a series is stored in one transaction
    assert set(Counter(series for _, _, series in partial).values()) == {2}
    assert status(db, "long") == "running"

    resumed = accord("tournament", "run", file, "--resume", "--quiet", "--store", db)
    assert resumed.returncode == 0, resumed.stderr
    assert f"played {total - len(partial)} talks" in resumed.stdout
    after = stored_talks(db, "long")
    assert len(after) == len({talk for talk, _, _ in after}) == total  # no duplicates
    assert after == clean_run(tmp_path, file)  # the same ids, heads and series, in plan order
    assert dump(str(db), "long") == dump(str(tmp_path / "clean.db"), "long")
    assert status(db, "long") == "complete"


def test_ctrl_c_stores_what_finished_and_says_to_resume(tmp_path: Path) -> None:
    file = write(tmp_path, LONG)
    db = tmp_path / "stopped.db"
    process = start(file, db)
    try:
        wait_for_some(db, 800, process)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err  # one line, no traceback
    assert "--resume" in lines[0] and "of 800 talks of 'long' are stored" in lines[0]
    held = len(stored_talks(db, "long"))
    assert f"stopped: {held} of 800" in lines[0]
    assert status(db, "long") == "interrupted"
    resumed = accord("tournament", "run", file, "--resume", "--quiet", "--store", db)
    assert resumed.returncode == 0, resumed.stderr
    assert len(stored_talks(db, "long")) == 800
