"""``accord serve`` refuses bad options in one line, before it starts anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accord.server.settings import Settings, with_overrides

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--db", "mysql://x"], "unsupported store URL"),
        (["--set", "no_such_setting=1"], "not NAME=VALUE"),
        (["--set", "lobby_ttl=soon"], "lobby_ttl takes a float"),
        (["--set", "max_connections=-5"], "must be a number >= 0"),
        (["--set", "json_logs=maybe"], "json_logs takes a bool"),
    ],
)
def test_bad_serve_options_are_one_line_and_exit_2(argv: list[str], says: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accord", "serve", "--port", "1", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_overrides_set_typed_values() -> None:
    settings = with_overrides(
        Settings(),
        ["max_connections_per_address=1000", "address-message-rate=2.5", "json_logs=true"],
    )
    assert settings.max_connections_per_address == 1000
    assert settings.address_message_rate == 2.5
    assert settings.json_logs is True
    assert Settings().max_connections_per_address == 256  # the defaults are untouched
