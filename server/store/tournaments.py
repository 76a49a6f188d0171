"""Tournament results, stored: SQLite by default, PostgreSQL optionally.

Tables (every name starts with ``tournament``, so a tournament store may share
a database with the server's rooms):

- ``tournaments``: one row per tournament: its name, the digest of its file
  (:attr:`~accord.protocol.tournament.Tournament.digest`), the spec as
  canonical JSON (without the store location, like the digest), its status
  (``running``, ``interrupted``, ``complete``), how many talks the plan holds,
  and the file it was read from;
- ``tournament_entries``: the entries, in file order, each with its
  definition as JSON;
- ``tournament_talks``: one row per talk, every scalar field of
  :class:`~accord.protocol.tournament.TalkResult` a column of its own (the
  seating, the package and the problems as JSON), plus ``position``, the
  talk's place in the plan;
- ``tournament_seats``: one row per seat of a talk, every field of
  :class:`~accord.protocol.tournament.SeatResult` a column;
- ``tournament_transcripts``: each talk's organizer transcript (the JSON lines
  ``accord verify`` reads), zlib-compressed, with the SHA-256 and length of
  the uncompressed bytes;
- ``tournament_runs``: one row per ``run`` (or ``--resume``): when, how long,
  with which executor and how many workers, how many talks it played. Timing
  lives here only, so everything else is the same for the same seed.

The columns of talks and seats are derived from the result structs, so a field
added to :class:`~accord.protocol.tournament.SeatResult` (with a default)
becomes a column, and :meth:`open` adds it to tables made before.

A series of talks (or several) goes in with :meth:`TournamentStore.add_talks`
in ONE transaction: a process killed at any moment leaves every series either
stored whole or not at all. :func:`open_tournament_store` picks the backend
from a URL, like :func:`accord.server.store.open_store`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import re
import sqlite3
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from accord.protocol.tournament import SeatResult, TalkResult

__all__ = [
    "DuplicateTalk",
    "PostgresTournamentStore",
    "RunRecord",
    "SqliteTournamentStore",
    "StoredTalk",
    "TournamentExists",
    "TournamentRecord",
    "TournamentStatus",
    "TournamentStore",
    "compress",
    "open_tournament_store",
]

T = TypeVar("T")

TournamentStatus = Literal["running", "interrupted", "complete"]
STATUSES: tuple[str, ...] = get_args(TournamentStatus)

ENCODING = "zlib"
"""How transcripts are stored: zlib at :data:`LEVEL` (a ~100 kB transcript takes ~26 kB,
in ~0.6 ms; level 6 saves a tenth more in twice the time)."""
LEVEL = 3


class TournamentExists(ValueError):
    """A tournament of this name is already in the store."""


class DuplicateTalk(ValueError):
    """A talk of this add is already stored (nothing of the add was stored)."""


class TournamentRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A tournament as stored."""

    name: str
    digest: str
    spec: bytes
    """Canonical JSON of the tournament file's content (without ``store``)."""
    status: TournamentStatus
    planned: int
    """Talks in the plan."""
    file: str = ""
    """Where the file was read from (for messages; not part of the results)."""


class EntryRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One entry as stored: its name, kind and definition (JSON)."""

    name: str
    kind: str
    definition: bytes


class StoredTalk(msgspec.Struct, frozen=True, kw_only=True):
    """One talk to store: its place in the plan, its result and its transcript."""

    position: int
    result: TalkResult
    transcript: bytes
    """The organizer's transcript, compressed (:func:`compress`)."""
    sha256: str
    """SHA-256 (hex) of the uncompressed transcript."""
    size: int
    """Length of the uncompressed transcript."""


class RunRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One run of a tournament (the first, or a resume): timing, kept apart from results."""

    run: int = 0
    """1 for the first run, 2 for the first resume... (given by the store)."""
    started_at: float
    seconds: float
    executor: str
    workers: int
    talks: int
    """Talks this run played and stored."""
    outcome: str
    """``complete``, ``interrupted`` or ``failed``."""


def compress(transcript: bytes) -> tuple[bytes, str, int]:
    """(compressed bytes, SHA-256 hex, length) of a transcript, as :class:`StoredTalk` wants."""

    return zlib.compress(transcript, LEVEL), hashlib.sha256(transcript).hexdigest(), len(transcript)


# --- columns --------------------------------------------------------------------------

Kind = Literal["int", "float", "str", "json"]


@dataclass(frozen=True, slots=True)
class Column:
    """A column made from a struct field: its SQL kind, nullability and default."""

    name: str
    kind: Kind
    nullable: bool
    default: Any

    def sql(self, dialect: str) -> str:
        types = {
            "sqlite": {"int": "INTEGER", "float": "REAL", "str": "TEXT", "json": "TEXT"},
            "postgres": {
                "int": "BIGINT",
                "float": "DOUBLE PRECISION",
                "str": "TEXT",
                "json": "TEXT",
            },
        }[dialect]
        text = f'"{self.name}" {types[self.kind]}'
        if not self.nullable:
            text += " NOT NULL"
        if self.default is not msgspec.NODEFAULT and self.default is not None:
            text += f" DEFAULT {self.literal(self.default)}"
        return text

    def literal(self, value: Any) -> str:
        if self.kind in ("int", "float"):
            return repr(value)
        text = value if self.kind == "str" else _json(value).decode()
        return "'" + text.replace("'", "''") + "'"

    def put(self, value: Any) -> Any:
        """The value as stored."""

        if value is None or self.kind != "json":
            return value
        return _json(value).decode()

    def get(self, value: Any) -> Any:
        """The stored value as the struct wants it."""

        if value is None or self.kind != "json":
            return value
        return msgspec.json.decode(value)


def _kind(t: msgspec.inspect.Type) -> tuple[Kind, bool]:
    nullable = False
    if isinstance(t, msgspec.inspect.UnionType):
        rest = [u for u in t.types if not isinstance(u, msgspec.inspect.NoneType)]
        nullable = len(rest) != len(t.types)
        if len(rest) != 1:
            return "json", nullable
        t = rest[0]
    if isinstance(t, msgspec.inspect.IntType):
        return "int", nullable
    if isinstance(t, msgspec.inspect.FloatType):
        return "float", nullable
    if isinstance(t, msgspec.inspect.StrType) or (
        isinstance(t, msgspec.inspect.LiteralType) and all(isinstance(v, str) for v in t.values)
    ):
        return "str", nullable
    return "json", nullable


def _columns(cls: type, skip: tuple[str, ...] = ()) -> tuple[Column, ...]:
    out = []
    for field in msgspec.inspect.type_info(cls).fields:  # type: ignore[attr-defined]
        if field.name in skip:
            continue
        kind, nullable = _kind(field.type)
        out.append(Column(field.name, kind, nullable, field.default))
    return tuple(out)


TALK_COLUMNS = _columns(TalkResult, skip=("seats",))
"""Every field of a talk's result but its seats."""
SEAT_COLUMNS = _columns(SeatResult)

_json = msgspec.json.Encoder(order="sorted").encode


def _quoted(columns: Sequence[Column]) -> str:
    return ", ".join(f'"{c.name}"' for c in columns)


# The layout, shared by both dialects: table → (key columns, other columns (name, kind,
# nullable)). Talk and seat columns come from the structs.
_TOURNAMENTS = (
    Column("name", "str", False, msgspec.NODEFAULT),
    Column("digest", "str", False, msgspec.NODEFAULT),
    Column("spec", "str", False, msgspec.NODEFAULT),
    Column("status", "str", False, msgspec.NODEFAULT),
    Column("planned", "int", False, msgspec.NODEFAULT),
    Column("file", "str", False, ""),
)
_ENTRIES = (
    Column("tournament", "str", False, msgspec.NODEFAULT),
    Column("position", "int", False, msgspec.NODEFAULT),
    Column("name", "str", False, msgspec.NODEFAULT),
    Column("kind", "str", False, msgspec.NODEFAULT),
    Column("definition", "str", False, msgspec.NODEFAULT),
)
_TALKS = (
    Column("tournament", "str", False, msgspec.NODEFAULT),
    Column("position", "int", False, msgspec.NODEFAULT),
    *TALK_COLUMNS,
)
_SEATS = (
    Column("tournament", "str", False, msgspec.NODEFAULT),
    Column("talk_id", "str", False, msgspec.NODEFAULT),
    Column("seat_index", "int", False, msgspec.NODEFAULT),
    *SEAT_COLUMNS,
)
_TRANSCRIPTS = (
    Column("tournament", "str", False, msgspec.NODEFAULT),
    Column("talk_id", "str", False, msgspec.NODEFAULT),
    Column("encoding", "str", False, msgspec.NODEFAULT),
    Column("sha256", "str", False, msgspec.NODEFAULT),
    Column("size", "int", False, msgspec.NODEFAULT),
)
_RUNS = (
    Column("tournament", "str", False, msgspec.NODEFAULT),
    Column("run", "int", False, msgspec.NODEFAULT),
    Column("started_at", "float", False, msgspec.NODEFAULT),
    Column("seconds", "float", False, msgspec.NODEFAULT),
    Column("executor", "str", False, msgspec.NODEFAULT),
    Column("workers", "int", False, msgspec.NODEFAULT),
    Column("talks", "int", False, msgspec.NODEFAULT),
    Column("outcome", "str", False, msgspec.NODEFAULT),
)

