"""Sealed content: what the hash chain commits to without every copy containing it.

Some content of a room is never public: every delegation's private brief, the
seed and the sealing key (organizer only), individual votes in a secret
ballot (the voter and the organizer), private statements (the speaker,
its addressees and the organizer) and notes (the seat and the organizer). Each such piece sits at a *secret path*
(a JSON Pointer, RFC 6901, into the event's JSON object; ``""`` is the whole
event). The chain does not hash the piece itself but its *digest*::

    salt   = BLAKE2s-256(key = sealing key, data = "<seq>:<path>")   (32 bytes)
    digest = hex(SHA-256(salt ‖ JCS(value at path)))

and the event's *chained form* is its JSON object with the value at each
secret path replaced by ``{"sealed": digest}`` (a whole sealed event becomes
just ``{"sealed": digest}``). So a reader who may see a piece gets it with its
salt and can recompute the digest; a reader who may not gets only the digest,
and the salt (derived from a 256-bit key nobody else holds) keeps even a
three-valued vote from being guessed. Every copy of a transcript, whatever
its audience, verifies against the same head hash.
"""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring
from typing import Any

from accord.protocol.engine.visibility import Viewer
from accord.protocol.events import (
    BallotResult,
    Event,
    NoteMade,
    StatementMade,
    TalksOpened,
    VoteCast,
)
from accord.protocol.jcs import canonical_json

SEALED = "sealed"
"""The key of the object that stands in for sealed content in the chained form."""

WHOLE = ""
"""The JSON Pointer of a whole event."""


def derive_key(seed: int) -> bytes:
    """The sealing key of a room that was given none: derived from its seed.

    Only for local play, where every reader could know the seed anyway; rooms
    on a server get 32 random bytes.
    """

    return hashlib.sha256(f"accord sealing key\0{seed}".encode()).digest()


def salt(key: bytes, seq: int, path: str) -> bytes:
    """The salt of the secret at ``path`` in the event ``seq``: keyed BLAKE2s, a
    pseudorandom function of the room's key (readers are given salts, so only
    the room ever derives one)."""

    return hashlib.blake2s(f"{seq}:{path}".encode(), key=key).digest()


def digest(salt: bytes, value: Any) -> str:
    """The digest that stands in for ``value`` in the chained form."""

    # a vote is a string, whose JSON form is already canonical
    data = encode_basestring(value).encode("utf-8") if type(value) is str else canonical_json(value)
    return hashlib.sha256(salt + data).hexdigest()


class Secrets:
    """Which paths of a room's events are secret, from the room's scenario."""

    __slots__ = ("_briefs", "_secret_ballot")

    def __init__(self, opened: TalksOpened) -> None:
        self._secret_ballot = opened.scenario.rules.ballot == "secret"
        self._briefs = tuple(
            f"/scenario/delegations/{n}/brief" for n in range(len(opened.scenario.delegations))
        )

    @property
    def secret_ballot(self) -> bool:
        """Whether each vote's ``vote`` is secret."""

        return self._secret_ballot

    def paths(self, event: Event) -> tuple[str, ...]:
        """The secret paths of ``event`` (most events have none)."""

        kind = type(event)
        if kind is VoteCast:
            return ("/vote",) if self._secret_ballot else ()
        if kind is StatementMade:
            return (WHOLE,) if event.to is not None else ()  # type: ignore[union-attr]
        if kind is NoteMade:
            return (WHOLE,)
        if kind is BallotResult:
            if not event.secret:  # type: ignore[union-attr]
                return ()
            return tuple(f"/results/{n}/votes" for n in range(len(event.results)))  # type: ignore[union-attr]
        if kind is TalksOpened:
            return ("/seed", "/sealing_key", *self._briefs)
        return ()


def may_read(event: Event, path: str, viewer: Viewer) -> bool:
    """Whether ``viewer`` may see the secret at ``path`` of ``event``."""

    if viewer.role == "organizer":
        return True
    seat = viewer.seat if viewer.role == "seat" else None
    if seat is None:
        return False
    match event:
        case TalksOpened(scenario=scenario):
            seats = scenario.seats
            return seat in seats and path == f"/scenario/delegations/{seats.index(seat)}/brief"
        case VoteCast() | NoteMade():
            return event.seat == seat
        case StatementMade(to=to):
            return seat == event.seat or (to is not None and seat in to)
    return False


# --- JSON Pointers (RFC 6901) -------------------------------------------------------------


def _tokens(path: str) -> list[str]:
    if path and not path.startswith("/"):
        raise ValueError(f"{path!r} is not a JSON Pointer")
    return [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]


def _step(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise KeyError(token)
        return node[token]
    if isinstance(node, (list, tuple)) and token.isdigit() and (token == "0" or token[0] != "0"):
        return node[int(token)]
    raise KeyError(token)


def pointer_get(document: Any, path: str) -> Any:
    """The value at ``path``; raises KeyError or IndexError if there is none."""

    key = path[1:]
    if "/" not in key and "~" not in key and isinstance(document, dict) and key in document:
        return document[key]  # a top-level field, the common case
    node = document
    for token in _tokens(path):
        node = _step(node, token)
    return node


def pointer_replace(document: Any, path: str, value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` replaced (only the path is copied)."""

    tokens = _tokens(path)
    if not tokens:
        return value

    def down(node: Any, rest: list[str]) -> Any:
        _step(node, rest[0])  # the path must exist
        if isinstance(node, dict):
            copy: Any = dict(node)
            key: Any = rest[0]
        else:
            copy, key = list(node), int(rest[0])
        copy[key] = value if len(rest) == 1 else down(node[key], rest[1:])
        return copy

    return down(document, tokens)


def chained_form(document: dict[str, Any], digests: dict[str, str], *, copy: bool = True) -> Any:
    """The form of an event the chain hashes: each sealed path replaced by its digest.

    ``copy=False`` replaces in ``document`` itself (for a caller that owns it).
    """

    if WHOLE in digests:
        return {SEALED: digests[WHOLE]}
    form: Any = document
    for path, value in digests.items():
        if copy:
            form = pointer_replace(form, path, {SEALED: value})
        else:
            tokens = _tokens(path)
            parent = form
            for token in tokens[:-1]:
                parent = _step(parent, token)
            _step(parent, tokens[-1])  # the path must exist
            parent[tokens[-1] if isinstance(parent, dict) else int(tokens[-1])] = {SEALED: value}
    return form


def link(previous: str, form: Any) -> str:
    """The hash following ``previous`` for an event whose chained form is ``form``."""

    return hashlib.sha256(previous.encode("ascii") + canonical_json(form)).hexdigest()
