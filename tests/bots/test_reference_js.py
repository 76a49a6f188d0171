"""The JavaScript reference bot (bots/reference-js) plays a full talk on a live server.

It knows only docs/protocol.md, so a clean talk here shows that the protocol
documentation suffices for a bot written without the Python SDK. Its
reconnect path (resume after a server restart, resend what was not
acknowledged) is exercised in tests/server/test_restart_bots.py.

The JavaScript transcript verifier (bots/reference-js/verify.js) reproduces
the committed known-answer vectors and verifies a public transcript fetched
from a live server, agreeing with the Python verifier on its head.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest

from accord.bots.strategies.conceder import Conceder
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    PhaseStarted,
    ProposalTabled,
    TalksConcluded,
    Timeout,
    VoteCast,
)
from accord.protocol.scenario import load_scenario
from tests.helpers import ROOT
from tests.netutil import RunningServer, api

BOT_DIR = ROOT / "bots" / "reference-js"
BOT = BOT_DIR / "bot.js"
VERIFIER = BOT_DIR / "verify.js"
VECTORS = ROOT / "docs" / "chain-vectors.json"
NODE = shutil.which("node")
SCENARIO = "climate-accord"
SEED = 5
TIMEOUT = 90.0

pytestmark = [
    pytest.mark.skipif(
        NODE is None, reason="node is not on PATH: the JavaScript reference bot needs Node.js"
    ),
    pytest.mark.skipif(
        not (BOT_DIR / "node_modules" / "ws").is_dir(),
        reason="the reference bot's dependency is not installed: "
        "run `npm ci --prefix bots/reference-js`",
    ),
]


async def node_bot(*args: str) -> asyncio.subprocess.Process:
    assert NODE is not None
    return await asyncio.create_subprocess_exec(
        NODE,
        str(BOT),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_the_reference_bot_plays_a_full_talk(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    js_seat = scenario.seats[0]
    async with RunningServer(tmp_path / "js.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": SEED}
        )
        assert status == 201, created
        tokens: dict[str, str] = created["seats"]
        node = await node_bot(server.ws_url, tokens[js_seat])
        bots = {
            seat: BotClient(Conceder, server.ws_url, token, seed=SEED, reconnect=False)
            for seat, token in tokens.items()
            if seat != js_seat
        }
        played = asyncio.ensure_future(asyncio.gather(*(b.run() for b in bots.values())))
        try:
            stdout_bytes, stderr_bytes = await asyncio.wait_for(node.communicate(), TIMEOUT)
            stdout, stderr = stdout_bytes.decode(), stderr_bytes.decode()
            assert node.returncode == 0, f"exit {node.returncode}\n{stdout}\n{stderr}"
            await asyncio.wait_for(played, TIMEOUT)
        finally:
            if node.returncode is None:
                node.kill()
                await node.wait()
            if not played.done():
                played.cancel()
                await asyncio.gather(played, return_exceptions=True)
        status, text = await api(server.url, "GET", f"/api/rooms/{created['room']}/transcript")
        assert status == 200, text

    # the server reported no error to the JS seat: the bot prints every `error` to stderr
    assert stderr.strip() == "", stderr
    for bot in bots.values():
        (room,) = bot.rooms.values()
        assert room.errors == [] and room.concluded is not None

    lines = read(text.splitlines())
    result = verify(lines)
    assert result.ok, result.problems
    events = [line.event for line in lines]
    final = events[-1]
    assert isinstance(final, TalksConcluded)

    # it acted in every phase, in time: tabled each round, voted on every package
    assert not [e for e in events if isinstance(e, Timeout) and e.seat == js_seat]
    rounds = {e.round for e in events if isinstance(e, PhaseStarted) and e.phase == "tabling"}
    tabled = [e for e in events if isinstance(e, ProposalTabled) and e.seat == js_seat]
    assert {e.round for e in tabled} == rounds and len(tabled) == len(rounds)
    on_ballot = sum(len(e.results) for e in events if isinstance(e, BallotResult))
    votes = [e for e in events if isinstance(e, VoteCast) and e.seat == js_seat]
    assert len(votes) == on_ballot > 0
    actions = [e for e in events if isinstance(e, ActionTaken) and e.seat == js_seat]
    if final.outcome == "agreement" and scenario.implementation is not None:
        assert [a.choice for a in actions] == ["comply"] * scenario.implementation.periods

    # round 1: its best package
    brief = scenario.delegation(js_seat).brief
    assert brief is not None
    first = next(e for e in tabled if e.round == 1)
    utility = sum(
        brief.weights[i.id] * brief.values[i.id][i.options.index(first.package[i.id])]
        for i in scenario.issues
    )
    best = sum(brief.weights[i.id] * max(brief.values[i.id]) for i in scenario.issues)
    assert utility == pytest.approx(best)

    # it printed the score the transcript records
    (score,) = [s for s in final.scores if s.seat == js_seat]
    match = re.search(
        rf"^{js_seat} scored ([+-]?\d+\.\d+) \(normalised (\d+\.\d+)\)$", stdout, re.M
    )
    assert match, stdout
    assert float(match[1]) == pytest.approx(score.raw, abs=1e-3)
    assert float(match[2]) == pytest.approx(score.normalised, abs=1e-3)


async def test_the_reference_bot_reports_a_refused_token(tmp_path: Path) -> None:
    async with RunningServer(tmp_path / "bad.db") as server:
        node = await node_bot(server.ws_url, "seat_not-a-real-token")
        try:
            stdout, stderr = await asyncio.wait_for(node.communicate(), TIMEOUT)
        finally:
            if node.returncode is None:
                node.kill()
                await node.wait()
    assert node.returncode != 0
    assert "error bad_token" in stderr.decode()


async def test_the_reference_bot_explains_its_usage() -> None:
    node = await node_bot()
    stdout, stderr = await asyncio.wait_for(node.communicate(), TIMEOUT)
    assert node.returncode == 2
    assert "usage: node bot.js ws://127.0.0.1:8000/ws SEAT_TOKEN" in stderr.decode()


async def node_verify(*args: str) -> tuple[int, str, str]:
    assert NODE is not None
    proc = await asyncio.create_subprocess_exec(
        NODE,
        str(VERIFIER),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, stdout.decode(), stderr.decode()


async def test_the_javascript_verifier_reproduces_the_committed_vectors() -> None:
    code, stdout, stderr = await node_verify("--vectors", str(VECTORS))
    assert code == 0, stdout + stderr
    assert "vectors reproduced" in stdout and "NOT" not in stdout
    assert stderr == ""


async def test_the_javascript_verifier_checks_a_public_transcript(tmp_path: Path) -> None:
    async with RunningServer(tmp_path / "public.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": SEED}
        )
        assert status == 201, created
        bots = [
            BotClient(Conceder, server.ws_url, token, seed=SEED, reconnect=False)
            for token in created["seats"].values()
        ]
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), TIMEOUT)
        # no token: the public copy of a public room, once the talks have concluded
        status, text = await api(
            server.url, "GET", f"/api/rooms/{created['room']}/transcript", token=None
        )
        assert status == 200, text

    lines = read(text.splitlines())
    assert isinstance(lines[-1].event, TalksConcluded)
    python = verify(lines)
    assert python.ok and python.withheld > 0, python.problems
    public = tmp_path / "public.jsonl"
    public.write_text(text)
    code, stdout, stderr = await node_verify(str(public))
    assert code == 0, stdout + stderr
    assert "verified" in stdout.splitlines()
    assert f"head {python.head}" in stdout.splitlines()
    withheld = re.search(r"^withheld (\d+)$", stdout, re.M)
    assert withheld and int(withheld[1]) == python.withheld > 0

    # one character of one hash changed: the chain no longer holds
    raw = text.splitlines()
    middle = len(raw) // 2
    line = json.loads(raw[middle])
    digit = line["hash"][10]
    line["hash"] = line["hash"][:10] + ("0" if digit != "0" else "1") + line["hash"][11:]
    raw[middle] = json.dumps(line)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(raw) + "\n")
    code, stdout, stderr = await node_verify(str(tampered))
    assert code == 1, stdout + stderr
    assert "NOT verified" in stdout
    assert "hash does not match the chain" in stderr
