"""The websocket protocol as an AsyncAPI 3.0.0 document (docs/asyncapi.yaml).

:func:`asyncapi_document` describes the one channel, ``/ws``, from the
server's side: it receives every client message and sends every room event and
reply. Payload schemas are :func:`~accord.protocol.contract.schema_definitions`,
the very ones of docs/protocol.schema.json, so the two cannot disagree.
:func:`to_yaml` writes it as block YAML with its own small emitter, so the file
does not change with any YAML library's formatting choices.
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec
import msgspec.inspect as mi

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.codec import MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES
from accord.protocol.commands import CLIENT_MESSAGES, SeatCommand
from accord.protocol.contract import normalise_description, schema_definitions
from accord.protocol.events import EVENTS
from accord.protocol.examples import CLIENT_EXAMPLES, SERVER_EXAMPLES
from accord.protocol.replies import REPLIES

ASYNCAPI_VERSION = "3.0.0"
CHANNEL = "ws"
_SCHEMAS = "#/components/schemas/"

# What answers each client message (besides the room events it may cause); a
# seat command not listed is answered by ``ack`` or ``error``.
_ANSWERS: dict[str, tuple[str, ...]] = {
    "hello": ("welcome", "error"),
    "ping": ("pong", "error"),
    "resume": ("ack", "error"),
    "leave": ("ack", "error"),
}
_SEAT_COMMAND_ANSWERS = ("ack", "error")

# Facts about a message that its docstring, written for the types, leaves out.
_NOTES: dict[str, str] = {
    "leave": "Without `room` the server closes the connection instead of answering.",
    "resume": "The events after `last_seq` come first, then the `ack` (its `seq` is the "
    "last of them).",
    "snapshot": "Not sent on the websocket: `GET /api/rooms/{room}` serves it. It is part "
    "of the server → client union, so clients decode it with the same types.",
}


def _tag(cls: type) -> str:
    return cls.__struct_config__.tag


def _has_ref(cls: type) -> bool:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return any(f.encode_name == "ref" for f in info.fields)


def _summary_and_description(cls: type) -> tuple[str, str | None]:
    """The docstring's first paragraph as the summary; the whole text only if it says more."""

    text = normalise_description(cls.__doc__ or cls.__name__)
    summary = text.split("\n\n", 1)[0]
    note = _NOTES.get(_tag(cls))
    full = text if note is None else f"{text}\n\n{note}"
    return summary, (full if full != summary else None)


def _asyncapi_schema(schema: Any) -> Any:
    """A JSON Schema as an AsyncAPI Schema Object, keys sorted.

    AsyncAPI's ``discriminator`` is a property name of a schema that others
    inherit, not OpenAPI's mapping object msgspec writes for a tagged union; the
    unions drop it (every member's ``type`` enum already tells them apart).
    """

    if isinstance(schema, list):
        return [_asyncapi_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key in sorted(schema):
        if key == "discriminator" and isinstance(schema[key], dict):
            continue
        if key in ("const", "default", "enum", "examples"):
            out[key] = _sorted_keys(schema[key])
        else:
            out[key] = _asyncapi_schema(schema[key])
    return out


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted_keys(v) for v in value]
    return value


def _message(cls: type, examples: dict[str, object]) -> dict[str, Any]:
    tag = _tag(cls)
    summary, description = _summary_and_description(cls)
    message: dict[str, Any] = {"name": tag, "title": cls.__name__, "summary": summary}
    if description is not None:
        message["description"] = description
    message["contentType"] = "application/json"
    if _has_ref(cls):
        message["correlationId"] = {"$ref": "#/components/correlationIds/ref"}
    message["payload"] = {"$ref": _SCHEMAS + cls.__name__}
    example = _sorted_keys(msgspec.to_builtins(examples[tag]))
    message["examples"] = [{"name": tag, "payload": example}]
    return message


def _ref(tag: str) -> dict[str, str]:
    return {"$ref": f"#/channels/{CHANNEL}/messages/{tag}"}


