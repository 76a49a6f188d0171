"""Running a bot command through the scripted talks: a private server, a recording proxy.

The bot never talks to the server directly: it connects to a small websocket
proxy the kit starts for each talk, which records every frame in both
directions per connection and can cut a connection or withhold a frame. So the
server's code stays untouched and "the connection dropped" is a real drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import websockets
from aiohttp import web
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from accord.bots.websocket import BotClient
from accord.protocol.events import Event
from accord.protocol.scenario import scenario_from_dict
from accord.protocol.scenario.model import Scenario
from accord.server.api import HUB
from accord.server.app import build_app
from accord.server.conformance.scenarios import BOT_SEAT, OTHERS, TALKS, Scripted, Talk
from accord.server.hub import Hub
from accord.server.settings import Settings

KIT_SEED = 11
FIRST_CONTACT = 15.0
"""Seconds the bot has to open its first connection (a slow interpreter may start)."""
RECONNECT_WITHIN = 5.0
"""Seconds after a drop, or after the restarted server is up, for the bot to be back."""
EXIT_WITHIN = 10.0
"""Seconds after talks_concluded for the bot to close its connection and exit."""
PING_WITHIN = 5.0
TALK_LIMIT = 90.0
"""A talk that runs longer than this is abandoned (its deadlines bound it far below)."""


UNSOLICITED_REF = "conformance-kit-unsolicited"
"""The ``ref`` of the error the kit sends unprompted (no command of the bot has it)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KitServer:
    """The private in-process server; it can be stopped and started on the same port and store."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.settings = Settings(
            host="127.0.0.1",
            port=self.port,
            db=str(directory / "conformance.db"),
            organizer_token="org_" + secrets.token_urlsafe(16),
            # a restart must not eat a phase's time: the rebuilt phase gets it back
            restart_grace=10.0,
            lobby_ttl=0.0,
        )
        self.runner: web.AppRunner | None = None
        self.app: web.Application | None = None
        self.up_since = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def hub(self) -> Hub:
        assert self.app is not None
        return self.app[HUB]

    async def start(self) -> None:
        self.app = build_app(self.settings)
        self.runner = web.AppRunner(self.app, shutdown_timeout=2.0)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True).start()
        self.up_since = time.monotonic()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@dataclass
class Frame:
    conn: int
    at: float
    """Seconds since the talk's bot command started."""
    sender: str
    """``bot`` (the bot sent it to the server) or ``server``."""
    text: str
    message: dict[str, Any] | None
    withheld: bool = False
    """A server frame the kit did not pass on (the disruption's trigger)."""

    def line(self) -> str:
        arrow = "bot → server" if self.sender == "bot" else "server → bot"
        note = " (withheld by the kit)" if self.withheld else ""
        text = self.text if len(self.text) <= 600 else self.text[:600] + "…"
        return f"[conn {self.conn} +{self.at:.2f}s] {arrow}{note}: {text}"

    def to_json(self) -> dict[str, Any]:
        return {
            "conn": self.conn,
            "at": round(self.at, 3),
            "sender": self.sender,
            "frame": self.text,
            "withheld": self.withheld,
        }


@dataclass
class Conn:
    index: int
    opened: float
    frames: list[Frame] = field(default_factory=list)
    closed: float | None = None
    closed_by: str | None = None
    """``bot``, ``server`` or ``kit``."""
    close_code: int | None = None
    upstream_failed: bool = False
    welcomed: bool = False
    pong: float | None = None
    ping_problem: str | None = None
    client: ServerConnection | None = None
    upstream: Any = None

    def describe(self) -> str:
        state = "open" if self.closed is None else f"closed by {self.closed_by} ({self.close_code})"
        return f"conn {self.index} opened at +{self.opened:.2f}s, {state}"


_VALID_CLOSE = set(range(1000, 1004)) | set(range(1007, 1015)) | set(range(3000, 5000))


