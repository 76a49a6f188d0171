"""Tournament talks with untrusted or external entries, played on a real server.

A talk whose seating holds only trusted entries (``strategy``) is played
in-process. Any other talk comes here: it is played in a room of a real
accord server, over real websockets, and :func:`play_external` returns the
room's full log, its chain head, and what went wrong with whom:

- **trusted** entries (``strategy``) are seated as
  :class:`~accord.bots.websocket.BotClient` s in this process (their
  ``options``, the talk's seed, the tournament's ``budget`` and, with
  reputation, their records);
- **untrusted** entries (``package``, ``wheel``, ``command``) each run in a
  confined child process of their own (:mod:`accord.server.tournament.sandbox`):
  packages and wheels through ``python -m accord.bots.sandbox``, commands as
  given, with ``{url}``, ``{token}`` and ``{seat}`` replaced in their
  arguments. A child that dies, overruns a limit or is killed simply stops
  acting: the room plays its seat's defaults at each deadline and the talk
  completes; the seat's ``failures`` count it and ``problems`` say what
  happened;
- **remote** entries (bot entries registered with ``POST /api/entries``)
  are assigned their seat on the server's hub; this needs the server that
  runs the tournament (pass ``server``): the worker's own embedded server
  knows no remote bot, so a remote entry there is an
  :class:`ExternalEntryError`.

Without ``server``, talks are played on an **embedded server**: one per
process, started on first use and reused for every later talk, stopped at
exit; it listens on 127.0.0.1 on a free port and keeps its rooms in a
throwaway SQLite store in a private temporary directory (``0700``, removed
at exit). Talks use the tournament's ``time_limits`` per phase, or
:data:`DEFAULT_TIME_LIMITS` (2 s per phase) when the file gives none.

A room starts as soon as every seat has joined; a seat whose player ended
before joining (an entry that crashed at import) or that has not joined
after ``join_timeout`` seconds is played by default from the start.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import weakref
from collections.abc import Awaitable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec
import structlog
from aiohttp import web

from accord.bots.context import Record
from accord.bots.registry import UnknownStrategy, load
from accord.bots.runner import HookFailure
from accord.bots.sdk import Delegation
from accord.bots.websocket import BotClient
from accord.protocol.codec import decode_event
from accord.protocol.engine.visibility import ORGANIZER, Viewer
from accord.protocol.errors import AccordError, TournamentError
from accord.protocol.events import Event, TalksConcluded
from accord.protocol.scenario.model import Scenario, TimeLimits
from accord.protocol.tournament.plan import TalkPlan
from accord.protocol.tournament.spec import EntrySpec, Tournament
from accord.server.api import HUB
from accord.server.app import build_app
from accord.server.hub import Hub
from accord.server.live import LiveRoom
from accord.server.logs import configure
from accord.server.settings import Settings
from accord.server.store.sqlite import SqliteStore
from accord.server.tokens import new_token
from accord.server.tournament.sandbox import Confinement, Ending, Sandbox, python_paths

log = structlog.get_logger("accord.tournament.external")

T = TypeVar("T")

DEFAULT_TIME_LIMITS = TimeLimits(tabling=2.0, ballot=2.0, action=2.0, verification=2.0)
"""Per-phase limits when the tournament file sets no ``time_limits``: long enough for
a bot in another process to answer (well-behaved ones answer in milliseconds, and
a phase ends as soon as every seat has acted), short enough that a dead seat
costs a talk little."""

JOIN_TIMEOUT = 10.0
"""Seconds a room waits in its lobby for every seat before it starts without the
absent ones (they are played by default). A child that ends first is not waited for."""

EXIT_GRACE = 3.0
"""Seconds a child may take to exit by itself once the talks have concluded."""

CLIENT_GRACE = 5.0
"""Seconds an in-process client may take to see the conclusion and leave."""

SANDBOX_MODULE = "accord.bots.sandbox"
MEMORY_EXIT = 3
"""The sandbox runner's exit status for "out of memory" (:mod:`accord.bots.sandbox`)."""

CHILD_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
"""Directories of a child's ``PATH``, after this interpreter's own."""


class ExternalEntryError(TournamentError):
    """An entry that cannot be seated in this kind of run (a remote entry without the
    tournament's server), or a trusted entry that cannot be built."""


