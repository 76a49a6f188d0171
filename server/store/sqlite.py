"""The embedded store: one SQLite file in WAL mode, written by one thread with group commit.

Every write (``create_room``, ``append``, ``set_status``, ``put_token``) is put
on a queue and awaited. A single writer thread takes everything waiting on the
queue, runs it in ONE transaction (each request inside its own savepoint, so a
duplicate seq or command ref fails only the request that caused it, its events
and refs together) and commits; only then does it resolve each caller's future.
A call therefore returns once its rows are durable, and many rooms appending at
once share one commit (one fsync with ``synchronous=FULL``) instead of paying
one each.

Reads run on a small pool of threads with their own read-only connections:
WAL lets them read the last committed state while the writer writes.

A file made by an older version (rooms without ``reason``, no ``refs`` table) is
upgraded in place when the writer thread starts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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

__all__ = ["SqliteStore"]

T = TypeVar("T")

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")

# Upper bound on requests per group commit, so one huge burst cannot hold every
# caller behind one very long transaction.
MAX_BATCH = 1024
READ_THREADS = 4
BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    scenario_id TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    public INTEGER NOT NULL,
    seats TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rooms_status ON rooms (status, created_at);
CREATE INDEX IF NOT EXISTS rooms_created ON rooms (created_at, id);
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
CREATE TABLE IF NOT EXISTS refs (
    room TEXT NOT NULL,
    seat TEXT NOT NULL,
    ref TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (room, seat, ref)
);
"""

# Columns added since a table was first created: (table, column, definition).
UPGRADES = (("rooms", "reason", "reason TEXT NOT NULL DEFAULT ''"),)


_Op = Callable[[sqlite3.Connection], None]


@dataclass(slots=True)
class _Request:
    """One queued write: what to run in the writer thread and whom to tell."""

    op: _Op
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


_STOP = object()


