"""Run a delegation against a remote server over a websocket.

The same :class:`~accord.bots.runner.Runner` as in-process: frames are decoded at the
edge, events go to the runner of their room, commands go back out. With a
seat token the bot plays that seat's talk and stops when it concludes; with a
bot entry token it waits for assignments and plays every room it is given,
several at once, until stopped. If the connection drops, it reconnects and
resumes each room from the last event it saw, so it misses nothing, and sends
again every command the server had not acknowledged: commands carry refs that
are unique to this client run, and the server answers a repeated ref with the
original answer, so nothing is applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import structlog
import websockets

from accord.bots.context import Record
from accord.bots.runner import HookFailure, Runner
from accord.bots.sdk import Delegation
from accord.protocol import PROTOCOL_VERSION, closes
from accord.protocol.codec import decode_server, encode
from accord.protocol.commands import Hello, Leave, SeatCommand
from accord.protocol.errors import ProtocolError
from accord.protocol.events import Event, TalksConcluded
from accord.protocol.replies import Ack, Assignment, Error, Welcome

log = structlog.get_logger("accord.bot")

# Close codes after which retrying cannot help.
FATAL_CLOSES = {closes.HANDSHAKE, closes.BAD_TOKEN, closes.SEAT_IN_USE}


@dataclass
class RoomPlay:
    """One room this bot sits in."""

    room: str
    seat: str
    runner: Runner
    events: list[Event] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    concluded: TalksConcluded | None = None


class BotClient:
    """A delegation (or, with an entry token, one per assigned room) on a server."""

    def __init__(
        self,
        factory: Callable[[], Delegation],
        url: str,
        token: str,
        *,
        seed: int | None = None,
        budget: float = 5.0,
        reconnect: bool = True,
        on_event: Callable[[RoomPlay, Event], None] | None = None,
        on_failure: Callable[[HookFailure], None] | None = None,
        ping_interval: float = 20.0,
        think: float = 0.0,
        first_contact: float = 10.0,
        reputation: Mapping[str, Record] | None = None,
    ) -> None:
        """``think``: seconds to wait before answering a phase (paced, human-like play).
        ``first_contact``: seconds to keep trying to reach the server before the
        first connection (a server still starting); after that, :meth:`run`
        raises ``ConnectionError``. Once connected, it reconnects for as long as
        it takes. ``reputation``: the records (seat → record) its context shows
        as ``ctx.reputation`` (tournaments with ``reputation = true``)."""

        self.factory = factory
        self.url = url
        self.token = token
        self.seed = random.SystemRandom().randrange(2**31) if seed is None else seed
        self.budget = budget
        self.reconnect = reconnect
        self.on_event = on_event
        self.on_failure = on_failure
        self.ping_interval = ping_interval
        self.think = think
        self.first_contact = first_contact
        self.reputation = None if reputation is None else dict(reputation)
        self.role: str | None = None
        self.rooms: dict[str, RoomPlay] = {}
        self.connections = 0
        self._ws: websockets.ClientConnection | None = None
        self._refs = itertools.count(1)
        self._run_id = secrets.token_hex(4)  # refs stay unique if the bot is run again
        self._unacked: OrderedDict[str, str] = OrderedDict()
        """ref → the frame sent, until the server answers it."""
        self.resent = 0
        """Commands sent again after a reconnect."""
        self._stopping = False
        self.done = asyncio.Event()

    # --- life --------------------------------------------------------------------------

    async def run(self) -> dict[str, RoomPlay]:
        """Play until the seat's talk concludes (seat token) or :meth:`stop` (entry token)."""

        backoff = 0.2
        started = time.monotonic()
        while not self._stopping:
            try:
                await self._session()
            except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as exc:
                code = getattr(getattr(exc, "rcvd", None), "code", None)
                if code in FATAL_CLOSES or not self.reconnect:
                    if code in FATAL_CLOSES:
                        raise ConnectionRefusedError(
                            f"the server refused this bot (close {code})"
                        ) from exc
                    raise
                if self.connections == 0 and time.monotonic() - started >= self.first_contact:
                    # never reached: a wrong address, not a server restarting
                    raise ConnectionError(
                        f"cannot reach {self.url} within {self.first_contact:g} s: {exc}"
                    ) from exc
                if self.connections == 0:  # quietly: the server may still be starting
                    log.debug("server not reachable yet", error=repr(exc), wait=backoff)
                else:
                    log.info("connection lost; reconnecting", error=repr(exc), wait=backoff)
            if self.done.is_set() or self._stopping:
                break
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
        return self.rooms

    async def stop(self) -> None:
        """Leave cleanly: tell the server, close the connection."""

        self._stopping = True
        ws = self._ws
        if ws is not None:
            try:
                await ws.send(encode(Leave()).decode())
                await ws.close()
            except websockets.ConnectionClosed:
                pass

    async def drop(self) -> None:
        """Close the connection abruptly (tests use this to exercise resume)."""

        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.abort()

    # --- one connection ---------------------------------------------------------------------

    async def _session(self) -> None:
        async with websockets.connect(
            self.url, ping_interval=self.ping_interval, max_size=2**22
        ) as ws:
            self._ws = ws
            self.connections += 1
            resume = {room: play.runner.last_seq for room, play in self.rooms.items()}
            last_seq = next(iter(resume.values()), 0) if len(resume) == 1 else 0
            await ws.send(
                encode(
                    Hello(
                        version=PROTOCOL_VERSION, token=self.token, last_seq=last_seq, resume=resume
                    )
                ).decode()
            )
            async for frame in ws:
                message = decode_server(frame)
                if isinstance(message, ProtocolError):
                    log.warning("undecodable frame from server", error=message.message)
                    continue
                await self._handle(ws, message)
                if self.done.is_set():
                    await ws.close()
                    return

    async def _handle(self, ws: websockets.ClientConnection, message: object) -> None:
        match message:
            case Welcome(role=role, room=room, seat=seat):
                self.role = role
                if role == "seat" and room is not None and seat is not None:
                    self._seat(room, seat)
                # what the previous connection sent without an answer, in order
                for frame in list(self._unacked.values()):
                    self.resent += 1
                    await ws.send(frame)
            case Assignment(room=room, seat=seat):
                self._seat(room, seat)
            case Error() as error:
                if error.ref is not None:
                    self._unacked.pop(error.ref, None)
                play = self.rooms.get(error.room or "") if error.room else None
                if play is None and len(self.rooms) == 1:
                    play = next(iter(self.rooms.values()))
                if play is not None:
                    play.errors.append(error)
                log.warning("server refused a command", code=error.code, message=error.message)
            case Ack(ref=ref):
                if ref is not None:
                    self._unacked.pop(ref, None)
            case _ if hasattr(message, "seq") and hasattr(message, "room"):
                await self._event(ws, message)  # type: ignore[arg-type]  # an event, as checked

    def _seat(self, room: str, seat: str) -> None:
        if room in self.rooms:
            return
        runner = Runner(
            self.factory(),
            seat=seat,
            seed=self.seed,
            budget=self.budget,
            clock=time.time,
            reputation=self.reputation,
            on_failure=self.on_failure,
        )
        self.rooms[room] = RoomPlay(room=room, seat=seat, runner=runner)

    async def _event(self, ws: websockets.ClientConnection, event: Event) -> None:
        play = self.rooms.get(event.room)
        if play is None or event.seq <= play.runner.last_seq:
            return
        play.events.append(event)
        commands = play.runner.receive(event)
        if self.on_event is not None:
            self.on_event(play, event)
        if commands and self.think > 0:
            await asyncio.sleep(self.think)
        for command in commands:
            await self._send(ws, play, command)
        if isinstance(event, TalksConcluded):
            play.concluded = event
            if self.role == "seat":
                self.done.set()

    async def _send(
        self, ws: websockets.ClientConnection, play: RoomPlay, command: SeatCommand
    ) -> None:
        room = play.room if self.role == "entry" else None
        payload = type(command)(
            **{
                f: getattr(command, f)
                for f in command.__struct_fields__
                if f not in ("ref", "room")
            },
            ref=f"{self._run_id}-{next(self._refs)}",
            room=room,
        )
        frame = encode(payload).decode()
        self._unacked[payload.ref] = frame  # type: ignore[index]  # a ref, set just above
        # if the connection is gone, the frame stays with the others not yet answered:
        # all are sent again after reconnecting
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(frame)


async def run_bot(
    factory: Callable[[], Delegation],
    url: str,
    token: str,
    **options: object,
) -> dict[str, RoomPlay]:
    """Connect, play, return every room played (see :class:`BotClient`)."""

    # the options are BotClient's keywords, checked when it is called
    return await BotClient(factory, url, token, **options).run()  # type: ignore[arg-type]
