"""Commands are idempotent by ref, over real websockets and across a restart.

A seat repeating a command with a ref it used before (its acknowledgement was
lost, say) gets the original answer: the same ack seq and no new event, or the
same refusal, even when the room has moved on so that the command judged
afresh would be answered otherwise. Accepted refs are stored with their
events, so this holds after the server restarts on the same database.
"""

from __future__ import annotations

from typing import Any

from accord.protocol.commands import CastVote, Pass, Propose
from accord.protocol.events import PhaseStarted, ProposalTabled, VoteCast
from accord.protocol.replies import Ack, Error, Welcome
from tests.netutil import Client, RunningServer, api

SEATS = ["a", "b", "c"]
PACKAGE = {"cut": "mid", "money": "some"}


def three_seat_scenario() -> dict[str, Any]:
    issues = [
        {"id": "cut", "title": "Cut", "options": ["low", "mid", "high"]},
        {"id": "money", "title": "Money", "options": ["none", "some"]},
    ]
    return {
        "id": "refs",
        "title": "Three seats",
        "issues": issues,
        "delegations": [
            {
                "id": seat,
                "brief": {
                    "weights": {"cut": 0.5, "money": 0.5},
                    "values": {"cut": [0.0, 0.5, 1.0], "money": [0.2, 0.8]},
                    "reservation": 0.1,
                },
            }
            for seat in SEATS
        ],
        "rules": {"decision": "consensus", "max_rounds": 2, "proposals_per_round": 1},
    }


def reopened(backend: dict[str, Any]) -> dict[str, Any]:
    """The same database for a new server (a new store object on the same schema)."""

    store = backend.get("store")
    if store is None:
        return dict(backend)
    from accord.server.store.postgres import PostgresStore

    return {"db": backend["db"], "store": PostgresStore(store.dsn, schema=store.schema)}


async def answer(client: Client, command: Any) -> Ack | Error:
    start = len(client.messages)
    await client.send(command)
    return await client.wait_for(
        lambda m: isinstance(m, (Ack, Error)) and m.ref == command.ref, start=start
    )


async def transcript(server: RunningServer, room: str) -> str:
    status, text = await api(server.url, "GET", f"/api/rooms/{room}/transcript")
    assert status == 200, text
    return text


async def test_a_repeated_ref_gets_the_original_answer_even_after_a_restart(
    backend: dict[str, Any],
) -> None:
    async with RunningServer(**backend) as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": three_seat_scenario(), "seed": 2}
        )
        assert status == 201, created
        room = created["room"]
        clients = {}
        for seat in SEATS:
            clients[seat] = await Client(server.ws_url, seat).connect()
            assert isinstance(await clients[seat].hello(created["seats"][seat]), Welcome)
        a = clients["a"]
        await a.wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "tabling")
        live = server.hub.rooms[room]

        first = await answer(a, Propose(package=PACKAGE, ref="r1"))
        assert isinstance(first, Ack) and first.seq > 0
        seq = live.room.last_seq
        before = await transcript(server, room)

        again = await answer(a, Propose(package=PACKAGE, ref="r1"))
        assert isinstance(again, Ack), again
        assert again.seq == first.seq
        assert live.room.last_seq == seq
        assert await transcript(server, room) == before
        tabled = [e for e in live.room.log if isinstance(e, ProposalTabled)]
        assert len(tabled) == 1

        # a refusal is remembered too: a vote before the ballot...
        early = await answer(a, CastVote(package_id=tabled[0].package_id, vote="yes", ref="v1"))
        assert isinstance(early, Error) and early.code == "wrong_phase"
        for seat in ("b", "c"):
            assert isinstance(await answer(clients[seat], Pass(ref=f"pass-{seat}")), Ack)
        await a.wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "ballot")
        # ...stays refused under its ref once the ballot is open, and changes nothing
        seq = live.room.last_seq
        repeated = await answer(a, CastVote(package_id=tabled[0].package_id, vote="yes", ref="v1"))
        assert isinstance(repeated, Error) and repeated.code == early.code
        assert live.room.last_seq == seq
        # the same vote under a new ref is judged on its own
        vote = await answer(a, CastVote(package_id=tabled[0].package_id, vote="yes", ref="v2"))
        assert isinstance(vote, Ack) and vote.seq == seq + 1
        stored = len(await server.hub.store.events(room))
        for client in clients.values():
            await client.close()

    # a new server on the same database: the accepted refs are still answered
    async with RunningServer(**reopened(backend)) as server:
        live = server.hub.rooms[room]
        assert live.room.last_seq == stored and live.room.phase == "ballot"
        a = await Client(server.ws_url, "a").connect()
        assert isinstance(await a.hello(created["seats"]["a"], last_seq=stored), Welcome)
        joined = live.room.last_seq  # (the seat's return may be an event of its own)
        before = await transcript(server, room)

        proposal = await answer(a, Propose(package=PACKAGE, ref="r1"))
        assert isinstance(proposal, Ack), proposal
        assert proposal.seq == first.seq
        vote_again = await answer(
            a, CastVote(package_id=tabled[0].package_id, vote="yes", ref="v2")
        )
        assert isinstance(vote_again, Ack), vote_again
        assert vote_again.seq == vote.seq
        assert live.room.last_seq == joined
        assert await transcript(server, room) == before
        votes = [e for e in live.room.log if isinstance(e, VoteCast) and e.seat == "a"]
        assert len(votes) == 1

        # a ref never used is still judged afresh (tabling is over)
        fresh = await answer(a, Propose(package=PACKAGE, ref="r9"))
        assert isinstance(fresh, Error) and fresh.code == "wrong_phase"
        await a.close()
