"""The wire codec: typed messages in and out, and typed errors for everything else.

``decode_client`` and ``decode_server`` must never raise: any frame that is
not a valid message of their direction becomes a
:class:`~accord.protocol.errors.ProtocolError` value with a stable code.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.protocol import codec, commands, events, replies
from accord.protocol.codec import (
    CLIENT_TAGS,
    MAX_FRAME_BYTES,
    SERVER_TAGS,
    canonical,
    decode_client,
    decode_server,
    encode,
    error_message,
    ref_of,
)
from accord.protocol.commands import CastVote, Ping, Say
from accord.protocol.errors import (
    AccordError,
    BadJson,
    FrameTooLarge,
    InvalidMessage,
    ProtocolError,
    UnknownType,
    WrongPhase,
)
from accord.protocol.examples import CLIENT_EXAMPLES, SERVER_EXAMPLES
from accord.protocol.replies import Error


def tag_of(message: object) -> str:
    cls = message if isinstance(message, type) else type(message)
    return cls.__struct_config__.tag  # type: ignore[attr-defined]


def as_json(value: Any) -> str:
    return json.dumps(value)


# --- examples ------------------------------------------------------------------------


def test_every_client_type_has_an_example() -> None:
    assert set(CLIENT_EXAMPLES) == set(CLIENT_TAGS)
    assert {tag_of(m) for m in commands.CLIENT_MESSAGES} == set(CLIENT_TAGS)


def test_every_server_type_has_an_example() -> None:
    assert set(SERVER_EXAMPLES) == set(SERVER_TAGS)
    assert {tag_of(m) for m in events.EVENTS + replies.REPLIES} == set(SERVER_TAGS)


def test_client_and_server_tags_do_not_overlap() -> None:
    assert not CLIENT_TAGS & SERVER_TAGS


@pytest.mark.parametrize(("tag", "example"), sorted(CLIENT_EXAMPLES.items()))
def test_client_example_round_trips(tag: str, example: object) -> None:
    assert tag_of(example) == tag
    frame = encode(example)
    assert json.loads(frame)["type"] == tag
    assert decode_client(frame) == example
    assert decode_client(frame.decode()) == example
    assert decode_client(canonical(example)) == example


@pytest.mark.parametrize(("tag", "example"), sorted(SERVER_EXAMPLES.items()))
def test_server_example_round_trips(tag: str, example: object) -> None:
    assert tag_of(example) == tag
    frame = encode(example)
    assert json.loads(frame)["type"] == tag
    assert decode_server(frame) == example
    assert decode_server(frame.decode()) == example
    assert decode_server(canonical(example)) == example


@pytest.mark.parametrize(("tag", "example"), sorted(SERVER_EXAMPLES.items()))
def test_server_message_sent_to_decode_client_is_unknown_type(tag: str, example: object) -> None:
    error = decode_client(encode(example))
    assert type(error) is UnknownType
    assert error.code == "unknown_type"
    assert repr(tag) in error.message


@pytest.mark.parametrize(("tag", "example"), sorted(CLIENT_EXAMPLES.items()))
def test_client_message_sent_to_decode_server_is_unknown_type(tag: str, example: object) -> None:
    error = decode_server(encode(example))
    assert type(error) is UnknownType
    assert repr(tag) in error.message


def test_event_examples_decode_as_stored_events() -> None:
    for tag, example in SERVER_EXAMPLES.items():
        if isinstance(example, events.EVENTS):
            assert codec.decode_event(encode(example)) == example, tag


def test_client_messages_omit_defaults() -> None:
    assert encode(Ping()) == b'{"type":"ping"}'
    assert json.loads(encode(Ping(ref="k"))) == {"type": "ping", "ref": "k"}


# --- malformed input -----------------------------------------------------------------


def expect(result: object, cls: type[ProtocolError], code: str) -> ProtocolError:
    assert type(result) is cls, result
    assert isinstance(result, ProtocolError)
    assert result.code == code
    assert result.message
    return result


@pytest.mark.parametrize(
    "frame",
    ["", "   ", "{", '{"type": "ping"', "ping", "{'type': 'ping'}", b"\xff\xfe\x00", "[1,]"],
)
@pytest.mark.parametrize("decode", [decode_client, decode_server])
def test_not_json(decode: Any, frame: str | bytes) -> None:
    error = expect(decode(frame), BadJson, "bad_json")
    assert "JSON" in error.message


@pytest.mark.parametrize("frame", ["[1, 2]", '"ping"', "42", "null", "true", '[{"type": "ping"}]'])
@pytest.mark.parametrize("decode", [decode_client, decode_server])
def test_json_that_is_not_an_object(decode: Any, frame: str) -> None:
    error = expect(decode(frame), InvalidMessage, "invalid_message")
    assert "object" in error.message


@pytest.mark.parametrize("frame", ["{}", '{"ref": "r1"}', '{"type": null}', '{"type": 3}'])
@pytest.mark.parametrize("decode", [decode_client, decode_server])
def test_missing_or_non_string_type(decode: Any, frame: str) -> None:
    error = expect(decode(frame), InvalidMessage, "invalid_message")
    assert "`type`" in error.message


@pytest.mark.parametrize("kind", ["dance", "PING", "", "Vote", " vote"])
def test_unknown_type(kind: str) -> None:
    error = expect(decode_client(as_json({"type": kind})), UnknownType, "unknown_type")
    assert repr(kind) in error.message
    expect(decode_server(as_json({"type": kind, "room": "r"})), UnknownType, "unknown_type")


@pytest.mark.parametrize(
    ("frame", "path", "expected"),
    [
        ({"type": "vote", "package_id": 5, "vote": "yes"}, "$.package_id", "str"),
        ({"type": "hello", "version": "1"}, "$.version", "int"),
        ({"type": "propose", "package": ["cut", "40"]}, "$.package", "object"),
        ({"type": "statement", "text": "hi", "to": "south"}, "$.to", "array"),
        ({"type": "statement", "text": "hi", "to": ["south", 7]}, "$.to[1]", "str"),
        ({"type": "resume", "last_seq": 1.5}, "$.last_seq", "int"),
        ({"type": "ping", "ref": 12}, "$.ref", "str"),
    ],
)
def test_wrong_field_type(frame: dict[str, Any], path: str, expected: str) -> None:
    error = expect(decode_client(as_json(frame)), InvalidMessage, "invalid_message")
    assert path in error.message
    assert f"Expected `{expected}" in error.message
    assert repr(frame["type"]) in error.message


def test_wrong_type_inside_a_package_names_the_package() -> None:
    error = expect(
        decode_client(as_json({"type": "propose", "package": {"cut": 40}})),
        InvalidMessage,
        "invalid_message",
    )
    assert "$.package" in error.message


def test_wrong_field_type_in_a_server_message() -> None:
    frame = as_json({"type": "seat_taken", "room": "r", "seq": "one", "at": 1.0, "seat": "n"})
    error = expect(decode_server(frame), InvalidMessage, "invalid_message")
    assert "$.seq" in error.message


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "vote", "package_id": "P1"}, "vote"),
        ({"type": "vote", "vote": "yes"}, "package_id"),
        ({"type": "hello"}, "version"),
        ({"type": "propose"}, "package"),
        ({"type": "challenge", "ref": "c"}, "target"),
        ({"type": "action"}, "choice"),
    ],
)
def test_missing_required_field(frame: dict[str, Any], field: str) -> None:
    error = expect(decode_client(as_json(frame)), InvalidMessage, "invalid_message")
    assert "missing required field" in error.message
    assert f"`{field}`" in error.message


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "ping", "extra": 1},
        {"type": "vote", "package_id": "P1", "vote": "yes", "weight": 9},
        {"type": "pass", "seat": "north", "Seat": "south"},
    ],
)
def test_unknown_extra_field(frame: dict[str, Any]) -> None:
    extra = [k for k in frame if k not in {"type", "package_id", "vote", "seat"}][0]
    error = expect(decode_client(as_json(frame)), InvalidMessage, "invalid_message")
    assert f"unknown field `{extra}`" in error.message


@pytest.mark.parametrize("vote", ["maybe", "YES", "veto", "", None, 1, True])
def test_vote_outside_yes_no_abstain(vote: object) -> None:
    frame = as_json({"type": "vote", "package_id": "P1", "vote": vote})
    error = expect(decode_client(frame), InvalidMessage, "invalid_message")
    assert "$.vote" in error.message


@pytest.mark.parametrize("vote", ["yes", "no", "abstain"])
def test_every_valid_vote_decodes(vote: str) -> None:
    frame = as_json({"type": "vote", "package_id": "P1", "vote": vote, "ref": "r"})
    assert decode_client(frame) == CastVote(package_id="P1", vote=vote, ref="r")  # type: ignore[arg-type]


def test_choice_outside_comply_defect() -> None:
    frame = as_json({"type": "action", "choice": "cheat"})
    error = expect(decode_client(frame), InvalidMessage, "invalid_message")
    assert "$.choice" in error.message


# --- frame size ----------------------------------------------------------------------


def say_frame(size: int) -> bytes:
    """A valid ``statement`` frame of exactly ``size`` bytes."""

    empty = encode(Say(text=""))
    frame = encode(Say(text="a" * (size - len(empty))))
    assert len(frame) == size
    return frame


def test_frame_at_the_limit_is_accepted() -> None:
    frame = say_frame(MAX_FRAME_BYTES)
    assert isinstance(decode_client(frame), Say)
    assert isinstance(decode_client(frame.decode()), Say)


def test_oversize_frame_is_rejected_even_if_valid_json() -> None:
    frame = say_frame(MAX_FRAME_BYTES + 1)
    error = expect(decode_client(frame), FrameTooLarge, "frame_too_large")
    assert str(MAX_FRAME_BYTES) in error.message
    expect(decode_client(frame.decode()), FrameTooLarge, "frame_too_large")


def test_oversize_garbage_is_frame_too_large_not_bad_json() -> None:
    expect(decode_client(b"\xff" * (MAX_FRAME_BYTES + 10)), FrameTooLarge, "frame_too_large")


def test_custom_limit() -> None:
    frame = encode(Ping(ref="x" * 100))
    expect(decode_client(frame, limit=50), FrameTooLarge, "frame_too_large")
    assert isinstance(decode_client(frame, limit=len(frame)), Ping)


def test_server_frames_have_a_larger_limit() -> None:
    frame = as_json(
        {
            "type": "statement_made",
            "room": "r",
            "seq": 1,
            "at": 0.0,
            "seat": "n",
            "text": "a" * 70000,
        }
    )
    assert len(frame) > MAX_FRAME_BYTES
    assert isinstance(decode_server(frame), events.StatementMade)
    expect(decode_server(frame, limit=MAX_FRAME_BYTES), FrameTooLarge, "frame_too_large")


def test_text_frame_limit_counts_utf8_bytes() -> None:
    frame = as_json({"type": "statement", "text": "\u20ac" * 30000}).replace("\\u20ac", "\u20ac")
    assert len(frame) < MAX_FRAME_BYTES < len(frame.encode("utf-8"))
    expect(decode_client(frame.encode("utf-8")), FrameTooLarge, "frame_too_large")
    expect(decode_client(frame), FrameTooLarge, "frame_too_large")


# --- never raises: pathological input ------------------------------------------------


def test_lone_surrogate_in_text_frame_is_an_error_value() -> None:
    result = decode_client('{"type": "ping", "ref": "\udcff"}')
    assert isinstance(result, ProtocolError)


DEEP = 10_000


@pytest.mark.parametrize("decode", [decode_client, decode_server])
@pytest.mark.parametrize(
    "frame",
    ["[" * DEEP, '{"type": "propose", "package": {"cut": ' + "[" * DEEP + "}}"],
    ids=["bare", "in-a-field"],
)
def test_deeply_nested_frame_is_an_error_value(decode: Any, frame: str) -> None:
    assert len(frame) < MAX_FRAME_BYTES
    assert isinstance(decode(frame), ProtocolError)


# --- ref_of and error_message ----------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "ref"),
    [
        ('{"type": "vote", "ref": "r1", "vote": "maybe"}', "r1"),
        ('{"type": "dance", "ref": "r2"}', "r2"),
        ('{"ref": "r3"}', "r3"),
        (b'{"type": "ping", "ref": "r4", "extra": true}', "r4"),
        ('{"type": "ping", "ref": ""}', ""),
    ],
)
def test_ref_of_recovers_the_ref(frame: str | bytes, ref: str) -> None:
    assert ref_of(frame) == ref


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "{",
        b"\xff\xfe",
        '{"ref": "r1"',
        "[1, 2]",
        '"r1"',
        '{"ref": 5}',
        '{"ref": null}',
        '{"ref": ["r1"]}',
        '{"type": "ping"}',
        "[" * DEEP,
    ],
)
def test_ref_of_garbage_is_none(frame: str | bytes) -> None:
    assert ref_of(frame) is None


def test_ref_of_echoes_no_overlong_ref() -> None:
    assert ref_of(as_json({"ref": "x" * 1000})) is None
    assert ref_of(as_json({"ref": "x" * 128})) == "x" * 128


def test_a_ref_longer_than_the_limit_is_refused() -> None:
    refused = decode_client(as_json({"type": "pass", "ref": "x" * 129}))
    assert isinstance(refused, InvalidMessage) and "$.ref" in refused.message


@pytest.mark.parametrize(
    "error",
    [
        BadJson("not valid JSON: nope"),
        UnknownType("unknown message type 'dance'"),
        InvalidMessage("invalid 'vote' message"),
        FrameTooLarge("too big"),
        WrongPhase("not allowed in phase 'ballot'"),
        AccordError("something"),
    ],
)
def test_error_message(error: AccordError) -> None:
    message = error_message(error, ref="r7")
    assert message == Error(code=error.code, message=error.message, ref="r7", room=None)
    assert error_message(error).ref is None
    assert error_message(error, ref="r7", room="room-1").room == "room-1"
    assert decode_server(encode(message)) == message


def test_error_message_for_a_decoded_failure_echoes_the_ref() -> None:
    frame = '{"type": "vote", "package_id": "P1", "vote": "maybe", "ref": "v9"}'
    error = decode_client(frame)
    assert isinstance(error, ProtocolError)
    message = error_message(error, ref=ref_of(frame))
    assert (message.code, message.ref) == ("invalid_message", "v9")
    assert message.message == error.message


# --- canonical -------------------------------------------------------------------------


def test_canonical_sorts_keys() -> None:
    one = {"b": 1, "a": {"d": [1, {"z": 0, "y": 1}], "c": 2}}
    two = {"a": {"c": 2, "d": [1, {"y": 1, "z": 0}]}, "b": 1}
    assert list(one) != list(two)
    assert canonical(one) == canonical(two)
    assert canonical(one) == b'{"a":{"c":2,"d":[1,{"y":1,"z":0}]},"b":1}'


def test_canonical_sorts_struct_fields() -> None:
    def keys_sorted(value: Any) -> bool:
        if isinstance(value, dict):
            return list(value) == sorted(value) and all(keys_sorted(v) for v in value.values())
        if isinstance(value, list):
            return all(keys_sorted(v) for v in value)
        return True

    for example in [*CLIENT_EXAMPLES.values(), *SERVER_EXAMPLES.values()]:
        assert keys_sorted(json.loads(canonical(example)))
        assert json.loads(canonical(example)) == json.loads(encode(example))


def test_canonical_is_compact_and_stable() -> None:
    example = SERVER_EXAMPLES["ballot_result"]
    assert canonical(example) == canonical(decode_server(encode(example)))
    assert b" " not in canonical({"a": 1, "b": [1, 2]})


# --- struct configuration ------------------------------------------------------------


def reachable_structs() -> list[type]:
    """Every struct class reachable from the client and server message unions."""

    found: dict[type, None] = {}

    def walk(info: msgspec.inspect.Type) -> None:
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in found:
                return
            found[info.cls] = None
            for field in info.fields:
                walk(field.type)
        elif isinstance(info, msgspec.inspect.UnionType):
            for member in info.types:
                walk(member)
        elif isinstance(info, msgspec.inspect.Metadata):
            walk(info.type)
        elif isinstance(info, msgspec.inspect.DictType):
            walk(info.key_type)
            walk(info.value_type)
        elif isinstance(
            info,
            msgspec.inspect.ListType | msgspec.inspect.VarTupleType | msgspec.inspect.SetType,
        ):
            walk(info.item_type)
        elif isinstance(info, msgspec.inspect.TupleType):
            for member in info.item_types:
                walk(member)

    for info in msgspec.inspect.multi_type_info([commands.ClientMessage, codec.ServerMessage]):
        walk(info)
    return list(found)


STRUCTS = reachable_structs()


def test_every_message_class_is_reachable() -> None:
    for cls in commands.CLIENT_MESSAGES + codec.SERVER_MESSAGES:
        assert cls in STRUCTS
    assert len(STRUCTS) > len(commands.CLIENT_MESSAGES + codec.SERVER_MESSAGES)


@pytest.mark.parametrize("cls", STRUCTS, ids=lambda c: c.__name__)
def test_struct_is_frozen_strict_and_documented(cls: type) -> None:
    config = cls.__struct_config__  # type: ignore[attr-defined]
    assert config.frozen, f"{cls.__name__} is not frozen"
    assert config.forbid_unknown_fields, f"{cls.__name__} allows unknown fields"
    assert cls.__doc__ and cls.__doc__.strip(), f"{cls.__name__} has no docstring"


@pytest.mark.parametrize("cls", commands.CLIENT_MESSAGES + codec.SERVER_MESSAGES)
def test_message_class_is_tagged_by_type(cls: type) -> None:
    config = cls.__struct_config__  # type: ignore[attr-defined]
    assert config.tag_field == "type"
    assert isinstance(config.tag, str) and config.tag


def test_examples_are_immutable() -> None:
    example = CLIENT_EXAMPLES["vote"]
    with pytest.raises(AttributeError):
        example.vote = "no"  # type: ignore[attr-defined]


# --- property: never raises ------------------------------------------------------------

ALL_TAGS = sorted(CLIENT_TAGS | SERVER_TAGS)
FIELD_NAMES = sorted(
    {name for cls in STRUCTS for name in cls.__struct_fields__}  # type: ignore[attr-defined]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["yes", "no", "abstain", "comply", "defect", "tabling", "P1", "north"])
)
keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=10)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
tagged = st.builds(
    lambda tag, fields: {**fields, "type": tag},
    st.sampled_from(ALL_TAGS),
    st.dictionaries(keys, json_values, max_size=8),
)


def check_never_raises(frame: str | bytes) -> None:
    for decode in (decode_client, decode_server):
        result = decode(frame)
        messages = commands.CLIENT_MESSAGES if decode is decode_client else codec.SERVER_MESSAGES
        assert isinstance(result, (ProtocolError, *messages)), result
        if isinstance(result, ProtocolError):
            assert result.code in {"bad_json", "unknown_type", "invalid_message", "frame_too_large"}
        else:
            assert decode(encode(result)) == result
    ref = ref_of(frame)
    assert ref is None or isinstance(ref, str)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(frame: bytes) -> None:
    check_never_raises(frame)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(frame: str) -> None:
    check_never_raises(frame)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    frame = json.dumps(value)
    check_never_raises(frame)
    check_never_raises(frame.encode())


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(tagged)
def test_arbitrary_tagged_objects_never_raise(value: dict[str, Any]) -> None:
    check_never_raises(json.dumps(value))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CLIENT_EXAMPLES)), st.data())
def test_mutated_examples_never_raise(tag: str, data: st.DataObject) -> None:
    raw = json.loads(encode(CLIENT_EXAMPLES[tag]))
    field = data.draw(st.sampled_from(sorted(raw)))
    raw[field] = data.draw(json_values)
    check_never_raises(json.dumps(raw))


@pytest.mark.parametrize(
    "frame",
    [b'"\x80"', b'{"type": "ping", "ref": "\xff"}', b'{"type": "\xc3"}', b'["\xed\xa0\x80"]'],
)
def test_invalid_utf8_in_a_string_is_bad_json(frame: bytes) -> None:
    for decode in (decode_client, decode_server):
        result = decode(frame)
        assert isinstance(result, BadJson), (frame, result)
        assert "UTF-8" in result.message