class Proxy:
    """A websocket proxy in front of the server's /ws that records every frame."""

    def __init__(self, upstream_url: str, clock: Any, on_server_frame: Any) -> None:
        self.upstream_url = upstream_url
        self.clock = clock
        self.on_server_frame = on_server_frame
        """Called with (conn, message) before a server frame is passed on; True withholds it."""
        self.conns: list[Conn] = []
        self.inject_error = False
        """Whether to send the bot one unsolicited ``error`` after its first welcome."""
        self.injected = False
        self.port = free_port()
        self._server: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> None:
        self._server = await serve(
            self._handle, "127.0.0.1", self.port, max_size=None, ping_interval=None
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 3.0)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def frames(self) -> list[Frame]:
        return sorted((f for c in self.conns for f in c.frames), key=lambda f: f.at)

    async def _handle(self, client: ServerConnection) -> None:
        conn = Conn(index=len(self.conns) + 1, opened=self.clock(), client=client)
        self.conns.append(conn)
        try:
            upstream = await connect(
                self.upstream_url, max_size=None, ping_interval=None, open_timeout=3.0
            )
        except (OSError, websockets.InvalidHandshake, TimeoutError):
            # the server is down (a restart): the bot sees a close it can retry after
            conn.upstream_failed = True
            self._closed(conn, "kit", 1011)
            await client.close(1011, "server unavailable")
            return
        conn.upstream = upstream
        to_server = asyncio.create_task(self._pump(conn, client, upstream, "bot"))
        to_bot = asyncio.create_task(self._pump(conn, upstream, client, "server"))
        await asyncio.wait({to_server, to_bot}, return_when=asyncio.FIRST_COMPLETED)
        if to_server.done() and conn.closed_by is None:
            self._closed(conn, "bot", client.close_code)
            await upstream.close(1000, "the bot closed")
        elif to_bot.done() and conn.closed_by is None:
            code = upstream.close_code
            self._closed(conn, "server", code)
            await client.close(code if code in _VALID_CLOSE else 1011, upstream.close_reason or "")
        for task in (to_server, to_bot):
            task.cancel()
        await asyncio.gather(to_server, to_bot, return_exceptions=True)
        with contextlib.suppress(Exception):
            await upstream.close()

    def _closed(self, conn: Conn, by: str, code: int | None) -> None:
        if conn.closed is None:
            conn.closed, conn.closed_by, conn.close_code = self.clock(), by, code

    async def _pump(self, conn: Conn, source: Any, target: Any, sender: str) -> None:
        try:
            async for data in source:
                text = data if isinstance(data, str) else data.decode("utf-8", "replace")
                try:
                    message = json.loads(text)
                except ValueError:
                    message = None
                if not isinstance(message, dict):
                    message = None
                frame = Frame(conn.index, self.clock(), sender, text, message)
                if (
                    sender == "server"
                    and message is not None
                    and self.on_server_frame(conn, message)
                ):
                    frame.withheld = True
                    conn.frames.append(frame)
                    return
                conn.frames.append(frame)
                await target.send(data)
                if message is not None and sender == "server" and message.get("type") == "welcome":
                    # right after the welcome: the bot is connected and its library must answer
                    conn.welcomed = True
                    self._spawn(self._ping(conn))
                    if self.inject_error and not self.injected:
                        # an error the bot did not cause: a server may send one (a refused
                        # frame it sent earlier, an internal problem) and play goes on
                        self.injected = True
                        error = {
                            "type": "error",
                            "code": "internal_error",
                            "message": "sent by the conformance kit: an error to survive",
                            "ref": UNSOLICITED_REF,
                        }
                        text = json.dumps(error)
                        conn.frames.append(Frame(conn.index, self.clock(), "server", text, error))
                        await target.send(text)
        except websockets.ConnectionClosed:
            pass

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ping(self, conn: Conn) -> None:
        assert conn.client is not None
        started = time.monotonic()
        try:
            waiter = await conn.client.ping()
            await asyncio.wait_for(waiter, PING_WITHIN)
            conn.pong = time.monotonic() - started
        except TimeoutError:
            conn.ping_problem = f"no pong within {PING_WITHIN:g} s of a websocket ping"
        except websockets.ConnectionClosed:
            pass  # not checked on this connection: answers_ping needs one that was

    async def drop(self, conn: Conn) -> None:
        """Cut the bot's connection without a closing handshake, as a network failure does."""

        self._closed(conn, "kit", 1006)
        if conn.client is not None:
            conn.client.transport.abort()
        if conn.upstream is not None:
            with contextlib.suppress(Exception):
                await conn.upstream.close(1000, "connection dropped by the conformance kit")


@dataclass
class TalkRun:
    """Everything observed in one talk."""

    talk: Talk
    scenario: Scenario
    room: str = ""
    token: str = ""
    argv: list[str] = field(default_factory=list)
    conns: list[Conn] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    """The organizer's view of the room: every event."""
    concluded: bool = False
    concluded_at: float | None = None
    abandoned: str | None = None
    """Why the kit stopped waiting for the talk, if it did."""
    exit_status: int | None = None
    killed: bool = False
    exited_at: float | None = None
    disrupted_at: float | None = None
    trigger: dict[str, Any] | None = None
    """The withheld frame at which the disruption happened."""
    back_at: float | None = None
    """When the server was up again after a restart."""
    stdout: str = ""
    stderr: str = ""
    setup_error: str | None = None


def substitute(command: list[str], values: dict[str, str]) -> list[str]:
    """``{url}``, ``{ws}``, ``{token}`` (and ``{seat}``, ``{talk}``) in each argument."""

    out = []
    for arg in command:
        for key, value in values.items():
            arg = arg.replace("{" + key + "}", value)
        out.append(arg)
    return out


