"""The conformance kit: the JavaScript reference bot meets every obligation; a bot broken
on purpose (tests/server/broken_bot.py) fails exactly the obligations it breaks, each
with a message naming what it did."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from accord.server.conformance import OBLIGATIONS
from tests.helpers import ROOT

BOT_DIR = ROOT / "bots" / "reference-js"
BROKEN = ROOT / "tests" / "server" / "broken_bot.py"
NODE = shutil.which("node")
TIMEOUT = 120


def conformance(*command: str, json_report: bool = True) -> subprocess.CompletedProcess[str]:
    options = ["--json"] if json_report else []
    return subprocess.run(
        [sys.executable, "-m", "accord", "conformance", "bot", *options, "--", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def by_id(report: dict) -> dict[str, dict]:
    return {o["id"]: o for o in report["obligations"]}


@pytest.mark.skipif(NODE is None, reason="node is not on PATH: the reference bot needs Node.js")
@pytest.mark.skipif(
    not (BOT_DIR / "node_modules" / "ws").is_dir(),
    reason="the reference bot's dependency is not installed: run `npm ci --prefix bots/reference-js`",
)
def test_the_reference_bot_meets_every_obligation() -> None:
    assert NODE is not None
    done = conformance(NODE, str(BOT_DIR / "bot.js"), "{ws}", "{token}", json_report=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for obligation in OBLIGATIONS:
        assert any(line.startswith("PASS") and f" {obligation.id} " in line for line in lines)
    assert f"{len(OBLIGATIONS)} of {len(OBLIGATIONS)} obligations passed" in done.stdout
    # every talk ran to its end, the disrupted ones over more than one connection
    assert "abandoned" not in done.stdout
    assert "dropped-connection: concluded; 2 connection(s), exit status 0" in done.stdout


def test_a_broken_bot_fails_what_it_breaks_and_only_that() -> None:
    done = conformance(sys.executable, str(BROKEN), "{ws}", "{token}")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    results = by_id(report)
    failed = {o for o, r in results.items() if not r["passed"]}
    assert failed == {
        "unique-refs",
        "complete-packages",
        "votes-every-package",
        "acts-before-deadlines",
        "right-phase",
        "commands-accepted",
        "resumes-after-drop",
        "survives-restart",
        "ends-cleanly",
    }, failed

    def messages(obligation: str) -> list[str]:
        return [f["message"] for f in results[obligation]["failures"]]

    # it reused the ref of its package for a note: both frames are shown
    (first, *_) = results["unique-refs"]["failures"]
    assert first["message"] == "ref 'broken-2' reused for a different command"
    assert [json.loads(f["frame"])["type"] for f in first["frames"]] == ["propose", "note"]
    assert all(f["sender"] == "bot" for f in first["frames"])

    assert "package 'broken-1': no option for penalty" in messages("complete-packages")
    assert (
        "round 1: no vote or veto on R1-alpha-1, R1-beta-1, R1-gamma-1 before the ballot closed"
        in messages("votes-every-package")
    )
    assert (
        "ballot round 1: the deadline passed before the bot acted; the server recorded"
        " 'abstain' for it" in messages("acts-before-deadlines")
    )
    wrong = results["right-phase"]["failures"][0]
    assert wrong["message"].startswith("'pass' command refused: wrong_phase: ")
    sent, answer = (json.loads(f["frame"]) for f in wrong["frames"])
    assert sent["type"] == "pass" and answer["code"] == "wrong_phase"
    assert answer["ref"] == sent["ref"]
    codes = {m.split(": ")[1] for m in messages("commands-accepted")}
    assert codes == {"incomplete_package", "wrong_phase"}

    (dropped,) = results["resumes-after-drop"]["failures"]
    assert dropped["talk"] == "dropped-connection"
    assert dropped["message"].startswith(
        "no new connection was welcomed within 5 s after the kit cut conn 1"
    )
    # the frame the kit withheld when it cut the connection: round 1's ballot
    (trigger,) = dropped["frames"]
    assert trigger["withheld"] and json.loads(trigger["frame"])["phase"] == "ballot"
    (restart,) = messages("survives-restart")
    assert "after the server restart closed conn 1" in restart
    assert {f["talk"] for f in results["ends-cleanly"]["failures"]} == {
        "dropped-connection",
        "server-restart",
    }
    # what it does right is not blamed on it
    for kept in ("hello-first", "answers-ping", "survives-veto", "survives-private-statement"):
        assert results[kept]["passed"], results[kept]


def test_the_text_report_shows_the_offending_frames() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "accord",
            "conformance",
            "bot",
            "--talk",
            "secret-ballot",
            "--",
            sys.executable,
            str(BROKEN),
            "{ws}",
            "{token}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "accord conformance: 1 talk(s), the bot at seat alpha" in out
    assert any(
        line.startswith("FAIL") and " complete-packages " in line for line in out.splitlines()
    )
    assert "== complete-packages:" in out
    assert "- [secret-ballot] package 'broken-1': no option for penalty" in out
    assert (
        '] bot → server: {"type": "propose", "package": {"cut": "10", "inspections": "none"}' in out
    )
