"""The storage backends, one suite run against both: SQLite on a real file, and a real PostgreSQL.

PostgreSQL runs when ACCORD_TEST_POSTGRES holds a DSN (each test gets its own
schema, dropped afterwards); otherwise those cases skip with the reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from accord.server.store import (
    CommandRef,
    RoomRecord,
    SeqConflict,
    SqliteStore,
    Store,
    StoredEvent,
    TokenRecord,
    open_store,
)
from tests.helpers import ROOT

PG_DSN = os.environ.get("ACCORD_TEST_POSTGRES")
NO_PG = "ACCORD_TEST_POSTGRES is not set: no PostgreSQL to test against"


def payload(room: str, seq: int, variant: str = "") -> bytes:
    """Event bytes that are not valid UTF-8 and contain NULs, to prove they round-trip exactly."""

    return (
        f'{{"room":"{room}","seq":{seq},"v":"{variant}"}}'.encode()
        + b"\x00\xff\xfe"
        + bytes([seq % 256])
    )


def event(room: str, seq: int, variant: str = "") -> StoredEvent:
    data = payload(room, seq, variant)
    return StoredEvent(seq, hashlib.sha256(data).hexdigest(), data)


def events(room: str, first: int, last: int, variant: str = "") -> list[StoredEvent]:
    return [event(room, seq, variant) for seq in range(first, last + 1)]


def record(room: str, created_at: float = 1.0, **fields: object) -> RoomRecord:
    return RoomRecord(
        id=room, scenario_id="climate-accord", title=f"Room {room}", created_at=created_at, **fields
    )


@dataclass
class Backend:
    """Makes stores on one database (a file, or a schema) so that a test can close and reopen."""

    name: str
    make: Callable[[], Store]
    path: Path | None = None
    """The SQLite file."""
    schema: str | None = None
    """The PostgreSQL schema."""


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "accord.db"
        yield Backend("sqlite", lambda: SqliteStore(path), path=path)
        return
    if not PG_DSN:
        pytest.skip(NO_PG)
    from accord.server.store.postgres import PostgresStore

    dsn = PG_DSN
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield Backend("postgres", lambda: PostgresStore(dsn, schema=schema), schema=schema)
    cleanup = PostgresStore(dsn, schema=schema)
    await cleanup.open()
    await cleanup.drop()
    await cleanup.close()


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    opened = backend.make()
    await opened.open()
    yield opened
    await opened.close()


# -- rooms and events ------------------------------------------------------------


async def test_room_and_events_round_trip_exact_bytes(store: Store) -> None:
    room = record(
        "r1", created_at=1712345678.125, public=False, seats={"zeta": "bot-1", "alpha": None}
    )
    await store.create_room(room, event("r1", 1))
    await store.append("r1", events("r1", 2, 4))

    assert await store.room("r1") == room
    got = await store.events("r1")
    assert got == events("r1", 1, 4)
    assert all(type(e.data) is bytes for e in got)
    assert [e.hash for e in got] == [hashlib.sha256(e.data).hexdigest() for e in got]
    # Seat order is part of the record (JSON text, not a key-sorting JSON type).
    stored = await store.room("r1")
    assert stored is not None and list(stored.seats) == ["zeta", "alpha"]


async def test_unknown_room_reads_empty(store: Store) -> None:
    assert await store.room("nope") is None
    assert await store.events("nope") == []
    assert await store.rooms() == []


async def test_events_after(store: Store) -> None:
    await store.create_room(record("r1"), event("r1", 1))
    await store.append("r1", events("r1", 2, 10))
    await store.create_room(record("r2"), event("r2", 1))

    assert [e.seq for e in await store.events("r1", after=0)] == list(range(1, 11))
    assert [e.seq for e in await store.events("r1", after=7)] == [8, 9, 10]
    assert await store.events("r1", after=10) == []
    assert await store.events("r1", after=7) == events("r1", 8, 10)
    assert await store.events("r2", after=0) == [event("r2", 1)]


async def test_append_nothing_is_a_no_op_and_gaps_are_refused(store: Store) -> None:
    await store.create_room(record("r1"), event("r1", 1))
    await store.append("r1", [])
    with pytest.raises(ValueError, match="contiguous"):
        await store.append("r1", [event("r1", 2), event("r1", 4)])
    assert await store.events("r1") == [event("r1", 1)]


async def test_concurrent_appends_from_50_rooms(store: Store) -> None:
    rooms = [f"room-{i:02}" for i in range(50)]
    for i, room in enumerate(rooms):
        await store.create_room(record(room, created_at=float(i)), event(room, 1))

    async def talk(index: int, room: str) -> int:
        # Each room appends sequentially, batches of 1 to 3 events; the rooms run at once.
        seq = 1
        for call in range(20):
            size = 1 + (index + call) % 3
            await store.append(room, events(room, seq + 1, seq + size))
            seq += size
        return seq

    lasts = await asyncio.gather(*(talk(i, room) for i, room in enumerate(rooms)))

    for room, last in zip(rooms, lasts, strict=True):
        assert await store.events(room) == events(room, 1, last)
    assert [r.id for r in await store.rooms()] == rooms


async def test_duplicate_seq_raises_and_stores_nothing_of_that_call(store: Store) -> None:
    await store.create_room(record("r1"), event("r1", 1))
    await store.append("r1", events("r1", 2, 3))

    with pytest.raises(SeqConflict):
        await store.append("r1", events("r1", 3, 5, variant="late"))
    # All or nothing: 4 and 5 were not kept, and 3 is still the original.
    assert await store.events("r1") == events("r1", 1, 3)

    await store.append("r1", events("r1", 4, 5))
    assert await store.events("r1") == events("r1", 1, 5)


async def test_conflict_does_not_lose_concurrent_appends_of_other_rooms(store: Store) -> None:
    rooms = [f"room-{i:02}" for i in range(50)]
    for room in rooms:
        await store.create_room(record(room), event(room, 1))
    # Rooms whose stale writers will half-overlap what is stored (3 taken, 4..5 free).
    stale = [f"stale-{i}" for i in range(5)]
    for room in stale:
        await store.create_room(record(room), event(room, 1))
        await store.append(room, events(room, 2, 3))

    good = [store.append(room, events(room, 2, 4)) for room in rooms]
    # Ten stale writers re-append seqs 1..2: seq 1 is taken, so each of them must fail alone.
    bad = [store.append(room, events(room, 1, 2, variant="stale")) for room in rooms[:10]]
    # These fail on seq 3 only; their free seqs 4..5 must not be kept either.
    bad += [store.append(room, events(room, 3, 5, variant="stale")) for room in stale]
    calls = [c for pair in zip(good[:15], bad, strict=True) for c in pair] + good[15:]
    results = await asyncio.gather(*calls, return_exceptions=True)

    conflicts = [r for r in results if isinstance(r, BaseException)]
    assert len(conflicts) == 15
    assert all(isinstance(r, SeqConflict) for r in conflicts)
    for room in rooms:
        assert await store.events(room) == events(room, 1, 4)
    for room in stale:
        assert await store.events(room) == events(room, 1, 3)


async def test_two_writers_racing_for_one_seq_exactly_one_wins(store: Store) -> None:
    rooms = [f"room-{i:02}" for i in range(20)]
    for room in rooms:
        await store.create_room(record(room), event(room, 1))

    calls = []
    for room in rooms:
        calls.append(store.append(room, [event(room, 2, variant="a")]))
        calls.append(store.append(room, [event(room, 2, variant="b")]))
    results = await asyncio.gather(*calls, return_exceptions=True)

    for i, room in enumerate(rooms):
        a, b = results[2 * i], results[2 * i + 1]
        outcomes = sorted(type(r).__name__ for r in (a, b))
        assert outcomes == ["NoneType", "SeqConflict"], (room, a, b)
        winner = "a" if a is None else "b"
        assert await store.events(room) == [event(room, 1), event(room, 2, variant=winner)]


async def test_create_room_twice_is_refused(store: Store) -> None:
    await store.create_room(record("r1", created_at=1.0), event("r1", 1))
    with pytest.raises(ValueError, match="already exists"):
        await store.create_room(record("r1", created_at=2.0), event("r1", 1, variant="again"))
    assert await store.room("r1") == record("r1", created_at=1.0)
    assert await store.events("r1") == [event("r1", 1)]


async def test_rooms_by_status_and_set_status(store: Store) -> None:
    # Created out of order: rooms() lists oldest first.
    for room, created_at in [("c", 3.0), ("a", 1.0), ("b", 2.0)]:
        await store.create_room(record(room, created_at=created_at), event(room, 1))

    assert [r.id for r in await store.rooms()] == ["a", "b", "c"]
    assert [r.id for r in await store.rooms(status="lobby")] == ["a", "b", "c"]
    assert await store.rooms(status="running") == []

    await store.set_status("b", "running")
    await store.set_status("c", "concluded")
    assert [r.id for r in await store.rooms(status="lobby")] == ["a"]
    assert [r.id for r in await store.rooms(status="running")] == ["b"]
    assert [r.id for r in await store.rooms(status="concluded")] == ["c"]
    b = await store.room("b")
    assert b is not None and b.status == "running"

    with pytest.raises(KeyError):
        await store.set_status("nope", "running")
    with pytest.raises(ValueError):
        await store.set_status("a", "paused")  # type: ignore[arg-type]


async def test_status_with_reason_round_trips(store: Store) -> None:
    await store.create_room(record("a", created_at=1.0), event("a", 1))
    await store.create_room(record("b", created_at=2.0), event("b", 1))
    expired = record("c", created_at=3.0, status="expired", reason="nobody joined in time")
    await store.create_room(expired, event("c", 1))

    await store.set_status("a", "failed", reason="seat b's bot crashed")
    failed = record("a", created_at=1.0, status="failed", reason="seat b's bot crashed")
    assert await store.room("a") == failed
    assert await store.room("c") == expired
    assert await store.rooms() == [failed, record("b", created_at=2.0), expired]
    assert await store.rooms(status="failed") == [failed]
    assert await store.rooms(status="expired") == [expired]

    # A status without a reason clears the old one.
    await store.set_status("a", "running")
    assert await store.room("a") == record("a", created_at=1.0, status="running")
    with pytest.raises(KeyError):
        await store.set_status("nope", "failed", reason="gone")


async def test_rooms_pages_walk_every_room_once_in_order(store: Store) -> None:
    # 25 rooms over 9 distinct created_at values: ties are broken by id, which
    # differs from the order of creation.
    made = []
    for i in range(25):
        room = f"room-{(i * 7) % 25:02}"
        status = "running" if i % 2 else "lobby"
        made.append(record(room, created_at=1712345678.125 + (i // 3) * 0.5, status=status))
    for room in reversed(made):
        await store.create_room(room, event(room.id, 1))
    expected = sorted(made, key=lambda r: (r.created_at, r.id))
    assert [r.id for r in expected] != [r.id for r in made]  # the ties really reorder
    assert await store.rooms() == expected

    pages: list[list[RoomRecord]] = []
    after: tuple[float, str] | None = None
    while True:
        page = await store.rooms(after=after, limit=10)
        if not page:
            break
        pages.append(page)
        after = (page[-1].created_at, page[-1].id)
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [r for page in pages for r in page] == expected

    assert await store.rooms(limit=10) == expected[:10]
    assert await store.rooms(limit=0) == []
    assert await store.rooms(limit=100) == expected
    # Exclusive, and within a tie: after the first room of a tie come the others.
    tied = expected[3]
    assert expected[4].created_at == tied.created_at
    assert await store.rooms(after=(tied.created_at, tied.id)) == expected[4:]
    assert await store.rooms(after=(tied.created_at, "")) == expected[3:]

    running = [r for r in expected if r.status == "running"]
    walked: list[RoomRecord] = []
    after = None
    while page := await store.rooms(status="running", after=after, limit=4):
        walked += page
        after = (page[-1].created_at, page[-1].id)
    assert walked == running
    assert (
        await store.rooms(status="lobby", after=(tied.created_at, tied.id), limit=3)
        == [r for r in expected[4:] if r.status == "lobby"][:3]
    )
    with pytest.raises(ValueError):
        await store.rooms(limit=-1)


# -- command refs ------------------------------------------------------------------


async def test_refs_ride_with_events_and_come_back_in_seq_order(store: Store) -> None:
    await store.create_room(record("r1"), event("r1", 1))
    await store.create_room(record("r2"), event("r2", 1))
    assert await store.refs("r1") == []

    await store.append("r1", events("r1", 2, 3), refs=[CommandRef("b", "cmd-2", 3)])
    await store.append(
        "r1", events("r1", 4, 6), refs=[CommandRef("b", "x", 6), CommandRef("a", "cmd-1", 4)]
    )
    await store.append("r1", events("r1", 7, 7))
    # The same seat and ref in another room is another command.
    await store.append("r2", events("r2", 2, 2), refs=[CommandRef("b", "cmd-2", 2)])

    assert await store.refs("r1") == [
        CommandRef("b", "cmd-2", 3),
        CommandRef("a", "cmd-1", 4),
        CommandRef("b", "x", 6),
    ]
    assert await store.refs("r2") == [CommandRef("b", "cmd-2", 2)]
    assert await store.events("r1") == events("r1", 1, 7)
    assert await store.refs("nope") == []


async def test_duplicate_ref_raises_and_stores_nothing_of_that_call(store: Store) -> None:
    await store.create_room(record("r1"), event("r1", 1))
    await store.append("r1", events("r1", 2, 3), refs=[CommandRef("a", "cmd-1", 3)])

    # The seqs are free, the ref is not: neither the events nor the other ref stay.
    with pytest.raises(SeqConflict):
        await store.append(
            "r1",
            events("r1", 4, 5),
            refs=[CommandRef("b", "cmd-7", 5), CommandRef("a", "cmd-1", 5)],
        )
    assert await store.events("r1") == events("r1", 1, 3)
    assert await store.refs("r1") == [CommandRef("a", "cmd-1", 3)]

    # A duplicate seq fails its refs too.
    with pytest.raises(SeqConflict):
        await store.append("r1", events("r1", 3, 4, "late"), refs=[CommandRef("b", "cmd-8", 4)])
    assert await store.refs("r1") == [CommandRef("a", "cmd-1", 3)]

    # One call repeating a ref is refused before anything is written.
    with pytest.raises(ValueError, match="repeats"):
        await store.append(
            "r1",
            events("r1", 4, 4),
            refs=[CommandRef("b", "cmd-9", 4), CommandRef("b", "cmd-9", 4)],
        )

    # Refs alone are stored too, under the same rule.
    await store.append("r1", [], refs=[CommandRef("b", "cmd-9", 3)])
    with pytest.raises(SeqConflict):
        await store.append("r1", [], refs=[CommandRef("b", "cmd-9", 3)])

    await store.append("r1", events("r1", 4, 5), refs=[CommandRef("b", "cmd-7", 5)])
    assert await store.events("r1") == events("r1", 1, 5)
    assert await store.refs("r1") == [
        CommandRef("a", "cmd-1", 3),
        CommandRef("b", "cmd-9", 3),
        CommandRef("b", "cmd-7", 5),
    ]


async def test_conflicts_in_a_group_fail_only_their_own_events_and_refs(store: Store) -> None:
    rooms = [f"room-{i:02}" for i in range(40)]
    for room in rooms:
        await store.create_room(record(room), event(room, 1))
    # Rooms already holding seqs 1..3 and the ref "taken" of seat s.
    stale = [f"stale-{i}" for i in range(10)]
    for room in stale:
        await store.create_room(record(room), event(room, 1))
        await store.append(room, events(room, 2, 3), refs=[CommandRef("s", "taken", 3)])

    good = [
        store.append(room, events(room, 2, 4), refs=[CommandRef("s", f"good-{room}", 4)])
        for room in rooms
    ]
    # Free seqs 4..5 but a taken ref: fail on the ref alone.
    bad = [
        store.append(
            room,
            events(room, 4, 5, variant="stale"),
            refs=[CommandRef("t", "fresh", 5), CommandRef("s", "taken", 5)],
        )
        for room in stale[:5]
    ]
    # Fresh refs but seq 3 taken: fail on the seq alone.
    bad += [
        store.append(room, events(room, 3, 5, variant="stale"), refs=[CommandRef("s", "late", 5)])
        for room in stale[5:]
    ]
    calls = [c for pair in zip(good[:10], bad, strict=True) for c in pair] + good[10:]
    results = await asyncio.gather(*calls, return_exceptions=True)

    conflicts = [r for r in results if isinstance(r, BaseException)]
    assert len(conflicts) == 10
    assert all(isinstance(r, SeqConflict) for r in conflicts)
    for room in rooms:
        assert await store.events(room) == events(room, 1, 4)
        assert await store.refs(room) == [CommandRef("s", f"good-{room}", 4)]
    for room in stale:
        assert await store.events(room) == events(room, 1, 3)
        assert await store.refs(room) == [CommandRef("s", "taken", 3)]


async def test_two_writers_racing_for_one_ref_exactly_one_wins(store: Store) -> None:
    rooms = [f"room-{i:02}" for i in range(20)]
    for room in rooms:
        await store.create_room(record(room), event(room, 1))

    calls = []
    for room in rooms:
        # Different seqs, same ref: only the ref can make one of them lose.
        calls.append(store.append(room, [event(room, 2)], refs=[CommandRef("s", "r", 2)]))
        calls.append(store.append(room, [], refs=[CommandRef("s", "r", 1)]))
    results = await asyncio.gather(*calls, return_exceptions=True)

    for i, room in enumerate(rooms):
        a, b = results[2 * i], results[2 * i + 1]
        outcomes = sorted(type(r).__name__ for r in (a, b))
        assert outcomes == ["NoneType", "SeqConflict"], (room, a, b)
        if a is None:
            assert await store.events(room) == events(room, 1, 2)
            assert await store.refs(room) == [CommandRef("s", "r", 2)]
        else:
            assert await store.events(room) == [event(room, 1)]
            assert await store.refs(room) == [CommandRef("s", "r", 1)]


async def test_tokens_put_get_filter(store: Store) -> None:
    tokens = [
        TokenRecord(digest="d-org", kind="organizer", created_at=1.0),
        TokenRecord(digest="d-r1-a", kind="seat", room="r1", seat="a", created_at=2.0),
        TokenRecord(digest="d-r1-b", kind="seat", room="r1", seat="b", created_at=3.0),
        TokenRecord(digest="d-r2-a", kind="seat", room="r2", seat="a", created_at=4.0),
        TokenRecord(digest="d-entry", kind="entry", entry="tit-for-tat", created_at=5.0),
    ]
    for token in reversed(tokens):
        await store.put_token(token)

    for token in tokens:
        assert await store.token(token.digest) == token
    assert await store.token("unknown") is None
    assert await store.tokens() == tokens
    assert await store.tokens(room="r1") == tokens[1:3]
    assert await store.tokens(kind="seat") == tokens[1:4]
    assert await store.tokens(room="r1", kind="seat") == tokens[1:3]
    assert await store.tokens(room="r2", kind="organizer") == []
    assert await store.tokens(kind="entry") == [tokens[4]]

    with pytest.raises(ValueError, match="already stored"):
        await store.put_token(TokenRecord(digest="d-r1-a", kind="organizer", created_at=9.0))
    assert await store.token("d-r1-a") == tokens[1]


async def test_data_survives_close_and_reopen(backend: Backend, store: Store) -> None:
    await store.create_room(record("r1", seats={"a": None}), event("r1", 1))
    await store.append("r1", events("r1", 2, 5))
    await store.set_status("r1", "running")
    await store.put_token(TokenRecord(digest="d1", kind="seat", room="r1", seat="a"))
    await store.close()

    reopened = backend.make()
    await reopened.open()
    try:
        assert await reopened.room("r1") == record("r1", seats={"a": None}, status="running")
        assert await reopened.events("r1") == events("r1", 1, 5)
        assert await reopened.tokens(room="r1") == [
            TokenRecord(digest="d1", kind="seat", room="r1", seat="a")
        ]
        await reopened.append("r1", events("r1", 6, 6))
        assert [e.seq for e in await reopened.events("r1", after=4)] == [5, 6]
    finally:
        await reopened.close()


# -- upgrading a database made by the previous version ------------------------------

OLD_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    scenario_id TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    status TEXT NOT NULL,
    public INTEGER NOT NULL,
    seats TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rooms_status ON rooms (status, created_at);
CREATE TABLE IF NOT EXISTS events (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (room, seq)
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    room TEXT,
    seat TEXT,
    entry TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_room ON tokens (room);
"""


