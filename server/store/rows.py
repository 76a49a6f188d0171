"""What both stores share: row shapes, record decoding and argument checks."""

from __future__ import annotations

from typing import Any, get_args

import msgspec

from server.store.base import RoomRecord, RoomStatus, StoredEvent, TokenKind, TokenRecord

ROOM_STATUSES: tuple[str, ...] = get_args(RoomStatus)
TOKEN_KINDS: tuple[str, ...] = get_args(TokenKind)
ROOM_COLUMNS = "id, scenario_id, title, created_at, status, public, seats"
TOKEN_COLUMNS = "digest, kind, room, seat, entry, created_at"

_seats = msgspec.json.Decoder(dict[str, str | None])
encode = msgspec.json.Encoder().encode


def room_from_row(row: Any) -> RoomRecord:
    id_, scenario_id, title, created_at, status, public, seats = row
    return RoomRecord(
        id=id_,
        scenario_id=scenario_id,
        title=title,
        created_at=created_at,
        status=status,
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


def check_status(status: str) -> None:
    if status not in ROOM_STATUSES:
        raise ValueError(f"room status must be one of {ROOM_STATUSES}, not {status!r}")


def check_kind(kind: str) -> None:
    if kind not in TOKEN_KINDS:
        raise ValueError(f"token kind must be one of {TOKEN_KINDS}, not {kind!r}")
