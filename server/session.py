"""One websocket connection: handshake, commands in, filtered events out.

The session decodes every frame at the edge, turns every refusal into a
typed ``error`` (in one place, :func:`accord.protocol.codec.error_message`), and
never lets a slow reader stall a room: outgoing messages go through a bounded
queue, and a connection whose queue overflows is closed with
:data:`CLOSE_SLOW_CONSUMER` (and cut off if it does not read the close).

Past events (a join from seq 0, a resume) are not put on that queue: they
are streamed from the room's log as the socket drains, in chunks that share
one server-wide budget, so a long history neither overflows the queue nor
takes the event loop from live rooms.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from aiohttp import WSMsgType, web

from accord.protocol import PROTOCOL_VERSION, closes
from accord.protocol.codec import decode_client, encode, error_message, ref_of
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    ClientMessage,
    Hello,
    Leave,
    Note,
    Pass,
    Ping,
    Propose,
    Resume,
    Say,
    Withdraw,
)
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer, visible
from accord.protocol.errors import (
    AccordError,
    AlreadyWelcomed,
    BadToken,
    Forbidden,
    HelloRequired,
    InternalError,
    NotSeated,
    ProtocolError,
    RateLimited,
    RoomExpired,
    RoomFailed,
    RoomRequired,
    SeatInUse,
    TooManyRooms,
    UnknownRoom,
    UnsupportedVersion,
)
from accord.protocol.replies import Ack as AckReply
from accord.protocol.replies import Assignment, Pong, Welcome
from accord.server.limits import TokenBucket
from accord.server.live import LiveRoom

if TYPE_CHECKING:
    from accord.server.subscriber import SessionHost

log = structlog.get_logger("accord.session")

CLOSE_HANDSHAKE = closes.HANDSHAKE
CLOSE_BAD_TOKEN = closes.BAD_TOKEN
CLOSE_UNKNOWN_ROOM = closes.UNKNOWN_ROOM
CLOSE_SEAT_IN_USE = closes.SEAT_IN_USE
CLOSE_SLOW_CONSUMER = closes.SLOW_CONSUMER
CLOSE_FLOOD = closes.POLICY_VIOLATION

SEAT_COMMANDS = (Propose, Withdraw, Pass, CastVote, CastVeto, Say, Note, Act, Challenge)

LOGGED_TEXT = 64
"""Characters of a client-chosen string (a ref) that go into a log line."""


def clip(text: str | None) -> str | None:
    """A client-chosen string cut short enough for a log line."""

    if text is None or len(text) <= LOGGED_TEXT:
        return text
    return text[:LOGGED_TEXT] + "…"


@dataclass(frozen=True, slots=True)
class _Replay:
    """Past events of one room to stream to this connection: seq in (after, upto]."""

    live: LiveRoom
    viewer: Viewer
    after: int
    upto: int


class Session:
    """A connected client and the rooms it is in.

    A :class:`~accord.server.subscriber.Connection` to the hub and a
    :class:`~accord.server.subscriber.Subscriber` to each room it is in; it
    reaches the hub only as a :class:`~accord.server.subscriber.SessionHost`
    and changes rooms and the hub only through their methods.
    """

    def __init__(
        self,
        hub: SessionHost,
        ws: web.WebSocketResponse,
        *,
        address: str = "",
        transport: object = None,
    ) -> None:
        self.hub = hub
        self.ws = ws
        self.address = address
        self._transport = transport
        self.role = "anonymous"
        self.entry: str | None = None
        self.rooms: dict[str, str | None] = {}
        """Room id → the seat held there (None: watching)."""
        self.queue: asyncio.Queue[bytes | _Replay | None] = asyncio.Queue(hub.settings.send_queue)
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

    def deliver(self, data: bytes | _Replay) -> None:
        if self.closing:
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.hub.metrics.closes.labels("slow_consumer").inc()
            self.log.warning("slow consumer dropped", queued=self.queue.qsize())
            self._shutdown(CLOSE_SLOW_CONSUMER, "slow consumer: send queue overflowed")
            return
        if type(data) is bytes:
            self.hub.metrics.messages_out.inc()

    def send(self, message: object) -> None:
        self.deliver(encode(message))

    def room_closed(self, room: str, error: AccordError) -> None:
        self.rooms.pop(room, None)
        self._fail(error, room=room)

    # --- Connection ---------------------------------------------------------------------------

    async def disconnect(self, code: int, reason: str) -> None:
        """Close the websocket with ``code`` (the server is shutting down)."""

        await self.ws.close(code=code, message=reason.encode())

    # --- the connection's life -----------------------------------------------------------------

    async def run(self) -> None:
        writer = asyncio.create_task(self._writer())
        try:
            if await self._handshake():
                await self._serve()
        finally:
            self.closing = True
            self._leave_all()
            self.hub.detach(self)  # (the app attached it before the upgrade)
            if self._closer is not None:
                # a deliberate close: let the explanation leave, with its close code
                await asyncio.gather(self._closer, return_exceptions=True)
            elif not self.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.ws.close(), self.hub.settings.close_timeout)
                self._abort()
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _writer(self) -> None:
        try:
            while True:
                item = await self.queue.get()
                if item is None:
                    return
                if type(item) is bytes:
                    # already-encoded JSON goes out as a text frame without re-encoding
                    await self.ws.send_frame(item, WSMsgType.TEXT)
                else:
                    await self._stream(item)  # type: ignore[arg-type]
        except (ConnectionResetError, asyncio.CancelledError, RuntimeError):
            return

    async def _stream(self, replay: _Replay) -> None:
        """Send past events as the socket drains, a chunk at a time, within the
        server's replay budget (so live rooms keep their latency)."""

        budget = self.hub.replay_budget
        chunk = self.hub.settings.replay_chunk
        after = replay.after
        while after < replay.upto and not self.closing:
            end = min(after + chunk, replay.upto)
            async with budget.slot(end - after):
                frames = []
                for event in replay.live.past(after, end):
                    shown = visible(event, replay.viewer)
                    if shown is not None:
                        frames.append(encode(shown))
            for frame in frames:
                await self.ws.send_frame(frame, WSMsgType.TEXT)  # waits while the peer lags
            self.hub.metrics.replayed.inc(len(frames))
            after = end

    def _shutdown(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self._closer = asyncio.ensure_future(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        # give queued messages (e.g. the error that explains the close) a moment to leave
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drain(), timeout=0.5)
        # a peer that does not read cannot take the close frame either: cut it off
        with contextlib.suppress(Exception):  # the timeout, or a transport already gone
            await asyncio.wait_for(
                self.ws.close(code=code, message=reason.encode()[:120]),
                self.hub.settings.close_timeout,
            )
        self._abort()

    def _abort(self) -> None:
        # abort, not close: closing waits for the kernel to take buffered data
        # that a peer which does not read will never take
        if self._transport is not None:
            self._transport.abort()  # type: ignore[attr-defined]

    async def _drain(self) -> None:
        while not self.queue.empty():
            await asyncio.sleep(0.01)

    def _fail(self, error: AccordError, *, ref: str | None = None, room: str | None = None) -> None:
        self.hub.metrics.errors.labels(error.code).inc()
        if room is None and len(self.rooms) == 1:
            room = next(iter(self.rooms))
        live = self.hub.live(room or "")
        self.log.info(
            "refused", code=error.code, ref=clip(ref), seq=live.room.last_seq if live else None
        )
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
            if isinstance(exc, SeatInUse):
                code = CLOSE_SEAT_IN_USE
            elif isinstance(exc, (UnknownRoom, RoomFailed, RoomExpired)):
                code = CLOSE_UNKNOWN_ROOM
            elif isinstance(exc, (UnsupportedVersion, RoomRequired)):
                code = CLOSE_HANDSHAKE
            elif isinstance(exc, InternalError):
                # the store refused the seat's join: the credential is fine, try later
                code = closes.INTERNAL_ERROR
            else:
                code = CLOSE_BAD_TOKEN
            self._shutdown(code, exc.code)
            await self._wait_closed()
            return False
        except Exception as exc:  # never a traceback to the client
            self.log.exception("hello failed", error=repr(exc))
            self._fail(InternalError("the server could not answer this hello"), ref=message.ref)
            self._shutdown(closes.INTERNAL_ERROR, "internal error")
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
            live.hold(record.seat, self)
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
            if not live.room.finished:
                await live.join(record.seat)
            return
        if record.kind == "entry":
            assert record.entry is not None
            hub.claim_entry(record.entry, self)  # SeatInUse if another connection has it
            self.role = "entry"
            self.entry = record.entry
            self.log = log.bind(entry=record.entry)
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
        """Queue the past after ``last_seq`` and subscribe, with no await in between:
        every later event is published after the past that is queued now."""

        self.rooms[live.id] = seat
        upto = live.durable_seq
        after = max(0, last_seq)
        if after < upto:
            self.deliver(_Replay(live, self.viewer_for(live.id), after, upto))
        live.subscribe(self)

    async def assign(self, live: LiveRoom, seat: str, *, last_seq: int = 0) -> None:
        """Seat this entry connection in ``live`` (a tournament or organizer assignment)."""

        seated = [r for r, s in self.rooms.items() if s is not None and r != live.id]
        if len(seated) >= self.hub.settings.max_rooms_per_entry:
            self._fail(
                TooManyRooms(f"at most {self.hub.settings.max_rooms_per_entry} rooms"), room=live.id
            )
            return
        try:
            live.hold(seat, self)
        except SeatInUse as exc:
            self._fail(exc, room=live.id)
            return
        brief = live.room.scenario.delegation(seat).brief
        self.send(Assignment(room=live.id, seat=seat, brief=brief))
        self._watch(live, seat, last_seq)
        if not live.room.finished:
            await live.join(seat)

    def _leave(self, room: str) -> None:
        self.rooms.pop(room, None)
        live = self.hub.live(room)
        if live is not None:
            live.unsubscribe(self)

    def _leave_all(self) -> None:
        for room in list(self.rooms):
            self._leave(room)

    # --- serving ---------------------------------------------------------------------------------

    async def _serve(self) -> None:
        per_address = self.hub.addresses.bucket(self.address)
        while not self.closing:
            data = await self._frame(None)
            if data is None:
                return
            allowed = self.bucket.take()
            if allowed and not per_address.take():
                allowed = False
                self.hub.metrics.address_limited.inc()
            if not allowed:
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
                    InternalError("internal error; the command was not applied"),
                    ref=message.ref,
                    room=message.room,
                )

    def _resolve(self, room: str | None) -> str:
        if room is not None:
            if room not in self.rooms:
                raise UnknownRoom(f"this connection is not in room {room!r}")
            return room
        if len(self.rooms) != 1:
            raise RoomRequired("this connection is in several rooms: name the room")
        return next(iter(self.rooms))

    def _live(self, room_id: str) -> LiveRoom:
        live = self.hub.live(room_id)
        if live is None:  # evicted while this connection was away from it
            self.rooms.pop(room_id, None)
            raise UnknownRoom(f"room {room_id!r} is no longer open")
        return live

    async def _dispatch(self, message: ClientMessage) -> None:
        match message:
            case Ping(ref=ref):
                self.send(Pong(ref=ref, time=time.time()))
            case Hello():
                raise AlreadyWelcomed("this connection has already said hello")
            case Resume(last_seq=last_seq, room=room):
                room_id = self._resolve(room)
                live = self._live(room_id)
                upto = live.durable_seq
                if max(0, last_seq) < upto:
                    self.deliver(_Replay(live, self.viewer_for(room_id), max(0, last_seq), upto))
                self.send(AckReply(ref=message.ref, room=room_id, seq=upto))
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
                    raise NotSeated("this connection watches this room without a seat")
                live = self._live(room_id)
                seq = await live.submit(seat, message)
                self.send(AckReply(ref=message.ref, room=room_id, seq=seq))
            case _:
                raise Forbidden("this message is not accepted here")