def old_postgres_ddl(schema: str) -> str:
    q = f'"{schema}"'
    return f"""
    CREATE SCHEMA IF NOT EXISTS {q};
    CREATE TABLE IF NOT EXISTS {q}.rooms (
        id TEXT PRIMARY KEY,
        scenario_id TEXT NOT NULL,
        title TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL,
        public BOOLEAN NOT NULL,
        seats TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS rooms_status ON {q}.rooms (status, created_at);
    CREATE TABLE IF NOT EXISTS {q}.events (
        room TEXT NOT NULL,
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (room, seq)
    );
    CREATE TABLE IF NOT EXISTS {q}.tokens (
        digest TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        room TEXT,
        seat TEXT,
        entry TEXT,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX IF NOT EXISTS tokens_room ON {q}.tokens (room);
    """


async def make_old_database(backend: Backend) -> None:
    """The previous version's tables, by hand, holding room "old" (running) and its first event."""

    first = event("old", 1)
    if backend.name == "sqlite":
        assert backend.path is not None
        conn = sqlite3.connect(backend.path)
        try:
            conn.executescript(OLD_SQLITE_SCHEMA)
            conn.execute(
                "INSERT INTO rooms (id, scenario_id, title, created_at, status, public, seats)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                ("old", "climate-accord", "Room old", 5.0, "running", 0, '{"a":null}'),
            )
            conn.execute(
                "INSERT INTO events (room, seq, hash, data) VALUES (?, ?, ?, ?)",
                ("old", first.seq, first.hash, first.data),
            )
            conn.commit()
        finally:
            conn.close()
        return
    import asyncpg

    assert PG_DSN and backend.schema is not None
    q = f'"{backend.schema}"'
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(old_postgres_ddl(backend.schema))
        await conn.execute(
            f"INSERT INTO {q}.rooms (id, scenario_id, title, created_at, status, public, seats)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            "old",
            "climate-accord",
            "Room old",
            5.0,
            "running",
            False,
            '{"a":null}',
        )
        await conn.execute(
            f"INSERT INTO {q}.events (room, seq, hash, data) VALUES ($1, $2, $3, $4)",
            "old",
            first.seq,
            first.hash,
            first.data,
        )
    finally:
        await conn.close()


