"""Tournaments on the HTTP server: created, started and read through the API.

:class:`TournamentService` is what the routes of :mod:`accord.server.api`
call. It keeps the results in the server's own database (its ``--db``,
SQLite or PostgreSQL), next to the rooms: the tournament results store
(:mod:`accord.server.store.tournaments`, every table named ``tournament…``)
plus one table of its own, ``tournament_server``, with what only the server
knows of a tournament: whether anyone may read it, when it was created,
started and finished, and why its last run failed.

Running. ``start`` hands the tournament to :func:`run_tournament` in a thread
(the event loop never waits for it), with ``resume`` on, so a tournament that
a stopped or restarted server left half played continues where its store
ends. The runner's executor is :class:`ServerExecutor`: series whose talks
seat ``strategy`` entries only go to a local pool of worker processes;
series with any sandboxed (``package``, ``wheel``, ``command``) or remote
entry are played in threads of this process, each talk a real room on this
server's hub (:func:`~accord.server.tournament.external.talks_on`), so the
bots connected with entry tokens receive their seats as assignments.

Reading. Standings and the talk list are made from the stored results, read
again only when the stored talk count has changed (and, while the
tournament runs, at most every ``tournament_refresh`` seconds), so polling
them costs a count query.

Modules this one needs only to run or to rate (the runner, the pool,
standings with numpy and openskill) are imported when first used: a server
that never runs a tournament does not load them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec
import structlog
from aiohttp import WSCloseCode, web

from accord.protocol.errors import NotFound, TournamentError
from accord.protocol.jcs import canonical_json
from accord.protocol.scenario import Scenario, bundled_names
from accord.protocol.tournament import (
    TalkPlan,
    TalkResult,
    Tournament,
    load_scenarios,
    plan,
    plan_round,
    tournament_from_dict,
)
from accord.server.settings import Settings
from accord.server.store.tournaments import (
    EntryRecord,
    TournamentExists,
    TournamentRecord,
    TournamentStore,
    open_tournament_store,
)

if TYPE_CHECKING:
    from accord.server.hub import Hub
    from accord.server.store.base import Store
    from accord.server.tournament.external import Server
    from accord.server.tournament.worker import SeriesOutcome, Setup

__all__ = [
    "TOURNAMENTS",
    "Conflict",
    "Listing",
    "ServerExecutor",
    "Status",
    "TournamentService",
    "View",
    "decode_cursor",
    "encode_cursor",
    "results_url",
]

log = structlog.get_logger("accord.tournaments")
T = TypeVar("T")

Status = Literal["created", "running", "interrupted", "failed", "complete"]
"""A tournament as the API shows it: ``created`` (never started), ``running`` (in this
server process now), ``interrupted`` (stopped, or the server stopped under it: start it
again to resume), ``failed`` (its last run stopped on an error: ``error`` says which;
start resumes), ``complete`` (every planned talk is stored)."""

KEPT_BOARDS = 8
"""Tournaments whose stored results are kept in memory for reading."""

REQUEST_FILE = "request"
"""What a tournament from the API was "read from", in its messages and its record."""


class Conflict(Exception):
    """A request that the tournament's state refuses (HTTP 409), with a stable code:
    ``tournament_exists``, ``tournament_running`` or ``tournament_complete``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Listing(msgspec.Struct, frozen=True, kw_only=True):
    """What the server keeps of a tournament beside its results."""

    name: str
    public: bool
    created_at: float
    started_at: float | None = None
    """When it was first started (None: never)."""
    finished_at: float | None = None
    """When its last talk was stored (None: not complete)."""
    error: str = ""
    """Why its last run failed ("" if it did not)."""


@dataclass(frozen=True)
class View:
    """A tournament as the API describes it."""

    listing: Listing
    status: Status
    planned: int
    done: int
    tournament: Tournament


def results_url(store: Store, db: str) -> str:
    """The tournament store URL for the server's room store: the same SQLite file, or
    the same PostgreSQL database and schema."""

    from accord.server.store.sqlite import SqliteStore

    if isinstance(store, SqliteStore):
        return str(store.path)
    dsn, schema = getattr(store, "dsn", None), getattr(store, "schema", None)
    if isinstance(dsn, str) and isinstance(schema, str):
        parts = urlsplit(dsn)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "schema"]
        return urlunsplit(parts._replace(query=urlencode([*query, ("schema", schema)])))
    return db