@dataclass
class ExternalTalk:
    """One concluded talk played on a server."""

    room: str
    log: list[Event]
    """The room's full (organizer's) log, ending with ``talks_concluded``."""
    head: str
    """The transcript's chain head (hash of the last event)."""
    failures: dict[str, int] = field(default_factory=dict)
    """Seat → hook failures and sandbox stops (only seats with any)."""
    problems: list[str] = field(default_factory=list)
    """One line per thing that went wrong, naming the entry and its seat."""


@dataclass(frozen=True)
class Server:
    """A running accord server a talk can be played on."""

    hub: Hub
    ws_url: str
    """Where seats connect (``ws://host:port/ws``)."""
    loop: asyncio.AbstractEventLoop
    """The event loop the hub runs on (talks are played on it)."""
    remote_entries: bool = False
    """Whether remote entries can be seated: true for the server that runs the
    tournament (its bot entries connect to it), false for an embedded one."""
    clients: asyncio.AbstractEventLoop | None = None
    """Where the trusted strategies' clients run: another thread's loop, so that a
    strategy thinking hard never holds up the server's deadlines and the other
    seats (None: the server's own loop)."""

    @property
    def port(self) -> int:
        parts = urlsplit(self.ws_url)
        return parts.port or (443 if parts.scheme == "wss" else 80)


class _LoopThread:
    """An event loop running in a daemon thread of its own."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return _call(self.loop, coro, timeout)

    def stop(self) -> None:
        if self.thread.is_alive():
            with contextlib.suppress(Exception):
                self.call(_cancel_tasks(), 10.0)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10.0)
        if not self.loop.is_running():
            self.loop.close()


_TALKS: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
"""Talks being played (to cancel them when a server closes under them)."""


async def _cancel_tasks(only_talks: bool = False) -> None:
    """Cancel the other tasks of the running loop (or only the talks on it) and let
    them finish: a cancelled talk stops its children and clients on its way out."""

    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    tasks = [
        t
        for t in (list(_TALKS) if only_talks else asyncio.all_tasks())
        if t is not current and t.get_loop() is loop and not t.done()
    ]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=EXIT_GRACE + CLIENT_GRACE + 5.0)


# --- the embedded server ----------------------------------------------------------------------


class EmbeddedServer:
    """An accord server on 127.0.0.1 (a free port) in a thread of this process, with a
    throwaway SQLite store in a private temporary directory; the trusted
    strategies' clients run in a second thread."""

    def __init__(self, *, remote_entries: bool = False) -> None:
        self.remote_entries = remote_entries
        self.pid = os.getpid()
        self.dir: str | None = None
        self.server: Server | None = None
        self._threads: dict[str, _LoopThread] = {}
        self._runner: web.AppRunner | None = None
        self._closed = False
        self.played = 0
        """Talks played on it through :func:`play_external`."""
        self.playing = 0
        """Talks being played on it through :func:`play_external`."""

    @property
    def store_path(self) -> Path:
        """The SQLite file (tests check that no entry can read it)."""

        assert self.dir is not None
        return Path(self.dir) / "talks.db"

    def start(self) -> Server:
        """Start the threads and the server; return the server."""

        self.dir = tempfile.mkdtemp(prefix="accord-talks-")  # 0700: the organizer's only
        try:
            self._threads["server"] = _LoopThread("accord-embedded-server")
            self._threads["clients"] = _LoopThread("accord-embedded-clients")
            self.server = self.call(self._open())
        except BaseException:
            self.close()
            raise
        return self.server

    async def _open(self) -> Server:
        # a worker's embedded server would log every room and phase over the
        # organizer's progress bar: warnings and errors only
        configure(level=logging.WARNING)
        settings = Settings(
            host="127.0.0.1",
            port=0,
            db=str(self.store_path),
            # held in memory only: never in an environment a child could inherit
            organizer_token=new_token("organizer"),
            concluded_linger=1.0,  # a worker plays many talks: rooms leave memory soon
            # every seat connects from 127.0.0.1: limits per address would only let one
            # entry crowd the others out (each connection keeps its own limits)
            max_connections_per_address=10_000,
            address_message_rate=1_000_000.0,
            address_message_burst=1_000_000,
        )
        # the store is thrown away: a crash loses nothing a worker would resume from
        store = SqliteStore(self.store_path, synchronous="OFF")
        app = build_app(settings, store)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return Server(
            hub=app[HUB],
            ws_url=f"ws://127.0.0.1:{port}/ws",
            loop=asyncio.get_running_loop(),
            remote_entries=self.remote_entries,
            clients=self._threads["clients"].loop,
        )

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the server's loop and wait for its result."""

        return self._threads["server"].call(coro, timeout)

    def close(self) -> None:
        """Stop the server and its threads, remove the store (idempotent; a forked
        process leaves its parent's server alone)."""

        if self._closed or os.getpid() != self.pid:
            return
        self._closed = True
        server = self._threads.get("server")
        if server is not None and server.thread.is_alive():
            with contextlib.suppress(Exception):
                server.call(_cancel_tasks(only_talks=True), 30.0)
            if self._runner is not None:
                with contextlib.suppress(Exception):
                    server.call(self._runner.cleanup(), 10.0)
        for thread in self._threads.values():
            thread.stop()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


