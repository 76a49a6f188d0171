"""docs/humans.md holds to what the page, the terminal client and the demo do: its
pictures exist (the tests take them), its commands are the client's, its options are
the command line's, and the demo's invitation reads as shown."""

from __future__ import annotations

import re
import subprocess
import sys
from xml.etree import ElementTree

from accord.server.demo import HUMAN_TIME, _invitation
from accord.terminal.commands import COMMANDS
from tests.helpers import ROOT

DOC = ROOT / "docs" / "humans.md"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _help(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "accord", *args, "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_picture_is_there_and_is_an_image() -> None:
    pictures = re.findall(r"!\[[^\]]+\]\((humans/[^)]+)\)", _doc())
    assert len(pictures) >= 6
    names = {p.split("/")[-1] for p in pictures}
    assert {"web-room.png", "web-seat.png", "web-picture.png", "terminal.svg"} <= names
    for picture in pictures:
        path = DOC.parent / picture
        data = path.read_bytes()
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000, picture
        else:
            root = ElementTree.fromstring(data)
            assert root.tag.endswith("svg") and len(data) > 5_000, picture


def test_the_join_options_are_the_command_lines() -> None:
    documented = set(re.findall(r"^\| `(--[a-z]+)", _doc(), re.MULTILINE))
    offered = set(re.findall(r"^  (--[a-z]+)", _help("join"), re.MULTILINE))
    assert documented == offered
    assert "--human SEAT" in _help("demo")


def test_every_command_of_the_client_is_documented() -> None:
    text = _doc()
    for syntax, _ in COMMANDS:
        shown = syntax.replace("|", "\\|")
        assert f"| `{shown}` |" in text, syntax


def test_the_demo_invitation_reads_as_shown() -> None:
    text = _doc()
    block = text[text.index("```text\nWatch this talk") :]
    block = block[: block.index("```", 4)]
    printed = _invitation("http://127.0.0.1:8000", "ROOM", "china", "SEAT_TOKEN")
    for line in printed:
        assert line in block.splitlines(), line
    assert f"{HUMAN_TIME.tabling:.0f} s for tabling" in block