async def run_talk(talk: Talk, server: KitServer, command: list[str], workdir: Path) -> TalkRun:
    scenario = scenario_from_dict(talk.scenario, file=talk.name)
    run = TalkRun(talk=talk, scenario=scenario)
    live, tokens = await server.hub.create_room(scenario, seed=KIT_SEED)
    run.room, run.token = live.id, tokens[BOT_SEAT]
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    def clock() -> float:
        return loop.time() - t0

    disruption: list[asyncio.Task[None]] = []

    def on_server_frame(conn: Conn, message: dict[str, Any]) -> bool:
        if talk.disruption is None or run.disrupted_at is not None:
            return False
        if message.get("type") != "phase_started" or message.get("phase") != "ballot":
            return False
        run.disrupted_at = clock()
        run.trigger = message
        if talk.disruption == "drop":
            disruption.append(asyncio.create_task(proxy.drop(conn)))
        else:
            disruption.append(asyncio.create_task(restart()))
        return True

    async def restart() -> None:
        await server.stop()
        await asyncio.sleep(0.3)
        await server.start()
        run.back_at = clock()

    proxy = Proxy(server.ws_url, clock, on_server_frame)
    proxy.inject_error = "unsolicited_error" in talk.exercises
    await proxy.start()
    opponents = [
        BotClient(
            partial(Scripted, talk.scripts[seat]),
            server.ws_url,
            tokens[seat],
            seed=KIT_SEED,
            reconnect=True,
        )
        for seat in OTHERS
    ]
    played = [asyncio.create_task(bot.run()) for bot in opponents]
    values = {
        "url": server.url,
        "ws": proxy.ws_url,
        "token": run.token,
        "seat": BOT_SEAT,
        "talk": talk.name,
    }
    run.argv = substitute(command, values)
    env = {
        **os.environ,
        "ACCORD_URL": server.url,
        "ACCORD_WS": proxy.ws_url,
        "ACCORD_TOKEN": run.token,
        "ACCORD_SEAT": BOT_SEAT,
        "ACCORD_TALK": talk.name,
    }
    out_path, err_path = workdir / f"{talk.name}.stdout", workdir / f"{talk.name}.stderr"
    proc = None
    try:
        with out_path.open("wb") as out, err_path.open("wb") as err:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *run.argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err, env=env
                )
            except OSError as exc:
                run.setup_error = f"cannot start {run.argv[0]!r}: {exc.strerror or exc}"
                run.abandoned = run.setup_error
            if proc is not None:
                await _watch(run, proc, server, proxy, clock)
    finally:
        for task in disruption:
            with contextlib.suppress(Exception):
                await task
        if server.runner is None:  # a restart was cut short
            await server.start()
        if not run.concluded:
            for bot in opponents:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(bot.stop(), 2.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*played, return_exceptions=True), 2.0)
        for task in played:
            task.cancel()
        await asyncio.gather(*played, return_exceptions=True)
        await proxy.stop()
    live = server.hub.live(run.room)
    if live is not None:
        run.events = list(live.room.log)
    run.conns = proxy.conns
    run.frames = proxy.frames()
    run.stdout = _tail(out_path)
    run.stderr = _tail(err_path)
    return run


async def _watch(
    run: TalkRun, proc: asyncio.subprocess.Process, server: KitServer, proxy: Proxy, clock: Any
) -> None:
    """Until the talk concludes and the bot exits, or the kit gives up on it."""

    while True:
        await asyncio.sleep(0.05)
        now = clock()
        live = server.hub.live(run.room) if server.runner is not None else None
        if live is not None and live.room.finished and run.concluded_at is None:
            run.concluded, run.concluded_at = True, now
        if proc.returncode is not None:
            run.exit_status, run.exited_at = proc.returncode, now
            if not run.concluded:
                run.abandoned = (
                    f"the bot exited (status {proc.returncode}) before the talks concluded"
                )
            return
        if run.concluded_at is not None:
            if now - run.concluded_at > EXIT_WITHIN:
                break
            continue
        if not proxy.conns and now > FIRST_CONTACT:
            run.abandoned = f"the bot opened no connection within {FIRST_CONTACT:g} s"
            break
        since = run.back_at if run.talk.disruption == "restart" else run.disrupted_at
        back = any(
            c.welcomed for c in proxy.conns if c.opened >= (run.disrupted_at or float("inf"))
        )
        if since is not None and now - since > RECONNECT_WITHIN and not back:
            what = (
                "the connection was cut" if run.talk.disruption == "drop" else "the server was back"
            )
            run.abandoned = f"the bot did not reconnect within {RECONNECT_WITHIN:g} s after {what}"
            break
        if now > TALK_LIMIT:
            run.abandoned = f"the talks did not conclude within {TALK_LIMIT:g} s"
            break
    # the kit stops waiting: end the bot
    run.killed = True
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 2.0)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    run.exit_status = proc.returncode


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text if len(text) <= limit else "…" + text[-limit:]


async def run_talks(
    command: list[str], workdir: Path, names: list[str] | None = None
) -> list[TalkRun]:
    talks = [t for t in TALKS if not names or t.name in names]
    unknown = set(names or ()) - {t.name for t in TALKS}
    if unknown:
        raise ValueError(
            f"no talk {sorted(unknown)[0]!r}; the talks are: {', '.join(t.name for t in TALKS)}"
        )
    server = KitServer(workdir)
    await server.start()
    runs = []
    try:
        for talk in talks:
            runs.append(await run_talk(talk, server, command, workdir))
    finally:
        await server.stop()
    return runs