async def test_open_upgrades_a_database_of_the_previous_version(backend: Backend) -> None:
    await make_old_database(backend)
    old = record("old", created_at=5.0, status="running", public=False, seats={"a": None})

    store = backend.make()
    await store.open()
    try:
        assert await store.room("old") == old
        assert old.reason == ""
        assert await store.events("old") == [event("old", 1)]
        assert await store.refs("old") == []
        await store.set_status("old", "failed", reason="seat a's bot crashed")
        await store.append("old", events("old", 2, 3), refs=[CommandRef("a", "cmd-1", 3)])
        await store.create_room(record("new", created_at=6.0), event("new", 1))
        assert [r.id for r in await store.rooms(after=(5.0, "old"))] == ["new"]
    finally:
        await store.close()

    # Opening the upgraded database again changes nothing.
    again = backend.make()
    await again.open()
    try:
        failed = record(
            "old",
            created_at=5.0,
            status="failed",
            reason="seat a's bot crashed",
            public=False,
            seats={"a": None},
        )
        assert await again.rooms(status="failed") == [failed]
        assert await again.events("old") == events("old", 1, 3)
        assert await again.refs("old") == [CommandRef("a", "cmd-1", 3)]
    finally:
        await again.close()


async def test_closed_store_refuses_calls(store: Store) -> None:
    await store.create_room(record("r1"), event("r1", 1))
    await store.close()
    await store.close()  # twice is fine
    with pytest.raises(RuntimeError):
        await store.append("r1", events("r1", 2, 2))
    with pytest.raises(RuntimeError):
        await store.events("r1")


