"""Long histories over real websockets: past events are streamed, not queued.

A room with more than 10,000 events is joined from seq 0 by a spectator and
the organizer, from the middle by a seat, and replayed again on open
connections with ``resume``: everyone receives exactly the events it may see,
in order, once, with the default send queue (2,048 messages), and nobody is
closed as a slow consumer. Replays share one budget: a seat in another room
gets its pongs while three spectators replay the long history.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from accord.protocol.codec import canonical
from accord.protocol.commands import Ping, Resume, Say
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer, visible_log
from accord.protocol.events import Event
from accord.protocol.replies import Ack, Pong, Welcome
from accord.server.live import LiveRoom
from tests.netutil import ORGANIZER as ORGANIZER_TOKEN
from tests.netutil import Client, RunningServer, api

SCENARIO = "climate-accord"
EVENTS = 10_000
BATCH = 500


async def open_room(server: RunningServer) -> dict[str, Any]:
    status, created = await api(
        server.url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": 3}
    )
    assert status == 201, created
    status, body = await api(server.url, "POST", f"/api/rooms/{created['room']}/start")
    assert status == 200, body
    return created


async def long_room(server: RunningServer) -> tuple[dict[str, Any], LiveRoom]:
    """A running room holding more than EVENTS events: statements, every fifth one
    addressed privately from the first seat to the second."""

    created = await open_room(server)
    live = server.hub.rooms[created["room"]]
    speaker, listener = live.room.seats[0], live.room.seats[1]
    said = itertools.count(1)
    while live.room.last_seq < EVENTS:
        statements = []
        for _ in range(BATCH):
            n = next(said)
            to = [listener] if n % 5 == 0 else None
            statements.append(live.submit(speaker, Say(text=f"statement {n}", to=to)))
        await asyncio.gather(*statements)
    assert live.durable_seq == live.room.last_seq > EVENTS
    return created, live


def forms(events: list[Any]) -> list[bytes]:
    return [canonical(e) for e in events]


def expected(live: LiveRoom, viewer: Viewer, *, after: int = 0, upto: int | None = None) -> list:
    log: list[Event] = list(live.room.log[:upto])
    return forms(visible_log(log, viewer, after=after))


async def connected(server: RunningServer, name: str, token: str | None, **hello: Any) -> Client:
    client = await Client(server.ws_url, name).connect()
    welcome = await client.hello(token, **hello)
    assert isinstance(welcome, Welcome), welcome
    return client


async def received_up_to(client: Client, seq: int, *, timeout: float = 30.0) -> None:
    await client.wait_for(
        lambda m: hasattr(m, "at") and getattr(m, "seq", 0) >= seq, timeout=timeout
    )


async def test_joiners_of_a_long_history_get_all_of_it_in_order_and_stay_connected(
    tmp_path,
) -> None:
    async with RunningServer(tmp_path / "long.db") as server:
        assert server.settings.send_queue == 2048
        created, live = await long_room(server)
        room = created["room"]
        total = live.room.last_seq
        half = total // 2
        seat = live.room.seats[2]  # not addressed by the private statements

        spectator = await connected(server, "spectator", None, room=room)
        organizer = await connected(server, "organizer", ORGANIZER_TOKEN, room=room)
        seated = await connected(server, seat, created["seats"][seat], last_seq=half)
        # the seat's arrival is itself an event, published after every replay
        joined = live.room.last_seq
        assert joined > total
        for client in (spectator, organizer, seated):
            await received_up_to(client, joined)

        assert [e.seq for e in organizer.events()] == list(range(1, joined + 1))
        assert forms(organizer.events()) == expected(live, ORGANIZER)
        assert forms(spectator.events()) == expected(live, SPECTATOR)
        assert len(spectator.events()) > 2 * server.settings.send_queue
        assert forms(seated.events()) == expected(live, Viewer.of_seat(seat), after=half)
        assert seated.events()[0].seq == half + 1

        # live events follow the replay, contiguous with it
        speaker = live.room.seats[0]
        await live.submit(speaker, Say(text="after the replay"))
        last = live.room.last_seq
        for client in (spectator, organizer, seated):
            await received_up_to(client, last)
            assert client.events()[-1].seq == last
        assert [e.seq for e in organizer.events()] == list(range(1, last + 1))
        assert forms(spectator.events()) == expected(live, SPECTATOR)
        assert forms(seated.events()) == expected(live, Viewer.of_seat(seat), after=half)

        # resume on an open connection: exactly the events after last_seq, then the ack
        back = last - 2100
        for client, viewer in (
            (organizer, ORGANIZER),
            (seated, Viewer.of_seat(seat)),
            (spectator, SPECTATOR),
        ):
            start = len(client.messages)
            await client.send(Resume(last_seq=back, ref="again"))
            ack = await client.wait_for(
                lambda m: isinstance(m, Ack) and m.ref == "again", start=start, timeout=30
            )
            assert ack.seq == last
            answered = client.messages.index(ack, start)
            replayed = [m for m in client.messages[start:answered] if hasattr(m, "at")]
            assert forms(replayed) == expected(live, viewer, after=back)
            if viewer == ORGANIZER:
                assert [e.seq for e in replayed] == list(range(back + 1, last + 1))
            assert not [m for m in client.messages[answered + 1 :] if hasattr(m, "at")]

        for client in (spectator, organizer, seated):
            assert not client.closed.done(), client.closed.result()
        assert server.hub.metrics.closes.labels("slow_consumer")._value.get() == 0
        for client in (spectator, organizer, seated):
            await client.close()


class Arrivals(list):
    """A client's message list that also records when, among all clients, each arrived."""

    def __init__(self, clock: itertools.count) -> None:
        super().__init__()
        self.clock = clock
        self.stamps: list[int] = []

    def append(self, message: Any) -> None:
        self.stamps.append(next(self.clock))
        super().append(message)


