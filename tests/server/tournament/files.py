"""Tournament files and store readers shared by the running tests."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.helpers import ROOT

BUILT_INS = ("adaptive", "conceder", "free-rider", "hardliner", "random", "tit-for-tat")
"""Six built-in strategies, one entry each."""


def tournament_toml(
    name: str = "six",
    *,
    seed: int = 7,
    scenarios: tuple[str, ...] = (
        "generate = { seed = 1, seats = 3, issues = 3, options = 3 }",
        "generate = { seed = 2, seats = 2, issues = 3, options = 4 }",
    ),
    **settings: Any,
) -> str:
    """A tournament of the six built-ins; ``settings`` are top-level keys (TOML values)."""

    lines = [f'name = "{name}"', f"seed = {seed}"]
    for key, value in settings.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = f'"{value}"'
        else:
            text = str(value)
        lines.append(f"{key} = {text}")
    for entry in BUILT_INS:
        lines += ["", "[[entries]]", f'name = "{entry}"', f'strategy = "{entry}"']
    for scenario in scenarios:
        lines += ["", "[[scenarios]]", scenario]
    return "\n".join(lines) + "\n"


def write(folder: Path, text: str, file: str = "t.toml") -> Path:
    path = folder / file
    path.write_text(text)
    return path


def accord(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m accord ARGS`` from the checkout."""

    return subprocess.run(
        [sys.executable, "-m", "accord", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stored_talks(db: Path, name: str) -> list[tuple[str, str, str]]:
    """(id, head, series) of every stored talk, in plan order (read with plain sqlite3)."""

    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(
            'SELECT "talk", "head", "series" FROM tournament_talks WHERE "tournament" = ?'
            ' ORDER BY "position"',
            (name,),
        ).fetchall()


def status(db: Path, name: str) -> str:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute('SELECT "status" FROM tournaments WHERE "name" = ?', (name,)).fetchone()
    return row[0]


def count(db: Path) -> int:
    """Talks stored so far (0 while the store does not exist yet); safe while a run writes."""

    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("SELECT COUNT(*) FROM tournament_talks").fetchone()[0]
    except sqlite3.OperationalError:  # the tables are being made
        return 0
