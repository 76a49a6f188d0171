"""RFC 8785 canonical JSON: exact answers, refusals, and the msgspec fast path proven equal."""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess

import msgspec
import pytest

from accord.protocol.jcs import NotCanonical, _text, canonical_json, encode_sorted, number

KNOWN = [  # value → what ECMAScript's Number.prototype.toString prints
    (1.0, "1"),
    (-0.0, "0"),
    (0.5, "0.5"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1.5e20, "150000000000000000000"),
    (1e-7, "1e-7"),
    (1e-6, "0.000001"),
    (1.2345e-5, "0.000012345"),
    (0.1 + 0.2, "0.30000000000000004"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (123456789012345680000.0, "123456789012345680000"),
    (2.0**53, "9007199254740992"),
    (1e16, "10000000000000000"),
    (4.35, "4.35"),
    (-123.456, "-123.456"),
]


@pytest.mark.parametrize(("value", "text"), KNOWN)
def test_numbers_print_as_ecmascript_does(value: float, text: str) -> None:
    assert number(value) == text
    assert canonical_json([value]) == f"[{text}]".encode()


def test_objects_sort_by_utf16_code_units() -> None:
    value = {"b": 1, "a": 2, "\U0001f600": 3, "\ufb33": 4, "": 5}
    # U+1F600 is a surrogate pair (D83D DE00), which sorts before U+FB33 in UTF-16
    assert canonical_json(value) == '{"":5,"a":2,"b":1,"\U0001f600":3,"\ufb33":4}'.encode()


def test_strings_escape_only_what_the_rfc_escapes() -> None:
    assert canonical_json('"\\/\b\f\n\r\t\x00\x1f\x7f é\u2028') == (
        b'"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f \xc3\xa9\xe2\x80\xa8"'
    )


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 2**53, -(2**53), "\ud800", {1: "x"}, object()]
)
def test_what_has_no_canonical_form_is_refused(value: object) -> None:
    with pytest.raises(NotCanonical):
        canonical_json([value])


def test_msgspec_escapes_every_bmp_character_as_the_exact_writer_does() -> None:
    """The fast path relies on it (protocol/jcs.py)."""

    different = [
        cp
        for cp in [*range(0xD800), *range(0xE000, 0x10000), 0x10000, 0x1F600, 0x10FFFF]
        if encode_sorted("a" + chr(cp) + "b").decode() != _text("a" + chr(cp) + "b")
    ]
    assert different == []


def _doubles(rng: random.Random, n: int) -> list[float]:
    out = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(n)]
    out += [rng.randint(-(10**9), 10**9) / rng.choice([1, 3, 7, 10, 1000]) for _ in range(n)]
    out += [rng.random() * 10 ** rng.randint(-8, 22) for _ in range(n)]
    return [x for x in out if math.isfinite(x)]


def test_the_fast_path_equals_the_exact_writer() -> None:
    rng = random.Random(8785)
    for x in _doubles(rng, 5000):
        for value in ([x], {"a": x, "h": "4e5", "s": ":3.0,"}, {"n": [x, 1.0, -0.0]}):
            assert canonical_json(value) == _text(value).encode(), value


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_javascript_prints_every_number_the_same() -> None:
    """An independent writer: JSON.stringify in Node.js."""

    values = _doubles(random.Random(2026), 3000) + [v for v, _ in KNOWN]
    done = subprocess.run(
        [
            "node",
            "-e",
            "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
            "process.stdout.write(JSON.stringify(v.map((x) => JSON.stringify(x))))",
        ],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == [number(v) for v in values]


def test_structs_encode_like_their_builtins() -> None:
    class Point(msgspec.Struct):
        y: float
        x: float

    assert canonical_json(Point(y=2.0, x=0.5)) == b'{"x":0.5,"y":2}'