# --- the server's own table ---------------------------------------------------------------


class _Listings(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def add(self, listing: Listing) -> None: ...
    async def get(self, name: str) -> Listing | None: ...
    async def page(
        self, after: tuple[float, str] | None, limit: int, public_only: bool
    ) -> list[Listing]: ...
    async def update(self, listing: Listing) -> None: ...


_COLUMNS = '"name", "public", "created_at", "started_at", "finished_at", "error"'


def _listing(row: Sequence[Any]) -> Listing:
    name, public, created, started, finished, error = row
    return Listing(
        name=name,
        public=bool(public),
        created_at=created,
        started_at=started,
        finished_at=finished,
        error=error,
    )


class _SqliteListings:
    """``tournament_server`` in a SQLite file, on a thread of its own."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._thread is not None, "the store is not open"
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def _db(self) -> sqlite3.Connection:
        assert self._conn is not None
        return self._conn

    async def open(self) -> None:
        self._thread = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="accord-tournament-listings"
        )

        def connect() -> None:
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS tournament_server ("
                '"name" TEXT PRIMARY KEY, "public" INTEGER NOT NULL, "created_at" REAL NOT NULL,'
                ' "started_at" REAL, "finished_at" REAL, "error" TEXT NOT NULL DEFAULT \'\')'
            )
            conn.execute(
                "CREATE INDEX IF NOT EXISTS tournament_server_created"
                ' ON tournament_server ("created_at", "name")'
            )
            self._conn = conn

        await self._call(connect)

    async def close(self) -> None:
        if self._thread is None:
            return
        with contextlib.suppress(Exception):
            await self._call(self._db().close)
        self._thread.shutdown(wait=False)
        self._thread = None

    async def add(self, listing: Listing) -> None:
        await self._call(
            self._db().execute,
            f"INSERT INTO tournament_server ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (
                listing.name,
                int(listing.public),
                listing.created_at,
                listing.started_at,
                listing.finished_at,
                listing.error,
            ),
        )

    async def get(self, name: str) -> Listing | None:
        def read() -> Listing | None:
            row = (
                self._db()
                .execute(f'SELECT {_COLUMNS} FROM tournament_server WHERE "name" = ?', (name,))
                .fetchone()
            )
            return None if row is None else _listing(row)

        return await self._call(read)

    async def page(
        self, after: tuple[float, str] | None, limit: int, public_only: bool
    ) -> list[Listing]:
        where, params = [], []
        if after is not None:
            where.append('("created_at" > ? OR ("created_at" = ? AND "name" > ?))')
            params += [after[0], after[0], after[1]]
        if public_only:
            where.append('"public" = 1')
        sql = f"SELECT {_COLUMNS} FROM tournament_server"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += ' ORDER BY "created_at", "name" LIMIT ?'

        def read() -> list[Listing]:
            return [_listing(r) for r in self._db().execute(sql, (*params, limit)).fetchall()]

        return await self._call(read)

    async def update(self, listing: Listing) -> None:
        await self._call(
            self._db().execute,
            'UPDATE tournament_server SET "started_at" = ?, "finished_at" = ?, "error" = ?'
            ' WHERE "name" = ?',
            (listing.started_at, listing.finished_at, listing.error, listing.name),
        )


class _PostgresListings:
    """``tournament_server`` in a PostgreSQL schema."""

    def __init__(self, dsn: str, schema: str) -> None:
        self.dsn = dsn
        self.table = f'"{schema}".tournament_server'
        self.schema = schema
        self._pool: Any = None

    async def open(self) -> None:
        import asyncpg

        pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn, conn.transaction():
                # CREATE ... IF NOT EXISTS is not atomic in PostgreSQL: serialise openers
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1))",
                    f"accord-tournament-server:{self.schema}",
                )
                if self.schema != "public":
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {self.table} ("
                    '"name" TEXT PRIMARY KEY, "public" BOOLEAN NOT NULL,'
                    ' "created_at" DOUBLE PRECISION NOT NULL, "started_at" DOUBLE PRECISION,'
                    ' "finished_at" DOUBLE PRECISION, "error" TEXT NOT NULL DEFAULT \'\')'
                )
                await conn.execute(
                    "CREATE INDEX IF NOT EXISTS tournament_server_created"
                    f' ON {self.table} ("created_at", "name")'
                )
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def add(self, listing: Listing) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                f"INSERT INTO {self.table} ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
                listing.name,
                listing.public,
                listing.created_at,
                listing.started_at,
                listing.finished_at,
                listing.error,
            )

    async def get(self, name: str) -> Listing | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                f'SELECT {_COLUMNS} FROM {self.table} WHERE "name" = $1', name
            )
        return None if row is None else _listing(tuple(row))

    async def page(
        self, after: tuple[float, str] | None, limit: int, public_only: bool
    ) -> list[Listing]:
        where, params = [], []
        if after is not None:
            where.append('("created_at", "name") > ($1, $2)')
            params += [after[0], after[1]]
        if public_only:
            where.append('"public"')
        sql = f"SELECT {_COLUMNS} FROM {self.table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f' ORDER BY "created_at", "name" LIMIT ${len(params) + 1}'
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(sql, *params, limit)
        return [_listing(tuple(r)) for r in rows]

    async def update(self, listing: Listing) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                f'UPDATE {self.table} SET "started_at" = $1, "finished_at" = $2, "error" = $3'
                ' WHERE "name" = $4',
                listing.started_at,
                listing.finished_at,
                listing.error,
                listing.name,
            )


def _open_listings(url: str) -> _Listings:
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = next((v for k, v in query if k == "schema"), "public")
        dsn = urlunsplit(
            parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"]))
        )
        return _PostgresListings(dsn, schema)
    return _SqliteListings(url.removeprefix("sqlite:///"))


# --- the executor ---------------------------------------------------------------------------


class ServerExecutor:
    """The runner's executor on the server (see the module's doc).

    A task (several consecutive series) is split: the series that seat
    ``strategy`` entries only go to the pool (:class:`LocalExecutor`, started
    when the first of them comes), each other series to a thread that plays
    it with the worker's own code, its talks on the hub. The task's future
    gives their outcomes back in the task's order.
    """

    description = "server"

    def __init__(self, setup: Setup, server: Server, *, workers: int, talks: int) -> None:
        from accord.server.tournament.executors import LOCAL_TASK_TALKS

        self.setup = setup
        self.server = server
        self.workers = workers
        self.slots = workers + talks
        self.task_talks = LOCAL_TASK_TALKS
        self._trusted = {e.name for e in setup.tournament.spec.entries if e.trusted}
        self._pool: Any = None
        self._pool_lock = threading.Lock()
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=talks, thread_name_prefix="accord-tournament-talks"
        )
        self._players = threading.local()
        self._closed = False

    def _in_pool(self, plans: Sequence[TalkPlan]) -> bool:
        return all(name in self._trusted for p in plans for name in p.seating)

    def _pool_executor(self) -> Any:
        with self._pool_lock:
            if self._pool is None:
                from accord.server.tournament.executors import LocalExecutor

                self._pool = LocalExecutor(self.workers, self.setup)
            return self._pool

    def _play_here(self, plans: Sequence[TalkPlan]) -> list[SeriesOutcome]:
        from accord.server.tournament.external import talks_on
        from accord.server.tournament.worker import Player

        if self._closed:  # taken from the queue as the run stopped: not started
            raise RuntimeError("the run is stopping")
        player = getattr(self._players, "player", None)
        if player is None:  # one per thread: a player's tables are not shared
            player = self._players.player = Player.of(self.setup)
        with talks_on(self.server):
            return [player.play(plans)]

    def submit(self, batch: Sequence[Sequence[TalkPlan]]) -> concurrent.futures.Future[Any]:
        parts: list[concurrent.futures.Future[list[SeriesOutcome]]] = []
        pooled: list[tuple[TalkPlan, ...]] = []
        for plans in batch:
            if self._in_pool(plans):
                pooled.append(tuple(plans))
                continue
            if pooled:
                parts.append(self._pool_executor().submit(pooled))
                pooled = []
            parts.append(self._threads.submit(self._play_here, tuple(plans)))
        if pooled:
            parts.append(self._pool_executor().submit(pooled))
        return _joined(parts)

    def wait(self, futures: Any, timeout: float) -> set[Any]:
        done, _ = concurrent.futures.wait(
            list(futures), timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        return done

    def result(self, future: Any) -> list[SeriesOutcome]:
        return future.result()

    def close(self, *, cancel: bool = False) -> None:
        # a talk being played in a thread is not cut short: it concludes by itself
        # (at worst at its deadlines); what waits in the queue is dropped on cancel
        self._closed = cancel
        self._threads.shutdown(wait=not cancel, cancel_futures=cancel)
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(cancel=cancel)


def _joined(
    parts: list[concurrent.futures.Future[list[SeriesOutcome]]],
) -> concurrent.futures.Future[list[SeriesOutcome]]:
    """One future of the outcomes of ``parts``, in order, once all are done."""

    if len(parts) == 1:
        return parts[0]
    joined: concurrent.futures.Future[list[SeriesOutcome]] = concurrent.futures.Future()
    left = [len(parts)]
    lock = threading.Lock()

    def one_done(_: Any) -> None:
        with lock:
            left[0] -= 1
            if left[0]:
                return
        try:
            joined.set_result([outcome for part in parts for outcome in part.result()])
        except BaseException as exc:  # the first part that failed decides
            joined.set_exception(exc)

    for part in parts:
        part.add_done_callback(one_done)
    return joined


# --- the service ------------------------------------------------------------------------------


@dataclass
class _Active:
    """A tournament this process is running."""

    stop: threading.Event
    future: asyncio.Future[tuple[str, str]] | None = None
    """The runner's thread: (outcome, error)."""
    finished: asyncio.Task[None] | None = None
    """Records the outcome once the runner is done."""


