"""docs/tournaments.md is a contract: its first tournament file runs as is, and its
table of the file's keys names every key with its default."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import msgspec

from accord.protocol.tournament import TournamentFile, load_tournament
from tests.helpers import ROOT

DOC = (ROOT / "docs" / "tournaments.md").read_text(encoding="utf-8")


def accord(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_first_tournament_file_runs_as_written(tmp_path: Path) -> None:
    first = re.search(r"```toml\n(.*?)```", DOC, re.S)
    assert first is not None
    (tmp_path / "first.toml").write_text(first.group(1), encoding="utf-8")
    # the commands the page gives next, as it gives them
    commands = re.search(r"Then:\n\n```\n(.*?)```", DOC, re.S)
    assert commands is not None
    for line in commands.group(1).splitlines():
        argv = line.split()
        assert argv[0] == "accord"
        done = accord(*argv[1:], cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "first.db").is_file()
    assert (tmp_path / "first.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    tournament = load_tournament(tmp_path / "first.toml")
    again = accord("tournament", "run", "first.toml", "--resume", "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # nothing left to play
    assert tournament.name == "first"


def test_the_key_table_names_every_key_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `([a-z_\[\]]+)` \| ([^|]+) \|", DOC, re.M))
    fields = {f.encode_name: f for f in msgspec.structs.fields(TournamentFile)}
    listed = {key.strip("[]") for key in rows}
    assert listed == set(fields)
    for key, default in rows.items():
        field = fields[key.strip("[]")]
        if field.required:
            assert "required" in default, key
            continue
        value = field.default
        if value is None or isinstance(value, msgspec.Struct):
            continue  # written out in words ("the scenario's", "see below")
        shown = default.strip().strip("`")
        expected = f'"{value}"' if isinstance(value, str) else str(value).lower()
        assert shown == expected, (key, shown, expected)
