"""Websocket close codes the server uses, part of the protocol contract."""

from __future__ import annotations

NORMAL = 1000
"""The client said ``leave`` (without a room) or closed cleanly."""
GOING_AWAY = 1001
"""The server is shutting down; reconnect later and resume."""
POLICY_VIOLATION = 1008
"""Too many messages past the rate limit (a flood)."""
MESSAGE_TOO_BIG = 1009
"""A frame larger than the limit."""
INTERNAL_ERROR = 1011
"""The server failed to answer the ``hello`` (nothing was applied); try again later."""
HANDSHAKE = 4400
"""The first frame was not a valid ``hello`` (or named an unsupported version)."""
BAD_TOKEN = 4401
"""The credential was refused."""
UNKNOWN_ROOM = 4404
"""The ``hello`` names a room that does not exist, failed or expired (the error says which)."""
SLOW_CONSUMER = 4408
"""The client did not read fast enough: its send queue overflowed."""
SEAT_IN_USE = 4409
"""Another live connection holds this seat (or this bot entry)."""

CLOSE_CODES: dict[int, str] = {
    NORMAL: "normal",
    GOING_AWAY: "going away",
    POLICY_VIOLATION: "policy violation",
    MESSAGE_TOO_BIG: "message too big",
    INTERNAL_ERROR: "internal error",
    HANDSHAKE: "handshake failed",
    BAD_TOKEN: "bad token",
    UNKNOWN_ROOM: "unknown room",
    SLOW_CONSUMER: "slow consumer",
    SEAT_IN_USE: "seat in use",
}