# -- SQLite specifics --------------------------------------------------------------


async def test_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    store = SqliteStore(path)
    await store.open()
    try:
        await store.create_room(record("r1"), event("r1", 1))
        # journal_mode=WAL is persistent: a fresh connection sees it.
        with sqlite3.connect(path) as fresh:
            assert fresh.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        await store.close()


def test_sqlite_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStore(tmp_path / "x.db", synchronous="sometimes")
    with pytest.raises(ValueError, match="file path"):
        SqliteStore(":memory:")


CRASH_CHILD = textwrap.dedent(
    """
    import asyncio, hashlib, sys
    from accord.server.store.base import RoomRecord, StoredEvent
    from accord.server.store.sqlite import SqliteStore

    def event(room, seq):
        data = f'{{"room":"{room}","seq":{seq},"v":""}}'.encode() + b"\\x00\\xff\\xfe" + bytes([seq % 256])
        return StoredEvent(seq, hashlib.sha256(data).hexdigest(), data)

    async def talk(store, room):
        await store.create_room(
            RoomRecord(id=room, scenario_id="climate-accord", title=f"Room {room}", created_at=1.0),
            event(room, 1),
        )
        print(f"acked {room} 1", flush=True)
        for seq in range(2, 1_000_000):
            await store.append(room, [event(room, seq)])
            print(f"acked {room} {seq}", flush=True)

    async def main():
        store = SqliteStore(sys.argv[1])
        await store.open()
        await asyncio.gather(*(talk(store, f"room-{i}") for i in range(8)))

    asyncio.run(main())
    """
)


