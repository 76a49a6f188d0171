"""What both stores share: row shapes, record decoding and argument checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

import msgspec

from accord.server.store.base import (
    CommandRef,
    RoomRecord,
    RoomStatus,
    StoredEvent,
    TokenKind,
    TokenRecord,
)

ROOM_STATUSES: tuple[str, ...] = get_args(RoomStatus)
TOKEN_KINDS: tuple[str, ...] = get_args(TokenKind)
ROOM_COLUMNS = "id, scenario_id, title, created_at, status, reason, public, seats"
TOKEN_COLUMNS = "digest, kind, room, seat, entry, created_at"

_seats = msgspec.json.Decoder(dict[str, str | None])
encode = msgspec.json.Encoder().encode


def room_from_row(row: Any) -> RoomRecord:
    id_, scenario_id, title, created_at, status, reason, public, seats = row
    return RoomRecord(
        id=id_,
        scenario_id=scenario_id,
        title=title,
        created_at=created_at,
        status=status,
        reason=reason,
        public=bool(public),
        seats=_seats.decode(seats),
    )


def token_from_row(row: Any) -> TokenRecord:
    digest, kind, room, seat, entry, created_at = row
    return TokenRecord(
        digest=digest, kind=kind, room=room, seat=seat, entry=entry, created_at=created_at
    )


def check_contiguous(events: list[StoredEvent]) -> None:
    first = events[0].seq
    for offset, event in enumerate(events):
        if event.seq != first + offset:
            raise ValueError(
                f"seqs of one append must be contiguous, got {[e.seq for e in events]}"
            )


def check_refs(refs: Sequence[CommandRef]) -> None:
    # Refused up front: inside one INSERT, PostgreSQL's ON CONFLICT DO NOTHING would
    # silently drop the repeat where SQLite fails, so the stores would disagree.
    seen: set[tuple[str, str]] = set()
    for ref in refs:
        key = (ref.seat, ref.ref)
        if key in seen:
            raise ValueError(f"command ref {ref.ref!r} of seat {ref.seat!r} repeats in one append")
        seen.add(key)


def check_status(status: str) -> None:
    if status not in ROOM_STATUSES:
        raise ValueError(f"room status must be one of {ROOM_STATUSES}, not {status!r}")


def check_page(after: tuple[float, str] | None, limit: int | None) -> None:
    if after is not None and len(after) != 2:
        raise ValueError(f"after must be a (created_at, id) pair, not {after!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be None or at least 0, not {limit!r}")


def check_kind(kind: str) -> None:
    if kind not in TOKEN_KINDS:
        raise ValueError(f"token kind must be one of {TOKEN_KINDS}, not {kind!r}")
