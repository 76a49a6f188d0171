"""One websocket connection: handshake, commands in, filtered events out.

The session decodes every frame at the edge, turns every refusal into a
typed ``error`` (in one place, :func:`protocol.codec.error_message`), and
never lets a slow reader stall a room: outgoing messages go through a bounded
queue, and a connection whose queue overflows is closed with
:data:`CLOSE_SLOW_CONSUMER`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

import structlog
from aiohttp import WSMsgType, web

from protocol import PROTOCOL_VERSION, closes
from protocol.codec import decode_client, encode, error_message, ref_of
from protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    ClientMessage,
    Hello,
    Leave,
    Pass,
    Ping,
    Propose,
    Resume,
    Say,
    Withdraw,
)
from protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer
from protocol.errors import (
    AccordError,
    AlreadyWelcomed,
    BadToken,
    HelloRequired,
    NotAllowed,
    NotSeated,
    ProtocolError,
    RateLimited,
    RoomRequired,
    SeatInUse,
    TooManyRooms,
    UnknownRoom,
    UnsupportedVersion,
)
from protocol.replies import Ack as AckReply
from protocol.replies import Assignment, Pong, Welcome
from server.live import LiveRoom

if TYPE_CHECKING:
    from server.hub import Hub

log = structlog.get_logger("accord.session")

CLOSE_HANDSHAKE = closes.HANDSHAKE
CLOSE_BAD_TOKEN = closes.BAD_TOKEN
CLOSE_SEAT_IN_USE = closes.SEAT_IN_USE
CLOSE_SLOW_CONSUMER = closes.SLOW_CONSUMER
CLOSE_FLOOD = closes.POLICY_VIOLATION

SEAT_COMMANDS = (Propose, Withdraw, Pass, CastVote, CastVeto, Say, Act, Challenge)


class TokenBucket:
    """Allows ``burst`` messages at once and ``rate`` per second after that."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Session:
    """A connected client and the rooms it is in."""

    def __init__(self, hub: Hub, ws: web.WebSocketResponse) -> None:
        self.hub = hub
        self.ws = ws
        self.role = "anonymous"
        self.entry: str | None = None
        self.rooms: dict[str, str | None] = {}
        """Room id → the seat held there (None: watching)."""
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(hub.settings.send_queue)
        self.bucket = TokenBucket(hub.settings.message_rate, hub.settings.message_burst)
        self.limited = 0
        self.closing = False
        self._closer: asyncio.Task[None] | None = None
        self.log = log

    # --- Subscriber -------------------------------------------------------------------------

    def viewer_for(self, room: str) -> Viewer:
        if self.role == "organizer":
            return ORGANIZER
        seat = self.rooms.get(room)
        return SPECTATOR if seat is None else Viewer.of_seat(seat)

    def deliver(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.hub.metrics.closes.labels("slow_consumer").inc()
            self.log.warning("slow consumer dropped", queued=self.queue.qsize())
            self._shutdown(CLOSE_SLOW_CONSUMER, "slow consumer: send queue overflowed")
            return
        self.hub.metrics.messages_out.inc()

    def send(self, message: object) -> None:
        self.deliver(encode(message))

    # --- the connection's life -----------------------------------------------------------------

    async def run(self) -> None:
        writer = asyncio.create_task(self._writer())
        self.hub.sessions.add(self)
        self.hub.metrics.connections.inc()
        try:
            if await self._handshake():
                await self._serve()
        finally:
            self.closing = True
            self._leave_all()
            self.hub.sessions.discard(self)
            self.hub.metrics.connections.dec()
            if self.entry is not None and self.hub.entry_sessions.get(self.entry) is self:
                del self.hub.entry_sessions[self.entry]
            if self._closer is not None:
                # a deliberate close: let the explanation leave, with its close code
                await asyncio.gather(self._closer, return_exceptions=True)
            elif not self.ws.closed:
                await self.ws.close()
            writer.cancel()

    async def _writer(self) -> None:
        try:
            while True:
                data = await self.queue.get()
                if data is None:
                    return
                # already-encoded JSON goes out as a text frame without re-encoding
                await self.ws.send_frame(data, WSMsgType.TEXT)
        except (ConnectionResetError, asyncio.CancelledError, RuntimeError):
            return

    def _shutdown(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self._closer = asyncio.ensure_future(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        # give queued messages (e.g. the error that explains the close) a moment to leave
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drain(), timeout=0.5)
        await self.ws.close(code=code, message=reason.encode()[:120])

    async def _drain(self) -> None:
        while not self.queue.empty():
            await asyncio.sleep(0.01)

    def _fail(self, error: AccordError, *, ref: str | None = None, room: str | None = None) -> None:
        self.hub.metrics.errors.labels(error.code).inc()
        live = self.hub.rooms.get(room or next(iter(self.rooms), ""))
        self.log.info("refused", code=error.code, ref=ref, seq=live.room.last_seq if live else None)
        self.send(error_message(error, ref=ref, room=room))

    async def _frame(self, timeout: float | None) -> bytes | str | None:
        """The next data frame, or None when the connection is over."""

        try:
            msg = await self.ws.receive(timeout=timeout)
        except TimeoutError:
            return None
        if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            return msg.data
        if msg.type == WSMsgType.ERROR:
            self.log.info("websocket error", error=repr(self.ws.exception()))
        return None

    # --- handshake -----------------------------------------------------------------------------

    async def _handshake(self) -> bool:
        data = await self._frame(self.hub.settings.hello_timeout)
        if data is None:
            if not self.ws.closed:
                self._fail(HelloRequired("no hello within the time allowed"))
                self._shutdown(CLOSE_HANDSHAKE, "hello required")
                await self._wait_closed()
            return False
        message = decode_client(data, limit=self.hub.settings.max_frame_bytes)
        if isinstance(message, ProtocolError):
            self._fail(message, ref=ref_of(data))
            self._shutdown(CLOSE_HANDSHAKE, "invalid hello")
            await self._wait_closed()
            return False
        if not isinstance(message, Hello):
            self._fail(HelloRequired("the first message must be hello"), ref=message.ref)
            self._shutdown(CLOSE_HANDSHAKE, "hello required")
            await self._wait_closed()
            return False
        self.hub.metrics.messages_in.labels("hello").inc()
        try:
            await self._welcome(message)
        except AccordError as exc:
            self._fail(exc, ref=message.ref, room=message.room)
            code = CLOSE_SEAT_IN_USE if isinstance(exc, SeatInUse) else CLOSE_BAD_TOKEN
            if isinstance(exc, (UnsupportedVersion, RoomRequired)):
                code = CLOSE_HANDSHAKE
            self._shutdown(code, exc.code)
            await self._wait_closed()
            return False
        return True

    async def _wait_closed(self) -> None:
        # let the closing handshake finish before the handler returns
        while not self.ws.closed:
            if await self._frame(1.0) is None and self.ws.closed:
                break

    async def _welcome(self, hello: Hello) -> None:
        if hello.version != PROTOCOL_VERSION:
            raise UnsupportedVersion(
                f"this server speaks protocol version {PROTOCOL_VERSION}, not {hello.version}"
            )
        hub = self.hub
        if hello.token is None:
            live = await self._room_named(hello.room)
            self.role = "spectator"
            self.send(Welcome(protocol=PROTOCOL_VERSION, role="spectator", room=live.id))
            self._watch(live, None, hello.last_seq)
            return
        if hub.is_organizer(hello.token):
            self.role = "organizer"
            room = None if hello.room is None else await self._room_named(hello.room)
            self.send(Welcome(protocol=PROTOCOL_VERSION, role="organizer", room=room and room.id))
            if room is not None:
                self._watch(room, None, hello.last_seq)
            return
        record = await hub.credential(hello.token)
        if record.kind == "seat":
            assert record.room is not None and record.seat is not None
            live = await hub.open_room(record.room)
            if live is None:
                raise BadToken("this seat's room no longer exists")
            holder = live.holders.get(record.seat)
            if holder is not None and holder is not self and not getattr(holder, "closing", False):
                raise SeatInUse(f"seat {record.seat!r} is held by another connection")
            self.role = "seat"
            self.log = log.bind(room=live.id, seat=record.seat)
            brief = live.room.scenario.delegation(record.seat).brief
            self.send(
                Welcome(
                    protocol=PROTOCOL_VERSION,
                    role="seat",
                    room=live.id,
                    seat=record.seat,
                    brief=brief,
                )
            )
            self._watch(live, record.seat, hello.last_seq)
            await live.join(record.seat)
            return
        if record.kind == "entry":
            assert record.entry is not None
            previous = hub.entry_sessions.get(record.entry)
            if previous is not None and previous is not self and not previous.closing:
                raise SeatInUse(f"entry {record.entry!r} is connected already")
            self.role = "entry"
            self.entry = record.entry
            self.log = log.bind(entry=record.entry)
            hub.entry_sessions[record.entry] = self
            self.send(Welcome(protocol=PROTOCOL_VERSION, role="entry"))
            for live, seat in hub.assignments_for(record.entry):
                await self.assign(live, seat, last_seq=hello.resume.get(live.id, 0))
            return
        raise BadToken("this token cannot open a connection")

    async def _room_named(self, room: str | None) -> LiveRoom:
        if room is None:
            raise RoomRequired("name the room to watch")
        live = await self.hub.open_room(room)
        if live is None:
            raise UnknownRoom(f"no room {room!r}")
        return live

    def _watch(self, live: LiveRoom, seat: str | None, last_seq: int) -> None:
        """Send the backlog after ``last_seq`` and subscribe, with no await in between."""

        self.rooms[live.id] = seat
        if seat is not None:
            live.holders[seat] = self
        for data in live.backlog(self.viewer_for(live.id), after=max(0, last_seq)):
            self.deliver(data)
        live.subscribers.add(self)

    async def assign(self, live: LiveRoom, seat: str, *, last_seq: int = 0) -> None:
        """Seat this entry connection in ``live`` (a tournament or organizer assignment)."""

        seated = [r for r, s in self.rooms.items() if s is not None and r != live.id]
        if len(seated) >= self.hub.settings.max_rooms_per_entry:
            self._fail(
                TooManyRooms(f"at most {self.hub.settings.max_rooms_per_entry} rooms"), room=live.id
            )
            return
        brief = live.room.scenario.delegation(seat).brief
        self.send(Assignment(room=live.id, seat=seat, brief=brief))
        self._watch(live, seat, last_seq)
        await live.join(seat)

    def _leave(self, room: str) -> None:
        seat = self.rooms.pop(room, None)
        live = self.hub.rooms.get(room)
        if live is None:
            return
        live.subscribers.discard(self)
        if seat is not None and live.holders.get(seat) is self:
            del live.holders[seat]

    def _leave_all(self) -> None:
        for room in list(self.rooms):
            self._leave(room)

    # --- serving ---------------------------------------------------------------------------------

    async def _serve(self) -> None:
        while not self.closing:
            data = await self._frame(None)
            if data is None:
                return
            if not self.bucket.take():
                self.limited += 1
                self.hub.metrics.errors.labels(RateLimited.code).inc()
                if self.limited >= self.hub.settings.flood_close_after:
                    self.hub.metrics.closes.labels("flood").inc()
                    self._shutdown(CLOSE_FLOOD, "message rate limit exceeded")
                    return
                self.send(
                    error_message(RateLimited("slow down: message dropped"), ref=ref_of(data))
                )
                continue
            message = decode_client(data, limit=self.hub.settings.max_frame_bytes)
            if isinstance(message, ProtocolError):
                self._fail(message, ref=ref_of(data))
                continue
            self.hub.metrics.messages_in.labels(message.__struct_config__.tag).inc()
            try:
                await self._dispatch(message)
            except AccordError as exc:
                self._fail(exc, ref=message.ref, room=message.room)
            except Exception as exc:  # never a traceback to the client
                self.log.exception("command failed", error=repr(exc))
                self._fail(
                    AccordError("internal error; the command was not applied"), ref=message.ref
                )

    def _resolve(self, room: str | None) -> str:
        if room is not None:
            if room not in self.rooms:
                raise UnknownRoom(f"this connection is not in room {room!r}")
            return room
        if len(self.rooms) != 1:
            raise RoomRequired("this connection is in several rooms: name the room")
        return next(iter(self.rooms))

    async def _dispatch(self, message: ClientMessage) -> None:
        match message:
            case Ping(ref=ref):
                self.send(Pong(ref=ref, time=time.time()))
            case Hello():
                raise AlreadyWelcomed("this connection has already said hello")
            case Resume(last_seq=last_seq, room=room):
                room_id = self._resolve(room)
                live = self.hub.rooms[room_id]
                for data in live.backlog(self.viewer_for(room_id), after=max(0, last_seq)):
                    self.deliver(data)
                self.send(AckReply(ref=message.ref, room=room_id, seq=live.room.last_seq))
            case Leave(room=None):
                self._shutdown(closes.NORMAL, "bye")
            case Leave(room=room):
                room_id = self._resolve(room)
                self._leave(room_id)
                self.send(AckReply(ref=message.ref, room=room_id))
            case _ if isinstance(message, SEAT_COMMANDS):
                room_id = self._resolve(message.room)
                seat = self.rooms[room_id]
                if seat is None:
                    raise NotSeated("spectators cannot act")
                live = self.hub.rooms[room_id]
                events = await live.submit(seat, message)
                last = events[-1].seq if events else live.room.last_seq
                self.send(AckReply(ref=message.ref, room=room_id, seq=last))
            case _:
                raise NotAllowed("this message is not accepted here")