def test_sqlite_kill9_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CRASH_CHILD, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, child.kill)  # never hang the suite if the child stalls
    watchdog.start()
    try:
        assert child.stdout is not None
        lines: list[str] = []
        while len(lines) < 400:
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert len(lines) >= 400, (
            f"the child stopped early: {child.stderr.read() if child.stderr else ''}"
        )
        # Mid-run: the child is still appending when it dies.
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate()
    finally:
        watchdog.cancel()
    assert child.returncode == -signal.SIGKILL
    # Acks still sitting in the pipe were printed before the kill: they count too.
    acked: dict[str, int] = {}
    for line in lines + rest.splitlines(keepends=True):
        match = re.fullmatch(r"acked (\S+) (\d+)\n", line)
        if match:
            acked[match[1]] = max(acked.get(match[1], 0), int(match[2]))
    assert len(acked) == 8

    async def check() -> None:
        store = SqliteStore(path)
        await store.open()
        try:
            for room, last_acked in acked.items():
                stored = await store.events(room)
                seqs = [e.seq for e in stored]
                assert seqs == list(range(1, len(seqs) + 1)), room
                assert len(seqs) >= last_acked, (room, len(seqs), last_acked)
                assert stored == events(room, 1, len(seqs))
        finally:
            await store.close()

    asyncio.run(check())