# (table, columns, primary key)
_TABLES: tuple[tuple[str, tuple[Column, ...], str], ...] = (
    ("tournaments", _TOURNAMENTS, '"name"'),
    ("tournament_entries", _ENTRIES, '"tournament", "name"'),
    ("tournament_talks", _TALKS, '"tournament", "talk"'),
    ("tournament_seats", _SEATS, '"tournament", "talk_id", "seat_index"'),
    ("tournament_transcripts", _TRANSCRIPTS, '"tournament", "talk_id"'),
    ("tournament_runs", _RUNS, '"tournament", "run"'),
)
_INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS {p}tournament_talks_position ON {t}tournament_talks ("tournament", "position")',
    'CREATE INDEX IF NOT EXISTS {p}tournament_talks_series ON {t}tournament_talks ("tournament", "series")',
    'CREATE INDEX IF NOT EXISTS {p}tournament_seats_entry ON {t}tournament_seats ("tournament", "entry")',
)

DUMPED = {
    "tournaments": tuple(c for c in _TOURNAMENTS if c.name != "file"),
    "tournament_entries": _ENTRIES,
    "tournament_talks": _TALKS,
    "tournament_seats": _SEATS,
    "tournament_transcripts": _TRANSCRIPTS,
}
"""What :meth:`TournamentStore.dump` writes: the results, without where the file was
and without the runs (timing). Each transcript is decompressed and checked against
its SHA-256 as it is dumped, but its compressed bytes are not written: another zlib
(on another machine of a cluster) may compress the same transcript otherwise."""


def _ddl(dialect: str, prefix: str = "") -> list[str]:
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    out = []
    for table, columns, key in _TABLES:
        cols = [c.sql(dialect) for c in columns]
        if table == "tournament_transcripts":
            cols.append(f'"data" {blob} NOT NULL')
        out.append(
            f"CREATE TABLE IF NOT EXISTS {prefix}{table} ({', '.join(cols)}, PRIMARY KEY ({key}))"
        )
    return out


_SEATS_AT = TalkResult.__struct_fields__.index("seats")
_TALK_JSON = tuple(n for n, c in enumerate(TALK_COLUMNS) if c.kind == "json")
_SEAT_JSON = tuple(n for n, c in enumerate(SEAT_COLUMNS) if c.kind == "json")


def _row(values: tuple[Any, ...], columns: Sequence[Column], json: tuple[int, ...]) -> list[Any]:
    row = list(values)
    for n in json:
        row[n] = columns[n].put(row[n])
    return row


