"""A TOML writer for scenario files (the dependencies hold a TOML reader only).

Scenario files are shallow: top-level keys, tables such as ``[rules]``, arrays
of tables (``[[issues]]``, ``[[delegations]]``) and small maps of numbers
(weights, values) that read best inline.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _string(text: str) -> str:
    # JSON's escapes are valid TOML basic-string escapes; TOML also bars a raw DEL
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(key: str) -> str:
    return key if _BARE.match(key) else _string(key)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no place in a scenario file")
        return repr(value)  # shortest text that reads back as the same float
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(name: str, table: dict[str, Any], out: list[str], depth: int) -> None:
    later: list[tuple[str, Any]] = []
    for key, value in table.items():
        if value is None:
            continue
        # below the first level, maps are written inline: weights and values stay one line
        if (isinstance(value, dict) and depth < 2) or _is_table_array(value):
            later.append((key, value))
        else:
            out.append(f"{_key(key)} = {_scalar(value)}")
    for key, value in later:
        path = f"{name}.{_key(key)}" if name else _key(key)
        if isinstance(value, dict):
            out.append(f"\n[{path}]")
            _table(path, value, out, depth + 1)
        else:
            for item in value:
                out.append(f"\n[[{path}]]")
                _table(path, item, out, depth + 1)


def dumps(data: dict[str, Any]) -> str:
    """``data`` (a scenario in file form) as TOML text."""

    out: list[str] = []
    _table("", data, out, 0)
    return "\n".join(out).lstrip("\n") + "\n"
