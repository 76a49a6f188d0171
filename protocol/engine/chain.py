"""The hash chain over a room's events.

Each event's hash is sha256(previous hash as hex + canonical encoding of the
event); the first event's previous hash is :data:`GENESIS`. Anyone holding a
transcript can recompute the chain.
"""

from __future__ import annotations

import hashlib

from protocol.codec import canonical
from protocol.events import Event

GENESIS = "0" * 64


def link(previous: str, event: Event) -> str:
    """The hash of ``event`` following an event whose hash is ``previous``."""

    return hashlib.sha256(previous.encode("ascii") + canonical(event)).hexdigest()


class Chain:
    """Running hash chain: feed events in order, read the head."""

    __slots__ = ("head", "hashes")

    def __init__(self) -> None:
        self.head = GENESIS
        self.hashes: list[str] = []

    def append(self, event: Event) -> str:
        self.head = link(self.head, event)
        self.hashes.append(self.head)
        return self.head