def _call(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float | None
) -> T:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise RuntimeError("called from the loop it would wait for: await it instead")
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout)
    except BaseException:
        # interrupted (Ctrl-C) or timed out: the talk is cancelled, and its cleanup
        # (stopping the children) runs on the loop
        future.cancel()
        raise


ROTATE_AFTER = 1000
"""Talks after which the embedded server starts afresh (with an empty store) between
two talks, so that a long tournament does not pile its transcripts up in /tmp: the
runner keeps them in its own store."""

_embedded: EmbeddedServer | None = None
_embedded_lock = threading.Lock()


def embedded_server() -> EmbeddedServer:
    """This process's embedded server, started on first use and stopped at exit."""

    global _embedded
    with _embedded_lock:
        current = _embedded
        if current is not None and current.pid == os.getpid():
            if current.played < ROTATE_AFTER or current.playing:
                return current
            current.close()
        # none yet, one inherited from the parent process (a forked worker), or one to renew
        embedded = EmbeddedServer()
        embedded.start()
        atexit.register(embedded.close)
        # pool workers leave through multiprocessing's exit path, not atexit
        import multiprocessing.util

        multiprocessing.util.Finalize(None, embedded.close, exitpriority=10)
        _embedded = embedded
        return embedded


# --- one talk ---------------------------------------------------------------------------------


def play_external(
    tournament: Tournament,
    plan: TalkPlan,
    scenario: Scenario,
    *,
    reputation: Mapping[str, Mapping[str, Record]] | None = None,
    server: Server | None = None,
    join_timeout: float = JOIN_TIMEOUT,
) -> ExternalTalk:
    """Play one talk to its conclusion on ``server`` (default: the one :func:`talks_on`
    set for this thread, else this process's embedded server) and return its
    log, head, failures and problems.

    ``reputation``: seat → (seat → record) shown to each seat's strategy as
    ``ctx.reputation`` (like :func:`accord.bots.inprocess.play`); commands and
    remote bots speak only the protocol, which carries no reputation.
    Synchronous: call it from a thread that is not running the server's loop
    (from that loop, ``await`` :func:`play_talk`).
    """

    if server is None:
        server = getattr(_this_thread, "server", None)
    if server is None:
        for seat, name in zip(scenario.seats, plan.seating, strict=True):
            if tournament.entry(name).kind == "remote":
                raise ExternalEntryError(
                    f"entry {name!r} (seat {seat}) is a remote bot: it connects to the server "
                    "that runs the tournament, and this talk is played on the worker's own "
                    "embedded server (run the tournament on a server to seat remote entries)",
                    file=tournament.file,
                    path=_entry_path(tournament, name),
                )
        embedded = _claim()
        try:
            assert embedded.server is not None
            return _call(
                embedded.server.loop,
                play_talk(
                    embedded.server,
                    tournament,
                    plan,
                    scenario,
                    reputation=reputation,
                    join_timeout=join_timeout,
                ),
                None,
            )
        finally:
            with _embedded_lock:
                embedded.playing -= 1
                embedded.played += 1
    coro = play_talk(
        server, tournament, plan, scenario, reputation=reputation, join_timeout=join_timeout
    )
    return _call(server.loop, coro, None)


