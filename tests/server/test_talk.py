"""A full talk over real websockets: six seats, a spectator, the organizer."""

from __future__ import annotations

from typing import Any

import pytest

from accord.protocol.codec import canonical, decode_event
from accord.protocol.commands import Act, CastVeto, CastVote, Challenge, Pass, Propose, Say
from accord.protocol.engine.transcript import read, verify
from accord.protocol.engine.visibility import SPECTATOR, Viewer, visible_log
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    PackageAdopted,
    PhaseStarted,
    StatementMade,
    TalksConcluded,
    TalksOpened,
)
from accord.protocol.replies import Ack, Welcome
from tests.helpers import SEATS, six_seat_scenario
from tests.netutil import Client, RunningServer, act, api


async def test_six_websocket_clients_play_a_full_talk(backend: dict[str, Any]) -> None:
    async with RunningServer(**backend) as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": six_seat_scenario(), "seed": 11}
        )
        assert status == 201, created
        room = created["room"]
        seats = {seat: Client(server.ws_url, seat) for seat in SEATS}
        for client in seats.values():
            await client.connect()
        spectator = await Client(server.ws_url, "spectator").connect()
        welcome = await spectator.hello(None, room=room)
        assert isinstance(welcome, Welcome) and welcome.role == "spectator"
        for seat, client in seats.items():
            welcome = await client.hello(created["seats"][seat])
            assert isinstance(welcome, Welcome), welcome
            assert welcome.seat == seat and welcome.brief is not None
            assert welcome.brief.notes == f"private notes of {seat}"
        for client in seats.values():
            await client.wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "tabling")

        # round 1: a private word, a public one, a package, a veto
        assert isinstance(await act(seats["s1"], Say(text="just us two", to=["s2"])), Ack)
        assert isinstance(await act(seats["s3"], Say(text="hello all")), Ack)
        first = {"cut": "mid", "checks": "none", "fines": "none"}
        assert isinstance(await act(seats["s1"], Propose(package=first)), Ack)
        for seat in SEATS[1:]:
            assert isinstance(await act(seats[seat], Pass()), Ack)
        await seats["s1"].wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "ballot")
        assert isinstance(await act(seats["s6"], CastVeto(package_id="R1-s1-1")), Ack)
        for seat in SEATS[:5]:
            assert isinstance(
                await act(seats[seat], CastVote(package_id="R1-s1-1", vote="yes")), Ack
            )
        result = await spectator.wait_for(lambda m: isinstance(m, BallotResult))
        assert result.secret and result.results[0].votes is None
        assert result.results[0].vetoed_by == ("s6",) and not result.results[0].passed

        # round 2: a package with full checks and heavy fines is adopted
        second = {"cut": "mid", "checks": "full", "fines": "heavy"}
        await seats["s2"].wait_for(lambda m: isinstance(m, PhaseStarted) and m.round == 2)
        assert isinstance(await act(seats["s2"], Propose(package=second)), Ack)
        for seat in SEATS:
            if seat != "s2":
                assert isinstance(await act(seats[seat], Pass()), Ack)
        await seats["s1"].wait_for(
            lambda m: isinstance(m, PhaseStarted) and m.phase == "ballot" and m.round == 2
        )
        for seat in SEATS:
            assert isinstance(
                await act(seats[seat], CastVote(package_id="R2-s2-1", vote="yes")), Ack
            )
        adopted = await spectator.wait_for(lambda m: isinstance(m, PackageAdopted))
        assert adopted.package == second and adopted.detection == 1.0

        # implementation: s4 defects and is caught
        for period in (1, 2):
            await seats["s4"].wait_for(
                lambda m, p=period: (
                    isinstance(m, PhaseStarted) and m.phase == "action" and m.period == p
                )
            )
            for seat in SEATS:
                choice = "defect" if seat == "s4" else "comply"
                assert isinstance(await act(seats[seat], Act(choice=choice)), Ack)
            await seats["s1"].wait_for(
                lambda m, p=period: (
                    isinstance(m, PhaseStarted) and m.phase == "verification" and m.period == p
                )
            )
            assert isinstance(await act(seats["s1"], Challenge(target="s4")), Ack)
            for seat in SEATS[1:]:
                assert isinstance(await act(seats[seat], Pass()), Ack)
        concluded = await spectator.wait_for(lambda m: isinstance(m, TalksConcluded))
        scores = {s.seat: s for s in concluded.scores}
        assert scores["s4"].detected == 2 and scores["s4"].sanctions == pytest.approx(0.6)
        assert scores["s1"].inspection_costs == pytest.approx(0.02)

        # every client's view is exactly the engine's filtered log
        status, text = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
        assert status == 200
        lines = read(text.splitlines())
        assert verify(lines).ok
        log = [line.event for line in lines]
        for seat, client in seats.items():
            await client.wait_for(lambda m: isinstance(m, TalksConcluded))
            expected = visible_log(log, Viewer.of_seat(seat))
            assert [canonical(e) for e in client.events()] == [canonical(e) for e in expected]
        assert [canonical(e) for e in spectator.events()] == [
            canonical(e) for e in visible_log(log, SPECTATOR)
        ]

        # and the private channels stayed private
        for seat, client in seats.items():
            opened = next(e for e in client.events() if isinstance(e, TalksOpened))
            assert [d.id for d in opened.scenario.delegations if d.brief] == [seat]
            assert opened.seed is None
            private = [e for e in client.events() if isinstance(e, StatementMade) and e.to]
            assert bool(private) == (seat in ("s1", "s2"))
            actions = {e.seat for e in client.events() if isinstance(e, ActionTaken)}
            assert actions == {seat}
            for raw in client.raw:
                for other in SEATS:
                    if other != seat:
                        assert f"private notes of {other}" not in raw
        assert not [e for e in spectator.events() if isinstance(e, (ActionTaken,))]
        assert all("private notes" not in raw for raw in spectator.raw)

        # the store holds exactly what was sent, in order
        rows = await server.hub.store.events(room)
        assert [decode_event(r.data) for r in rows] == log
        for client in [*seats.values(), spectator]:
            await client.close()
