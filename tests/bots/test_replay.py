"""Replaying a strategy on a recorded talk: the same strategy reproduces every
decision, in-process and over a websocket; a changed one shows its first difference."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from accord.bots import BotClient, Context, Delegation, ReplayError, load, play, replay
from accord.bots.registry import BUILTIN
from accord.protocol.engine.transcript import export, read
from accord.protocol.engine.visibility import SPECTATOR, Viewer
from accord.protocol.scenario import load_scenario
from tests.helpers import ROOT
from tests.netutil import RunningServer

FIELD = sorted(BUILTIN)


@pytest.mark.parametrize("scenario_name", ["six-party-talks", "security-council"])
def test_every_built_in_reproduces_every_decision_it_made(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    lineup = {seat: load(FIELD[n % len(FIELD)])() for n, seat in enumerate(scenario.seats)}
    talk = play(scenario, lineup, seed=11)
    for seat in scenario.seats:
        again = replay(talk.room.log, seat, type(lineup[seat])())
        assert again.decisions, seat
        assert again.reproduced, (seat, lineup[seat].name, again.first_difference)
        kinds = {d.phase for d in again.decisions}
        assert {"tabling", "ballot"} <= kinds


class Stubborn(Delegation):
    """Votes no on everything but its own package, and says why in its notebook."""

    name = "stubborn"

    def table(self, ctx: Context) -> dict[str, str]:
        return ctx.best_package()

    def vote(self, ctx: Context, package: object) -> str:
        ctx.note("no: not mine")
        return "yes" if package.seat == ctx.seat else "no"  # type: ignore[attr-defined]


def test_a_changed_strategy_shows_where_it_departs_and_what_it_noted() -> None:
    scenario = load_scenario("climate-accord")
    lineup = {seat: load("conceder")() for seat in scenario.seats}
    talk = play(scenario, lineup, seed=2)
    me = scenario.seats[1]
    again = replay(talk.room.log, me, Stubborn())
    first = again.first_difference
    assert first is not None and not again.reproduced
    assert first.phase in ("tabling", "ballot") and first.round >= 1
    assert first.recorded != first.replayed
    ballots = [d for d in again.decisions if d.phase == "ballot"]
    assert ballots and all("no: not mine" in d.notes for d in ballots)
    # what it was shown stays the record: later rounds still see the real packages
    assert all(m[0] == "vote" for d in ballots for m in d.replayed)


def test_a_seats_copy_needs_the_bots_seed_and_then_reproduces(tmp_path: Path) -> None:
    scenario = load_scenario("trade-round")
    lineup = {seat: load("random")() for seat in scenario.seats}
    talk = play(scenario, lineup, seed=8)
    me = scenario.seats[0]
    mine = [line.event for line in read(export(talk.room, Viewer.of_seat(me)).splitlines())]
    events = [e for e in mine if e is not None]
    with pytest.raises(ReplayError, match="does not show the room's seed"):
        replay(events, me, load("random")())
    assert replay(events, me, load("random")(), seed=8).reproduced
    assert not replay(events, me, load("random")(), seed=9).reproduced  # its rng differs
    public = [line.event for line in read(export(talk.room, SPECTATOR).splitlines())]
    with pytest.raises(ReplayError, match=f"does not hold {me}'s brief"):
        replay([e for e in public if e is not None], me, load("random")(), seed=8)
    with pytest.raises(ReplayError, match="no seat 'atlantis'"):
        replay(events, "atlantis", load("random")(), seed=8)


async def test_a_bot_that_played_over_a_websocket_replays_from_its_own_copy(
    tmp_path: Path,
) -> None:
    scenario = load_scenario("climate-accord")
    names = ["adaptive", "tit-for-tat", "coalition-builder", "random", "inspector", "conceder"]
    async with RunningServer(tmp_path / "db.sqlite") as server:
        live, tokens = await server.hub.create_room(scenario, seed=21)
        bots = [
            BotClient(load(name), server.ws_url, tokens[seat], seed=100 + n)
            for n, (seat, name) in enumerate(zip(scenario.seats, names, strict=True))
        ]
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), 60)
        log = list(live.room.log)
    for n, (seat, name) in enumerate(zip(scenario.seats, names, strict=True)):
        again = replay(log, seat, load(name)(), seed=100 + n)
        assert again.reproduced, (seat, name, again.first_difference)


def test_bot_replay_on_the_command_line(tmp_path: Path) -> None:
    transcript = tmp_path / "talk.jsonl"
    scenario = load_scenario("climate-accord")
    lineup = {seat: load("adaptive")() for seat in scenario.seats}
    transcript.write_bytes(export(play(scenario, lineup, seed=4).room))

    def accord(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "accord", "bot", "replay", str(transcript), *args],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    same = accord("adaptive", "--seat", "china")
    assert same.returncode == 0, same.stderr
    assert "adaptive replayed at seat china (seed 4):" in same.stdout
    assert "Every decision is the one recorded." in same.stdout
    assert "  round 1 tabling" in same.stdout and "DIFFERENT" not in same.stdout
    changed = accord("hardliner", "--seat", "china")
    assert changed.returncode == 1
    assert "DIFFERENT\n      recorded: " in changed.stdout
    assert "First difference: round " in changed.stdout
    as_json = accord("hardliner", "--seat", "china", "--json")
    assert as_json.returncode == 1 and '"reproduced":false' in as_json.stdout
    wrong = accord("adaptive", "--seat", "atlantis")
    assert wrong.returncode == 2 and "no seat 'atlantis' in this talk" in wrong.stderr