class SqliteStore:
    """The :class:`~accord.server.store.base.Store` on one SQLite file (WAL, group commit).

    ``synchronous`` is SQLite's ``PRAGMA synchronous``: ``FULL`` (the default)
    fsyncs the WAL at every commit, so an acknowledged write survives power
    loss; ``NORMAL`` survives a crash of the process but may lose the last
    commits on power loss.
    """

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        if str(path) == ":memory:" or str(path).startswith("file:"):
            # WAL and a separate read connection need a real file.
            raise ValueError("SqliteStore needs a file path, not an in-memory or URI database")
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}, not {synchronous!r}")
        self.path = Path(path)
        self.synchronous = mode
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: concurrent.futures.ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._read_conns: list[sqlite3.Connection] = []
        # Guards the open/closed state against a write being queued behind the stop marker.
        self._lock = threading.Lock()
        self._open = False

    # -- lifecycle ---------------------------------------------------------------

    async def open(self) -> None:
        """Create the file and tables if needed and start the writer thread."""

        if self._open:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._writer = threading.Thread(
            target=self._write_loop, args=(ready,), name=f"accord-sqlite-writer:{self.path.name}"
        )
        # Daemon: a process that exits without close() must not hang on the writer;
        # whatever it acknowledged is already committed.
        self._writer.daemon = True
        self._writer.start()
        await asyncio.wrap_future(ready)
        self._readers = concurrent.futures.ThreadPoolExecutor(
            max_workers=READ_THREADS, thread_name_prefix="accord-sqlite-read"
        )
        with self._lock:
            self._open = True

    async def close(self) -> None:
        """Let every queued write commit, then stop the writer and close all connections."""

        with self._lock:
            if not self._open:
                return
            self._open = False
            # Queued behind every write already accepted, so those still commit.
            self._queue.put(_STOP)
        readers, self._readers = self._readers, None
        if readers is not None:
            await asyncio.to_thread(readers.shutdown, wait=True)
        for conn in self._read_conns:
            conn.close()
        self._read_conns.clear()
        self._local = threading.local()
        writer, self._writer = self._writer, None
        if writer is not None:
            # The writer's connection closes last, so SQLite checkpoints the WAL into the file.
            await asyncio.to_thread(writer.join)

    # -- writes ------------------------------------------------------------------

    async def create_room(self, room: RoomRecord, first: StoredEvent) -> None:
        """Store a new room together with its first event (talks_opened), atomically.

        Raises ValueError if a room with this id already exists.
        """

        check_status(room.status)
        row = (
            room.id,
            room.scenario_id,
            room.title,
            room.created_at,
            room.status,
            room.reason,
            int(room.public),
            encode(room.seats).decode(),
        )
        event = (room.id, first.seq, first.hash, bytes(first.data))

        def op(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO rooms ({ROOM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"room {room.id!r} already exists") from None
            try:
                conn.execute(
                    "INSERT INTO events (room, seq, hash, data) VALUES (?, ?, ?, ?)", event
                )
            except sqlite3.IntegrityError:
                raise SeqConflict(f"room {room.id!r} already has seq {first.seq}") from None

        await self._write(op)

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
        rows = [(room, e.seq, e.hash, bytes(e.data)) for e in events]
        ref_rows = [(room, r.seat, r.ref, r.seq) for r in refs]

        def op(conn: sqlite3.Connection) -> None:
            # Runs inside the request's savepoint: a failure here undoes both inserts.
            try:
                conn.executemany(
                    "INSERT INTO events (room, seq, hash, data) VALUES (?, ?, ?, ?)", rows
                )
            except sqlite3.IntegrityError:
                raise SeqConflict(
                    f"room {room!r} already has an event among seqs {events[0].seq}..{events[-1].seq}"
                ) from None
            try:
                conn.executemany(
                    "INSERT INTO refs (room, seat, ref, seq) VALUES (?, ?, ?, ?)", ref_rows
                )
            except sqlite3.IntegrityError:
                raise SeqConflict(
                    f"room {room!r} already has one of the command refs {[(r.seat, r.ref) for r in refs]}"
                ) from None

        await self._write(op)

    async def set_status(self, room: str, status: RoomStatus, *, reason: str = "") -> None:
        """Record the room's status and why (for failed or expired; empty otherwise).

        Raises KeyError for an unknown room.
        """

        check_status(status)

        def op(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE rooms SET status = ?, reason = ? WHERE id = ?", (status, reason, room)
            )
            if cur.rowcount == 0:
                raise KeyError(room)

        await self._write(op)

    async def put_token(self, token: TokenRecord) -> None:
        """Store a token digest; raises ValueError if the digest is already stored."""

        check_kind(token.kind)
        row = (token.digest, token.kind, token.room, token.seat, token.entry, token.created_at)

        def op(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(f"INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", row)
            except sqlite3.IntegrityError:
                raise ValueError("a token with this digest is already stored") from None

        await self._write(op)

    async def _write(self, op: _Op) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if not self._open:
                raise RuntimeError("the store is not open")
            self._queue.put(_Request(op, loop, future))
        # If the caller is cancelled the write may still commit: it is already queued.
        await future

    # -- the writer thread -------------------------------------------------------

    def _write_loop(self, ready: concurrent.futures.Future[None]) -> None:
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
            self._create_or_upgrade(conn)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            stopping = False
            while not stopping:
                batch: list[_Request] = []
                item = self._queue.get()
                while True:
                    if item is _STOP:
                        stopping = True
                        break
                    batch.append(item)
                    if len(batch) >= MAX_BATCH:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    self._commit(conn, batch)
        finally:
            conn.close()

    @staticmethod
    def _create_or_upgrade(conn: sqlite3.Connection) -> None:
        """Create missing tables and indexes and add missing columns, in one transaction."""

        # BEGIN IMMEDIATE takes the write lock first, so two processes opening
        # one old file cannot both decide to add the same column.
        try:
            conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA}")
            for table, column, definition in UPGRADES:
                present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _commit(self, conn: sqlite3.Connection, batch: list[_Request]) -> None:
        """Run a batch in one transaction and commit it, then settle the callers' futures."""

        try:
            outcomes = self._run_batch(conn, batch, savepoints=False)
            if any(outcome is not None for outcome in outcomes):
                # Optimistic pass failed (a duplicate seq, say): redo it with one
                # savepoint per request so that only the guilty requests fail.
                outcomes = self._run_batch(conn, batch, savepoints=True)
        except Exception as exc:
            # Nothing in this transaction is durable: every request in it fails.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            outcomes = [exc] * len(batch)
        # One wake-up per event loop rather than one per request.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], Any]]] = {}
        for request, outcome in zip(batch, outcomes, strict=True):
            by_loop.setdefault(request.loop, []).append((request.future, outcome))
        for loop, settlements in by_loop.items():
            # RuntimeError: that event loop is closed; nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle_all, settlements)

    @staticmethod
    def _run_batch(
        conn: sqlite3.Connection, batch: list[_Request], *, savepoints: bool
    ) -> list[Exception | None]:
        """One transaction over the batch: committed if every request succeeded (or was undone).

        Without savepoints (the common, cheaper case) the first failing request
        rolls everything back and its outcome is returned so the caller can retry
        with savepoints. Errors that doom the transaction itself propagate.
        """

        outcomes: list[Exception | None] = [None] * len(batch)
        conn.execute("BEGIN IMMEDIATE")
        for i, request in enumerate(batch):
            if not savepoints:
                try:
                    request.op(conn)
                except Exception as exc:
                    if not conn.in_transaction:
                        raise  # SQLite undid the transaction itself (disk full, I/O error)
                    outcomes[i] = exc
                    conn.execute("ROLLBACK")
                    return outcomes
                continue
            conn.execute("SAVEPOINT request")
            try:
                request.op(conn)
            except Exception as exc:
                if not conn.in_transaction:
                    raise  # SQLite undid the whole transaction (disk full, I/O error)
                outcomes[i] = exc
                conn.execute("ROLLBACK TO request")  # undo just this request
            conn.execute("RELEASE request")
        conn.execute("COMMIT")
        return outcomes

    def _connect(self, *, readonly: bool = False) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves; the sqlite3
        # module's implicit transactions would get in the way of savepoints.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=not readonly)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
            return conn
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.close()
            raise RuntimeError(f"could not put {self.path} in WAL mode (journal_mode is {mode!r})")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        return conn

    # -- reads -------------------------------------------------------------------

    async def events(self, room: str, *, after: int = 0) -> list[StoredEvent]:
        """Events of ``room`` with seq > ``after``, in seq order."""

        def read(conn: sqlite3.Connection) -> list[StoredEvent]:
            rows = conn.execute(
                "SELECT seq, hash, data FROM events WHERE room = ? AND seq > ? ORDER BY seq",
                (room, after),
            ).fetchall()
            return [StoredEvent(seq, hash_, bytes(data)) for seq, hash_, data in rows]

        return await self._read(read)

    async def refs(self, room: str) -> list[CommandRef]:
        """Every command ref stored for ``room``, in seq order (then seat, ref)."""

        def read(conn: sqlite3.Connection) -> list[CommandRef]:
            rows = conn.execute(
                "SELECT seat, ref, seq FROM refs WHERE room = ? ORDER BY seq, seat, ref", (room,)
            ).fetchall()
            return [CommandRef(seat, ref, seq) for seat, ref, seq in rows]

        return await self._read(read)

    async def room(self, room: str) -> RoomRecord | None:
        """One room, or None."""

        def read(conn: sqlite3.Connection) -> RoomRecord | None:
            row = conn.execute(f"SELECT {ROOM_COLUMNS} FROM rooms WHERE id = ?", (room,)).fetchone()
            return None if row is None else room_from_row(row)

        return await self._read(read)

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
            where.append("status = ?")
            params.append(status)
        if after is not None:
            where.append("(created_at, id) > (?, ?)")
            params.extend(after)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {ROOM_COLUMNS} FROM rooms {clause} ORDER BY created_at, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)

        def read(conn: sqlite3.Connection) -> list[RoomRecord]:
            return [room_from_row(row) for row in conn.execute(sql, params).fetchall()]

        return await self._read(read)

    async def token(self, digest: str) -> TokenRecord | None:
        """Look a token up by its digest."""

        def read(conn: sqlite3.Connection) -> TokenRecord | None:
            row = conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE digest = ?", (digest,)
            ).fetchone()
            return None if row is None else token_from_row(row)

        return await self._read(read)

    async def tokens(
        self, *, room: str | None = None, kind: TokenKind | None = None
    ) -> list[TokenRecord]:
        """Tokens filtered by room and/or kind, oldest first (ties by digest)."""

        where: list[str] = []
        params: list[str] = []
        if room is not None:
            where.append("room = ?")
            params.append(room)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {TOKEN_COLUMNS} FROM tokens {clause} ORDER BY created_at, digest"

        def read(conn: sqlite3.Connection) -> list[TokenRecord]:
            return [token_from_row(row) for row in conn.execute(sql, params).fetchall()]

        return await self._read(read)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        readers = self._readers
        if readers is None or not self._open:
            raise RuntimeError("the store is not open")
        return await asyncio.get_running_loop().run_in_executor(readers, self._run_read, fn)

    def _run_read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        # One read connection per pool thread, opened on first use.
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(readonly=True)
            self._local.conn = conn
            with self._lock:
                self._read_conns.append(conn)
        return fn(conn)


def _settle_all(settlements: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for future, outcome in settlements:
        if future.done():  # the caller was cancelled
            continue
        if outcome is None:
            future.set_result(None)
        else:
            future.set_exception(outcome)