def _operation(action: str, cls: type, answers: tuple[str, ...] = ()) -> dict[str, Any]:
    summary, _ = _summary_and_description(cls)
    operation: dict[str, Any] = {
        "action": action,
        "channel": {"$ref": f"#/channels/{CHANNEL}"},
        "title": cls.__name__,
        "summary": summary,
        "messages": [_ref(_tag(cls))],
    }
    if answers:
        operation["reply"] = {
            "channel": {"$ref": f"#/channels/{CHANNEL}"},
            "messages": [_ref(tag) for tag in answers],
        }
    return operation


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of the websocket protocol, as plain data."""

    seat_commands = set(SeatCommand.__args__)
    client = [(cls, CLIENT_EXAMPLES) for cls in CLIENT_MESSAGES]
    server = [(cls, SERVER_EXAMPLES) for cls in EVENTS + REPLIES]
    messages = {_tag(cls): _message(cls, examples) for cls, examples in client + server}
    operations: dict[str, Any] = {}
    for cls in CLIENT_MESSAGES:
        tag = _tag(cls)
        answers = _ANSWERS.get(tag)
        if answers is None:
            assert cls in seat_commands, f"say what answers {tag!r}"
            answers = _SEAT_COMMAND_ANSWERS
        operations[f"receive_{tag}"] = _operation("receive", cls, answers)
    for cls in EVENTS + REPLIES:
        operations[f"send_{_tag(cls)}"] = _operation("send", cls)
    schemas = schema_definitions(ref_template=_SCHEMAS + "{name}")
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "accord protocol",
            "version": str(PROTOCOL_VERSION),
            "description": (
                "Multilateral talks between software delegations over one websocket. "
                "Every frame is one JSON object with a `type` tag; the payload schemas "
                "are those of protocol.schema.json, and protocol.md explains the rules, "
                "the phases, the error codes and the close codes.\n\n"
                "Operations are the server's: it receives what a client sends and sends "
                "the room events and the replies. A client message may carry a `ref` "
                "that its `ack`, `pong` or `error` echoes."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "accord": {
                "host": "{host}",
                "protocol": "ws",
                "description": "An accord server (`wss` behind TLS).",
                "variables": {
                    "host": {
                        "default": "localhost:8000",
                        "description": "Host and port of the server.",
                    }
                },
            }
        },
        "channels": {
            CHANNEL: {
                "address": "/ws",
                "title": "The accord websocket",
                "description": (
                    "One websocket per client; one JSON object per text frame. The first "
                    f"client frame is `hello`. A client frame is at most {MAX_FRAME_BYTES} "
                    f"bytes, a server frame at most {MAX_SERVER_FRAME_BYTES}."
                ),
                "messages": {tag: {"$ref": f"#/components/messages/{tag}"} for tag in messages},
            }
        },
        "operations": operations,
        "components": {
            "schemas": {name: _asyncapi_schema(schema) for name, schema in schemas.items()},
            "messages": messages,
            "correlationIds": {
                "ref": {
                    "description": (
                        "The client's `ref`, echoed by the `ack`, `pong` or `error` that "
                        "answers its message."
                    ),
                    "location": "$message.payload#/ref",
                }
            },
        },
    }


# --- YAML ------------------------------------------------------------------------

# Strings written bare: one word of safe characters that no YAML 1.1 or 1.2
# reader takes for anything but a string.
_PLAIN = re.compile(r"[A-Za-z_$/][A-Za-z0-9_$./+-]*")
_NOT_PLAIN = frozenset(
    {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~", "nan", "inf"}
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable():
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _literal_ok(text: str) -> bool:
    """Whether a literal block (``|-``) holds ``text`` exactly."""

    lines = text.split("\n")
    return (
        len(lines) > 1
        and lines[0] != ""
        and lines[-1] != ""
        and all(line == line.strip(" ") for line in lines)
        and all(ch.isprintable() for ch in text.replace("\n", ""))
    )


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a JSON number: {value!r}")
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        if "." not in mantissa:  # YAML 1.1 readers need the point to see a float
            mantissa += ".0"
        return mantissa + e + exponent
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _NOT_PLAIN:
            return value
        return _quoted(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be strings, not {type(key).__name__}")
    return _scalar(key)


def _block(value: Any, indent: int) -> list[str]:
    """Lines (already indented) of a non-empty mapping or sequence."""

    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            lines += _entry(f"{pad}{_key(key)}:", item, indent)
    else:
        for item in value:
            if isinstance(item, dict | list | tuple) and item:
                inner = _block(item, indent + 2)
                lines.append(f"{pad}- {inner[0][indent + 2 :]}")
                lines += inner[1:]
            else:
                lines += _entry(f"{pad}-", item, indent)
    return lines


def _entry(head: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, dict | list | tuple):
        if not value:
            return [f"{head} {'{}' if isinstance(value, dict) else '[]'}"]
        return [head, *_block(value, indent + 2)]
    if isinstance(value, str) and _literal_ok(value):
        pad = " " * (indent + 2)
        return [f"{head} |-", *(f"{pad}{line}" if line else "" for line in value.split("\n"))]
    return [f"{head} {_scalar(value)}"]


def to_yaml(value: dict[str, Any]) -> str:
    """``value`` (JSON data, a non-empty mapping) as block-style YAML 1.2 text.

    Keys keep their order; strings are bare only when unambiguous, a literal
    block when they span lines, double-quoted otherwise.
    """

    return "\n".join(_block(value, 0)) + "\n"


def asyncapi_text() -> str:
    """docs/asyncapi.yaml: the document, with a header naming its source."""

    header = (
        "# Generated from the message types in protocol/ by\n"
        "# `accord protocol asyncapi -o docs/asyncapi.yaml`; do not edit by hand.\n"
    )
    return header + to_yaml(asyncapi_document())
