"""The store for several servers or big deployments: PostgreSQL through an asyncpg pool.

Behaves exactly like :class:`~accord.server.store.sqlite.SqliteStore`. Events go in
with one ``INSERT ... SELECT unnest(...)`` statement, and their command refs
with them in the same statement (a data-modifying ``WITH``): a single statement
is its own transaction, so all or none, in one round trip. A unique violation on
(room, seq) or (room, seat, ref) becomes :class:`~accord.server.store.base.SeqConflict`.
PostgreSQL only acknowledges a commit once its WAL record is flushed (with the
default ``synchronous_commit = on``), and it already shares one flush among
backends committing at the same moment.

Appends that arrive while another is in flight are grouped: one task drains
them into one statement (see :meth:`PostgresStore._flush`), so 200 rooms
appending at once cost a handful of commits instead of 200. A duplicate in a
group is sorted out in an explicit transaction so it fails only its own append
(its events and refs together).

:meth:`PostgresStore.open` creates what is missing and upgrades tables made by
an older version in place (rooms without ``reason``, no ``refs`` table), under
an advisory lock so that servers starting at once do not race.

``schema`` isolates one store from another in the same database (tests use a
fresh schema each and :meth:`PostgresStore.drop` it afterwards).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from accord.server.store.base import (
    CommandRef,
    RoomRecord,
    RoomStatus,
    SeqConflict,
    StoredEvent,
    TokenKind,
    TokenRecord,
)
from accord.server.store.rows import (
    ROOM_COLUMNS,
    TOKEN_COLUMNS,
    check_contiguous,
    check_kind,
    check_page,
    check_refs,
    check_status,
    encode,
    room_from_row,
    token_from_row,
)

__all__ = ["PostgresStore"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

# Upper bound on appends per grouped transaction.
MAX_BATCH = 1024


@dataclass(slots=True, eq=False)
class _Append:
    """One queued append: its event and ref rows and the caller's future."""

    room: str
    seqs: list[int]
    hashes: list[str]
    datas: list[bytes]
    ref_seats: list[str]
    ref_refs: list[str]
    ref_seqs: list[int]
    future: asyncio.Future[None] = field(repr=False)

    def event_keys(self) -> set[tuple[str, int]]:
        return {(self.room, s) for s in self.seqs}

    def ref_keys(self) -> set[tuple[str, str, str]]:
        return {
            (self.room, seat, ref) for seat, ref in zip(self.ref_seats, self.ref_refs, strict=True)
        }


@dataclass(slots=True)
class _Rows:
    """The rows of one or more appends as column arrays, for ``unnest``."""

    rooms: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    datas: list[bytes] = field(default_factory=list)
    ref_rooms: list[str] = field(default_factory=list)
    ref_seats: list[str] = field(default_factory=list)
    ref_refs: list[str] = field(default_factory=list)
    ref_seqs: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, group: list[_Append]) -> _Rows:
        rows = cls()
        for r in group:
            rows.rooms += [r.room] * len(r.seqs)
            rows.seqs += r.seqs
            rows.hashes += r.hashes
            rows.datas += r.datas
            rows.ref_rooms += [r.room] * len(r.ref_seats)
            rows.ref_seats += r.ref_seats
            rows.ref_refs += r.ref_refs
            rows.ref_seqs += r.ref_seqs
        return rows

    def events(self) -> tuple[list[str], list[int], list[str], list[bytes]]:
        return self.rooms, self.seqs, self.hashes, self.datas

    def refs(self) -> tuple[list[str], list[str], list[str], list[int]]:
        return self.ref_rooms, self.ref_seats, self.ref_refs, self.ref_seqs