@dataclass
class _Board:
    """Stored results of one tournament as read at one talk count, and what was made
    from them."""

    count: int
    at: float
    placed: list[tuple[int, TalkResult]]
    standings: bytes | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class TournamentService:
    """The server's tournaments: create, start, read (see the module's doc)."""

    def __init__(self, hub: Hub, settings: Settings) -> None:
        self.hub = hub
        self.settings = settings
        self.url = results_url(hub.store, settings.db)
        self.results: TournamentStore | None = None
        self.listings: _Listings | None = None
        self._opening = asyncio.Lock()
        self._starting = asyncio.Lock()
        self._active: dict[str, _Active] = {}
        self._boards: OrderedDict[str, _Board] = OrderedDict()
        self._reading: dict[str, asyncio.Lock] = {}
        self._tournaments: dict[str, Tournament] = {}
        self._runners = concurrent.futures.ThreadPoolExecutor(
            max_workers=32, thread_name_prefix="accord-tournament-run"
        )
        self._clients: Any = None
        self._closed = False

    # --- life -------------------------------------------------------------------------------

    async def ready(self) -> None:
        """Open the stores (the first tournament request does; a server that never
        sees one never opens them)."""

        async with self._opening:
            if self.results is not None:
                return
            if self._closed:
                raise RuntimeError("the server is shutting down")
            results = open_tournament_store(self.url)
            await results.open()
            listings = _open_listings(self.url)
            try:
                await listings.open()
            except BaseException:
                await results.close()
                raise
            self.results, self.listings = results, listings

    async def stop_all(self) -> None:
        """Stop every running tournament (server shutdown): each stores the series that
        finished and can be resumed with another start after the restart."""

        self._closed = True
        if not self._active:
            return
        from accord.server.tournament.external import _cancel_tasks

        finishing = [a.finished for a in self._active.values() if a.finished is not None]
        for active in self._active.values():
            active.stop.set()
        # aiohttp reads nothing more from its connections once it shuts down, so no
        # client's closing handshake would complete (each would wait for its timeout):
        # the server closes them first, then the built-ins' clients are stopped
        await self.hub.disconnect_all(WSCloseCode.GOING_AWAY, "server shutdown")
        await self._stop_clients()
        # talks in flight would otherwise hold the runners until their deadlines
        await _cancel_tasks(only_talks=True)
        if finishing:
            await asyncio.wait(finishing, timeout=60.0)
        # and any talk a runner's thread began as its run was stopping
        await _cancel_tasks(only_talks=True)

    async def close(self) -> None:
        """Stop what runs and close the stores."""

        await self.stop_all()
        self._runners.shutdown(wait=False)
        await self._stop_clients()
        for store in (self.results, self.listings):
            if store is not None:
                with contextlib.suppress(Exception):
                    await store.close()
        self.results = self.listings = None

    async def _stop_clients(self) -> None:
        if self._clients is not None:
            clients, self._clients = self._clients, None
            await asyncio.get_running_loop().run_in_executor(None, clients.stop)

    # --- create -----------------------------------------------------------------------------

    async def create(self, raw: Any, *, public: bool) -> View:
        """Validate a tournament from a request, plan it and store it (not started).

        TournamentError (naming the field) for anything the server will not run;
        :class:`Conflict` ``tournament_exists`` if the name is taken."""

        await self.ready()
        assert self.results is not None and self.listings is not None
        settings = self.settings
        base = Path.cwd() if settings.tournament_paths else None
        tournament = tournament_from_dict(raw, file=REQUEST_FILE, base=base)
        self._check_allowed(tournament)
        await self._check_remotes(tournament)
        # strategies import their modules, plans can be long: not on the loop
        total, scenarios = await asyncio.to_thread(_planned, tournament)
        if any(not e.trusted for e in tournament.spec.entries):
            # talks with such entries are rooms of this server: their frames must fit
            await asyncio.to_thread(lambda: [self.hub.check_frames(s) for s in scenarios])
        spec = canonical_json(
            msgspec.to_builtins(msgspec.structs.replace(tournament.spec, store=None))
        )
        if hashlib.sha256(spec).hexdigest() != tournament.digest:  # pragma: no cover - a bug
            raise RuntimeError("the stored spec would not match the tournament's digest")
        entries = [
            EntryRecord(name=e.name, kind=e.kind, definition=canonical_json(msgspec.to_builtins(e)))
            for e in tournament.spec.entries
        ]
        name = tournament.name
        try:
            # "interrupted": not running, and a start resumes it (the runner's statuses
            # have no "never started"; the listing's started_at tells that apart)
            await self.results.create(
                TournamentRecord(
                    name=name,
                    digest=tournament.digest,
                    spec=spec,
                    status="interrupted",
                    planned=total,
                    file=REQUEST_FILE,
                ),
                entries,
            )
        except TournamentExists:
            raise Conflict(
                "tournament_exists", f"a tournament named {name!r} exists already"
            ) from None
        listing = Listing(name=name, public=public, created_at=time.time())
        await self.listings.add(listing)
        log.info("tournament created", tournament=name, talks=total, public=public)
        stored = await self.results.tournament(name)
        assert stored is not None
        return View(listing, "created", total, 0, self._tournament_of(stored))

    def _check_allowed(self, tournament: Tournament) -> None:
        """Refuse what a request may not make the server do (see docs/api.md)."""

        spec = tournament.spec
        if spec.store is not None:
            raise TournamentError(
                "the server keeps results in its own database: leave store out",
                file=REQUEST_FILE,
                path="$.store",
            )
        paths = self.settings.tournament_paths
        for n, entry in enumerate(spec.entries):
            if entry.strategy is not None and ":" in entry.strategy and not paths:
                # importing a module the client names runs its top level on the server
                raise TournamentError(
                    "module:Class names code on the server, and this server does not take"
                    " paths (its tournament_paths setting is off): name a registered strategy"
                    " (accord bot list)",
                    file=REQUEST_FILE,
                    path=f"$.entries[{n}].strategy",
                )
            if entry.kind == "command" and not self.settings.tournament_commands:
                raise TournamentError(
                    "this server does not run commands (its tournament_commands setting is off)",
                    file=REQUEST_FILE,
                    path=f"$.entries[{n}].command",
                )
            if entry.kind in ("package", "wheel") and not paths:
                raise TournamentError(
                    f"a {entry.kind} entry names a path on the server, and this server does not"
                    " take paths (its tournament_paths setting is off)",
                    file=REQUEST_FILE,
                    path=f"$.entries[{n}].{entry.kind}",
                )
        bundled = bundled_names()
        for n, scenario in enumerate(spec.scenarios):
            if scenario.name is not None and scenario.name not in bundled and not paths:
                # a name that is no bundled scenario would be read as a path
                raise TournamentError(
                    f"no bundled scenario {scenario.name!r} (bundled: {', '.join(bundled)})",
                    file=REQUEST_FILE,
                    path=f"$.scenarios[{n}].name",
                )
            if scenario.file is not None and not paths:
                raise TournamentError(
                    "a scenario file is a path on the server, and this server does not take"
                    " paths (its tournament_paths setting is off): name a bundled scenario or"
                    " generate one",
                    file=REQUEST_FILE,
                    path=f"$.scenarios[{n}].file",
                )

    async def _check_remotes(self, tournament: Tournament) -> None:
        remotes = [(n, e.remote) for n, e in enumerate(tournament.spec.entries) if e.remote]
        if not remotes:
            return
        known = {t.entry for t in await self.hub.store.tokens(kind="entry")}
        for n, remote in remotes:
            if remote not in known:
                raise TournamentError(
                    f"no bot entry {remote!r} on this server (register one: POST /api/entries)",
                    file=REQUEST_FILE,
                    path=f"$.entries[{n}].remote",
                )

    # --- start ------------------------------------------------------------------------------

    async def start(self, name: str, ws_url: str) -> View:
        """Run the tournament in the background (resuming what is stored).

        ``ws_url``: where this server's websocket is reached from this machine
        (seats of sandboxed entries and in-process clients connect there)."""

        await self.ready()
        async with self._starting:
            if self._closed:
                raise RuntimeError("the server is shutting down")
            view = await self.view(name)
            if view.status == "running":
                raise Conflict("tournament_running", f"tournament {name!r} is running already")
            if view.status == "complete":
                raise Conflict(
                    "tournament_complete", f"tournament {name!r} is complete: nothing to play"
                )
            server = self._server(ws_url)
            active = _Active(stop=threading.Event())
            self._active[name] = active
            listing = msgspec.structs.replace(
                view.listing,
                started_at=view.listing.started_at or time.time(),
                finished_at=None,
                error="",
            )
            try:
                assert self.listings is not None
                await self.listings.update(listing)
            except BaseException:
                del self._active[name]
                raise
            loop = asyncio.get_running_loop()
            active.future = loop.run_in_executor(
                self._runners, self._run, view.tournament, active, server
            )
            active.finished = asyncio.ensure_future(self._finish(name, active))
            active.finished.add_done_callback(_log_failure)
        log.info("tournament started", tournament=name, done=view.done, planned=view.planned)
        return View(listing, "running", view.planned, view.done, view.tournament)

    def _server(self, ws_url: str) -> Server:
        from accord.server.tournament.external import Server, _LoopThread

        if self._clients is None:
            # trusted strategies seated in talks on the hub think on a loop of their
            # own, so that one thinking hard never holds up the server's deadlines
            self._clients = _LoopThread("accord-tournament-clients")
        return Server(
            hub=self.hub,
            ws_url=ws_url,
            loop=asyncio.get_running_loop(),
            remote_entries=True,
            clients=self._clients.loop,
        )

    def _run(self, tournament: Tournament, active: _Active, server: Server) -> tuple[str, str]:
        """The runner, in a thread: (outcome, error)."""

        from accord.server.tournament.progress import QuietProgress
        from accord.server.tournament.runner import Interrupted, run_tournament

        workers = self.settings.tournament_workers or os.cpu_count() or 1
        talks = max(1, self.settings.tournament_talks)

        def executor(setup: Setup) -> ServerExecutor:
            return ServerExecutor(setup, server, workers=workers, talks=talks)

        try:
            run_tournament(
                tournament,
                self.url,
                executor="server",
                workers=workers,
                resume=True,
                progress=QuietProgress(),  # the API reads the store
                stop=active.stop,
                executor_factory=executor,
            )
        except Interrupted:
            return "interrupted", ""
        except Exception as exc:
            if active.stop.is_set():  # a talk cancelled by the shutdown that stopped it
                return "interrupted", ""
            log.exception("tournament failed", tournament=tournament.name)
            text = str(exc) or type(exc).__name__
            return "failed", text if len(text) <= 500 else text[:499] + "…"
        return "complete", ""

    async def _finish(self, name: str, active: _Active) -> None:
        assert active.future is not None
        try:
            outcome, error = await asyncio.shield(active.future)
        except BaseException as exc:  # the thread itself could not run
            outcome, error = "failed", repr(exc)
        try:
            if self.listings is not None:
                listing = await self.listings.get(name)
                if listing is not None:
                    await self.listings.update(
                        msgspec.structs.replace(
                            listing,
                            finished_at=time.time() if outcome == "complete" else None,
                            error=error,
                        )
                    )
        finally:
            self._active.pop(name, None)
        log.info("tournament stopped", tournament=name, outcome=outcome, error=error or None)

    # --- read -------------------------------------------------------------------------------

    async def listing(self, name: str) -> Listing:
        """The tournament's listing; NotFound if the server has no such tournament."""

        await self.ready()
        assert self.listings is not None
        listing = await self.listings.get(name)
        if listing is None:
            raise NotFound(f"no tournament {name!r}")
        return listing

    async def view(self, name: str, listing: Listing | None = None) -> View:
        """The tournament's state now (NotFound if there is none)."""

        listing = listing or await self.listing(name)
        assert self.results is not None
        record = await self.results.tournament(name)
        if record is None:
            raise NotFound(f"no tournament {name!r} in the results store")
        active = self._active.get(name)
        done = await self.results.count(name)
        if active is not None:
            status: Status = "running"
        elif record.status == "complete":
            status = "complete"
        elif listing.error:
            status = "failed"
        elif listing.started_at is None:
            status = "created"
        else:
            status = "interrupted"
        return View(listing, status, record.planned, done, self._tournament_of(record))

    def _tournament_of(self, record: TournamentRecord) -> Tournament:
        tournament = self._tournaments.get(record.name)
        if tournament is None or tournament.digest != record.digest:
            from accord.server.tournament.store import tournament_of

            tournament = self._tournaments[record.name] = tournament_of(record, self.url)
        return tournament

    async def page(
        self, after: tuple[float, str] | None, limit: int, *, public_only: bool
    ) -> tuple[list[View], bool]:
        """One page of tournaments (oldest first) and whether more follow."""

        await self.ready()
        assert self.listings is not None
        listings = await self.listings.page(after, limit + 1, public_only)
        views = [await self.view(x.name, x) for x in listings[:limit]]
        return views, len(listings) > limit

    async def board(self, name: str, running: bool) -> _Board:
        """The stored results, read again only when the count has changed (while the
        tournament runs, at most every ``tournament_refresh`` seconds)."""

        assert self.results is not None
        lock = self._reading.setdefault(name, asyncio.Lock())
        async with lock:
            count = await self.results.count(name)
            board = self._boards.get(name)
            now = time.monotonic()
            if board is not None and (
                board.count == count
                or (running and now - board.at < self.settings.tournament_refresh)
            ):
                self._boards.move_to_end(name)
                return board
            placed = await self.results.placed(name)
            board = self._boards[name] = _Board(count=len(placed), at=now, placed=placed)
            self._boards.move_to_end(name)
            while len(self._boards) > KEPT_BOARDS:  # each holds every result of its tournament
                self._boards.popitem(last=False)
            return board

    async def standings(self, view: View) -> bytes:
        """The standings of what is stored (the JSON of ``accord tournament standings
        --json``), made once per board."""

        board = await self.board(view.listing.name, view.status == "running")
        async with board.lock:
            if board.standings is None:
                board.standings = await asyncio.to_thread(
                    _standings_json, [r for _, r in board.placed], view.tournament
                )
            return board.standings

    async def transcript(self, name: str, talk: str) -> bytes:
        """A stored talk's organizer transcript; NotFound if it is not stored."""

        assert self.results is not None
        data = await self.results.transcript(name, talk)
        if data is None:
            raise NotFound(f"no stored talk {talk!r} in tournament {name!r}")
        return data

    async def result(self, name: str, talk: str, running: bool) -> TalkResult | None:
        """One stored talk's result (None if it is not stored)."""

        board = await self.board(name, running)
        found = next((r for _, r in board.placed if r.talk == talk), None)
        if found is None and running:  # stored since the board was read
            board = await self.board(name, running=False)
            found = next((r for _, r in board.placed if r.talk == talk), None)
        return found


def _planned(tournament: Tournament) -> tuple[int, list[Scenario]]:
    """How many talks the tournament plays, and its scenarios (every strategy is
    checked first: TournamentError naming the entry)."""

    from accord.server.tournament.runner import check_entries

    check_entries(tournament)
    scenarios = load_scenarios(tournament)
    spec = tournament.spec
    if spec.format == "rounds":
        return len(plan_round(tournament, scenarios, 1)) * (spec.rounds or 0), scenarios
    return len(plan(tournament, scenarios)), scenarios


def _standings_json(results: list[TalkResult], tournament: Tournament) -> bytes:
    from accord.server.tournament.standings import standings

    return msgspec.json.encode(standings(results, tournament))


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("tournament bookkeeping failed", error=repr(task.exception()))


def encode_cursor(value: Any) -> str:
    """An opaque cursor (URL-safe base64 of JSON)."""

    return base64.urlsafe_b64encode(msgspec.json.encode(value)).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type[T]) -> T:
    """The value of a cursor from :func:`encode_cursor`; ValueError if it is not one."""

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise ValueError(cursor) from None


TOURNAMENTS = web.AppKey("tournaments", TournamentService)
