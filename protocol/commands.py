"""Client → server messages.

Every message is a JSON object with a ``type`` tag. Every message may carry a
client ``ref`` that the server's answer (``ack`` or ``error``) echoes, and a
``room`` id; a connection that sits in several rooms (a bot entry token)
must name the room in every room-scoped message. Seat commands may name the
``seat`` they act for; it must be the connection's own seat.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Vote = Literal["yes", "no", "abstain"]
"""A seat's vote on a package on the ballot."""
Ballot = Literal["yes", "no", "abstain", "veto"]
"""What a seat may answer on a package: a vote, or a veto (veto holders only)."""
Choice = Literal["comply", "defect"]
"""A seat's action in an implementation period."""
Package = dict[str, str]
"""A package: issue id → option id, one option for every issue on the agenda."""
NoteValue = str | int | float | bool | None
"""A value in a note's ``data``: a JSON scalar (numbers finite)."""
NoteKind = Literal["note", "failure"]
"""What a note records: the bot's reasoning, or one of its hooks failing."""

NOTE_TEXT_LIMIT = 4000
"""Longest note text (characters)."""
NOTE_DATA_LIMIT = 32
"""Most entries in a note's ``data``; keys at most 64 characters, strings at most 1,000."""
NOTES_PER_SEAT = 1000
"""Most notes one seat may make in a talk."""

MAX_REF = 128
"""Longest ``ref`` a client may send (characters)."""
MAX_ID = 128
"""Longest room, seat or package id a client may name (characters)."""
MAX_TOKEN = 256
"""Longest credential a ``hello`` may carry (characters)."""

Ref = Annotated[str, msgspec.Meta(max_length=MAX_REF)]
Id = Annotated[str, msgspec.Meta(max_length=MAX_ID)]


class _Client(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="type",
    omit_defaults=True,
):
    ref: Ref | None = None
    """Opaque client reference echoed by the answer (at most 128 characters). A seat's
    command repeated with the same ref gets the original answer and is not applied
    again, so use each ref once per seat and room (e.g. a per-run prefix and a counter)."""
    room: Id | None = None
    """Room the message is for; required when the connection sits in several rooms."""


class _SeatCommand(_Client, kw_only=True):
    seat: Id | None = None
    """The seat acted for; when given it must be the connection's own seat."""


class Hello(_Client, tag="hello", kw_only=True):
    """First frame of every connection: protocol version and credential.

    ``token`` is a seat token, a bot entry token or an organizer token; without
    one the connection is a spectator of ``room``. ``last_seq`` resumes a
    connection: only events after it are sent. A bot entry sitting in several
    rooms resumes each with ``resume`` (room id → last seq seen).
    """

    version: int
    token: Annotated[str, msgspec.Meta(max_length=MAX_TOKEN)] | None = None
    last_seq: Annotated[int, msgspec.Meta(ge=0)] = 0
    resume: dict[Id, Annotated[int, msgspec.Meta(ge=0)]] = {}


class Propose(_SeatCommand, tag="propose", kw_only=True):
    """Table a full package: one option for every issue on the agenda (tabling phase)."""

    package: dict[str, str]


class Withdraw(_SeatCommand, tag="withdraw", kw_only=True):
    """Withdraw a package this seat tabled in the current round (tabling phase)."""

    package_id: Id


class Pass(_SeatCommand, tag="pass", kw_only=True):
    """Declare this seat done with the current tabling or verification phase."""


class CastVote(_SeatCommand, tag="vote", kw_only=True):
    """Vote yes, no or abstain on one tabled package (ballot phase)."""

    package_id: Id
    vote: Vote


class CastVeto(_SeatCommand, tag="veto", kw_only=True):
    """Veto a package (ballot phase, veto holders only); counts as this seat's vote."""

    package_id: Id


class Say(_SeatCommand, tag="statement", kw_only=True):
    """Make a statement: public when ``to`` is omitted, else only to the listed seats."""

    text: str
    to: list[Id] | None = None


class Note(_SeatCommand, tag="note", kw_only=True):
    """Write in this seat's private notebook: what a bot was thinking, for its developer.

    Only this seat and the organizer ever see a note (every other copy of the
    transcript holds its digest); it changes nothing in the talks and is allowed
    in every phase until they conclude. ``kind`` ``failure`` records one of the
    bot's own hooks failing (the traceback in ``text``)."""

    text: str
    data: dict[str, NoteValue] = {}
    kind: NoteKind = "note"


class Act(_SeatCommand, tag="action", kw_only=True):
    """Privately comply with or defect from the adopted package (action phase)."""

    choice: Choice


class Challenge(_SeatCommand, tag="challenge", kw_only=True):
    """Challenge another seat with an inspection, paying the inspection cost (verification)."""

    target: Id


class Ping(_Client, tag="ping", kw_only=True):
    """Keep-alive; answered by ``pong``."""


class Resume(_Client, tag="resume", kw_only=True):
    """Ask for every event after ``last_seq`` that this connection may see."""

    last_seq: Annotated[int, msgspec.Meta(ge=0)]


class Leave(_Client, tag="leave", kw_only=True):
    """Leave the room (or, without ``room``, close the session) cleanly."""


SeatCommand = Propose | Withdraw | Pass | CastVote | CastVeto | Say | Note | Act | Challenge
"""Commands that act in a room for a seat; the engine takes exactly these."""

ClientMessage = (
    Hello
    | Propose
    | Withdraw
    | Pass
    | CastVote
    | CastVeto
    | Say
    | Note
    | Act
    | Challenge
    | Ping
    | Resume
    | Leave
)
"""Every message a client may send."""

CLIENT_MESSAGES: tuple[type, ...] = (
    Hello,
    Propose,
    Withdraw,
    Pass,
    CastVote,
    CastVeto,
    Say,
    Note,
    Act,
    Challenge,
    Ping,
    Resume,
    Leave,
)
