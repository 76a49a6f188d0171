"""Server → client messages that are not room events: the session's replies.

Room events (:mod:`accord.protocol.events`) and these replies together form the
server → client union in :mod:`accord.protocol.codec`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from accord.protocol.events import Phase
from accord.protocol.scenario.model import Brief, Scenario

Role = Literal["seat", "entry", "spectator", "organizer"]


class _Reply(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="type",
):
    pass


class Welcome(_Reply, tag="welcome", kw_only=True):
    """Answer to ``hello``: who the connection is, and for a seat its private brief."""

    protocol: int
    role: Role
    room: str | None = None
    seat: str | None = None
    brief: Brief | None = None
    server: str = "accord"


class SeatView(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A seat as everybody sees it."""

    id: str
    name: str
    weight: float
    veto: bool
    seated: bool
    done: bool = False
    """Whether the seat has acted fully in the current phase."""


class PackageView(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A package tabled in the current round."""

    package_id: str
    seat: str
    round: int
    package: dict[str, str]
    withdrawn: bool = False


class Snapshot(_Reply, tag="snapshot", kw_only=True):
    """The room's state now, as the recipient may see it; ``seq`` is the last event in it."""

    room: str
    seq: int
    phase: Phase
    round: int = 0
    period: int = 0
    deadline: float | None = None
    scenario: Scenario
    seats: list[SeatView]
    packages: list[PackageView] = []
    adopted: str | None = None


class Ack(_Reply, tag="ack", kw_only=True):
    """A command was accepted; ``seq`` is the last event it produced (0 if none)."""

    ref: str | None = None
    room: str | None = None
    seq: int = 0


class Pong(_Reply, tag="pong", kw_only=True):
    """Answer to ``ping``, with the server's clock."""

    ref: str | None = None
    time: float = 0.0


class Assignment(_Reply, tag="assignment", kw_only=True):
    """A bot entry is assigned a seat in a room; it acts there naming ``room``."""

    room: str
    seat: str
    brief: Brief | None = None


class Error(_Reply, tag="error", kw_only=True):
    """A command or frame was rejected; nothing changed. ``code`` is stable."""

    code: str
    message: str
    ref: str | None = None
    room: str | None = None


REPLIES: tuple[type, ...] = (Welcome, Snapshot, Ack, Pong, Assignment, Error)