async def test_replays_share_a_budget_so_another_room_gets_its_pongs_first(tmp_path) -> None:
    async with RunningServer(tmp_path / "budget.db") as server:
        created, live = await long_room(server)
        room = created["room"]
        total = live.room.last_seq
        other = await open_room(server)
        seat = next(iter(other["seats"]))
        clock = itertools.count()

        spectators = []
        for n in range(3):
            spectator = await Client(server.ws_url, f"spectator-{n}").connect()
            spectator.messages = Arrivals(clock)
            welcome = await spectator.hello(None, room=room, last_seq=total)
            assert isinstance(welcome, Welcome)
            spectators.append(spectator)
        pinger = await Client(server.ws_url, seat).connect()
        pinger.messages = Arrivals(clock)
        assert isinstance(await pinger.hello(other["seats"][seat]), Welcome)
        whole = expected(live, SPECTATOR)

        for attempt in range(3):
            starts = [len(s.messages) for s in spectators]
            ref = f"replay-{attempt}"
            for spectator in spectators:
                await spectator.send(Resume(last_seq=0, ref=ref))
            ping_from = len(pinger.messages)
            await pinger.send(Ping(ref=f"ping-{attempt}"))
            pong = await pinger.wait_for(
                lambda m, r=f"ping-{attempt}": isinstance(m, Pong) and m.ref == r,
                start=ping_from,
                timeout=30,
            )
            answered_at = pinger.messages.stamps[pinger.messages.index(pong, ping_from)]
            for spectator, start in zip(spectators, starts, strict=True):
                ack = await spectator.wait_for(
                    lambda m, r=ref: isinstance(m, Ack) and m.ref == r, start=start, timeout=30
                )
                done = spectator.messages.index(ack, start)
                replayed = [m for m in spectator.messages[start:done] if hasattr(m, "at")]
                assert forms(replayed) == whole
                # the pong arrived before this spectator had its replay
                last_event = spectator.messages.stamps[done - 1]
                assert answered_at < last_event, (attempt, spectator.name)

        for client in (*spectators, pinger):
            assert not client.closed.done(), client.closed.result()
            await client.close()
