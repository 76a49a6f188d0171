"""The JSON Canonicalization Scheme (RFC 8785): one exact byte string per JSON value.

The hash chain hashes this form, so any language can recompute it: in
JavaScript, ``JSON.stringify`` of a value whose object keys are sorted
produces exactly these bytes (RFC 8785 is built on ECMAScript's number and
string serialisation). The rules:

- objects: members sorted by their keys compared as UTF-16 code units, no
  whitespace; arrays in order; ``true``, ``false``, ``null``;
- strings: UTF-8; only ``"``, ``\\`` and the control characters U+0000–U+001F
  are escaped, as ``\\b \\t \\n \\f \\r`` where those exist and ``\\u00xx``
  (lower-case hex) otherwise;
- numbers: ECMAScript's ``Number.prototype.toString``: the shortest digits
  that read back as the same double, ``1`` not ``1.0``, ``1e+21`` from 10²¹
  and ``1e-7`` below 10⁻⁶; ``-0`` is ``0``. Non-finite numbers, and integers
  beyond ±(2⁵³ − 1) (which a double cannot hold exactly), are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

import msgspec

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer every JSON reader holds exactly (JavaScript's ``Number.MAX_SAFE_INTEGER``)."""


class NotCanonical(ValueError):
    """A value that has no canonical JSON form (non-finite or unsafe number, lone surrogate...)."""


_sorted = msgspec.json.Encoder(order="sorted")
_ASTRAL = re.compile(rb"[\xf0-\xf4]")


def plain_float(x: float) -> bool:
    """Whether msgspec prints ``x`` exactly as RFC 8785 does: finite, not integral,
    and between 10⁻⁴ and 10¹⁶ in magnitude (no exponent either way)."""

    return type(x) is float and 1e-4 <= abs(x) < 1e16 and not x.is_integer()


encode_sorted: Callable[[Any], bytes] = _sorted.encode
"""msgspec's compact JSON with keys sorted. It escapes every string as RFC 8785
does (checked over every BMP code point), so it *is* the RFC 8785 form when
every float in the value is :func:`plain_float`, every integer is within
±(2⁵³ − 1) and no object key leaves the BMP (where code-point order and
UTF-16 order differ). (The encoder's own method: no call in between.)"""


class _Exact(Exception):
    """The value needs the exact encoder."""


def _as_plain(value: Any) -> Any:
    """``value`` with integral floats as integers, if msgspec then prints it canonically."""

    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is float:
        if 1e-4 <= abs(value) < 1e16 and not value.is_integer():
            return value
        if value.is_integer() and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return int(value)  # also -0.0 → 0
        raise _Exact  # an exponent, an unsafe integral float, NaN or an infinity
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _Exact
    if kind is dict:
        out = {}
        for key, member in value.items():
            if type(key) is not str:
                raise _Exact
            out[key] = _as_plain(member)
        return out
    if kind is list or kind is tuple:
        return [_as_plain(member) for member in value]
    raise _Exact


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``: JSON-like builtins or msgspec structs.

    Refuses non-finite numbers, integers beyond ±(2⁵³ − 1) and invalid Unicode
    with :class:`NotCanonical`. Most values go through msgspec's encoder
    (:func:`encode_sorted`) once integral floats are integers; the rest through
    an exact encoder written after the RFC.
    """

    if not isinstance(value, (dict, list, tuple, str, int, float, type(None))):
        value = msgspec.to_builtins(value)
    try:
        plain = _as_plain(value)
    except (_Exact, RecursionError):
        pass
    else:
        try:
            data = _sorted.encode(plain)
        except (UnicodeEncodeError, TypeError, ValueError):
            data = None  # invalid Unicode or an odd key: the exact path says what
        if data is not None and (data.isascii() or _ASTRAL.search(data) is None):
            return data
    try:
        return _text(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonical(f"a string is not valid Unicode: {exc.reason}") from None


def number(x: float) -> str:
    """``x`` as ECMAScript prints it (RFC 8785 section 3.2.2.3)."""

    if not math.isfinite(x):
        raise NotCanonical(f"{x!r} has no JSON form")
    if x.is_integer() and -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER:
        return str(int(x))  # also turns -0 into 0
    text = repr(x)  # the shortest digits that read back as x, as ECMAScript requires
    if "e" not in text and not text.endswith(".0"):
        return text  # 1e-4 <= |x| < 1e16, not integral: Python and ECMAScript agree
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    # value = 0.<digits> × 10^n, in the terms of ECMA-262 Number::toString
    n = len(whole) + (int(exponent) if exponent else 0) - (len(all_digits) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        body = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + ("+" if e > 0 else "-")
        body += str(abs(e))
    return sign + body


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _text(value: Any) -> str:
    # exact types first: they are nearly all of what the chain sees
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        keys = list(value)
        for key in keys:
            if type(key) is not str:
                raise NotCanonical(f"object keys must be strings, not {type(key).__name__}")
        # code-point order equals UTF-16 order unless a key leaves the BMP
        keys.sort(key=None if "".join(keys).isascii() else _utf16)
        return "{" + ",".join([_member(k) + _text(value[k]) for k in keys]) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join([_text(member) for member in value]) + "]"
    if kind is float:
        return number(value)
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise NotCanonical(f"integer {value} is beyond ±(2**53 - 1)")
        return str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _text(str(value))
    if isinstance(value, int):
        return _text(int(value))
    if isinstance(value, float):
        return _text(float(value))
    if isinstance(value, dict):
        return _text(dict(value))
    raise NotCanonical(f"{type(value).__name__} has no JSON form")


_string: Callable[[str], str] = encode_basestring
_members: dict[str, str] = {}


def _member(key: str) -> str:
    """``"key":``, remembered for the few hundred keys that recur (field names, seats, issues)."""

    text = _members.get(key)
    if text is None:
        text = _string(key) + ":"
        if len(_members) < 4096:
            _members[key] = text
    return text
