"""The edge: bytes in, typed messages out (and back).

Decoders are built once. :func:`decode_client` and :func:`decode_server`
never raise: any malformed input becomes a typed
:class:`~accord.protocol.errors.ProtocolError` value. :func:`error_message` is the
one place where an :class:`~accord.protocol.errors.AccordError` becomes a wire
``error``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from accord.protocol.commands import CLIENT_MESSAGES, MAX_REF, ClientMessage
from accord.protocol.errors import (
    AccordError,
    BadJson,
    FrameTooLarge,
    InvalidMessage,
    ProtocolError,
    UnknownType,
)
from accord.protocol.events import EVENTS, Event
from accord.protocol.jcs import canonical_json
from accord.protocol.replies import REPLIES, Ack, Assignment, Error, Pong, Snapshot, Welcome

MAX_FRAME_BYTES = 64 * 1024
"""Client frames larger than this are rejected before decoding."""

MAX_SERVER_FRAME_BYTES = 1024 * 1024
"""No server frame is larger: a server refuses to open a room whose scenario would need one."""

ServerMessage = Event | Welcome | Snapshot | Ack | Pong | Assignment | Error
"""Every message the server may send: room events and session replies."""

SERVER_MESSAGES: tuple[type, ...] = EVENTS + REPLIES


def _tags(types: tuple[type, ...]) -> frozenset[str]:
    return frozenset(t.__struct_config__.tag for t in types)


CLIENT_TAGS = _tags(CLIENT_MESSAGES)
SERVER_TAGS = _tags(SERVER_MESSAGES)

_client_decoder = msgspec.json.Decoder(ClientMessage)
_server_decoder = msgspec.json.Decoder(ServerMessage)
_event_decoder = msgspec.json.Decoder(Event)
_any_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def encode(message: Any) -> bytes:
    """Encode any protocol value as compact JSON."""

    return _encoder.encode(message)


def canonical(message: Any) -> bytes:
    """The canonical encoding (RFC 8785, :mod:`accord.protocol.jcs`) of any protocol value."""

    return canonical_json(msgspec.to_builtins(message))


_NOT_UTF8 = "not valid JSON: a string is not valid UTF-8"


def _classify(data: bytes | str, exc: Exception, tags: frozenset[str]) -> ProtocolError:
    """Turn a failed typed decode into the most precise protocol error."""

    try:
        raw = _any_decoder.decode(data)
    except msgspec.DecodeError as bad:
        return BadJson(f"not valid JSON: {bad}")
    except UnicodeDecodeError:
        return BadJson(_NOT_UTF8)
    except RecursionError:
        return InvalidMessage("the frame is nested too deeply")
    if not isinstance(raw, dict):
        return InvalidMessage("a message must be a JSON object with a `type` field")
    kind = raw.get("type")
    if not isinstance(kind, str):
        return InvalidMessage("a message needs a string `type` field")
    if kind not in tags:
        return UnknownType(f"unknown message type {kind!r}")
    return InvalidMessage(f"invalid {kind!r} message: {exc}")


def _decode(
    decoder: msgspec.json.Decoder, data: bytes | str, tags: frozenset[str], limit: int
) -> Any:
    # text frames are measured in UTF-8 bytes, as they travel
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limit:
        return FrameTooLarge(f"frame of {size} bytes exceeds the limit of {limit}")
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return _classify(data, exc, tags)
    except UnicodeDecodeError:
        return BadJson(_NOT_UTF8)
    except Exception as exc:  # e.g. recursion depth in pathological input
        return InvalidMessage(f"undecodable frame: {type(exc).__name__}")


def decode_client(
    data: bytes | str, *, limit: int = MAX_FRAME_BYTES
) -> ClientMessage | ProtocolError:
    """Decode one client frame into a typed message, or return the typed error."""

    return _decode(_client_decoder, data, CLIENT_TAGS, limit)


def decode_server(
    data: bytes | str, *, limit: int = MAX_SERVER_FRAME_BYTES
) -> ServerMessage | ProtocolError:
    """Decode one server frame (for clients and tests), or return the typed error."""

    return _decode(_server_decoder, data, SERVER_TAGS, limit)


def decode_event(data: bytes | str) -> Event:
    """Decode one stored event; raises ``msgspec.ValidationError`` on corrupt storage."""

    return _event_decoder.decode(data)


def ref_of(data: bytes | str) -> str | None:
    """Best-effort ``ref`` of a frame that failed to decode, to echo in the error
    (none when it is not a string of at most :data:`~accord.protocol.commands.MAX_REF`
    characters: a cut ref would match nothing the client sent)."""

    try:
        raw = _any_decoder.decode(data)
    except Exception:  # garbage or pathological nesting: no ref to echo
        return None
    if isinstance(raw, dict):
        ref = raw.get("ref")
        if isinstance(ref, str) and len(ref) <= MAX_REF:
            return ref
    return None


def error_message(error: AccordError, *, ref: str | None = None, room: str | None = None) -> Error:
    """The one place an accord error becomes a wire ``error`` message."""

    return Error(code=error.code, message=error.message, ref=ref, room=room)
