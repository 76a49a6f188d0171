"""Every command-line error is one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accord.cli import one_line
from tests.helpers import ROOT


def accord(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


CASES = [
    (["scenario", "show", "no-such"], 2, "no bundled scenario named 'no-such'"),
    (["scenario", "analyze", "/nonexistent/x.toml"], 2, "no such file"),
    (["scenario", "validate", "{broken}"], 1, "invalid:"),
    (["bot", "play", "no-such-strategy"], 2, "no strategy 'no-such-strategy'"),
    (["bot", "play", "no_such_module:Thing"], 2, "no module 'no_such_module' to import"),
    (["bot", "play", "random", "--scenario", "nope"], 2, "no bundled scenario named 'nope'"),
    (["bot", "play", "random", "--transcript", "/nonexistent/d/t.jsonl"], 1,
     "/nonexistent/d/t.jsonl: No such file or directory"),
    (["bot", "run", "random", "--server", "http://127.0.0.1:1", "--token", "x", "--wait", "0.5"],
     1, "cannot reach ws://127.0.0.1:1/ws within 0.5 s"),
    (["verify", "/nonexistent/t.jsonl"], 1, "cannot read /nonexistent/t.jsonl"),
    (["protocol", "schema", "-o", "/nonexistent/dir/x.json"], 1,
     "/nonexistent/dir/x.json: No such file or directory"),
    (["serve", "--db", "mysql://x", "--port", "1"], 2, "unsupported store URL"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "status", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_an_error_is_one_line_and_a_nonzero_exit(argv: list[str], status: int, says: str) -> None:
    done = accord(*argv)
    assert done.returncode == status, done.stderr
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_garbage_transcript_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "t.jsonl"
    bad.write_bytes(b'{"not": "a transcript"\n\xff\xfe[[[[\n')
    done = accord("verify", str(bad))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "not a transcript" in done.stderr


def test_a_scenario_file_that_is_not_toml_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text("[[[[ nope\nid = \n")
    done = accord("scenario", "show", str(bad))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "not valid TOML" in done.stderr


def test_an_unexpected_error_names_its_kind_in_one_line() -> None:
    # a message that spans lines folds into one; one not ours says what it is
    assert one_line(RuntimeError("first\nsecond")) == "RuntimeError: first second"
    assert one_line(KeyError("seat")) == "'seat'"
    assert one_line(FileNotFoundError(2, "No such file or directory", "x.toml")) == (
        "x.toml: No such file or directory"
    )
    assert len(one_line(ValueError("x" * 5000))) == 400
