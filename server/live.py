"""Live rooms: the engine, its subscribers, its timer, and its durable log.

A :class:`LiveRoom` adds no rules. It feeds inputs to the pure
:class:`~accord.protocol.engine.room.Room` with the wall clock, writes the produced
events to the store (grouping what arrives while a write is in flight), and
only then delivers each subscriber its filtered copy and acknowledges. One
timer per room ticks the engine at the current phase's deadline. Subscribers
come and go through :meth:`LiveRoom.subscribe` and :meth:`LiveRoom.unsubscribe`;
the room knows them only as :class:`~accord.server.subscriber.Subscriber`.

When the store refuses a write, nothing of it is sent: every command whose
events were in it (or queued behind it) is refused with ``internal_error``,
and the engine goes back to what the store holds, so the room never runs
ahead of its durable log. A deadline whose tick could not be recorded is
tried again shortly.

Commands are idempotent by ``ref``: the ref of every accepted command is
stored with its events, in the same transaction, so a command repeated after
a lost acknowledgement (even across a server restart) gets the original
answer instead of being applied twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

import structlog

from accord.protocol.codec import decode_event, encode
from accord.protocol.commands import SeatCommand
from accord.protocol.engine.room import Room
from accord.protocol.engine.transcript import replay
from accord.protocol.engine.visibility import Viewer, visible
from accord.protocol.errors import AccordError, InternalError, SeatInUse
from accord.protocol.events import Event, PhaseStarted, TalksConcluded
from accord.protocol.replies import PackageView, SeatView, Snapshot
from accord.server.store.base import CommandRef, RoomRecord, RoomStatus, Store, StoredEvent
from accord.server.subscriber import Subscriber

__all__ = ["LiveRoom", "Subscriber", "rebuild", "status_of"]

log = structlog.get_logger("accord.room")

REFUSALS_REMEMBERED = 256
"""Refused commands whose answer a room remembers per seat (refusals change
nothing and are not stored; a repeat beyond these is judged afresh)."""

TICK_RETRY = 1.0
"""Seconds before a deadline tick that could not be recorded is tried again."""


def status_of(room: Room) -> RoomStatus:
    if room.phase == "lobby":
        return "lobby"
    return "concluded" if room.finished else "running"


class LiveRoom:
    """One room on the server."""

    def __init__(
        self,
        room: Room,
        record: RoomRecord,
        store: Store,
        *,
        refs: Sequence[CommandRef] = (),
        clock: Callable[[], float] = time.time,
        on_events: Callable[[LiveRoom, list[Event]], None] | None = None,
        on_write: Callable[[float], None] | None = None,
    ) -> None:
        self.room = room
        self.record = record
        self.store = store
        self.clock = clock
        self.subscribers: set[Subscriber] = set()
        self.holders: dict[str, Subscriber] = {}
        """Seat → the connection currently holding it."""
        self._timer: asyncio.TimerHandle | None = None
        self._grace_until = 0.0
        self._on_events = on_events
        self._on_write = on_write
        self._status = status_of(room)
        self.durable_seq = room.last_seq
        """Events up to this seq are in the store; only those are ever sent."""
        self._pending: list[Event] = []
        self._pending_refs: list[CommandRef] = []
        self._flushing: asyncio.Future[None] | None = None
        self._generation = 0
        """Bumped when a write fails: whoever waits on an older generation was voided."""
        self._restoring = False
        self._closed = False
        self._answered: dict[tuple[str, str], int] = {(r.seat, r.ref): r.seq for r in refs}
        """(seat, ref) → the seq its acknowledgement carried, for every accepted command."""
        self._refused: OrderedDict[tuple[str, str], AccordError] = OrderedDict()
        self.last_activity = room.log[-1].at if room.log else clock()
        """When the room last produced an event (for expiring idle lobbies)."""

    @property
    def id(self) -> str:
        return self.room.room_id

    # --- who is here ------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> None:
        """Deliver this room's future events to ``subscriber``."""

        self.subscribers.add(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop delivering to ``subscriber`` and free any seat it holds."""

        self.subscribers.discard(subscriber)
        for seat in [s for s, holder in self.holders.items() if holder is subscriber]:
            del self.holders[seat]

    def dismiss(self, error: AccordError) -> None:
        """The room leaves the server (its lobby expired): stop its timer, tell every
        subscriber why, and let go of them all."""

        self.close()
        for subscriber in list(self.subscribers):
            self.unsubscribe(subscriber)
            subscriber.room_closed(self.id, error)

    def hold(self, seat: str, subscriber: Subscriber) -> None:
        """Let ``subscriber`` hold ``seat``; raises SeatInUse if another live connection does.

        One connection holds a seat, whatever credential it came with (a seat
        token or a bot entry assigned to the seat).
        """

        holder = self.holders.get(seat)
        if holder is not None and holder is not subscriber and not holder.closing:
            raise SeatInUse(f"seat {seat!r} is held by another connection")
        self.holders[seat] = subscriber

    # --- inputs --------------------------------------------------------------------------
    #
    # The engine is synchronous, so applying an input needs no lock: nothing
    # can interleave with it. Only the write waits, and writes are grouped:
    # whatever the room produced while the previous write was in flight goes
    # to the store in one append (group commit per room).

    async def submit(self, seat: str, command: SeatCommand) -> int:
        """A seat command: apply, persist, publish; return the seq its ack carries.

        A RuleViolation propagates unchanged. A ``ref`` this seat used before
        gets the original answer: the same seq, or the same refusal.
        """

        ref = command.ref
        if ref is not None:
            key = (seat, ref)
            answered = self._answered.get(key)
            if answered is not None:
                await self._until_durable(answered)
                if self._answered.get(key) == answered:  # not lost to a failed write
                    return answered
            refused = self._refused.get(key)
            if refused is not None:
                raise refused
        self._check_available()
        try:
            events = self.room.handle(seat, command, now=self.clock())
        except AccordError as exc:
            if ref is not None:
                self._refused[(seat, ref)] = exc
                if len(self._refused) > REFUSALS_REMEMBERED * max(1, len(self.room.seats)):
                    self._refused.popitem(last=False)
            raise
        seq = events[-1].seq if events else self.room.last_seq
        if ref is not None and events:
            self._answered[(seat, ref)] = seq
            self._pending_refs.append(CommandRef(seat=seat, ref=ref, seq=seq))
        await self._commit(events)
        return seq

    async def join(self, seat: str) -> list[Event]:
        self._check_available()
        events = self.room.join(seat, now=self.clock())
        await self._commit(events)
        return events

    async def start(self, *, absent_default: bool = False) -> list[Event]:
        self._check_available()
        events = self.room.start(now=self.clock(), absent_default=absent_default)
        await self._commit(events)
        return events

    async def tick(self) -> list[Event]:
        if self._restoring:
            self._retry_tick()  # the deadline still stands once the room is back
            return []
        now = self.clock()
        events = [] if now < self._grace_until else self.room.tick(now=now)
        await self._commit(events)
        return events

    def _check_available(self) -> None:
        if self._restoring:
            raise InternalError("the room is recovering from a storage error; please retry")

    # --- persistence then publication ------------------------------------------------------

    async def _commit(self, events: list[Event]) -> None:
        """Return once ``events`` are durable and published (or raise InternalError)."""

        if events:
            self.last_activity = self.clock()
            generation = self._generation
            self._pending.extend(events)
            await self._until_durable(events[-1].seq)
            if generation != self._generation:
                raise InternalError("the server could not record this; please retry")
        self._schedule()

    async def _until_durable(self, seq: int) -> None:
        generation = self._generation
        while self.durable_seq < seq and generation == self._generation:
            if self._flushing is None:
                self._flushing = asyncio.ensure_future(self._flush())
            await asyncio.shield(self._flushing)

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        refs, self._pending_refs = self._pending_refs, []
        try:
            hashes = self.room.chain.hashes
            rows = [StoredEvent(e.seq, hashes[e.seq - 1], encode(e)) for e in batch]
            started = time.perf_counter()
            try:
                await self.store.append(self.id, rows, refs=refs)
            except Exception as exc:
                log.error("event write failed", room=self.id, seq=batch[-1].seq, error=repr(exc))
                await self._void()
                return
            if self._on_write is not None:
                self._on_write(time.perf_counter() - started)
            self.durable_seq = batch[-1].seq
            await self._settled(batch)
        finally:
            self._flushing = None

    async def _settled(self, events: list[Event]) -> None:
        """``events`` are durable: record the room's status, then publish them."""

        for event in events:
            if isinstance(event, (PhaseStarted, TalksConcluded)):
                log.info(
                    "phase" if isinstance(event, PhaseStarted) else "concluded",
                    room=self.id,
                    seq=event.seq,
                    phase=getattr(event, "phase", "concluded"),
                )
        status = status_of(self.room)
        if status != self._status:
            try:
                await self.store.set_status(self.id, status)
            except Exception as exc:
                # the events are durable, so they go out regardless: a subscriber
                # must never miss a stored event; the status is tried again with
                # the next write
                log.error("room status write failed", room=self.id, status=status, error=repr(exc))
            else:
                self._status = status
        self._publish(events)
        if self._on_events is not None:
            self._on_events(self, events)

    async def _void(self) -> None:
        """A write failed: forget everything not yet durable and bring the engine back
        to what the store holds; every waiter on a voided event is refused."""

        self._generation += 1
        self._pending = []
        self._pending_refs = []
        self._answered = {
            key: seq for key, seq in self._answered.items() if seq <= self.durable_seq
        }
        # refusals were judged against a state that may now be void
        self._refused.clear()
        self._restoring = True
        try:
            await self._restore()
        finally:
            self._restoring = False

    async def _restore(self) -> None:
        """Rebuild the engine from what the store holds (a failed write may have been
        committed after all); if the store cannot be read either, from the durable
        part of the engine's own log."""

        try:
            rows = await self.store.events(self.id)
            room = rebuild(rows)
            refs = await self.store.refs(self.id)
        except Exception as exc:
            log.error("room restored from memory: store unreadable", room=self.id, error=repr(exc))
            self.room = replay(self.room.log[: self.durable_seq])
            return
        found = room.log[self.durable_seq :]
        self.room = room
        self.durable_seq = room.last_seq
        self._answered = {(r.seat, r.ref): r.seq for r in refs}
        if found:
            # stored despite the error: they are durable, so everyone gets them
            await self._settled(found)
            self._schedule()

    def _publish(self, events: list[Event]) -> None:
        for event in events:
            shared = encode(event)
            for sub in list(self.subscribers):
                try:
                    shown = visible(event, sub.viewer_for(self.id))
                    if shown is not None:
                        sub.deliver(shared if shown is event else encode(shown))
                except Exception as exc:
                    # one broken subscriber must not cost the others their events;
                    # having missed one, it gets none after it (a stream has no gaps)
                    log.error("subscriber failed", room=self.id, seq=event.seq, error=repr(exc))
                    self._drop_broken(sub)

    def _drop_broken(self, subscriber: Subscriber) -> None:
        self.unsubscribe(subscriber)
        try:
            subscriber.room_closed(
                self.id, InternalError("this room's events could not be delivered; join again")
            )
        except Exception as exc:
            log.error("subscriber failed", room=self.id, error=repr(exc))

    # --- the clock -------------------------------------------------------------------------

    def restart_deadlines(self, grace: float) -> None:
        """After a restart, give the current phase up to ``grace`` seconds more to let
        clients reconnect, but never past its deadline plus ``grace``: restarts that
        follow one another cannot hold a phase open for ever."""

        deadline = self.room.deadline
        if deadline is not None:
            self._grace_until = min(self.clock() + grace, deadline + grace)
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.room.deadline
        if deadline is None or self.room.finished or self._closed:
            return
        at = max(deadline, self._grace_until)
        loop = asyncio.get_running_loop()
        delay = max(0.0, at - self.clock())
        self._timer = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self.tick())
        task.add_done_callback(self._ticked)

    def _ticked(self, task: asyncio.Future[list[Event]]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("room timer failed", room=self.id, error=repr(exc))
            self._retry_tick()

    def _retry_tick(self) -> None:
        """The deadline passed but its tick was not recorded: try again shortly, rather
        than leave the room stalled until somebody acts (and not at once, so that a
        failing store is not hammered)."""

        if self._timer is None and not self._closed and not self.room.finished:
            self._timer = asyncio.get_running_loop().call_later(TICK_RETRY, self._fire)

    def close(self) -> None:
        """Stop the room's timer for good (the room concluded or leaves the server)."""

        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- views ------------------------------------------------------------------------------

    def past(self, after: int, upto: int) -> Sequence[Event]:
        """The events with ``after`` < seq <= ``upto`` (all durable)."""

        return self.room.log[max(0, after) : min(upto, self.durable_seq)]

    def snapshot(self, viewer: Viewer) -> Snapshot:
        room = self.room
        seat = viewer.seat if viewer.role == "seat" else None
        scenario = room.scenario if viewer.role == "organizer" else room.scenario.public(seat=seat)
        waiting = set(room.waiting_for())
        return Snapshot(
            room=self.id,
            seq=room.last_seq,
            phase=room.phase,
            round=room.round,
            period=room.period,
            deadline=room.deadline,
            scenario=scenario,
            seats=[
                SeatView(
                    id=d.id,
                    name=d.name,
                    weight=d.weight,
                    veto=d.veto,
                    seated=d.id in room.seated,
                    done=room.phase not in ("lobby", "concluded") and d.id not in waiting,
                )
                for d in room.scenario.delegations
            ],
            packages=[
                PackageView(
                    package_id=p.package_id,
                    seat=p.seat,
                    round=p.round,
                    package=p.package,
                    withdrawn=p.withdrawn,
                )
                for p in room.packages()
            ],
            adopted=None if room.adopted is None else room.adopted.package_id,
        )


def rebuild(rows: list[StoredEvent]) -> Room:
    """The engine state from stored events, checking that the replay matches them."""

    events = [decode_event(row.data) for row in rows]
    room = replay(events)
    if len(room.log) != len(rows) or room.chain.hashes != [row.hash for row in rows]:
        raise RuntimeError("stored events do not replay to the same chain")
    return room