_this_thread = threading.local()


@contextlib.contextmanager
def talks_on(server: Server) -> Iterator[None]:
    """Within the block, :func:`play_external` called without ``server`` from this
    thread plays on ``server``.

    The server that runs a tournament itself plays the series with sandboxed or
    remote entries in threads of its own, through the worker's code
    (:class:`~accord.server.tournament.worker.Player`), which knows nothing of
    servers: this is how their talks reach its hub instead of an embedded server.
    """

    previous = getattr(_this_thread, "server", None)
    _this_thread.server = server
    try:
        yield
    finally:
        _this_thread.server = previous


def _claim() -> EmbeddedServer:
    """The embedded server, counted as playing one more talk (so it is not renewed
    under it)."""

    while True:
        embedded = embedded_server()
        with _embedded_lock:
            if embedded is _embedded and not embedded._closed:
                embedded.playing += 1
                return embedded


async def play_talk(
    server: Server,
    tournament: Tournament,
    plan: TalkPlan,
    scenario: Scenario,
    *,
    reputation: Mapping[str, Mapping[str, Record]] | None = None,
    join_timeout: float = JOIN_TIMEOUT,
) -> ExternalTalk:
    """:func:`play_external` on the server's own loop."""

    seats = scenario.seats
    if len(plan.seating) != len(seats):
        raise ValueError(f"talk {plan.id}: {len(plan.seating)} entries for {len(seats)} seats")
    entries = {seat: tournament.entry(name) for seat, name in zip(seats, plan.seating, strict=True)}
    remote = {seat: e.remote for seat, e in entries.items() if e.kind == "remote" and e.remote}
    if remote and not server.remote_entries:
        seat = next(iter(remote))
        raise ExternalEntryError(
            f"entry {entries[seat].name!r} (seat {seat}) is a remote bot, and this server "
            "does not run the tournament: no remote bot connects to it",
            file=tournament.file,
            path=_entry_path(tournament, entries[seat].name),
        )
    # trusted strategies are built first: a bad name or option is the organizer's
    # error, found before any room or process exists
    first = {seat: _build(entry, tournament) for seat, entry in entries.items() if entry.trusted}
    talk = _Talk(server, tournament, plan, entries, reputation or {}, join_timeout)
    task = asyncio.current_task()
    if task is not None:
        _TALKS.add(task)
    try:
        return await talk.play(with_time_limits(scenario, tournament), first, remote)
    finally:
        if task is not None:
            _TALKS.discard(task)


def with_time_limits(scenario: Scenario, tournament: Tournament) -> Scenario:
    """``scenario`` with the tournament's per-phase limits (or :data:`DEFAULT_TIME_LIMITS`)."""

    limits = tournament.spec.time_limits or DEFAULT_TIME_LIMITS
    rules = msgspec.structs.replace(scenario.rules, time_limits=limits)
    return msgspec.structs.replace(scenario, rules=rules)


def _build(entry: EntrySpec, tournament: Tournament) -> Delegation:
    assert entry.strategy is not None
    try:
        cls = load(entry.strategy)
        return cls(**entry.options)
    except (UnknownStrategy, TypeError, ValueError) as exc:
        raise ExternalEntryError(
            str(exc), file=tournament.file, path=_entry_path(tournament, entry.name)
        ) from None


def _entry_path(tournament: Tournament, name: str) -> str:
    return f"$.entries[{tournament.entry_names.index(name)}]"


class _Watcher:
    """An in-process subscriber that only says "the room changed" (the organizer's
    view: it is told of every event, once it is durable)."""

    closing = False

    def __init__(self) -> None:
        self.changed = asyncio.Event()

    def viewer_for(self, room: str) -> Viewer:
        return ORGANIZER

    def deliver(self, data: bytes) -> None:
        self.changed.set()

    def room_closed(self, room: str, error: AccordError) -> None:
        self.changed.set()


