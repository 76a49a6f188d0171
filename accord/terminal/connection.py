"""A person's seat on a server: the bot client's connection, commands chosen by hand.

:class:`SeatClient` is a :class:`~accord.bots.websocket.BotClient` whose
commands come from a person instead of a strategy. It keeps the bot
client's connection logic as it is (``hello``, reconnecting after a drop,
resuming from the last event seen, sending again every command the server
had not answered) and adds what a person needs to see: the seat's
:class:`~accord.bots.seat_view.SeatState`, the connection's status, and the
answer (``ack`` or ``error``) to each command typed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
import websockets

from accord.bots.runner import Runner
from accord.bots.sdk import Delegation
from accord.bots.seat_view import SeatState
from accord.bots.websocket import BotClient, RoomPlay
from accord.protocol.codec import encode
from accord.protocol.commands import SeatCommand
from accord.protocol.events import Event, TalksConcluded
from accord.protocol.replies import Ack, Error, Welcome
from accord.terminal.address import websocket_url

# Refusals of a hello that trying again cannot mend (the token, the room).
FATAL_REFUSALS = {
    "bad_token",
    "token_required",
    "forbidden",
    "unknown_room",
    "room_expired",
    "room_failed",
    "unsupported_version",
    "hello_required",
    "invalid_message",
}

ANSWER_PATIENCE = 2.0
"""Seconds to wait, once the talks are over, for the answers to commands still in flight."""

IN_USE_PATIENCE = 30.0
"""Seconds to keep trying while the server still holds this seat's previous
connection (it may not have noticed yet that the connection dropped)."""


@dataclass
class Sent:
    """A command the person typed, and the server's answer once it came."""

    ref: str
    text: str
    """The command line as typed."""
    command: SeatCommand
    answer: Ack | Error | None = None


class Refused(ConnectionError):
    """The server refused this seat (a wrong token, a closed room...)."""

    def __init__(self, error: Error) -> None:
        super().__init__(f"{error.message} ({error.code})")
        self.error = error


