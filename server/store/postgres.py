"""The store for several servers or big deployments: PostgreSQL through an asyncpg pool.

Behaves exactly like :class:`~server.store.sqlite.SqliteStore`. Events go in
with one ``INSERT ... SELECT unnest(...)`` statement (a single statement is its
own transaction: all or none, one round trip); a unique violation on
(room, seq) becomes :class:`~server.store.base.SeqConflict`. PostgreSQL only acknowledges a commit
once its WAL record is flushed (with the default ``synchronous_commit = on``),
and it already shares one flush among backends committing at the same moment.

Appends that arrive while another is in flight are grouped: one task drains
them into one statement (see :meth:`PostgresStore._flush`), so 200 rooms
appending at once cost a handful of commits instead of 200. A duplicate in a
group is sorted out in an explicit transaction so it fails only its own append.

``schema`` isolates one store from another in the same database (tests use a
fresh schema each and :meth:`PostgresStore.drop` it afterwards).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from server.store.base import (
    RoomRecord,
    RoomStatus,
    SeqConflict,
    StoredEvent,
    TokenKind,
    TokenRecord,
)
from server.store.rows import (
    ROOM_COLUMNS,
    TOKEN_COLUMNS,
    check_contiguous,
    check_kind,
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
    """One queued append: its rows and the caller's future."""

    room: str
    seqs: list[int]
    hashes: list[str]
    datas: list[bytes]
    future: asyncio.Future[None] = field(repr=False)


class PostgresStore:
    """The :class:`~server.store.base.Store` on PostgreSQL (asyncpg pool).

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
            public BOOLEAN NOT NULL,
            seats TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS rooms_status ON {self._rooms} (status, created_at);
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
                    f"DROP TABLE IF EXISTS {self._events}, {self._rooms}, {self._tokens}"
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
                    f"INSERT INTO {self._rooms} ({ROOM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    room.id,
                    room.scenario_id,
                    room.title,
                    room.created_at,
                    room.status,
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

    async def append(self, room: str, events: list[StoredEvent]) -> None:
        """Durably store events (contiguous seqs); raises SeqConflict on a duplicate seq.

        All events of one call are stored or none is.
        """

        if not events:
            return
        check_contiguous(events)
        if self._pool is None:
            raise RuntimeError("the store is not open")
        request = _Append(
            room,
            [e.seq for e in events],
            [e.hash for e in events],
            [bytes(e.data) for e in events],
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

    async def set_status(self, room: str, status: RoomStatus) -> None:
        """Record the room's phase class; raises KeyError for an unknown room."""

        check_status(status)
        async with self._connection() as conn:
            result = await conn.execute(
                f"UPDATE {self._rooms} SET status = $1 WHERE id = $2", status, room
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
        """Many appends in one transaction; a duplicate seq fails only its own append.

        The common case is one plain INSERT (a single statement is its own
        transaction: one round trip). If it hits a duplicate, the group is
        redone in an explicit transaction with ON CONFLICT DO NOTHING; an append
        with any row not inserted conflicted, so its other rows are deleted again
        before the commit and it gets SeqConflict.
        """

        rooms = [r.room for r in group for _ in r.seqs]
        seqs = [s for r in group for s in r.seqs]
        hashes = [h for r in group for h in r.hashes]
        datas = [d for r in group for d in r.datas]
        async with self._connection() as conn:
            try:
                await conn.execute(
                    f"""
                    INSERT INTO {self._events} (room, seq, hash, data)
                    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[])
                    """,
                    rooms,
                    seqs,
                    hashes,
                    datas,
                )
            except asyncpg.UniqueViolationError:
                failed = await self._insert_sorting_conflicts(
                    conn, group, rooms, seqs, hashes, datas
                )
            else:
                failed = set()
        # Committed: settle the group.
        for request in group:
            if id(request) in failed:
                _settle(request.future, _conflict(request))
            else:
                _settle(request.future, None)

    async def _insert_sorting_conflicts(
        self,
        conn: asyncpg.Connection,
        group: list[_Append],
        rooms: list[str],
        seqs: list[int],
        hashes: list[str],
        datas: list[bytes],
    ) -> set[int]:
        """Insert what does not conflict, all or nothing per append; the ids of those that conflicted."""

        async with conn.transaction():
            rows = await conn.fetch(
                f"""
                INSERT INTO {self._events} (room, seq, hash, data)
                SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[])
                ON CONFLICT (room, seq) DO NOTHING
                RETURNING room, seq
                """,
                rooms,
                seqs,
                hashes,
                datas,
            )
            inserted = {(row["room"], row["seq"]) for row in rows}
            failed = {id(r) for r in group if any((r.room, s) not in inserted for s in r.seqs)}
            undo = [
                (r.room, s)
                for r in group
                if id(r) in failed
                for s in r.seqs
                if (r.room, s) in inserted
            ]
            if undo:
                await conn.execute(
                    f"""
                    DELETE FROM {self._events} e
                    USING unnest($1::text[], $2::bigint[]) AS u(room, seq)
                    WHERE e.room = u.room AND e.seq = u.seq
                    """,
                    [k[0] for k in undo],
                    [k[1] for k in undo],
                )
        return failed

    async def _insert_one(self, conn: asyncpg.Connection, request: _Append) -> None:
        """One append in its own statement (hence its own transaction)."""

        try:
            await conn.execute(
                f"""
                INSERT INTO {self._events} (room, seq, hash, data)
                SELECT $1::text, * FROM unnest($2::bigint[], $3::text[], $4::bytea[])
                """,
                request.room,
                request.seqs,
                request.hashes,
                request.datas,
            )
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

    async def room(self, room: str) -> RoomRecord | None:
        """One room, or None."""

        async with self._connection() as conn:
            row = await conn.fetchrow(
                f"SELECT {ROOM_COLUMNS} FROM {self._rooms} WHERE id = $1", room
            )
        return None if row is None else room_from_row(row)

    async def rooms(self, *, status: RoomStatus | None = None) -> list[RoomRecord]:
        """All rooms (optionally of one status), oldest first (ties by id)."""

        async with self._connection() as conn:
            if status is None:
                rows = await conn.fetch(
                    f"SELECT {ROOM_COLUMNS} FROM {self._rooms} ORDER BY created_at, id"
                )
            else:
                rows = await conn.fetch(
                    f"SELECT {ROOM_COLUMNS} FROM {self._rooms} WHERE status = $1 ORDER BY created_at, id",
                    status,
                )
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

    Two appends of one group claiming the same row would be indistinguishable in
    RETURNING, so the later one waits (in order) for the next group.
    """

    claimed: set[tuple[str, int]] = set()
    group: list[_Append] = []
    rest: list[_Append] = []
    for request in pending:
        keys = {(request.room, s) for s in request.seqs}
        if len(group) < MAX_BATCH and claimed.isdisjoint(keys):
            claimed |= keys
            group.append(request)
        else:
            rest.append(request)
    return group, rest


def _conflict(request: _Append) -> SeqConflict:
    return SeqConflict(
        f"room {request.room!r} already has an event among seqs {request.seqs[0]}..{request.seqs[-1]}"
    )
