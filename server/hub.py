"""The hub: every live room, every connection, every credential, and the store behind them."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time

import structlog

from accord.protocol.codec import encode
from accord.protocol.engine.room import Room
from accord.protocol.errors import (
    AccordError,
    BadToken,
    InvalidRequest,
    RoomExpired,
    RoomFailed,
    ScenarioTooLarge,
    SeatInUse,
)
from accord.protocol.events import BallotResult, Event, PackageResult, Tally
from accord.protocol.jcs import MAX_SAFE_INTEGER
from accord.protocol.scenario.model import Scenario
from accord.server.limits import AddressBook, ReplayBudget
from accord.server.live import LiveRoom, rebuild
from accord.server.metrics import Metrics
from accord.server.settings import Settings
from accord.server.store.base import RoomRecord, Store, StoredEvent, TokenRecord
from accord.server.subscriber import Connection
from accord.server.tokens import digest, matches, new_id, new_token

log = structlog.get_logger("accord.hub")


class Hub:
    """Owns the rooms; connections and the HTTP API go through it.

    The hub knows connections only as :class:`~accord.server.subscriber.Connection`:
    it never imports the websocket session, and a session changes the hub only
    through :meth:`attach`, :meth:`detach` and :meth:`claim_entry`.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.rooms: dict[str, LiveRoom] = {}
        self.sessions: set[Connection] = set()
        """Open connections (read-only outside the hub: use attach and detach)."""
        self._entries: dict[str, Connection] = {}
        """Bot entry → the connection speaking for it."""
        self._entry_of: dict[Connection, str] = {}
        """The other way round, so that detaching a connection releases its entry."""
        self.addresses = AddressBook(
            rate=settings.address_message_rate, burst=settings.address_message_burst
        )
        self.replay_budget = ReplayBudget(rate=settings.replay_rate, chunk=settings.replay_chunk)
        self.metrics = Metrics(lambda: (r.room.phase for r in self.rooms.values()))
        self._organizer_digest: str | None = None
        self._tokens: dict[str, TokenRecord] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._expiring: dict[str, str] = {}
        """Room id → why it expired, until the store has recorded it (so that nobody
        rebuilds the room from its stored lobby meanwhile)."""

    # --- start-up -----------------------------------------------------------------------

    async def ensure_organizer(self) -> str | None:
        """Install the organizer token; return it if it was generated now (print it once)."""

        configured = self.settings.organizer_token
        existing = await self.store.tokens(kind="organizer")
        if configured:
            self._organizer_digest = digest(configured)
            if not any(t.digest == self._organizer_digest for t in existing):
                await self.store.put_token(
                    TokenRecord(
                        digest=self._organizer_digest, kind="organizer", created_at=time.time()
                    )
                )
            return None
        if existing:
            self._organizer_digest = existing[0].digest
            return None
        token = new_token("organizer")
        self._organizer_digest = digest(token)
        await self.store.put_token(
            TokenRecord(digest=self._organizer_digest, kind="organizer", created_at=time.time())
        )
        return token

    async def recover(self) -> int:
        """Rebuild every unfinished room from its stored events; return how many.

        A room that cannot be rebuilt is marked failed with the reason, and the
        others come back regardless.
        """

        count = 0
        for status in ("lobby", "running"):
            for record in await self.store.rooms(status=status):
                if record.id in self.rooms:
                    continue
                try:
                    await self.open_room(record.id)
                except RoomFailed:
                    continue
                count += 1
        self.expire_idle_lobbies()
        return count

    def start_sweeper(self) -> None:
        """Expire idle lobbies from time to time (when ``lobby_ttl`` is set)."""

        ttl = self.settings.lobby_ttl
        if ttl > 0 and self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(min(60.0, ttl / 4)))

    async def _sweep(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.expire_idle_lobbies()

    def expire_idle_lobbies(self) -> list[str]:
        """Close every room that stayed in its lobby longer than ``lobby_ttl``."""

        ttl = self.settings.lobby_ttl
        if ttl <= 0:
            return []
        now = time.time()
        idle = [
            live
            for live in self.rooms.values()
            if live.room.phase == "lobby" and now - live.last_activity > ttl
        ]
        for live in idle:
            reason = f"no talks started within {ttl:g} s of the last activity"
            self._drop(live, RoomExpired(f"room {live.id!r} expired: {reason}"))
            self._expiring[live.id] = reason
            task = asyncio.ensure_future(self._record_expiry(live.id, reason))
            task.add_done_callback(_log_failure)
            log.info("room expired", room=live.id)
        return [live.id for live in idle]

    async def _record_expiry(self, room_id: str, reason: str) -> None:
        try:
            await self.store.set_status(room_id, "expired", reason=reason)
        finally:
            self._expiring.pop(room_id, None)

    def _drop(self, live: LiveRoom, error: AccordError) -> None:
        self.rooms.pop(live.id, None)
        live.dismiss(error)
        for key in [k for k, t in self._tokens.items() if t.room == live.id]:
            del self._tokens[key]

    # --- connections -------------------------------------------------------------------------

    def attach(self, connection: Connection) -> None:
        """Count a new connection (before its websocket upgrade, so that concurrent
        upgrades see each other)."""

        self.sessions.add(connection)
        self.addresses.opened(connection.address)
        self.metrics.connections.inc()

    def detach(self, connection: Connection) -> None:
        """Forget a connection that is over and release the bot entry it held.

        Idempotent. The rooms it watched are its own business: it unsubscribes
        from each (see :meth:`LiveRoom.unsubscribe`)."""

        if connection not in self.sessions:
            return
        self.sessions.discard(connection)
        self.addresses.closed(connection.address)
        self.metrics.connections.dec()
        entry = self._entry_of.pop(connection, None)
        if entry is not None and self._entries.get(entry) is connection:
            del self._entries[entry]

    def claim_entry(self, entry: str, connection: Connection) -> None:
        """Let ``connection`` speak for bot entry ``entry`` (it gets the entry's
        assignments from now on).

        Raises SeatInUse if another connection that is not on its way out
        speaks for the entry already; one on its way out is replaced.
        """

        previous = self._entries.get(entry)
        if previous is not None and previous is not connection and not previous.closing:
            raise SeatInUse(f"entry {entry!r} is connected already")
        if previous is not None and previous is not connection:
            self._entry_of.pop(previous, None)
        self._entries[entry] = connection
        self._entry_of[connection] = entry

    def entry_connection(self, entry: str) -> Connection | None:
        """The connection speaking for bot entry ``entry``, if any."""

        return self._entries.get(entry)

    async def disconnect_all(self, code: int, reason: str) -> None:
        """Close every open connection with ``code`` (server shutdown)."""

        await asyncio.gather(
            *(connection.disconnect(code, reason) for connection in list(self.sessions)),
            return_exceptions=True,
        )

    def refuse_connection(self, address: str) -> str | None:
        """Why a new connection from ``address`` must be refused, or None."""

        if len(self.sessions) >= self.settings.max_connections:
            return "too_many_connections"
        if self.addresses.open_from(address) >= self.settings.max_connections_per_address:
            return "too_many_from_address"
        return None

    # --- credentials ------------------------------------------------------------------------

    def is_organizer(self, token: str | None) -> bool:
        return (
            bool(token)
            and self._organizer_digest is not None
            and matches(token or "", self._organizer_digest)
        )

    async def credential(self, token: str) -> TokenRecord:
        """The record a token opens; raises BadToken."""

        key = digest(token)
        record = self._tokens.get(key)
        if record is None:
            record = await self.store.token(key)
            if record is None:
                raise BadToken("unknown token")
            self._tokens[key] = record
        return record

    async def register_entry(self, name: str) -> tuple[str, str]:
        """A new bot entry; returns (entry id, entry token)."""

        entry = new_id(name or "entry")
        token = new_token("entry")
        await self.store.put_token(
            TokenRecord(digest=digest(token), kind="entry", entry=entry, created_at=time.time())
        )
        return entry, token

    # --- rooms ---------------------------------------------------------------------------------

    def check_frames(self, scenario: Scenario) -> None:
        """Refuse a scenario whose frames would exceed the server's frame limit.

        The largest frames are the organizer's ``talks_opened`` (the whole
        scenario with every brief) and a ballot result with every seat's
        package and every seat's vote; both are measured, the second from one
        worst-case package result times the number of packages.
        """

        limit = self.settings.max_server_frame_bytes
        seats = scenario.seats
        opened = Room(scenario, room_id="r" * 16, seed=MAX_SAFE_INTEGER, now=1e10).log[0]
        size = len(encode(opened))
        if size > limit:
            raise ScenarioTooLarge(
                f"its talks_opened frame would be {size} bytes; the limit is {limit}",
                file=scenario.id,
            )
        packages = len(seats) * scenario.rules.proposals_per_round
        widest = max(seats, key=len)
        rounds = scenario.rules.max_rounds
        worst = PackageResult(
            package_id=f"R{rounds}-{widest}-{scenario.rules.proposals_per_round}",
            seat=widest,
            tally=Tally(yes=len(seats), yes_weight=1e15, no_weight=1e15, abstain_weight=1e15),
            passed=False,
            vetoed_by=[s for s in seats if scenario.delegation(s).veto],
            votes={s: "abstain" for s in seats},
        )
        one = len(encode(worst)) + 1
        empty = BallotResult(
            room="r" * 16, seq=10**9, at=1e10, round=rounds, secret=False, results=[]
        )
        size = len(encode(empty)) + packages * one
        if size > limit:
            raise ScenarioTooLarge(
                f"a ballot result could take {size} bytes ({packages} packages on the ballot, "
                f"{len(seats)} votes each); the limit is {limit}",
                file=scenario.id,
            )

    async def create_room(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        public: bool = True,
        entries: dict[str, str] | None = None,
        room_id: str | None = None,
    ) -> tuple[LiveRoom, dict[str, str]]:
        """Open a room; return it with one fresh token per seat."""

        entries = entries or {}
        for seat in entries:
            if seat not in scenario.seats:
                raise InvalidRequest(f"entries: no seat {seat!r} in scenario {scenario.id!r}")
        self.check_frames(scenario)
        room_id = room_id or new_id("room")
        seed = random.SystemRandom().randrange(MAX_SAFE_INTEGER) if seed is None else seed
        now = time.time()
        room = Room(
            scenario, room_id=room_id, seed=seed, now=now, sealing_key=secrets.token_bytes(32)
        )
        record = RoomRecord(
            id=room_id,
            scenario_id=scenario.id,
            title=scenario.title,
            created_at=now,
            public=public,
            seats={seat: entries.get(seat) for seat in scenario.seats},
        )
        first = room.log[0]
        await self.store.create_room(record, StoredEvent(1, room.chain.hashes[0], encode(first)))
        tokens: dict[str, str] = {}
        for seat in scenario.seats:
            token = new_token("seat")
            tokens[seat] = token
            await self.store.put_token(
                TokenRecord(
                    digest=digest(token), kind="seat", room=room_id, seat=seat, created_at=now
                )
            )
        live = self._live(room, record)
        for seat, entry in entries.items():
            connection = self._entries.get(entry)
            if connection is not None:
                await connection.assign(live, seat)
        log.info("room created", room=room_id, scenario=scenario.id, seats=len(scenario.seats))
        return live, tokens

    def _live(self, room: Room, record: RoomRecord, refs: list | None = None) -> LiveRoom:
        live = LiveRoom(
            room,
            record,
            self.store,
            refs=refs or (),
            on_events=self._after_events,
            on_write=self.metrics.event_write.observe,
        )
        self.rooms[room.room_id] = live
        return live

    def _after_events(self, live: LiveRoom, events: list[Event]) -> None:
        if live.room.finished:
            live.close()
            # concluded rooms leave memory after a while; the store keeps them
            asyncio.get_running_loop().call_later(
                self.settings.concluded_linger, self._evict, live.id
            )

    def _evict(self, room_id: str) -> None:
        live = self.rooms.get(room_id)
        if live is None or not live.room.finished or live.subscribers:
            if live is not None and live.room.finished:
                asyncio.get_running_loop().call_later(
                    self.settings.concluded_linger, self._evict, room_id
                )
            return
        del self.rooms[room_id]
        for key in [k for k, t in self._tokens.items() if t.room == room_id]:
            del self._tokens[key]

    def live(self, room_id: str) -> LiveRoom | None:
        """The room if it is in memory (never goes to the store)."""

        return self.rooms.get(room_id)

    async def open_room(self, room_id: str) -> LiveRoom | None:
        """A room in memory, or one brought back from the store (None if there is none).

        Raises RoomFailed for a room that cannot be rebuilt (and marks it
        failed, with the reason, so nobody tries again) and RoomExpired for a
        room whose lobby expired.
        """

        live = self.rooms.get(room_id)
        if live is not None:
            return live
        if room_id in self._expiring:
            raise RoomExpired(f"room {room_id!r} expired: {self._expiring[room_id]}")
        record = await self.store.room(room_id)
        if record is None:
            return None
        if record.status == "failed":
            raise RoomFailed(f"room {room_id!r} could not be rebuilt: {record.reason}")
        if record.status == "expired":
            raise RoomExpired(f"room {room_id!r} expired: {record.reason}")
        try:
            room = rebuild(await self.store.events(room_id))
            refs = await self.store.refs(room_id)
        except Exception as exc:  # a damaged room must not take a handler (or the others) down
            reason = _describe(exc)
            log.error("room could not be rebuilt", room=room_id, error=reason)
            with contextlib.suppress(Exception):
                await self.store.set_status(room_id, "failed", reason=reason)
            raise RoomFailed(f"room {room_id!r} could not be rebuilt: {reason}") from None
        live = self.rooms.get(room_id)
        if live is not None:  # rebuilt meanwhile by another caller
            return live
        live = self._live(room, record, refs)
        if live.room.finished:
            self._after_events(live, [])
        else:
            live.restart_deadlines(self.settings.restart_grace)
            log.info("room rebuilt", room=room_id, seq=room.last_seq, phase=room.phase)
        return live

    def assignments_for(self, entry: str) -> list[tuple[LiveRoom, str]]:
        """Unfinished rooms with a seat assigned to ``entry``."""

        return [
            (live, seat)
            for live in self.rooms.values()
            if not live.room.finished
            for seat, assigned in live.record.seats.items()
            if assigned == entry
        ]

    async def room_record(self, room_id: str) -> RoomRecord | None:
        live = self.rooms.get(room_id)
        return live.record if live is not None else await self.store.room(room_id)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        for live in self.rooms.values():
            live.close()


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def _log_failure(task: asyncio.Future[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("could not record a room's status", error=repr(task.exception()))
