"""What the server needs from storage, whichever database holds it.

Events are stored as the event's full JSON encoding with its seq and chain
hash (the chain hashes a canonical form derived from the event, so the stored
bytes are not necessarily what was hashed); ``append`` returns only once the
rows are durable, and the server broadcasts only after it returns. Command
references ride in the same transaction as the events their command produced,
so a repeated command can be answered from storage even after a crash. Tokens
are stored as sha256 digests, never in the clear.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import msgspec

RoomStatus = Literal["lobby", "running", "concluded", "failed", "expired"]
TokenKind = Literal["organizer", "seat", "entry"]


class RoomRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A room as stored: enough to rebuild it (with its events) after a restart."""

    id: str
    scenario_id: str
    title: str
    created_at: float
    status: RoomStatus = "lobby"
    reason: str = ""
    """Why a room failed or expired; empty otherwise."""
    public: bool = True
    """Whether anyone may read the transcript once the room has concluded."""
    seats: dict[str, str | None] = {}
    """Seat id → the bot entry id assigned to it, or None for a seat token holder."""


class StoredEvent(msgspec.Struct, frozen=True):
    """One event row: its seq, its chain hash and the event's full JSON encoding."""

    seq: int
    hash: str
    data: bytes


class CommandRef(msgspec.Struct, frozen=True):
    """A seat's command reference and the seq of the last event that command produced."""

    seat: str
    ref: str
    seq: int


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
    """A row of this append is already stored: an event with its room and seq, or a
    command ref with its room, seat and ref (another writer got there first)."""


class Store(Protocol):
    """The storage interface; SQLite and PostgreSQL implement it identically."""

    async def open(self) -> None:
        """Connect, create the tables if they do not exist and upgrade older ones in place."""

    async def close(self) -> None:
        """Flush pending writes and disconnect."""

    async def create_room(self, room: RoomRecord, first: StoredEvent) -> None:
        """Store a new room together with its first event (talks_opened), atomically."""

    async def append(
        self, room: str, events: list[StoredEvent], *, refs: Sequence[CommandRef] = ()
    ) -> None:
        """Durably store events (contiguous seqs, each its full JSON encoding) and the
        command refs they answer, all in one transaction: all of them or none.

        Raises SeqConflict if a seq, or a (seat, ref) of ``refs``, is already
        stored for the room; ValueError if the seqs are not contiguous or ``refs``
        repeats a (seat, ref). Refs normally ride with the events their command
        produced; refs alone (``events`` empty) are stored too. Nothing at all is
        a no-op.
        """

    async def events(self, room: str, *, after: int = 0) -> list[StoredEvent]:
        """Events of ``room`` with seq > ``after``, in seq order."""

    async def refs(self, room: str) -> list[CommandRef]:
        """Every command ref stored for ``room``, in seq order (then seat, ref)."""

    async def set_status(self, room: str, status: RoomStatus, *, reason: str = "") -> None:
        """Record the room's status and why (for failed or expired; empty otherwise).

        Raises KeyError for an unknown room.
        """

    async def room(self, room: str) -> RoomRecord | None:
        """One room, or None."""

    async def rooms(
        self,
        *,
        status: RoomStatus | None = None,
        after: tuple[float, str] | None = None,
        limit: int | None = None,
    ) -> list[RoomRecord]:
        """Rooms (optionally of one status), oldest first: by (created_at, id).

        ``after`` is the (created_at, id) of the last room of the previous page:
        only rooms strictly after it are listed (keyset pagination). ``limit``
        caps how many (None: all).
        """

    async def put_token(self, token: TokenRecord) -> None:
        """Store a token digest; replacing an existing digest is an error."""

    async def token(self, digest: str) -> TokenRecord | None:
        """Look a token up by its digest."""

    async def tokens(
        self, *, room: str | None = None, kind: TokenKind | None = None
    ) -> list[TokenRecord]:
        """Tokens filtered by room and/or kind."""