def _talk_rows(
    name: str, talks: Sequence[StoredTalk]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    # astuple: the fields in declaration order, the order of the columns
    astuple = msgspec.structs.astuple
    talk_rows, seat_rows, transcript_rows = [], [], []
    for stored in talks:
        r = stored.result
        fields = astuple(r)
        fields = fields[:_SEATS_AT] + fields[_SEATS_AT + 1 :]
        talk_rows.append((name, stored.position, *_row(fields, TALK_COLUMNS, _TALK_JSON)))
        for n, seat in enumerate(r.seats):
            values = astuple(seat)
            if _SEAT_JSON:
                values = tuple(_row(values, SEAT_COLUMNS, _SEAT_JSON))
            seat_rows.append((name, r.talk, n, *values))
        transcript_rows.append(
            (name, r.talk, ENCODING, stored.sha256, stored.size, bytes(stored.transcript))
        )
    return talk_rows, seat_rows, transcript_rows


def _results(talk_rows: Sequence[Any], seat_rows: Sequence[Any]) -> list[tuple[int, TalkResult]]:
    """(position, result) from talk rows (position, then the talk columns; in position
    order) and seat rows (talk id, seat index, then the seat columns)."""

    seats: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row in seat_rows:
        talk, index, *values = row
        seats.setdefault(talk, []).append(
            (index, {c.name: c.get(v) for c, v in zip(SEAT_COLUMNS, values, strict=True)})
        )
    out = []
    for position, *row in talk_rows:
        fields = {c.name: c.get(v) for c, v in zip(TALK_COLUMNS, row, strict=True)}
        fields["seats"] = [s for _, s in sorted(seats.get(fields["talk"], []), key=lambda x: x[0])]
        out.append((position, msgspec.convert(fields, TalkResult)))
    return out


def _transcript(row: Any, name: str, talk: str) -> bytes:
    encoding, sha, size, data = row
    if encoding != ENCODING:
        raise ValueError(f"transcript of {name}/{talk}: unknown encoding {encoding!r}")
    raw = zlib.decompress(bytes(data))
    if len(raw) != size or hashlib.sha256(raw).hexdigest() != sha:
        raise ValueError(f"transcript of {name}/{talk}: stored bytes do not match their digest")
    return raw


def _dump_queries(prefix: str, mark: str) -> list[tuple[str, str]]:
    """(table, query) for each table :meth:`TournamentStore.dump` writes."""

    out = []
    for table, columns in DUMPED.items():
        extra = ', "data"' if table == "tournament_transcripts" else ""
        key = '"name"' if table == "tournaments" else '"tournament"'
        out.append(
            (table, f"SELECT {_quoted(columns)}{extra} FROM {prefix}{table} WHERE {key} = {mark}")
        )
    return out


def _dump(tables: dict[str, list[Any]]) -> bytes:
    """Canonical JSON lines of the rows of :data:`DUMPED`, ordered here rather than by
    the database (whose text collation may differ): talks in plan order, each talk's
    seats and transcript in its place."""

    place = {row[2]: row[1] for row in tables["tournament_talks"]}  # talk id → position

    def order(table: str, row: Any) -> tuple[Any, ...]:
        if table == "tournament_entries":
            return (row[1],)
        if table == "tournament_talks":
            return (row[1],)
        if table == "tournament_seats":
            return (place.get(row[1], -1), row[1], row[2])
        if table == "tournament_transcripts":
            return (place.get(row[1], -1), row[1])
        return ()

    out = []
    for table, columns in DUMPED.items():
        for row in sorted(tables[table], key=lambda r, t=table: order(t, r)):
            values: dict[str, Any] = {c.name: v for c, v in zip(columns, row, strict=False)}
            if table == "tournament_transcripts":
                # the content is what counts; _transcript raises if it does not match
                _transcript(row[2:], row[0], row[1])
            out.append(_json([table, values]))
    return b"\n".join(out) + b"\n"


def check_status(status: str) -> None:
    """ValueError unless ``status`` is a tournament status."""

    if status not in STATUSES:
        raise ValueError(f"tournament status must be one of {STATUSES}, not {status!r}")


# --- the interface ---------------------------------------------------------------------


class TournamentStore(Protocol):
    """Where tournament results go; SQLite and PostgreSQL implement it identically."""

    async def open(self) -> None:
        """Connect, create missing tables and add missing columns."""

    async def close(self) -> None:
        """Disconnect (every write has committed when its call returned)."""

    async def create(self, record: TournamentRecord, entries: Sequence[EntryRecord]) -> None:
        """Store a new tournament and its entries, atomically; TournamentExists if the
        name is taken."""

    async def tournament(self, name: str) -> TournamentRecord | None:
        """One tournament, or None."""

    async def tournaments(self) -> list[str]:
        """Names of every stored tournament, sorted."""

    async def entries(self, name: str) -> list[EntryRecord]:
        """The entries of a tournament, in file order."""

    async def set_status(self, name: str, status: TournamentStatus) -> None:
        """Record a tournament's status; KeyError for an unknown tournament."""

    async def add_talks(self, name: str, talks: Sequence[StoredTalk]) -> None:
        """Store talks (one or more whole series) with their seats and transcripts in
        ONE transaction: all or nothing. DuplicateTalk if one is stored already."""

    async def series(self, name: str) -> dict[str, int]:
        """Series id → how many of its talks are stored."""

    async def count(self, name: str) -> int:
        """How many talks of the tournament are stored."""

    async def results(self, name: str) -> list[TalkResult]:
        """Every stored talk's result, in plan order."""

    async def placed(self, name: str) -> list[tuple[int, TalkResult]]:
        """Every stored talk's place in the plan and result, in plan order."""

    async def transcript(self, name: str, talk: str) -> bytes | None:
        """A talk's organizer transcript (JSON lines), checked against its digest; None
        if the talk is not stored."""

    async def add_run(self, name: str, run: RunRecord) -> int:
        """Record a run (timing), numbered after the last one; returns its number."""

    async def runs(self, name: str) -> list[RunRecord]:
        """The runs of a tournament, in order."""

    async def dump(self, name: str) -> bytes:
        """The tournament's results as canonical JSON lines, table by table in a fixed
        order (see :data:`DUMPED`): equal for equal results, whatever the backend."""


def open_tournament_store(url: str) -> TournamentStore:
    """The store a URL or path names (not yet opened: the caller awaits ``.open()``).

    ``postgresql://…`` (or ``postgres://…``) is PostgreSQL; a ``schema`` query
    parameter (``?schema=results``) puts the tables in that schema instead of
    ``public``. ``sqlite:///path`` or a plain path is a SQLite file.
    """

    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = next((v for k, v in query if k == "schema"), "public")
        dsn = urlunsplit(
            parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"]))
        )
        return PostgresTournamentStore(dsn, schema=schema)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise ValueError(f"no file path in {url!r} (use sqlite:///results.db)")
        return SqliteTournamentStore(path)
    if "://" in url or url.startswith("sqlite:"):
        raise ValueError(f"unsupported store URL {url!r}: use postgresql://… or sqlite:///path")
    return SqliteTournamentStore(url)


# --- SQLite ----------------------------------------------------------------------------


class SqliteTournamentStore:
    """The :class:`TournamentStore` on one SQLite file (WAL), used from one thread.

    Every call runs on the store's own thread, with its one connection, so the
    store can be used from any event loop without blocking it. ``synchronous``
    is SQLite's ``PRAGMA synchronous``: ``NORMAL`` (the default) keeps every
    committed series through a crash of the process (a SIGKILL included); only
    a power loss can take the last commits, and ``--resume`` plays them again.
    """

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        if str(path) == ":memory:" or str(path).startswith("file:"):
            raise ValueError("a tournament store needs a file path, not an in-memory database")
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self._thread is not None:
            return
        self._thread = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"accord-tournament-store:{self.path.name}"
        )
        try:
            await self._call(self._open)
        except BaseException:
            self._thread.shutdown(wait=False)
            self._thread = None
            raise

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise RuntimeError(f"could not put {self.path} in WAL mode ({mode!r})")
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _ddl("sqlite"):
                conn.execute(statement)
            for index in _INDEXES:
                conn.execute(index.format(p="", t=""))
            for table, columns, _ in _TABLES:
                present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                for column in columns:
                    if column.name not in present:  # a field added since the file was made
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column.sql('sqlite')}")
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    async def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        conn, self._conn = self._conn, None
        if conn is not None:
            await asyncio.get_running_loop().run_in_executor(thread, conn.close)
        thread.shutdown(wait=True)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._thread is None:
            raise RuntimeError("the store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the store is not open")
        return self._conn

    def _transaction(self, work: Callable[[sqlite3.Connection], None]) -> None:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            work(conn)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- writes

    async def create(self, record: TournamentRecord, entries: Sequence[EntryRecord]) -> None:
        check_status(record.status)

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO tournaments ({_quoted(_TOURNAMENTS)}) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        record.name,
                        record.digest,
                        record.spec.decode(),
                        record.status,
                        record.planned,
                        record.file,
                    ),
                )
            except sqlite3.IntegrityError:
                raise TournamentExists(f"tournament {record.name!r} is already stored") from None
            conn.executemany(
                f"INSERT INTO tournament_entries ({_quoted(_ENTRIES)}) VALUES (?, ?, ?, ?, ?)",
                [
                    (record.name, n, e.name, e.kind, e.definition.decode())
                    for n, e in enumerate(entries)
                ],
            )

        await self._call(self._transaction, work)

    async def set_status(self, name: str, status: TournamentStatus) -> None:
        check_status(status)

        def work(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                'UPDATE tournaments SET "status" = ? WHERE "name" = ?', (status, name)
            )
            if cur.rowcount == 0:
                raise KeyError(name)

        await self._call(self._transaction, work)

    async def add_talks(self, name: str, talks: Sequence[StoredTalk]) -> None:
        if not talks:
            return
        talk_rows, seat_rows, transcript_rows = _talk_rows(name, talks)
        marks = ", ".join("?" * len(_TALKS))
        seat_marks = ", ".join("?" * len(_SEATS))

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.executemany(
                    f"INSERT INTO tournament_talks ({_quoted(_TALKS)}) VALUES ({marks})", talk_rows
                )
            except sqlite3.IntegrityError:
                raise DuplicateTalk(
                    f"tournament {name!r}: one of the talks {[t.result.talk for t in talks]}"
                    " (or its place in the plan) is already stored"
                ) from None
            conn.executemany(
                f"INSERT INTO tournament_seats ({_quoted(_SEATS)}) VALUES ({seat_marks})",
                seat_rows,
            )
            conn.executemany(
                f'INSERT INTO tournament_transcripts ({_quoted(_TRANSCRIPTS)}, "data")'
                " VALUES (?, ?, ?, ?, ?, ?)",
                transcript_rows,
            )

        await self._call(self._transaction, work)

    async def add_run(self, name: str, run: RunRecord) -> int:
        number = [0]

        def work(conn: sqlite3.Connection) -> None:
            (last,) = conn.execute(
                'SELECT COALESCE(MAX("run"), 0) FROM tournament_runs WHERE "tournament" = ?',
                (name,),
            ).fetchone()
            number[0] = last + 1
            conn.execute(
                f"INSERT INTO tournament_runs ({_quoted(_RUNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    number[0],
                    run.started_at,
                    run.seconds,
                    run.executor,
                    run.workers,
                    run.talks,
                    run.outcome,
                ),
            )

        await self._call(self._transaction, work)
        return number[0]

    # -- reads

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._db().execute(sql, params).fetchall()

    async def tournament(self, name: str) -> TournamentRecord | None:
        rows = await self._call(
            self._all, f'SELECT {_quoted(_TOURNAMENTS)} FROM tournaments WHERE "name" = ?', (name,)
        )
        return _tournament(rows[0]) if rows else None

    async def tournaments(self) -> list[str]:
        rows = await self._call(self._all, 'SELECT "name" FROM tournaments ORDER BY "name"')
        return [r[0] for r in rows]

    async def entries(self, name: str) -> list[EntryRecord]:
        rows = await self._call(
            self._all,
            'SELECT "name", "kind", "definition" FROM tournament_entries'
            ' WHERE "tournament" = ? ORDER BY "position"',
            (name,),
        )
        return [EntryRecord(name=n, kind=k, definition=d.encode()) for n, k, d in rows]

    async def series(self, name: str) -> dict[str, int]:
        rows = await self._call(
            self._all,
            'SELECT "series", COUNT(*) FROM tournament_talks WHERE "tournament" = ? GROUP BY "series"',
            (name,),
        )
        return dict(rows)

    async def count(self, name: str) -> int:
        rows = await self._call(
            self._all, 'SELECT COUNT(*) FROM tournament_talks WHERE "tournament" = ?', (name,)
        )
        return int(rows[0][0])

    async def results(self, name: str) -> list[TalkResult]:
        return [r for _, r in await self.placed(name)]

    async def placed(self, name: str) -> list[tuple[int, TalkResult]]:
        def read() -> list[tuple[int, TalkResult]]:
            talks = self._all(
                f'SELECT "position", {_quoted(TALK_COLUMNS)} FROM tournament_talks'
                ' WHERE "tournament" = ? ORDER BY "position"',
                (name,),
            )
            seats = self._all(
                f'SELECT "talk_id", "seat_index", {_quoted(SEAT_COLUMNS)} FROM tournament_seats'
                ' WHERE "tournament" = ?',
                (name,),
            )
            return _results(talks, seats)

        return await self._call(read)

    async def transcript(self, name: str, talk: str) -> bytes | None:
        rows = await self._call(
            self._all,
            'SELECT "encoding", "sha256", "size", "data" FROM tournament_transcripts'
            ' WHERE "tournament" = ? AND "talk_id" = ?',
            (name, talk),
        )
        return _transcript(rows[0], name, talk) if rows else None

    async def runs(self, name: str) -> list[RunRecord]:
        rows = await self._call(
            self._all,
            f'SELECT {_quoted(_RUNS[1:])} FROM tournament_runs WHERE "tournament" = ? ORDER BY "run"',
            (name,),
        )
        return [_run(r) for r in rows]

    async def dump(self, name: str) -> bytes:
        def read() -> bytes:
            tables = {}
            for table, sql in _dump_queries("", "?"):
                tables[table] = self._all(sql, (name,))
            return _dump(tables)

        return await self._call(read)