# -- PostgreSQL specifics ----------------------------------------------------------


async def test_postgres_schemas_are_isolated() -> None:
    if not PG_DSN:
        pytest.skip(NO_PG)
    from accord.server.store.postgres import PostgresStore

    one = PostgresStore(PG_DSN, schema=f"t_{uuid.uuid4().hex[:16]}")
    two = PostgresStore(PG_DSN, schema=f"t_{uuid.uuid4().hex[:16]}")
    await one.open()
    await two.open()
    try:
        await one.create_room(record("r1"), event("r1", 1))
        assert await two.room("r1") is None
        await two.create_room(record("r1"), event("r1", 1, variant="two"))
        assert await one.events("r1") == [event("r1", 1)]
        assert await two.events("r1") == [event("r1", 1, variant="two")]
    finally:
        for store in (one, two):
            await store.drop()
            await store.close()


async def test_postgres_refuses_unsafe_schema_names() -> None:
    from accord.server.store.postgres import PostgresStore

    with pytest.raises(ValueError, match="identifier"):
        PostgresStore("postgresql://localhost/x", schema='x"; DROP TABLE rooms; --')


# -- open_store ----------------------------------------------------------------------


def test_open_store_picks_the_backend(tmp_path: Path) -> None:
    from accord.server.store.postgres import PostgresStore

    relative = open_store("sqlite:///data/accord.db")
    assert isinstance(relative, SqliteStore) and relative.path == Path("data/accord.db")
    absolute = open_store(f"sqlite:///{tmp_path}/a.db")
    assert isinstance(absolute, SqliteStore) and absolute.path == tmp_path / "a.db"
    plain = open_store(str(tmp_path / "b.db"))
    assert isinstance(plain, SqliteStore) and plain.path == tmp_path / "b.db"
    for url in ("postgresql://postgres@127.0.0.1:5432/test", "postgres://u:p@db/accord"):
        pg = open_store(url)
        assert isinstance(pg, PostgresStore) and pg.dsn == url
    for bad in ("mysql://db/accord", "sqlite:///", "sqlite:relative.db"):
        with pytest.raises(ValueError):
            open_store(bad)


async def test_a_full_sqlite_store_reports_that_it_is_full(tmp_path: Path) -> None:
    # SQLite undoes the transaction itself when the disk is full; the error the
    # callers get must be that one, not the failed ROLLBACK after it
    store = SqliteStore(tmp_path / "full.db")
    await store.open()
    try:
        await store.create_room(record("r1"), event("r1", 1))
        await store._write(lambda conn: conn.execute("PRAGMA max_page_count = 1"))
        big = [StoredEvent(seq, "0" * 64, b'{"pad": "' + b"x" * 20_000 + b'"}') for seq in (2, 3)]
        with pytest.raises(sqlite3.OperationalError, match="full"):
            await store.append("r1", big)
        await store._write(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))
        await store.append("r1", big)  # nothing of the failed call was kept
        assert [e.seq for e in await store.events("r1")] == [1, 2, 3]
    finally:
        await store.close()
