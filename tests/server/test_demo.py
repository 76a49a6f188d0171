"""``accord demo`` as a newcomer runs it, and the narration of ballots."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import BallotResult, PackageAdopted, PackageResult, Tally
from accord.protocol.scenario import load_scenario
from accord.server.narrate import describe
from accord.server.tournament.store import load_results
from tests.helpers import ROOT
from tests.netutil import free_port

SCORE_ROW = re.compile(r"^\s+(\S+)\s+\S+\s+[+-]\d+\.\d{3}\s+\d\.\d{3}\s+\d+\s*$")


def test_demo_once_prints_scores_once_and_saves_a_verified_transcript(tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "accord",
            "demo",
            "--once",
            "--port",
            str(free_port()),
            "--db",
            str(tmp_path / "demo.db"),
            "--transcript",
            str(transcript),
            "--scenario",
            "security-council",
            "--seed",
            "7",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out, err = done.stdout, done.stderr
    assert "Traceback" not in err, err
    assert done.returncode == 0, (out, err)

    scenario = load_scenario("security-council")
    rows = [m.group(1) for line in out.splitlines() if (m := SCORE_ROW.match(line))]
    assert sorted(rows) == sorted(scenario.seats), out
    concluded = [line for line in out.splitlines() if line.startswith("Talks concluded")]
    assert len(concluded) == 1
    assert "score" not in concluded[0].lower() and not re.search(r"\d\.\d{3}", concluded[0])
    assert "raw:" in out and "normalised:" in out  # the table says what its columns mean

    # the rules, the veto and the tally explain themselves
    assert "Veto holders: us, uk, france, russia, china" in out
    assert "qualified majority" in out and "at least 9 of the total 15" in out
    ballots = [line for line in out.splitlines() if re.match(r"\s+R\d+-\S+\s+yes ", line)]
    assert ballots, out
    for line in ballots:
        assert re.search(r"yes \d+ seats? \(weight \d+ of 15\), no \d+ seats? \(weight", line)
        assert not re.search(r"yes \d+ \(\d", line)

    assert transcript.exists()
    assert verify(read(transcript.read_bytes().splitlines())).ok
    assert str(transcript) in out
    assert f"accord verify {transcript}" in out
    assert "/api/rooms/" not in out  # no link to a server that has stopped
    assert "accord bot play" in out
    # then a short tournament, its leaderboard, and how to read more of it
    board = out[out.index("A short tournament:") :].splitlines()
    places = [line for line in board if re.match(r"\s+\d\. ", line)]
    assert len(places) == 6, out
    means = [float(re.search(r"  ([+-]\d\.\d{3})  \[", p).group(1)) for p in places]  # type: ignore[union-attr]
    assert means == sorted(means, reverse=True)
    assert f"accord tournament report {tmp_path / 'demo.db'} --name demo" in out
    stored, results = load_results(str(tmp_path / "demo.db"), "demo")
    assert len(results) == 20 and len(stored.entry_names) == 6


def _result(package_id: str, votes: dict[str, str], weights: dict[str, float]) -> PackageResult:
    yes = [s for s, v in votes.items() if v == "yes"]
    no = [s for s, v in votes.items() if v == "no"]
    tally = Tally(
        yes=len(yes),
        no=len(no),
        yes_weight=sum(weights[s] for s in yes),
        no_weight=sum(weights[s] for s in no),
    )
    return PackageResult(
        package_id=package_id, seat="a3", tally=tally, passed=True, vetoed_by=[], votes=votes
    )


def test_a_package_passed_over_veto_holders_no_says_no_veto_was_cast() -> None:
    scenario = load_scenario("security-council")
    weights = {d.id: d.weight for d in scenario.delegations}
    votes = {seat: "yes" for seat in scenario.seats}
    votes.update(china="no", russia="no")
    result = _result("R2-a3-1", votes, weights)
    ballot = BallotResult(room="r", seq=40, at=1.0, round=2, secret=False, results=[result])

    text = describe(ballot, scenario)

    assert text is not None
    line = next(line for line in text.splitlines() if "R2-a3-1" in line)
    assert "passes" in line
    assert "a 'no' is not a veto" in line
    assert "russia, china voted no but cast no veto" in line
    assert "yes 7 seats (weight 13 of 15), no 2 seats (weight 2)" in line
    assert "qualified majority" in text and "at least 9 of the total 15" in text

    package = {i.id: i.options[0] for i in scenario.issues}
    adopted = PackageAdopted(
        room="r", seq=41, at=1.0, round=2, package_id="R2-a3-1", seat="a3",
        package=package, yes_weight=13.0,
    )  # fmt: skip
    assert (adopted_line := describe(adopted, scenario)) is not None
    assert adopted_line.startswith("ADOPTED R2-a3-1")


def test_no_note_when_only_elected_members_voted_no() -> None:
    scenario = load_scenario("security-council")
    weights = {d.id: d.weight for d in scenario.delegations}
    votes = {seat: "yes" for seat in scenario.seats}
    votes["apg"] = "no"
    ballot = BallotResult(
        room="r",
        seq=40,
        at=1.0,
        round=1,
        secret=False,
        results=[_result("R1-us-1", votes, weights)],
    )
    text = describe(ballot, scenario)
    assert text is not None and "passes" in text
    assert "not a veto" not in text


def test_demo_help_explains_every_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accord", "demo", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    options = re.findall(r"^\s{2}(--[\w-]+)(?: [A-Z]+)?(.*)$", done.stdout, re.MULTILINE)
    names = {name for name, _ in options}
    assert {
        "--scenario", "--seed", "--host", "--port", "--db", "--once", "--delay", "--transcript"
    } <= names  # fmt: skip
    for name, rest in options:
        # the help text starts on the option's line (argparse wraps long ones below)
        assert rest.strip(), f"{name} has no help text"
    text = " ".join(done.stdout.split())  # undo argparse's wrapping
    assert "outcome of inspections" in text  # what --seed decides
    assert "watch the talk live" in text  # what --delay is for
