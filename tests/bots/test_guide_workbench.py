"""docs/bots.md's chapter on testing, debugging and replaying a strategy, run as a
reader would: its files written out, its tests run, its commands run in order, and
every line of output it shows found in what the commands print."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

CHAPTER = "## Testing, debugging and replaying a strategy"


def _chapter() -> str:
    text = (ROOT / "docs" / "bots.md").read_text(encoding="utf-8")
    start = text.index(CHAPTER)
    return text[start : text.index("\n## ", start + len(CHAPTER))]


def _blocks() -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", _chapter(), re.S)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("guide")
    shutil.copy(ROOT / "docs" / "examples" / "my_strategy.py", where)
    for language, code in _blocks():
        if language == "python":
            first, _, rest = code.partition("\n")
            assert first.startswith("# ") and first.endswith(".py"), first
            (where / first[2:]).write_text(rest)
    return where


def _env(folder: Path, pythonpath: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = f"{folder / pythonpath}:{ROOT}" if pythonpath == "." else pythonpath
    return env


def test_the_chapters_tests_pass(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_strategy.py"],
        cwd=folder, env=_env(folder, "."), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_the_chapters_commands_print_what_it_shows(folder: Path) -> None:
    output: list[str] = []
    ran = 0
    for language, code in _blocks():
        if language == "sh":
            output = []
            for line in code.strip().splitlines():
                command, _, comment = line.partition("  # ")
                expected = int(m.group(1)) if (m := re.match(r"exits (\d+)", comment)) else 0
                words = shlex.split(command)
                pythonpath = None
                if words[0].startswith("PYTHONPATH="):
                    pythonpath = words.pop(0).split("=", 1)[1]
                assert words[0] == "accord", line
                done = subprocess.run(
                    [sys.executable, "-m", "accord", *words[1:]],
                    cwd=folder, env=_env(folder, pythonpath), capture_output=True, text=True,
                    timeout=300,
                )  # fmt: skip
                assert done.returncode == expected, (line, done.stdout, done.stderr)
                output += done.stdout.splitlines()
                ran += 1
        elif language == "text":
            assert output, "an output block follows no command"
            for shown in code.splitlines():
                if not shown.strip() or shown.strip() == "...":
                    continue
                if "..." in shown:  # an elided line: its beginning is exact
                    head = shown.split("...")[0]
                    assert any(line.startswith(head) for line in output), shown
                else:
                    assert shown in output, shown
    assert ran >= 5
