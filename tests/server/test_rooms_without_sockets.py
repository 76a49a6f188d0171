"""The hub, live rooms and sessions, driven in memory: no port, no websocket client.

Everything of ours is real: the hub, the live room, the session and a SQLite
store on a file in ``tmp_path``. What stands in for the network is

- :class:`Probe`, a small in-memory connection implementing the
  :mod:`accord.server.subscriber` protocols (it records what it is sent), and
- :class:`MemoryWebSocket`, the handful of aiohttp ``WebSocketResponse``
  methods a :class:`~accord.server.session.Session` uses, so that a real
  session can be driven frame by frame.

The store is made to fail for real: full (``PRAGMA max_page_count`` on its
own writer connection, then an event too large for the pages left), read-only
(``PRAGMA query_only``), closed for a while, or refusing one kind of update
(a trigger another connection adds to the file).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMessage, WSMsgType

import accord.server.live
from accord.protocol import PROTOCOL_VERSION, closes
from accord.protocol.codec import decode_event, decode_server, encode
from accord.protocol.commands import Hello, Leave, Pass, Propose, Say
from accord.protocol.engine.visibility import SPECTATOR, Viewer, visible
from accord.protocol.errors import AccordError, InternalError, SeatInUse
from accord.protocol.events import (
    DeadlinePassed,
    Event,
    PhaseStarted,
    ProposalTabled,
    SeatTaken,
    StatementMade,
)
from accord.protocol.replies import Ack, Error, Welcome
from accord.server.hub import Hub
from accord.server.live import LiveRoom
from accord.server.session import Session
from accord.server.settings import Settings
from accord.server.store.sqlite import SqliteStore
from tests.helpers import PKG_A, PKG_B, scenario

SEATS = ["a", "b", "c"]
ORGANIZER = "org_memory"


# --- stand-ins for the network ---------------------------------------------------------------


class Probe:
    """An in-memory connection: implements Connection (and so Subscriber), records all."""

    def __init__(self, name: str = "probe", *, address: str = "memory") -> None:
        self.name = name
        self.address = address
        self.closing = False
        self.seats: dict[str, str] = {}
        """Room id → the seat this probe holds there (absent: it watches)."""
        self.received: list[bytes] = []
        self.closed_rooms: list[tuple[str, str]] = []
        """(room, error code) for every room that told this probe it went away."""
        self.disconnected: tuple[int, str] | None = None

    def viewer_for(self, room: str) -> Viewer:
        seat = self.seats.get(room)
        return SPECTATOR if seat is None else Viewer.of_seat(seat)

    def deliver(self, data: bytes) -> None:
        self.received.append(data)

    def room_closed(self, room: str, error: AccordError) -> None:
        self.seats.pop(room, None)
        self.closed_rooms.append((room, error.code))

    async def assign(self, live: LiveRoom, seat: str, *, last_seq: int = 0) -> None:
        live.hold(seat, self)
        self.seats[live.id] = seat
        live.subscribe(self)
        await live.join(seat)

    async def disconnect(self, code: int, reason: str) -> None:
        self.closing = True
        self.disconnected = (code, reason)

    def events(self) -> list[Event]:
        return [decode_event(data) for data in self.received]

    def seqs(self) -> list[int]:
        return [event.seq for event in self.events()]


class BrokenProbe(Probe):
    """A subscriber whose delivery breaks after ``works`` messages."""

    def __init__(self, works: int) -> None:
        super().__init__("broken")
        self.works = works

    def deliver(self, data: bytes) -> None:
        if len(self.received) >= self.works:
            raise RuntimeError("this subscriber is broken")
        super().deliver(data)


class MemoryWebSocket:
    """What a Session uses of aiohttp's WebSocketResponse, in memory.

    The test plays the client: :meth:`send` puts a frame on the session's
    side, :attr:`sent` holds what the session sent. With ``reads=False`` the
    peer never reads, so the session's sender blocks as on a full socket.
    """

    def __init__(self, *, reads: bool = True) -> None:
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[bytes] = []
        self.closed = False
        self.close_code: int | None = None
        self._reading = asyncio.Event()
        if reads:
            self._reading.set()
        self._changed = asyncio.Event()

    # the server's side
    async def receive(self, timeout: float | None = None) -> WSMessage:
        data = await asyncio.wait_for(self.inbox.get(), timeout)
        if data is None:
            return WSMessage(WSMsgType.CLOSED, None, None)
        return WSMessage(WSMsgType.TEXT, data, None)

    async def send_frame(self, data: bytes, opcode: WSMsgType) -> None:
        await self._reading.wait()
        self.sent.append(bytes(data))
        self._changed.set()

    async def close(self, *, code: int = closes.NORMAL, message: bytes = b"") -> bool:
        if not self.closed:
            self.closed = True
            self.close_code = code
            self.inbox.put_nowait(None)
            self._changed.set()
        return True

    def exception(self) -> BaseException | None:
        return None

    # the client's side
    def send(self, message: Any) -> None:
        self.inbox.put_nowait(encode(message).decode())

    def messages(self) -> list[Any]:
        return [decode_server(frame) for frame in self.sent]

    async def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        async def scan() -> Any:
            while True:
                for message in self.messages():
                    if predicate(message):
                        return message
                if self.closed:
                    raise ConnectionError(f"closed with {self.close_code}")
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)


def start_session(hub: Hub, ws: MemoryWebSocket) -> tuple[Session, asyncio.Task[None]]:
    """A real session on ``ws``, attached the way the app attaches one, running."""

    session = Session(hub, ws, address="memory")  # type: ignore[arg-type]
    hub.attach(session)
    return session, asyncio.create_task(session.run())


# --- the server's parts, real ------------------------------------------------------------------


async def open_hub(path: Path, **settings: Any) -> Hub:
    store = SqliteStore(path)
    await store.open()
    hub = Hub(Settings(db=str(path), organizer_token=ORGANIZER, **settings), store)
    await hub.ensure_organizer()
    return hub


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    the_hub = await open_hub(tmp_path / "accord.db")
    yield the_hub
    await the_hub.close()
    await the_hub.store.close()


async def on_writer(store: SqliteStore, sql: str) -> None:
    """Run ``sql`` on the store's own writer connection, the one every append goes through
    (a connection setting such as ``PRAGMA query_only`` holds for that connection only)."""

    await store._write(lambda conn: conn.execute(sql))


LARGE = "x" * 9000
"""A statement whose event fills more than one page of the store (4 KiB): storing it
needs new pages, which a full store does not have."""
LARGE_RULES = {"statement_limit": 10_000}


async def fill_up(store: SqliteStore) -> None:
    """The store is full: its file may not grow by a page (SQLite clamps the limit to
    the pages already used), so an append needing new pages fails (SQLITE_FULL)."""

    await on_writer(store, "PRAGMA max_page_count = 1")


async def make_room(store: SqliteStore) -> None:
    """The full store has room again (SQLite's own ceiling for the page limit)."""

    await on_writer(store, "PRAGMA max_page_count = 1073741823")


def on_file(store: SqliteStore, sql: str) -> None:
    """Run ``sql`` on a connection of its own to the store's file (as another process could)."""

    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        conn.execute(sql)
    finally:
        conn.close()


def expected(rows: list[Any], viewer: Viewer, *, after: int = 0) -> list[bytes]:
    """The frames ``viewer`` should get for stored ``rows`` past ``after``."""

    frames = []
    for row in rows:
        event = decode_event(row.data)
        shown = visible(event, viewer)
        if event.seq > after and shown is not None:
            frames.append(encode(shown))
    return frames


async def seated(hub: Hub, **rules: Any) -> LiveRoom:
    """A new room with every seat joined: round 1 tabling is open."""

    live, _ = await hub.create_room(scenario(rules=rules or None), seed=1)
    for seat in SEATS:
        await live.join(seat)
    return live


# --- subscribers come and go -----------------------------------------------------------------


async def test_a_subscriber_gets_the_rooms_events_in_order_until_it_unsubscribes(
    hub: Hub,
) -> None:
    live, _ = await hub.create_room(scenario(), seed=1)
    watcher, other = Probe("watcher"), Probe("other")
    for probe in (watcher, other):
        hub.attach(probe)
        live.subscribe(probe)
    for seat in SEATS:
        await live.join(seat)
    await live.submit("a", Propose(package=PKG_A, ref="p1"))

    rows = await hub.store.events(live.id)
    assert watcher.received == expected(rows, SPECTATOR, after=1)  # subscribed after seq 1
    assert watcher.seqs() == list(range(2, live.room.last_seq + 1))

    live.unsubscribe(watcher)
    hub.detach(watcher)
    got = len(watcher.received)
    await live.submit("b", Pass(ref="b1"))
    assert len(watcher.received) == got, "an unsubscribed probe still receives"
    assert watcher not in hub.sessions and watcher not in live.subscribers
    # the one that stayed got everything, in order
    rows = await hub.store.events(live.id)
    assert other.received == expected(rows, SPECTATOR, after=1)
    assert isinstance(other.events()[-1], type(decode_event(rows[-1].data)))


async def test_the_hub_forgets_a_connection_and_its_bot_entry_when_it_leaves(hub: Hub) -> None:
    entry, _ = await hub.register_entry("bot")
    bot, rival = Probe("bot"), Probe("rival")
    hub.attach(bot)
    hub.attach(rival)
    hub.claim_entry(entry, bot)
    with pytest.raises(SeatInUse):
        hub.claim_entry(entry, rival)

    # the hub hands the entry's seat to the connection that speaks for it
    first, _ = await hub.create_room(scenario(), seed=1, entries={"a": entry})
    assert bot.seats == {first.id: "a"} and "a" in first.room.seated
    assert bot in first.subscribers
    assert any(isinstance(e, SeatTaken) and e.seat == "a" for e in bot.events())

    # it leaves: out of the room, off the hub, its seat and its entry free again
    first.unsubscribe(bot)
    hub.detach(bot)
    assert bot not in hub.sessions and hub.entry_connection(entry) is None
    assert not first.subscribers
    first.hold("a", rival)  # no SeatInUse: nobody holds the seat any more
    first.unsubscribe(rival)
    hub.detach(bot)  # twice is harmless
    assert len(hub.sessions) == 1

    hub.claim_entry(entry, rival)
    got = len(bot.received)
    second, _ = await hub.create_room(scenario(), seed=2, entries={"a": entry})
    assert rival.seats == {second.id: "a"} and second.id not in bot.seats
    assert len(bot.received) == got


async def test_an_entry_held_by_a_closing_connection_can_be_taken_over(hub: Hub) -> None:
    entry, _ = await hub.register_entry("bot")
    old, new = Probe("old"), Probe("new")
    hub.attach(old)
    hub.attach(new)
    hub.claim_entry(entry, old)
    old.closing = True  # on its way out: a reconnecting bot must not wait for it
    hub.claim_entry(entry, new)
    hub.detach(old)  # the old one's late detach does not take the entry from the new one
    assert hub.entry_connection(entry) is new


async def test_an_expired_lobby_tells_its_subscribers_and_lets_go_of_them(tmp_path: Path) -> None:
    hub = await open_hub(tmp_path / "accord.db", lobby_ttl=60.0)
    try:
        live, _ = await hub.create_room(scenario(), seed=1)
        watchers = [Probe(f"w{n}") for n in range(3)]
        for probe in watchers:
            hub.attach(probe)
            live.subscribe(probe)
        live.last_activity -= 3600

        assert hub.expire_idle_lobbies() == [live.id]
        assert hub.live(live.id) is None and not live.subscribers
        for probe in watchers:
            assert probe.closed_rooms == [(live.id, "room_expired")]
        deadline = time.monotonic() + 5  # the expiry is recorded in the background
        while (await hub.store.room(live.id)).status != "expired":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    finally:
        await hub.close()
        await hub.store.close()


async def test_shutdown_disconnects_every_attached_connection(hub: Hub) -> None:
    probes = [Probe(f"p{n}") for n in range(3)]
    for probe in probes:
        hub.attach(probe)
    await hub.disconnect_all(closes.GOING_AWAY, "server shutdown")
    assert [p.disconnected for p in probes] == [(closes.GOING_AWAY, "server shutdown")] * 3


# --- slow and failing subscribers --------------------------------------------------------------


async def test_a_failing_subscriber_does_not_stop_the_others(hub: Hub) -> None:
    live, _ = await hub.create_room(scenario(), seed=1)
    good = [Probe(f"good{n}") for n in range(4)]
    broken = BrokenProbe(works=2)
    # the broken one sits among the good ones (a set has no order to rely on)
    for probe in [good[0], good[1], broken, good[2], good[3]]:
        live.subscribe(probe)

    for seat in SEATS:
        await live.join(seat)  # the broken probe fails on the third event
    seq = await live.submit("a", Propose(package=PKG_A, ref="p1"))
    assert seq == live.room.last_seq == live.durable_seq

    rows = await hub.store.events(live.id)
    for probe in good:
        assert probe.received == expected(rows, SPECTATOR, after=1), probe.name
    # the broken one is out of the room and was told so; what it got has no gap
    assert broken not in live.subscribers
    assert broken.seqs() == [2, 3]
    assert broken.closed_rooms == [(live.id, "internal_error")]


async def test_a_session_that_does_not_read_is_dropped_and_the_room_goes_on(
    tmp_path: Path,
) -> None:
    hub = await open_hub(tmp_path / "accord.db", send_queue=4, close_timeout=0.2)
    try:
        live, _ = await hub.create_room(scenario(), seed=1)
        probe = Probe()
        live.subscribe(probe)
        ws = MemoryWebSocket(reads=False)
        session, task = start_session(hub, ws)
        ws.send(Hello(version=PROTOCOL_VERSION, room=live.id))
        deadline = time.monotonic() + 5
        while session not in live.subscribers and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert session in live.subscribers

        # the room never waits for the reader: every step completes at once
        async def play() -> None:
            for seat in SEATS:
                await live.join(seat)
            await live.submit("a", Propose(package=PKG_A, ref="p1"))

        await asyncio.wait_for(play(), 2.0)
        await asyncio.wait_for(task, 5.0)  # the session closes itself

        assert ws.close_code == closes.SLOW_CONSUMER
        assert session not in live.subscribers and session not in hub.sessions
        sample = hub.metrics.registry.get_sample_value
        assert sample("accord_closes_total", {"reason": "slow_consumer"}) == 1
        rows = await hub.store.events(live.id)
        assert probe.received == expected(rows, SPECTATOR, after=1)
    finally:
        await hub.close()
        await hub.store.close()


# --- the store refuses writes ----------------------------------------------------------------


async def test_commands_whose_write_fails_are_refused_and_the_room_stays_with_the_store(
    hub: Hub,
) -> None:
    live = await seated(hub, **LARGE_RULES)
    watcher = Probe()
    live.subscribe(watcher)
    stored = await hub.store.events(live.id)

    await fill_up(hub.store)
    # three commands in one group commit: all are refused with a typed error
    results = await asyncio.gather(
        live.submit("a", Propose(package=PKG_A, ref="p1")),
        live.submit("c", Say(text=LARGE, ref="s1")),
        live.submit("b", Pass(ref="b1")),
        return_exceptions=True,
    )
    assert all(isinstance(r, InternalError) for r in results), results
    assert all(r.code == "internal_error" for r in results)

    # nothing that was not stored went out, and the engine is back where the store is
    assert watcher.received == []
    assert await hub.store.events(live.id) == stored
    assert live.room.last_seq == live.durable_seq == len(stored)
    assert live.room.chain.hashes == [row.hash for row in stored]
    assert live.room.packages() == [] and set(live.room.waiting_for()) == set(SEATS)
    assert await hub.store.refs(live.id) == []

    # once the store has room again, the same refs are judged afresh and accepted
    await make_room(hub.store)
    seqs = [
        await live.submit("a", Propose(package=PKG_A, ref="p1")),
        await live.submit("c", Say(text=LARGE, ref="s1")),
        await live.submit("b", Pass(ref="b1")),
    ]
    assert seqs[0] == len(stored) + 1 and seqs == sorted(seqs)
    rows = await hub.store.events(live.id)
    assert watcher.received == expected(rows, SPECTATOR, after=len(stored))
    assert [type(e) for e in watcher.events()[:2]] == [ProposalTabled, StatementMade]
    assert [c.ref for c in await hub.store.refs(live.id)] == ["p1", "s1", "b1"]


async def test_a_refusal_judged_against_voided_events_is_not_remembered(hub: Hub) -> None:
    live = await seated(hub, **LARGE_RULES)
    await fill_up(hub.store)
    # the second package is refused against the first, which is then voided
    _, first, second = await asyncio.gather(
        live.submit("a", Say(text=LARGE, ref="s1")),
        live.submit("a", Propose(package=PKG_A, ref="p1")),
        live.submit("a", Propose(package=PKG_B, ref="p2")),
        return_exceptions=True,
    )
    assert isinstance(first, InternalError)
    assert isinstance(second, AccordError) and second.code != "internal_error", second

    await make_room(hub.store)
    # judged afresh: with the first package gone, the seat may table this one
    seq = await live.submit("a", Propose(package=PKG_B, ref="p2"))
    assert [p.package for p in live.room.packages()] == [PKG_B] and seq == live.durable_seq


async def test_a_client_whose_command_cannot_be_stored_gets_a_wire_error(hub: Hub) -> None:
    live, tokens = await hub.create_room(scenario(rules=LARGE_RULES), seed=1)
    ws = MemoryWebSocket()
    session, task = start_session(hub, ws)
    ws.send(Hello(version=PROTOCOL_VERSION, token=tokens["a"]))
    await ws.wait_for(lambda m: isinstance(m, Welcome))
    for seat in ("b", "c"):
        await live.join(seat)
    await ws.wait_for(lambda m: isinstance(m, PhaseStarted) and m.phase == "tabling")
    seen = len(ws.sent)

    await fill_up(hub.store)
    ws.send(Say(text=LARGE, ref="p1"))
    error = await ws.wait_for(lambda m: isinstance(m, Error) and m.ref == "p1")
    assert error.code == "internal_error" and error.room == live.id
    (raw,) = ws.sent[seen:]  # the error and nothing else: no event went out
    assert set(json.loads(raw)) == {"type", "code", "message", "ref", "room"}
    for leak in ("Traceback", "sqlite", "full", "OperationalError"):
        assert leak not in raw.decode(), raw
    assert not ws.closed  # a refused command does not cost the connection

    await make_room(hub.store)
    ws.send(Say(text=LARGE, ref="p1"))
    ack = await ws.wait_for(lambda m: isinstance(m, Ack) and m.ref == "p1")
    said = [m for m in ws.messages() if isinstance(m, StatementMade)]
    assert [s.seq for s in said] == [ack.seq]

    ws.send(Leave())
    await asyncio.wait_for(task, 5.0)
    assert ws.close_code == closes.NORMAL
    assert session not in live.subscribers and session not in hub.sessions


async def test_a_hello_whose_join_cannot_be_stored_closes_with_internal_error(hub: Hub) -> None:
    live, tokens = await hub.create_room(scenario(), seed=1)
    await on_writer(hub.store, "PRAGMA query_only = ON")
    ws = MemoryWebSocket()
    session, task = start_session(hub, ws)
    ws.send(Hello(version=PROTOCOL_VERSION, token=tokens["a"]))
    await asyncio.wait_for(task, 5.0)

    errors = [m for m in ws.messages() if isinstance(m, Error)]
    assert [e.code for e in errors] == ["internal_error"]
    # the credential is fine: not 4401 (bad token) but 1011 (try again later)
    assert ws.close_code == closes.INTERNAL_ERROR
    assert "a" not in live.room.seated and live.room.last_seq == live.durable_seq == 1
    assert session not in live.subscribers and session not in hub.sessions
    live.hold("a", Probe())  # the seat is free for the next try


async def test_a_deadline_whose_tick_cannot_be_stored_is_tried_again(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accord.server.live, "TICK_RETRY", 0.05)
    live = await seated(hub, time_limits={"tabling": 0.3})
    watcher = Probe()
    live.subscribe(watcher)
    stored = await hub.store.events(live.id)

    # the database goes away (reads fail too: the room restores itself from memory)
    await hub.store.close()
    await asyncio.sleep(0.6)  # the deadline passes; its tick cannot be recorded
    assert watcher.received == []
    assert live.room.last_seq == live.durable_seq == len(stored)
    assert live.room.chain.hashes == [row.hash for row in stored]
    assert live.room.phase == "tabling"

    await hub.store.open()
    deadline = time.monotonic() + 3
    while not watcher.received and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    events = watcher.events()
    assert events and isinstance(events[0], DeadlinePassed), events
    assert live.room.last_seq == live.durable_seq == len(await hub.store.events(live.id))


async def test_stored_events_go_out_even_when_the_status_write_fails(hub: Hub) -> None:
    live, _ = await hub.create_room(scenario(), seed=1)
    watcher = Probe()
    live.subscribe(watcher)
    for seat in ("a", "b"):
        await live.join(seat)
    on_file(
        hub.store,
        "CREATE TRIGGER no_status BEFORE UPDATE ON rooms "
        "BEGIN SELECT RAISE(ABORT, 'status writes refused'); END",
    )
    # the last seat starts the talks: its events are stored, the status write fails
    events = await live.join("c")
    assert events and live.room.phase == "tabling"
    rows = await hub.store.events(live.id)
    assert watcher.received == expected(rows, SPECTATOR, after=1)
    assert (await hub.store.room(live.id)).status == "lobby"

    # the status is written with the next write the store takes
    on_file(hub.store, "DROP TRIGGER no_status")
    await live.submit("a", Propose(package=PKG_A, ref="p1"))
    assert (await hub.store.room(live.id)).status == "running"