class PostgresStore:
    """The :class:`~accord.server.store.base.Store` on PostgreSQL (asyncpg pool).

    ``schema`` names the PostgreSQL schema holding the tables; it is created
    if missing. ``group_commit`` groups concurrent appends into shared
    transactions (on by default; off gives one transaction per call).
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "public",
        min_size: int = 1,
        max_size: int = 10,
        group_commit: bool = True,
    ) -> None:
        if not _IDENTIFIER.fullmatch(schema):
            raise ValueError(f"schema must be a plain SQL identifier, not {schema!r}")
        self.dsn = dsn
        self.schema = schema
        self.group_commit = group_commit
        self._min_size = min_size
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        q = f'"{schema}"'
        self._rooms = f"{q}.rooms"
        self._events = f"{q}.events"
        self._tokens = f"{q}.tokens"
        self._refs = f"{q}.refs"
        self._pending: list[_Append] = []
        self._flusher: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------

    async def open(self) -> None:
        """Connect and create the schema and tables if they do not exist."""

        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(self.dsn, min_size=self._min_size, max_size=self._max_size)
        try:
            async with pool.acquire() as conn, conn.transaction():
                # Two servers starting at once would race on CREATE ... IF NOT EXISTS
                # (it is not atomic in PostgreSQL); a transaction-level lock serialises them.
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1))", f"accord:{self.schema}"
                )
                if self.schema != "public":
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                await conn.execute(self._ddl())
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    def _ddl(self) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {self._rooms} (
            id TEXT PRIMARY KEY,
            scenario_id TEXT NOT NULL,
            title TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            public BOOLEAN NOT NULL,
            seats TEXT NOT NULL
        );
        ALTER TABLE {self._rooms} ADD COLUMN IF NOT EXISTS reason TEXT NOT NULL DEFAULT '';
        CREATE INDEX IF NOT EXISTS rooms_status ON {self._rooms} (status, created_at);
        CREATE INDEX IF NOT EXISTS rooms_created ON {self._rooms} (created_at, id);
        CREATE TABLE IF NOT EXISTS {self._events} (
            room TEXT NOT NULL,
            seq BIGINT NOT NULL,
            hash TEXT NOT NULL,
            data BYTEA NOT NULL,
            PRIMARY KEY (room, seq)
        );
        CREATE TABLE IF NOT EXISTS {self._tokens} (
            digest TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            room TEXT,
            seat TEXT,
            entry TEXT,
            created_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX IF NOT EXISTS tokens_room ON {self._tokens} (room);
        CREATE TABLE IF NOT EXISTS {self._refs} (
            room TEXT NOT NULL,
            seat TEXT NOT NULL,
            ref TEXT NOT NULL,
            seq BIGINT NOT NULL,
            PRIMARY KEY (room, seat, ref)
        );
        """

    async def close(self) -> None:
        """Wait for pending appends, then close the pool."""

        pool = self._pool
        if pool is None:
            return
        while self._flusher is not None:
            await asyncio.shield(self._flusher)
        self._pool = None
        await pool.close()

    async def drop(self) -> None:
        """Remove everything this store created: its schema (or, in ``public``, its tables)."""

        async with self._connection() as conn:
            if self.schema == "public":
                await conn.execute(
                    f"DROP TABLE IF EXISTS {self._events}, {self._rooms}, {self._tokens}, {self._refs}"
                )
            else:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def _connection(self) -> Any:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool.acquire()

    # -- writes ------------------------------------------------------------------

    async def create_room(self, room: RoomRecord, first: StoredEvent) -> None:
        """Store a new room together with its first event (talks_opened), atomically.

        Raises ValueError if a room with this id already exists.
        """

        check_status(room.status)
        async with self._connection() as conn, conn.transaction():
            try:
                await conn.execute(
                    f"INSERT INTO {self._rooms} ({ROOM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    room.id,
                    room.scenario_id,
                    room.title,
                    room.created_at,
                    room.status,
                    room.reason,
                    room.public,
                    encode(room.seats).decode(),
                )
            except asyncpg.UniqueViolationError:
                raise ValueError(f"room {room.id!r} already exists") from None
            try:
                await conn.execute(
                    f"INSERT INTO {self._events} (room, seq, hash, data) VALUES ($1, $2, $3, $4)",
                    room.id,
                    first.seq,
                    first.hash,
                    bytes(first.data),
                )
            except asyncpg.UniqueViolationError:
                raise SeqConflict(f"room {room.id!r} already has seq {first.seq}") from None

    async def append(
        self, room: str, events: list[StoredEvent], *, refs: Sequence[CommandRef] = ()
    ) -> None:
        """Durably store events (contiguous seqs) and their command refs in one transaction.

        All events and refs of one call are stored or none is. Raises SeqConflict
        if a seq or a (seat, ref) is already stored for the room.
        """

        if not events and not refs:
            return
        if events:
            check_contiguous(events)
        check_refs(refs)
        if self._pool is None:
            raise RuntimeError("the store is not open")
        request = _Append(
            room,
            [e.seq for e in events],
            [e.hash for e in events],
            [bytes(e.data) for e in events],
            [r.seat for r in refs],
            [r.ref for r in refs],
            [r.seq for r in refs],
            asyncio.get_running_loop().create_future(),
        )
        if not self.group_commit:
            async with self._connection() as conn:
                await self._insert_one(conn, request)
            return
        self._pending.append(request)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        # If the caller is cancelled the append may still commit: it is already queued.
        await request.future

    async def set_status(self, room: str, status: RoomStatus, *, reason: str = "") -> None:
        """Record the room's status and why (for failed or expired; empty otherwise).

        Raises KeyError for an unknown room.
        """

        check_status(status)
        async with self._connection() as conn:
            result = await conn.execute(
                f"UPDATE {self._rooms} SET status = $1, reason = $2 WHERE id = $3",
                status,
                reason,
                room,
            )
        if result == "UPDATE 0":
            raise KeyError(room)

    async def put_token(self, token: TokenRecord) -> None:
        """Store a token digest; raises ValueError if the digest is already stored."""

        check_kind(token.kind)
        async with self._connection() as conn:
            try:
                await conn.execute(
                    f"INSERT INTO {self._tokens} ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
                    token.digest,
                    token.kind,
                    token.room,
                    token.seat,
                    token.entry,
                    token.created_at,
                )
            except asyncpg.UniqueViolationError:
                raise ValueError("a token with this digest is already stored") from None

    # -- grouped appends ---------------------------------------------------------

    async def _flush(self) -> None:
        """Commit pending appends in shared transactions until none is left.

        Appends queued while one transaction is in flight wait for the next,
        which takes all of them: the busier the store, the bigger the groups.
        """

        try:
            while self._pending:
                group, self._pending = _take_group(self._pending)
                try:
                    await self._insert_group(group)
                except Exception:
                    # Something other than a duplicate seq went wrong (a dropped
                    # connection, a bad value...): nothing of the group was committed,
                    # so retry each append alone to fail only the guilty ones.
                    for request in group:
                        try:
                            async with self._connection() as conn:
                                await self._insert_one(conn, request)
                        except Exception as exc:
                            _settle(request.future, exc)
                        else:
                            _settle(request.future, None)
        finally:
            self._flusher = None
            if self._pending:  # cancelled mid-way: fail what is left rather than hang it
                for request in self._pending:
                    _settle(request.future, RuntimeError("the store was closed"))
                self._pending = []

    async def _insert_group(self, group: list[_Append]) -> None:
        """Many appends in one transaction; a duplicate seq or ref fails only its own append.

        The common case is one plain INSERT (a single statement is its own
        transaction: one round trip). If it hits a duplicate, the group is
        redone in an explicit transaction with ON CONFLICT DO NOTHING; an append
        with any row not inserted conflicted, so its other rows (events and refs)
        are deleted again before the commit and it gets SeqConflict.
        """

        rows = _Rows.of(group)
        async with self._connection() as conn:
            try:
                await self._insert(conn, rows)
            except asyncpg.UniqueViolationError:
                failed = await self._insert_sorting_conflicts(conn, group, rows)
            else:
                failed = set()
        # Committed: settle the group.
        for request in group:
            if id(request) in failed:
                _settle(request.future, _conflict(request))
            else:
                _settle(request.future, None)

    async def _insert(self, conn: asyncpg.Connection, rows: _Rows) -> None:
        """Insert events and refs in one statement, hence one transaction: all or none."""

        events = f"""
            INSERT INTO {self._events} (room, seq, hash, data)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[])
        """
        if not rows.ref_rooms:
            await conn.execute(events, *rows.events())
            return
        # A data-modifying WITH runs to completion even though nothing reads it.
        await conn.execute(
            f"""
            WITH inserted_events AS ({events})
            INSERT INTO {self._refs} (room, seat, ref, seq)
            SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::bigint[])
            """,
            *rows.events(),
            *rows.refs(),
        )

    async def _insert_sorting_conflicts(
        self, conn: asyncpg.Connection, group: list[_Append], rows: _Rows
    ) -> set[int]:
        """Insert what does not conflict, all or nothing per append; the ids of those that conflicted."""

        async with conn.transaction():
            inserted_events = {
                (row["room"], row["seq"])
                for row in await conn.fetch(
                    f"""
                    INSERT INTO {self._events} (room, seq, hash, data)
                    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[])
                    ON CONFLICT (room, seq) DO NOTHING
                    RETURNING room, seq
                    """,
                    *rows.events(),
                )
            }
            inserted_refs: set[tuple[str, str, str]] = set()
            if rows.ref_rooms:
                inserted_refs = {
                    (row["room"], row["seat"], row["ref"])
                    for row in await conn.fetch(
                        f"""
                        INSERT INTO {self._refs} (room, seat, ref, seq)
                        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
                        ON CONFLICT (room, seat, ref) DO NOTHING
                        RETURNING room, seat, ref
                        """,
                        *rows.refs(),
                    )
                }
            failed = [
                r
                for r in group
                if not (r.event_keys() <= inserted_events and r.ref_keys() <= inserted_refs)
            ]
            undo_events = [k for r in failed for k in r.event_keys() & inserted_events]
            undo_refs = [k for r in failed for k in r.ref_keys() & inserted_refs]
            if undo_events:
                await conn.execute(
                    f"""
                    DELETE FROM {self._events} e
                    USING unnest($1::text[], $2::bigint[]) AS u(room, seq)
                    WHERE e.room = u.room AND e.seq = u.seq
                    """,
                    [k[0] for k in undo_events],
                    [k[1] for k in undo_events],
                )
            if undo_refs:
                await conn.execute(
                    f"""
                    DELETE FROM {self._refs} f
                    USING unnest($1::text[], $2::text[], $3::text[]) AS u(room, seat, ref)
                    WHERE f.room = u.room AND f.seat = u.seat AND f.ref = u.ref
                    """,
                    [k[0] for k in undo_refs],
                    [k[1] for k in undo_refs],
                    [k[2] for k in undo_refs],
                )
        return {id(r) for r in failed}

    async def _insert_one(self, conn: asyncpg.Connection, request: _Append) -> None:
        """One append in its own statement (hence its own transaction)."""

        try:
            await self._insert(conn, _Rows.of([request]))
        except asyncpg.UniqueViolationError:
            raise _conflict(request) from None

    # -- reads -------------------------------------------------------------------

    async def events(self, room: str, *, after: int = 0) -> list[StoredEvent]:
        """Events of ``room`` with seq > ``after``, in seq order."""

        async with self._connection() as conn:
            rows = await conn.fetch(
                f"SELECT seq, hash, data FROM {self._events} WHERE room = $1 AND seq > $2 ORDER BY seq",
                room,
                after,
            )
        return [StoredEvent(seq, hash_, data) for seq, hash_, data in rows]

    async def refs(self, room: str) -> list[CommandRef]:
        """Every command ref stored for ``room``, in seq order (then seat, ref)."""

        async with self._connection() as conn:
            rows = await conn.fetch(
                f"SELECT seat, ref, seq FROM {self._refs} WHERE room = $1 ORDER BY seq, seat, ref",
                room,
            )
        return [CommandRef(seat, ref, seq) for seat, ref, seq in rows]

    async def room(self, room: str) -> RoomRecord | None:
        """One room, or None."""

        async with self._connection() as conn:
            row = await conn.fetchrow(
                f"SELECT {ROOM_COLUMNS} FROM {self._rooms} WHERE id = $1", room
            )
        return None if row is None else room_from_row(row)

    async def rooms(
        self,
        *,
        status: RoomStatus | None = None,
        after: tuple[float, str] | None = None,
        limit: int | None = None,
    ) -> list[RoomRecord]:
        """Rooms (optionally of one status), oldest first by (created_at, id).

        ``after``: only rooms whose (created_at, id) is greater (keyset pagination);
        ``limit``: at most this many (None: all).
        """

        check_page(after, limit)
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            params.append(status)
            where.append(f"status = ${len(params)}")
        if after is not None:
            params.extend(after)
            where.append(f"(created_at, id) > (${len(params) - 1}::float8, ${len(params)}::text)")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {ROOM_COLUMNS} FROM {self._rooms} {clause} ORDER BY created_at, id"
        if limit is not None:
            params.append(limit)
            sql += f" LIMIT ${len(params)}"
        async with self._connection() as conn:
            rows = await conn.fetch(sql, *params)
        return [room_from_row(row) for row in rows]

    async def token(self, digest: str) -> TokenRecord | None:
        """Look a token up by its digest."""

        async with self._connection() as conn:
            row = await conn.fetchrow(
                f"SELECT {TOKEN_COLUMNS} FROM {self._tokens} WHERE digest = $1", digest
            )
        return None if row is None else token_from_row(row)

    async def tokens(
        self, *, room: str | None = None, kind: TokenKind | None = None
    ) -> list[TokenRecord]:
        """Tokens filtered by room and/or kind, oldest first (ties by digest)."""

        where: list[str] = []
        params: list[str] = []
        if room is not None:
            params.append(room)
            where.append(f"room = ${len(params)}")
        if kind is not None:
            params.append(kind)
            where.append(f"kind = ${len(params)}")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        async with self._connection() as conn:
            rows = await conn.fetch(
                f"SELECT {TOKEN_COLUMNS} FROM {self._tokens} {clause} ORDER BY created_at, digest",
                *params,
            )
        return [token_from_row(row) for row in rows]


