"""What rooms, the hub and connections need of one another, and nothing more.

The hub, the live rooms and the websocket sessions meet only through these
protocols, so neither :mod:`accord.server.hub` nor :mod:`accord.server.session`
imports the other, and a test can stand in for a connection with a small
in-memory class:

- :class:`Subscriber`: what a live room needs to deliver its events (and to
  tell a subscriber that the room went away);
- :class:`Connection`: a subscriber as the hub sees it: where it comes from,
  how to hand it a seat, how to close it;
- :class:`SessionHost`: what a connection needs of the hub.

Only :mod:`typing` is imported at run time: this module sits below everything
it describes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from accord.protocol.engine.visibility import Viewer
    from accord.protocol.errors import AccordError
    from accord.server.limits import AddressBook, ReplayBudget
    from accord.server.live import LiveRoom
    from accord.server.metrics import Metrics
    from accord.server.settings import Settings
    from accord.server.store.base import TokenRecord


class Subscriber(Protocol):
    """Anything that receives a room's events: a websocket session, a test probe."""

    closing: bool
    """A subscriber on its way out no longer holds a seat."""

    def viewer_for(self, room: str) -> Viewer:
        """Who this subscriber is in ``room`` (decides which events it sees, and how)."""
        ...

    def deliver(self, data: bytes) -> None:
        """Queue one encoded message; must not block (slow consumers are dropped)."""
        ...

    def room_closed(self, room: str, error: AccordError) -> None:
        """The room went away (its lobby expired): forget it, say why."""
        ...


class Connection(Subscriber, Protocol):
    """A subscriber as the hub sees it: one client connection."""

    address: str
    """The client's address (connections and messages are limited per address)."""

    async def assign(self, live: LiveRoom, seat: str, *, last_seq: int = 0) -> None:
        """Seat this (bot entry) connection in ``live``, sending the past after ``last_seq``."""
        ...

    async def disconnect(self, code: int, reason: str) -> None:
        """Close the connection with a websocket close ``code`` (server shutdown)."""
        ...


class SessionHost(Protocol):
    """What a connection needs of the hub: limits, credentials and rooms."""

    settings: Settings
    metrics: Metrics
    addresses: AddressBook
    replay_budget: ReplayBudget

    def detach(self, connection: Connection) -> None:
        """Forget a connection that is over (and release the bot entry it held)."""
        ...

    def is_organizer(self, token: str | None) -> bool:
        """Whether ``token`` is the organizer's."""
        ...

    async def credential(self, token: str) -> TokenRecord:
        """The record a token opens; raises BadToken."""
        ...

    def claim_entry(self, entry: str, connection: Connection) -> None:
        """Let ``connection`` speak for bot entry ``entry``; raises SeatInUse if another
        live connection does."""
        ...

    def assignments_for(self, entry: str) -> list[tuple[LiveRoom, str]]:
        """Unfinished rooms with a seat assigned to ``entry``."""
        ...

    def live(self, room_id: str) -> LiveRoom | None:
        """The room if it is in memory (never goes to the store)."""
        ...

    async def open_room(self, room_id: str) -> LiveRoom | None:
        """A room in memory, or one brought back from the store (None if there is none)."""
        ...
