"""The hub: every live room, every credential, and the store behind them."""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING

import structlog

from protocol.codec import canonical
from protocol.engine.room import Room
from protocol.errors import BadToken, UnknownScenario
from protocol.events import Event
from protocol.scenario.model import Scenario
from server.live import LiveRoom, rebuild
from server.metrics import Metrics
from server.settings import Settings
from server.store.base import RoomRecord, Store, StoredEvent, TokenRecord
from server.tokens import digest, matches, new_id, new_token

if TYPE_CHECKING:
    from server.session import Session

log = structlog.get_logger("accord.hub")


class Hub:
    """Owns the rooms; sessions and the HTTP API go through it."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.rooms: dict[str, LiveRoom] = {}
        self.sessions: set[Session] = set()
        self.entry_sessions: dict[str, Session] = {}
        self.metrics = Metrics(lambda: (r.room.phase for r in self.rooms.values()))
        self._organizer_digest: str | None = None
        self._tokens: dict[str, TokenRecord] = {}

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
        """Rebuild every unfinished room from its stored events; return how many."""

        count = 0
        for record in await self.store.rooms():
            if record.status == "concluded" or record.id in self.rooms:
                continue
            rows = await self.store.events(record.id)
            try:
                room = rebuild(rows)
            except Exception as exc:  # a damaged room must not keep the others down
                log.error("room could not be rebuilt", room=record.id, error=repr(exc))
                continue
            live = self._live(room, record)
            live.restart_deadlines(self.settings.restart_grace)
            count += 1
            log.info("room rebuilt", room=record.id, seq=room.last_seq, phase=room.phase)
        return count

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
                raise UnknownScenario(f"no seat {seat!r} in scenario {scenario.id!r}")
        room_id = room_id or new_id("room")
        seed = random.SystemRandom().randrange(2**63) if seed is None else seed
        now = time.time()
        room = Room(scenario, room_id=room_id, seed=seed, now=now)
        record = RoomRecord(
            id=room_id,
            scenario_id=scenario.id,
            title=scenario.title,
            created_at=now,
            public=public,
            seats={seat: entries.get(seat) for seat in scenario.seats},
        )
        first = room.log[0]
        await self.store.create_room(record, StoredEvent(1, room.chain.hashes[0], canonical(first)))
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
            session = self.entry_sessions.get(entry)
            if session is not None:
                await session.assign(live, seat)
        log.info("room created", room=room_id, scenario=scenario.id, seats=len(scenario.seats))
        return live, tokens

    def _live(self, room: Room, record: RoomRecord) -> LiveRoom:
        live = LiveRoom(
            room,
            record,
            self.store,
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

    async def open_room(self, room_id: str) -> LiveRoom | None:
        """A room in memory, or a concluded one brought back from the store to be read."""

        live = self.rooms.get(room_id)
        if live is not None:
            return live
        record = await self.store.room(room_id)
        if record is None:
            return None
        room = rebuild(await self.store.events(room_id))
        live = self.rooms.get(room_id) or self._live(room, record)
        if live.room.finished:
            self._after_events(live, [])
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
        for live in self.rooms.values():
            live.close()