@dataclass
class _Seat:
    """One seat of a talk and whoever plays it."""

    seat: str
    entry: EntrySpec
    sandbox: Sandbox | None = None
    home: str | None = None
    client: BotClient | None = None
    task: asyncio.Future[Any] | None = None
    ended: Ending | None = None
    ended_early: bool = False
    """It ended before the talks concluded."""
    hook_failures: list[HookFailure] = field(default_factory=list)

    @property
    def gone(self) -> bool:
        """Its player will not come or act any more."""

        if self.sandbox is not None:
            return self.ended is not None
        return self.task is not None and self.task.done()

    def label(self) -> str:
        return f"entry {self.entry.name!r} (seat {self.seat})"


class _Talk:
    """One talk on a server: its room, its players, what went wrong."""

    def __init__(
        self,
        server: Server,
        tournament: Tournament,
        plan: TalkPlan,
        entries: dict[str, EntrySpec],
        reputation: Mapping[str, Mapping[str, Record]],
        join_timeout: float,
    ) -> None:
        self.server = server
        self.tournament = tournament
        self.plan = plan
        self.seats = {seat: _Seat(seat, entry) for seat, entry in entries.items()}
        self.reputation = reputation
        self.join_timeout = join_timeout
        self.watcher = _Watcher()
        self.live: LiveRoom | None = None
        self.problems: list[str] = []
        self.failures: dict[str, int] = {}

    async def play(
        self, scenario: Scenario, first: dict[str, Delegation], remote: dict[str, str]
    ) -> ExternalTalk:
        hub = self.server.hub
        live, tokens = await hub.create_room(
            scenario, seed=self.plan.seed, public=False, entries=remote
        )
        self.live = live
        live.subscribe(self.watcher)
        base = tempfile.mkdtemp(prefix="accord-entries-")  # 0700: each child gets a dir in it
        try:
            for seat in self.seats.values():
                if seat.entry.kind in ("package", "wheel", "command"):
                    await self._spawn(seat, tokens[seat.seat], base)
            for seat in self.seats.values():
                if seat.entry.trusted:
                    self._connect(seat, first[seat.seat], tokens[seat.seat])
            await self._until_started()
            await self._until_concluded(scenario)
            return await self._result()
        finally:
            live.unsubscribe(self.watcher)
            await self._release()
            _remove(base)

    # --- players -------------------------------------------------------------------------

    async def _spawn(self, seat: _Seat, token: str, base: str) -> None:
        entry = seat.entry
        home = tempfile.mkdtemp(prefix=f"{seat.seat}-", dir=base)
        seat.home = home
        limits = self.tournament.spec.limits
        url = self.server.ws_url
        env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), *CHILD_PATH]),
            "HOME": home,
            "TMPDIR": home,
            "LANG": "C.UTF-8",
            "ACCORD_URL": url,
            "ACCORD_TOKEN": token,
            "ACCORD_SEAT": seat.seat,
        }
        read = list(python_paths())
        if entry.kind == "command":
            assert entry.command is not None
            argv, extra = _command(entry.command, url, token, seat.seat, self._base(), env["PATH"])
            read.extend(extra)
            memory_exit = None
        else:
            given = entry.package if entry.kind == "package" else entry.wheel
            assert given is not None and entry.class_ is not None
            path = str(Path(given).resolve())  # the child's cwd is its own folder
            read.append(path)
            argv = [
                sys.executable,
                "-I",  # no PYTHON* variables, no user site, no cwd on sys.path
                "-B",
                "-m",
                SANDBOX_MODULE,
                "--path",
                path,
                "--class",
                entry.class_,
                "--seed",
                str(self.plan.seed),
                "--budget",
                repr(self.tournament.spec.budget),
            ]
            if entry.options:
                argv += ["--options", json.dumps(entry.options)]
            records = self.reputation.get(seat.seat)
            if records:
                argv += ["--reputation", msgspec.json.encode(dict(records)).decode()]
            memory_exit = MEMORY_EXIT
        conf = Confinement(
            cpu_seconds=limits.cpu_seconds,
            memory_mb=limits.memory_mb,
            wall_seconds=limits.wall_seconds,
            home=home,
            read=tuple(read),
            port=self.server.port,
            memory_exit=memory_exit,
        )
        seat.sandbox = Sandbox(seat.label(), conf)
        await seat.sandbox.start(argv, env)
        seat.task = asyncio.ensure_future(self._child(seat))

    async def _child(self, seat: _Seat) -> None:
        assert seat.sandbox is not None
        ending = await seat.sandbox.wait()
        assert self.live is not None
        seat.ended_early = not self.live.room.finished
        seat.ended = ending
        log.debug(
            "entry process ended",
            room=self.live.id,
            seat=seat.seat,
            entry=seat.entry.name,
            reason=ending.reason,
            status=ending.returncode,
            cpu=round(ending.cpu, 3),
            memory=ending.memory,
        )
        self.watcher.changed.set()

    def _connect(self, seat: _Seat, delegation: Delegation, token: str) -> None:
        entry = seat.entry
        made = [delegation]
        options = dict(entry.options)
        cls = type(delegation)

        def factory() -> Delegation:
            return made.pop() if made else cls(**options)

        records = self.reputation.get(seat.seat)
        seat.client = BotClient(
            factory,
            self.server.ws_url,
            token,
            seed=self.plan.seed,
            budget=self.tournament.spec.budget,
            on_failure=seat.hook_failures.append,
            reputation=None if records is None else dict(records),
        )
        seat.task = self._on_clients(seat.client.run())
        seat.task.add_done_callback(lambda _: self.watcher.changed.set())

    def _on_clients(self, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Run ``coro`` where the trusted clients run; a future of this loop."""

        if self.server.clients is None:
            return asyncio.ensure_future(coro)
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.server.clients))

    def _base(self) -> Path:
        """Where relative paths of a command are found: the tournament file's folder."""

        path = Path(self.tournament.file)
        return path.resolve().parent if path.is_file() else Path.cwd()

    # --- the room ------------------------------------------------------------------------

    async def _wait(self, timeout: float) -> None:
        self.watcher.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.watcher.changed.wait(), timeout)

    async def _until_started(self) -> None:
        live = self.live
        assert live is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.join_timeout
        while live.room.phase == "lobby":
            absent = [s for s in self.seats.values() if s.seat not in live.room.seated]
            if not absent:
                await self._wait(0.05)  # the room starts itself with its last seat
                continue
            # remote seats have no process to watch: they may still come until the deadline
            if all(s.gone for s in absent) or loop.time() >= deadline:
                with contextlib.suppress(AccordError):  # it may have started meanwhile
                    await live.start(absent_default=True)
                break
            await self._wait(min(0.25, max(0.0, deadline - loop.time())))

    async def _until_concluded(self, scenario: Scenario) -> None:
        live = self.live
        assert live is not None
        loop = asyncio.get_running_loop()
        limit = loop.time() + _longest(scenario)
        while not (live.room.finished and live.durable_seq >= live.room.last_seq):
            if loop.time() > limit:
                raise TimeoutError(
                    f"talk {self.plan.id} (room {live.id}) did not conclude within "
                    f"{_longest(scenario):.0f} s (phase {live.room.phase})"
                )
            await self._wait(0.25)

    async def _result(self) -> ExternalTalk:
        live = self.live
        assert live is not None
        rows = await self.server.hub.store.events(live.id)
        events = [decode_event(row.data) for row in rows]
        if not events or not isinstance(events[-1], TalksConcluded):
            raise RuntimeError(f"room {live.id}: the stored log does not end with talks_concluded")
        await self._release()
        self._account()
        return ExternalTalk(
            room=live.id,
            log=events,
            head=rows[-1].hash,
            failures=self.failures,
            problems=self.problems,
        )

    async def _release(self) -> None:
        """Let every player leave: children get :data:`EXIT_GRACE` to exit, then their
        process groups are killed; clients get :data:`CLIENT_GRACE`, then are stopped."""

        stops: list[Awaitable[Any]] = []
        for seat in self.seats.values():
            if seat.sandbox is not None:
                stops.append(seat.sandbox.stop(EXIT_GRACE))
            elif seat.client is not None and seat.task is not None:
                stops.append(self._leave(seat.client, seat.task))
        await asyncio.gather(*stops, return_exceptions=True)
        children = [s.task for s in self.seats.values() if s.sandbox is not None and s.task]
        await asyncio.gather(*children, return_exceptions=True)

    async def _leave(self, client: BotClient, task: asyncio.Future[Any]) -> None:
        with contextlib.suppress(asyncio.TimeoutError, Exception):
            await asyncio.wait_for(asyncio.shield(task), CLIENT_GRACE)
        if not task.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._on_clients(client.stop()), 2.0)
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(task), 2.0)
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _account(self) -> None:
        """Failures and problem lines, seat by seat in seat order."""

        live = self.live
        assert live is not None
        for seat in self.seats.values():
            count = 0
            if seat.sandbox is not None:
                ending = seat.ended or seat.sandbox.ending
                assert ending is not None
                count += ending.hook_failures
                if ending.hook_failures:
                    self.problems.append(
                        f"{seat.label()}: {ending.hook_failures} hook failure(s), "
                        f"the first: {ending.first_failure}"
                    )
                clean = ending.reason == "exit" and ending.returncode == 0
                if not clean or seat.ended_early:
                    count += 1
                    what = ending.describe(seat.sandbox.conf)
                    if clean:
                        what += " before the talks concluded"
                    self.problems.append(f"{seat.label()}: {what}")
            elif seat.task is not None:
                count += len(seat.hook_failures)
                if seat.hook_failures:
                    self.problems.append(
                        f"{seat.label()}: {len(seat.hook_failures)} hook failure(s), "
                        f"the first: {seat.hook_failures[0].hook} {seat.hook_failures[0].problem}"
                    )
                error = _task_error(seat.task)
                if error is not None:
                    count += 1
                    self.problems.append(f"{seat.label()}: its client failed: {error}")
            elif seat.entry.kind == "remote" and seat.seat not in live.room.seated:
                count += 1
                self.problems.append(
                    f"{seat.label()}: the remote bot did not join within {self.join_timeout:g} s"
                )
            if count:
                self.failures[seat.seat] = count


