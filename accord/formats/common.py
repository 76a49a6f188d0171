"""What every importer and exporter shares: the error, the result, ids, rules."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.protocol.scenario import scenario_from_dict
from accord.protocol.scenario.limits import MAX_ID_LENGTH

WEIGHT_TOLERANCE = 1e-6
"""How far from 1 accord lets a brief's weights sum (the loader's own tolerance)."""


class FormatError(ValueError):
    """Input in a foreign format that cannot be imported; names the file and the field."""

    def __init__(self, file: str | Path, problem: str) -> None:
        self.file = Path(file).name if file else "<input>"
        self.problem = problem
        super().__init__(f"{self.file}: {problem}")


class ExportError(ValueError):
    """A scenario that the target format cannot express; names the feature."""


@dataclass
class Imported:
    """An imported scenario (a dict in accord's file format) and the repairs made to read it."""

    scenario: dict[str, Any]
    repairs: list[str] = field(default_factory=list)


# Genius and GeniusWeb play every party against all others until all accept, so
# unanimity is the nearest accord rule; vetoes stay off because no seat holds one.
DEFAULT_RULES: dict[str, Any] = {"decision": "unanimity", "max_rounds": 10, "vetoes": False}


def slug(name: str, taken: set[str], fallback: str) -> str:
    """A short lowercase id for ``name``, unique among ``taken`` (which it joins)."""

    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[: MAX_ID_LENGTH - 4] or fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def read_overlay(path: str | Path) -> dict[str, Any]:
    """The ``[rules]`` table of a TOML overlay file (the only table it may hold)."""

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(path, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})") from None
    extra = sorted(set(data) - {"rules"})
    if extra:
        raise FormatError(path, f"an overlay holds only a [rules] table, not {', '.join(extra)}")
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise FormatError(path, "'rules' must be a table")
    return rules


def finish(
    imported: Imported,
    *,
    overlay: dict[str, Any] | None = None,
    decision: str | None = None,
    rounds: int | None = None,
    vetoes: bool | None = None,
) -> Imported:
    """Merge the rules (format defaults < overlay < flags) and validate the result."""

    rules = {**DEFAULT_RULES, **imported.scenario.get("rules", {}), **(overlay or {})}
    if decision is not None:
        rules["decision"] = decision
    if rounds is not None:
        rules["max_rounds"] = rounds
    if vetoes is not None:
        rules["vetoes"] = vetoes
    imported.scenario["rules"] = rules
    # the loader's ScenarioError names the field if the merged rules are wrong
    scenario_from_dict(imported.scenario, file=f"<imported {imported.scenario['id']}>")
    return imported