def _tournament(row: Any) -> TournamentRecord:
    name, digest, spec, status, planned, file = row
    return TournamentRecord(
        name=name, digest=digest, spec=spec.encode(), status=status, planned=planned, file=file
    )


def _run(row: Any) -> RunRecord:
    return RunRecord(**{c.name: v for c, v in zip(_RUNS[1:], row, strict=True)})


# --- PostgreSQL ------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class PostgresTournamentStore:
    """The :class:`TournamentStore` on PostgreSQL (asyncpg), in ``schema`` (created if missing).

    Tests give each store a schema of its own and :meth:`drop` it afterwards.
    """

    def __init__(self, dsn: str, *, schema: str = "public") -> None:
        if not _IDENTIFIER.fullmatch(schema):
            raise ValueError(f"schema must be a plain SQL identifier, not {schema!r}")
        self.dsn = dsn
        self.schema = schema
        self._s = f'"{schema}".'
        self._pool: Any = None

    async def open(self) -> None:
        if self._pool is not None:
            return
        import asyncpg  # only when PostgreSQL is asked for

        pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=4)
        try:
            async with pool.acquire() as conn, conn.transaction():
                # CREATE ... IF NOT EXISTS is not atomic in PostgreSQL: serialise openers
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1))",
                    f"accord-tournaments:{self.schema}",
                )
                if self.schema != "public":
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                for statement in _ddl("postgres", self._s):
                    await conn.execute(statement)
                for index in _INDEXES:
                    await conn.execute(index.format(p="", t=self._s))
                for table, columns, _ in _TABLES:
                    for column in columns:  # fields added since the tables were made
                        await conn.execute(
                            f"ALTER TABLE {self._s}{table} ADD COLUMN IF NOT EXISTS"
                            f" {column.sql('postgres')}"
                        )
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def drop(self) -> None:
        """Remove what this store made: its schema (in ``public``, its tables)."""

        async with self._acquire() as conn:
            if self.schema == "public":
                names = ", ".join(f"{self._s}{t}" for t, *_ in _TABLES)
                await conn.execute(f"DROP TABLE IF EXISTS {names}")
            else:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def _acquire(self) -> Any:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool.acquire()

    @staticmethod
    def _marks(n: int) -> str:
        return ", ".join(f"${i}" for i in range(1, n + 1))

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self._acquire() as conn:
            return list(await conn.fetch(sql, *args))

    # -- writes

    async def create(self, record: TournamentRecord, entries: Sequence[EntryRecord]) -> None:
        import asyncpg

        check_status(record.status)
        async with self._acquire() as conn, conn.transaction():
            try:
                await conn.execute(
                    f"INSERT INTO {self._s}tournaments ({_quoted(_TOURNAMENTS)})"
                    f" VALUES ({self._marks(6)})",
                    record.name,
                    record.digest,
                    record.spec.decode(),
                    record.status,
                    record.planned,
                    record.file,
                )
            except asyncpg.UniqueViolationError:
                raise TournamentExists(f"tournament {record.name!r} is already stored") from None
            await conn.executemany(
                f"INSERT INTO {self._s}tournament_entries ({_quoted(_ENTRIES)})"
                f" VALUES ({self._marks(5)})",
                [
                    (record.name, n, e.name, e.kind, e.definition.decode())
                    for n, e in enumerate(entries)
                ],
            )

    async def set_status(self, name: str, status: TournamentStatus) -> None:
        check_status(status)
        async with self._acquire() as conn:
            done = await conn.execute(
                f'UPDATE {self._s}tournaments SET "status" = $1 WHERE "name" = $2', status, name
            )
        if done == "UPDATE 0":
            raise KeyError(name)

    async def add_talks(self, name: str, talks: Sequence[StoredTalk]) -> None:
        import asyncpg

        if not talks:
            return
        talk_rows, seat_rows, transcript_rows = _talk_rows(name, talks)
        async with self._acquire() as conn, conn.transaction():
            try:
                await conn.executemany(
                    f"INSERT INTO {self._s}tournament_talks ({_quoted(_TALKS)})"
                    f" VALUES ({self._marks(len(_TALKS))})",
                    talk_rows,
                )
            except asyncpg.UniqueViolationError:
                raise DuplicateTalk(
                    f"tournament {name!r}: one of the talks {[t.result.talk for t in talks]}"
                    " (or its place in the plan) is already stored"
                ) from None
            await conn.executemany(
                f"INSERT INTO {self._s}tournament_seats ({_quoted(_SEATS)})"
                f" VALUES ({self._marks(len(_SEATS))})",
                seat_rows,
            )
            await conn.executemany(
                f'INSERT INTO {self._s}tournament_transcripts ({_quoted(_TRANSCRIPTS)}, "data")'
                f" VALUES ({self._marks(6)})",
                transcript_rows,
            )

    async def add_run(self, name: str, run: RunRecord) -> int:
        async with self._acquire() as conn, conn.transaction():
            # one resume at a time per tournament: the lock makes the number unique
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"runs:{name}")
            last = await conn.fetchval(
                f'SELECT COALESCE(MAX("run"), 0) FROM {self._s}tournament_runs'
                ' WHERE "tournament" = $1',
                name,
            )
            await conn.execute(
                f"INSERT INTO {self._s}tournament_runs ({_quoted(_RUNS)}) VALUES ({self._marks(8)})",
                name,
                last + 1,
                run.started_at,
                run.seconds,
                run.executor,
                run.workers,
                run.talks,
                run.outcome,
            )
        return int(last + 1)

    # -- reads

    async def tournament(self, name: str) -> TournamentRecord | None:
        rows = await self._fetch(
            f'SELECT {_quoted(_TOURNAMENTS)} FROM {self._s}tournaments WHERE "name" = $1', name
        )
        return _tournament(tuple(rows[0])) if rows else None

    async def tournaments(self) -> list[str]:
        rows = await self._fetch(f'SELECT "name" FROM {self._s}tournaments ORDER BY "name"')
        return [r[0] for r in rows]

    async def entries(self, name: str) -> list[EntryRecord]:
        rows = await self._fetch(
            f'SELECT "name", "kind", "definition" FROM {self._s}tournament_entries'
            ' WHERE "tournament" = $1 ORDER BY "position"',
            name,
        )
        return [EntryRecord(name=n, kind=k, definition=d.encode()) for n, k, d in rows]

    async def series(self, name: str) -> dict[str, int]:
        rows = await self._fetch(
            f'SELECT "series", COUNT(*) FROM {self._s}tournament_talks'
            ' WHERE "tournament" = $1 GROUP BY "series"',
            name,
        )
        return {r[0]: int(r[1]) for r in rows}

    async def count(self, name: str) -> int:
        rows = await self._fetch(
            f'SELECT COUNT(*) FROM {self._s}tournament_talks WHERE "tournament" = $1', name
        )
        return int(rows[0][0])

    async def results(self, name: str) -> list[TalkResult]:
        return [r for _, r in await self.placed(name)]

    async def placed(self, name: str) -> list[tuple[int, TalkResult]]:
        talks = await self._fetch(
            f'SELECT "position", {_quoted(TALK_COLUMNS)} FROM {self._s}tournament_talks'
            ' WHERE "tournament" = $1 ORDER BY "position"',
            name,
        )
        seats = await self._fetch(
            f'SELECT "talk_id", "seat_index", {_quoted(SEAT_COLUMNS)}'
            f' FROM {self._s}tournament_seats WHERE "tournament" = $1',
            name,
        )
        return _results([tuple(r) for r in talks], [tuple(r) for r in seats])

    async def transcript(self, name: str, talk: str) -> bytes | None:
        rows = await self._fetch(
            f'SELECT "encoding", "sha256", "size", "data" FROM {self._s}tournament_transcripts'
            ' WHERE "tournament" = $1 AND "talk_id" = $2',
            name,
            talk,
        )
        return _transcript(tuple(rows[0]), name, talk) if rows else None

    async def runs(self, name: str) -> list[RunRecord]:
        rows = await self._fetch(
            f"SELECT {_quoted(_RUNS[1:])} FROM {self._s}tournament_runs"
            ' WHERE "tournament" = $1 ORDER BY "run"',
            name,
        )
        return [_run(tuple(r)) for r in rows]

    async def dump(self, name: str) -> bytes:
        tables = {}
        for table, sql in _dump_queries(self._s, "$1"):
            tables[table] = [tuple(r) for r in await self._fetch(sql, name)]
        return _dump(tables)
