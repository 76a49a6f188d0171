"""Who may see what: every event filtered for one recipient.

The rules, in one place:

- ``talks_opened``: a seat sees only its own brief; a spectator sees no brief;
  only the organizer sees the seed (which decides inspections) and the
  sealing key (from which the chain's salts derive).
- ``vote_cast``: the vote itself only to the voter until the ballot result;
  others learn only that the seat voted.
- ``ballot_result``: in a secret ballot, tallies only.
- ``statement_made`` to chosen seats: only to the speaker and those seats.
- ``note_made``: only to that seat.
- ``action_taken`` and action timeouts: only to that seat; the choices are
  revealed to all in ``talks_concluded``.
- The organizer sees everything; everything else is public.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    Event,
    NoteMade,
    StatementMade,
    TalksOpened,
    Timeout,
    VoteCast,
)


class Viewer(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A recipient of events: a seat, a spectator, or the organizer."""

    role: Literal["seat", "spectator", "organizer"]
    seat: str | None = None

    @staticmethod
    def of_seat(seat: str) -> Viewer:
        return Viewer(role="seat", seat=seat)


SPECTATOR = Viewer(role="spectator")
ORGANIZER = Viewer(role="organizer")


_FILTERED = (TalksOpened, VoteCast, BallotResult, StatementMade, NoteMade, ActionTaken, Timeout)

FILTERED = frozenset(_FILTERED)
"""The event types that some recipients see otherwise (or not at all); every
other event is seen by everyone exactly as it is."""


def visible(event: Event, viewer: Viewer) -> Event | None:
    """``event`` as ``viewer`` may see it, or None if it may not see it at all."""

    if viewer.role == "organizer" or type(event) not in _FILTERED:
        return event
    seat = viewer.seat if viewer.role == "seat" else None
    match event:
        case TalksOpened():
            return msgspec.structs.replace(
                event, scenario=event.scenario.public(seat=seat), seed=None, sealing_key=None
            )
        case VoteCast():
            if event.seat == seat:
                return event
            return msgspec.structs.replace(event, vote=None)
        case BallotResult(secret=True):
            return msgspec.structs.replace(
                event,
                results=tuple(msgspec.structs.replace(r, votes=None) for r in event.results),
            )
        case StatementMade(to=to) if to is not None:  # private (any sequence type)
            return event if seat is not None and (seat == event.seat or seat in to) else None
        case NoteMade() | ActionTaken():
            return event if event.seat == seat else None
        case Timeout(phase="action"):
            return event if event.seat == seat else None
    return event


def visible_log(events: list[Event], viewer: Viewer, *, after: int = 0) -> list[Event]:
    """The events after seq ``after`` that ``viewer`` may see, filtered."""

    out: list[Event] = []
    for event in events[after:]:
        shown = visible(event, viewer)
        if shown is not None:
            out.append(shown)
    return out