class SeatClient(BotClient):
    """One seat, played by a person, over a websocket.

    ``on_event(event)`` is called for every new event (after the state took it),
    ``on_status(status)`` when the connection's status changes (``connecting``,
    ``connected``, ``reconnecting``, ``closed``) and ``on_answer(sent)`` when the
    server answers a command. All are called on the event loop that runs
    :meth:`run`.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        on_event: Callable[[Event], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        on_answer: Callable[[Sent], None] | None = None,
        first_contact: float = 10.0,
        ping_interval: float = 20.0,
    ) -> None:
        # the base class drives a strategy; this one never asks it anything
        super().__init__(
            Delegation,
            websocket_url(url),
            token,
            first_contact=first_contact,
            ping_interval=ping_interval,
        )
        self.state = SeatState()
        self.status = "connecting"
        self.sent: dict[str, Sent] = {}
        """ref → every command sent in this run, in order."""
        self.refusal: Error | None = None
        """The error the server answered the last ``hello`` with (None once welcomed)."""
        self.room: str | None = None
        self.welcomes = 0
        """How many times the server welcomed this seat (1 + the reconnections)."""
        self._on_event = on_event
        self._on_status = on_status
        self._on_answer = on_answer
        self._closing: asyncio.TimerHandle | asyncio.Future[None] | None = None

    # --- life -------------------------------------------------------------------------------

    async def run(self) -> dict[str, RoomPlay]:  # type: ignore[override]
        """Play until the talks conclude or :meth:`stop`; raises :class:`Refused` if
        the server will not seat this token, ``ConnectionError`` if it cannot be reached."""

        in_use_since: float | None = None
        welcomes = 0
        try:
            while True:
                try:
                    rooms = await super().run()
                except ConnectionRefusedError:
                    refusal = self.refusal
                    if refusal is None:  # a close code without an error message
                        raise ConnectionError("the server refused this seat") from None
                    if refusal.code != "seat_in_use" or self.state.seat is None:
                        raise Refused(refusal) from None
                    # seated before: most likely our own dropped connection, which the
                    # server has not noticed yet
                    if in_use_since is None or welcomes != self.welcomes:
                        in_use_since, welcomes = time.monotonic(), self.welcomes
                    if time.monotonic() - in_use_since > IN_USE_PATIENCE:
                        raise Refused(refusal) from None
                    self._set_status("reconnecting")
                    await asyncio.sleep(1.0)
                    continue
                if self.refusal is not None and self.refusal.code in FATAL_REFUSALS:
                    raise Refused(self.refusal)
                return rooms
        finally:
            if isinstance(self._closing, asyncio.TimerHandle):
                self._closing.cancel()
            self._set_status("closed")

    async def submit(self, command: SeatCommand, text: str) -> Sent:
        """Send ``command`` (typed as ``text``) with a fresh ref.

        While the connection is down it waits with the others not yet answered,
        and all are sent again after reconnecting (the server applies a ref once).
        """

        ref = f"{self._run_id}-{next(self._refs)}"
        command = msgspec.structs.replace(command, ref=ref)
        frame = encode(command).decode()
        sent = self.sent[ref] = Sent(ref=ref, text=text, command=command)
        self._unacked[ref] = frame
        ws = self._ws
        if ws is not None and self.status == "connected":
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(frame)
        return sent

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            if self._on_status is not None:
                self._on_status(status)

    # --- the bot client's hooks ------------------------------------------------------------------

    async def _session(self) -> None:
        try:
            await super()._session()
        finally:
            if self.connections and not self.done.is_set() and not self._stopping:
                self._set_status("reconnecting")

    async def _handle(self, ws: websockets.ClientConnection, message: object) -> None:
        match message:
            case Welcome(role=role, room=room, seat=seat, brief=brief):
                if role != "seat" or room is None or seat is None:
                    self.refusal = Error(
                        code="forbidden",
                        message=f"this token joins as {role}, not as a seat: ask for a seat token",
                    )
                    self._stopping = True
                    await ws.close()
                    return
                self.room = room
                self.welcomes += 1
                self.refusal = None
                self.state.seat = seat
                self.state.welcome_brief = brief
                # before the base class sends again what was not answered: a command
                # typed meanwhile then goes straight out instead of waiting for a drop
                self._set_status("connected")
            case Error(ref=None) as error:
                self.refusal = error
                if error.code in FATAL_REFUSALS:
                    self._stopping = True
            case Ack(ref=ref) | Error(ref=ref) if ref in self.sent:
                sent = self.sent[ref]
                if sent.answer is None:
                    sent.answer = message  # type: ignore[assignment]
                    if self._on_answer is not None:
                        self._on_answer(sent)
        await super()._handle(ws, message)
        if self.state.concluded is not None and not self.done.is_set():
            self._finish(ws)

    def _seat(self, room: str, seat: str) -> None:
        # the base class resumes each room from its runner's last seq; this runner
        # is never fed (the person decides) and only carries that number
        if room not in self.rooms:
            runner = Runner(Delegation(), seat=seat)
            runner.last_seq = self.state.last_seq
            self.rooms[room] = RoomPlay(room=room, seat=seat, runner=runner)

    async def _event(self, ws: websockets.ClientConnection, event: Event) -> None:
        play = self.rooms.get(event.room)
        if play is None or not self.state.add(event):
            return
        play.runner.last_seq = event.seq
        if self._on_event is not None:
            self._on_event(event)
        if isinstance(event, TalksConcluded):
            play.concluded = event
            self._finish(ws)

    def _unanswered(self) -> bool:
        return any(ref in self.sent for ref in self._unacked)

    def _finish(self, ws: websockets.ClientConnection) -> None:
        """The talks are over: close once every typed command has its answer (the
        answer to the command that concluded them comes after their last event),
        or after :data:`ANSWER_PATIENCE` seconds."""

        if not self._unanswered():
            self.done.set()
        elif self._closing is None:
            self._closing = asyncio.get_running_loop().call_later(
                ANSWER_PATIENCE, self._close_now, ws
            )

    def _close_now(self, ws: websockets.ClientConnection) -> None:
        self.done.set()
        self._closing = asyncio.ensure_future(ws.close())