def _task_error(task: asyncio.Future[Any]) -> str | None:
    if not task.done() or task.cancelled():
        return None
    exc = task.exception()
    if exc is None:
        return None
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _remove(folder: str) -> None:
    """Remove a folder a child wrote in, even where it took its own permissions away."""

    for parent, folders, _ in os.walk(folder):  # top down: a folder is opened up, then entered
        for name in folders:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(parent, name), 0o700)
    shutil.rmtree(folder, ignore_errors=True)


def _longest(scenario: Scenario) -> float:
    """An upper bound of a talk's duration once it has started (every phase to its
    deadline), with room to spare: past it, something is wrong with the server."""

    limits = scenario.rules.time_limits
    rounds = scenario.rules.max_rounds * (limits.tabling + limits.ballot)
    impl = scenario.implementation
    periods = 0.0 if impl is None else impl.periods * (limits.action + limits.verification)
    return 2 * (rounds + periods) + 30.0


def _command(
    command: tuple[str, ...], url: str, token: str, seat: str, base: Path, path: str
) -> tuple[list[str], list[str]]:
    """A command entry's argv (placeholders replaced, relative paths made absolute
    against the tournament file's folder) and the paths it may read (the
    program's installation, the folder of every path among its arguments)."""

    def fill(arg: str) -> str:
        return arg.replace("{url}", url).replace("{token}", token).replace("{seat}", seat)

    argv = [fill(arg) for arg in command]
    read: list[str] = []
    program = argv[0]
    if os.sep in program and not os.path.isabs(program):
        program = str(base / program)
    found = shutil.which(program, path=path) or program
    argv[0] = found
    for where in {found, os.path.realpath(found)}:
        folder = Path(where).parent
        # an installation's bin folder: its libraries sit beside it (node_modules, lib/)
        read.append(str(folder.parent if folder.name == "bin" else folder))
    for n, arg in enumerate(argv[1:], start=1):
        if not arg or arg.startswith("-") or "://" in arg or arg == token:
            continue
        candidate = Path(arg) if os.path.isabs(arg) else base / arg
        if candidate.exists():
            argv[n] = str(candidate.resolve())
            target = candidate.resolve()
            read.append(str(target if target.is_dir() else target.parent))
    return argv, read


__all__ = [
    "DEFAULT_TIME_LIMITS",
    "JOIN_TIMEOUT",
    "EmbeddedServer",
    "ExternalEntryError",
    "ExternalTalk",
    "Server",
    "embedded_server",
    "play_external",
    "play_talk",
    "talks_on",
    "with_time_limits",
]
