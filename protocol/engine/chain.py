"""The hash chain over a room's events.

Each event's hash is sha256(previous hash as hex + canonical encoding of the
event); the first event's previous hash is :data:`GENESIS`. Anyone holding a
transcript can recompute the chain.
"""

from __future__ import annotations

from hashlib import sha256

from protocol.codec import canonical
from protocol.events import Event

GENESIS = "0" * 64


def link(previous: str, event: Event) -> str:
    """The hash of ``event`` following an event whose hash is ``previous``."""

    return sha256(previous.encode("ascii") + canonical(event)).hexdigest()


class Chain:
    """Running hash chain: feed events in order, read the head.

    :meth:`add` encodes the event at once (the chain covers it as it was
    emitted) but hashes only when the head or the hashes are read: a talk
    whose transcript is never read does not pay for hashing, and what is
    read is the same as if every event had been hashed on arrival.
    """

    __slots__ = ("_head", "_hashes", "_prefix", "_waiting")

    def __init__(self) -> None:
        self._head = GENESIS
        self._hashes: list[str] = []
        self._prefix = GENESIS.encode("ascii")  # the head as bytes, ready to hash
        self._waiting: list[bytes] = []  # canonical encodings not hashed yet

    def add(self, event: Event) -> None:
        """Append ``event``; its hash is computed when first needed."""

        self._waiting.append(canonical(event))

    @property
    def head(self) -> str:
        self._hash_waiting()
        return self._head

    @property
    def hashes(self) -> list[str]:
        """The hash ending at each event, in order."""

        self._hash_waiting()
        return self._hashes

    def _hash_waiting(self) -> None:
        if not self._waiting:
            return
        prefix, hashes = self._prefix, self._hashes
        for data in self._waiting:
            # link(head, event)
            head = sha256(prefix + data).hexdigest()
            prefix = head.encode("ascii")
            hashes.append(head)
        self._waiting.clear()
        self._head, self._prefix = hashes[-1], prefix
