"""What the server needs from storage, whichever database holds it.

Events are stored as the exact bytes that were hashed into the chain (their
canonical encoding) with their seq and hash; ``append`` returns only once the
rows are durable, and the server broadcasts only after it returns. Tokens are
stored as sha256 digests, never in the clear.
"""

from __future__ import annotations

from typing import Literal, Protocol

import msgspec

RoomStatus = Literal["lobby", "running", "concluded"]
TokenKind = Literal["organizer", "seat", "entry"]


class RoomRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A room as stored: enough to rebuild it (with its events) after a restart."""

    id: str
    scenario_id: str
    title: str
    created_at: float
    status: RoomStatus = "lobby"
    public: bool = True
    """Whether anyone may read the transcript once the room has concluded."""
    seats: dict[str, str | None] = {}
    """Seat id → the bot entry id assigned to it, or None for a seat token holder."""


class StoredEvent(msgspec.Struct, frozen=True):
    """One event row: its seq, its chain hash and its canonical JSON bytes."""

    seq: int
    hash: str
    data: bytes


class TokenRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A credential: which kind, and for seats the room and seat it opens."""

    digest: str
    kind: TokenKind
    room: str | None = None
    seat: str | None = None
    entry: str | None = None
    """For entry tokens: the entry id (the name a bot registers under)."""
    created_at: float = 0.0


class SeqConflict(Exception):
    """An event with this room and seq is already stored (another writer got there first)."""


class Store(Protocol):
    """The storage interface; SQLite and PostgreSQL implement it identically."""

    async def open(self) -> None:
        """Connect and create the tables if they do not exist."""

    async def close(self) -> None:
        """Flush pending writes and disconnect."""

    async def create_room(self, room: RoomRecord, first: StoredEvent) -> None:
        """Store a new room together with its first event (talks_opened), atomically."""

    async def append(self, room: str, events: list[StoredEvent]) -> None:
        """Durably store events (contiguous seqs); raises SeqConflict on a duplicate seq."""

    async def events(self, room: str, *, after: int = 0) -> list[StoredEvent]:
        """Events of ``room`` with seq > ``after``, in seq order."""

    async def set_status(self, room: str, status: RoomStatus) -> None:
        """Record the room's phase class (lobby, running, concluded)."""

    async def room(self, room: str) -> RoomRecord | None:
        """One room, or None."""

    async def rooms(self, *, status: RoomStatus | None = None) -> list[RoomRecord]:
        """All rooms (optionally of one status), oldest first."""

    async def put_token(self, token: TokenRecord) -> None:
        """Store a token digest; replacing an existing digest is an error."""

    async def token(self, digest: str) -> TokenRecord | None:
        """Look a token up by its digest."""

    async def tokens(
        self, *, room: str | None = None, kind: TokenKind | None = None
    ) -> list[TokenRecord]:
        """Tokens filtered by room and/or kind."""
