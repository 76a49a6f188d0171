"""Transcripts over HTTP: each audience gets its own copy; every copy verifies to one head."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from accord.bots.strategies.coalition_builder import CoalitionBuilder
from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.hardliner import Hardliner
from accord.bots.websocket import BotClient
from accord.protocol.engine.transcript import TranscriptLine, read, verify
from accord.protocol.events import BallotResult, StatementMade, TalksOpened, VoteCast
from accord.protocol.scenario import load_scenario
from tests.netutil import ORGANIZER, RunningServer, api

SCENARIO = "six-party-talks"  # a secret ballot
LINEUP = (CoalitionBuilder, Hardliner, Conceder)


async def fetch(server: RunningServer, room: str, token: str | None) -> tuple[int, Any, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.url}/api/rooms/{room}/transcript", headers=headers) as res,
    ):
        text = await res.text()
        return res.status, text, dict(res.headers)


async def played_room(server: RunningServer, *, public: bool = True) -> tuple[str, dict[str, str]]:
    scenario = load_scenario(SCENARIO)
    status, created = await api(
        server.url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": 9, "public": public}
    )
    assert status == 201, created
    bots = [
        BotClient(LINEUP[n % len(LINEUP)], server.ws_url, created["seats"][seat], seed=9)
        for n, seat in enumerate(scenario.seats)
    ]
    await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), 60)
    return created["room"], created["seats"]


def lines_of(text: str) -> list[TranscriptLine]:
    return read(text.splitlines())


async def test_each_audience_gets_its_copy_and_all_verify_to_one_head(tmp_path) -> None:
    async with RunningServer(tmp_path / "t.db") as server:
        room, seats = await played_room(server)
        status, full_text, headers = await fetch(server, room, ORGANIZER)
        assert status == 200 and headers["X-Accord-Reader"] == "organizer"
        head = headers["X-Accord-Head"]
        full = verify(lines_of(full_text))
        assert full.ok and full.complete and full.replay_ok and full.head == head
        log = [line.event for line in lines_of(full_text)]
        private = [e for e in log if isinstance(e, StatementMade) and e.to is not None]
        assert private, "the coalition builders spoke privately"

        status, public_text, headers = await fetch(server, room, None)
        assert status == 200 and headers["X-Accord-Reader"] == "spectator"
        public = verify(lines_of(public_text))
        assert public.ok and public.head == head and not public.complete
        opened = lines_of(public_text)[0].event
        assert isinstance(opened, TalksOpened)
        assert opened.seed is None and opened.sealing_key is None
        assert all(d.brief is None for d in opened.scenario.delegations)
        for line in lines_of(public_text):
            match line.event:
                case VoteCast(vote=vote):
                    assert vote is None
                case BallotResult(results=results):
                    assert all(r.votes is None for r in results)
                case StatementMade(to=to):
                    assert to is None
        for statement in private:
            assert statement.text not in public_text

        seat, token = next(iter(seats.items()))
        status, seat_text, headers = await fetch(server, room, token)
        assert status == 200 and headers["X-Accord-Reader"] == f"seat:{seat}"
        mine = verify(lines_of(seat_text))
        assert mine.ok and mine.head == head and 0 < mine.withheld < public.withheld
        opened = lines_of(seat_text)[0].event
        assert isinstance(opened, TalksOpened)
        assert [d.id for d in opened.scenario.delegations if d.brief is not None] == [seat]
        own_votes = [
            line.event
            for line in lines_of(seat_text)
            if isinstance(line.event, VoteCast) and line.event.seat == seat
        ]
        assert own_votes and all(v.vote is not None for v in own_votes)


async def test_who_may_read_a_transcript_and_when(tmp_path) -> None:
    async with RunningServer(tmp_path / "w.db") as server:
        room, seats = await played_room(server, public=False)
        seat_token = next(iter(seats.values()))
        assert (await fetch(server, room, None))[0] == 401  # not public: seats and organizer
        status, text, _ = await fetch(server, room, "seat_nobody-has-this")
        assert status == 401 and '"bad_token"' in text
        assert (await fetch(server, room, seat_token))[0] == 200
        assert (await fetch(server, room, ORGANIZER))[0] == 200

        # another room's seat token opens nothing here
        other, other_seats = await played_room(server)
        status, text, _ = await fetch(server, room, next(iter(other_seats.values())))
        assert status == 403 and '"forbidden"' in text

        # before the talks conclude, only the organizer reads
        status, created = await api(server.url, "POST", "/api/rooms", body={"scenario": SCENARIO})
        assert status == 201
        fresh, fresh_seats = created["room"], created["seats"]
        for token in (None, next(iter(fresh_seats.values()))):
            status, text, _ = await fetch(server, fresh, token)
            assert status == 403 and '"forbidden"' in text
        status, text, _ = await fetch(server, fresh, ORGANIZER)
        assert status == 200 and verify(lines_of(text)).ok
        assert other != room
