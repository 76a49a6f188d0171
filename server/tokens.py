"""Credentials: random tokens, stored only as digests, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = {"organizer": "org", "seat": "seat", "entry": "bot"}


def new_token(kind: str) -> str:
    """A fresh random token; the prefix only helps humans tell tokens apart."""

    return f"{PREFIX.get(kind, 'tok')}_{secrets.token_urlsafe(24)}"


def digest(token: str) -> str:
    """The sha256 digest under which a token is stored."""

    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(token: str, stored_digest: str) -> bool:
    """Whether ``token`` hashes to ``stored_digest``, compared in constant time."""

    return hmac.compare_digest(digest(token), stored_digest)


def new_id(prefix: str) -> str:
    """A short random identifier (rooms, entries)."""

    return f"{prefix}-{secrets.token_hex(4)}"