def _settle(future: asyncio.Future[None], outcome: BaseException | None) -> None:
    if future.done():  # the caller was cancelled
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(outcome)


def _take_group(pending: list[_Append]) -> tuple[list[_Append], list[_Append]]:
    """Split off the next group: up to MAX_BATCH appends, no two claiming the same (room, seq).

    Two appends of one group claiming the same row (an event's seq or a command
    ref) would be indistinguishable in RETURNING, so the later one waits (in
    order) for the next group.
    """

    claimed_events: set[tuple[str, int]] = set()
    claimed_refs: set[tuple[str, str, str]] = set()
    group: list[_Append] = []
    rest: list[_Append] = []
    for request in pending:
        events, refs = request.event_keys(), request.ref_keys()
        if (
            len(group) < MAX_BATCH
            and claimed_events.isdisjoint(events)
            and claimed_refs.isdisjoint(refs)
        ):
            claimed_events |= events
            claimed_refs |= refs
            group.append(request)
        else:
            rest.append(request)
    return group, rest


def _conflict(request: _Append) -> SeqConflict:
    stored = []
    if request.seqs:
        stored.append(f"an event among seqs {request.seqs[0]}..{request.seqs[-1]}")
    if request.ref_seats:
        refs = list(zip(request.ref_seats, request.ref_refs, strict=True))
        stored.append(f"one of the command refs {refs}")
    return SeqConflict(f"room {request.room!r} already has {' or '.join(stored)}")
