"""Importing scenarios from Genius, GeniusWeb and LLM-Deliberation, and exporting them.

Importers return the scenario as a dict in accord's file format together with
the repairs made to read the input; :func:`import_scenario` adds the rules and
validates the result, :func:`accord.formats.toml_out.dumps` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.formats.common import (
    DEFAULT_RULES,
    ExportError,
    FormatError,
    Imported,
    finish,
    read_overlay,
)
from accord.formats.export import accord_only_features, export_scenario
from accord.formats.genius import import_genius
from accord.formats.geniusweb import import_geniusweb
from accord.formats.llm_deliberation import import_llm_deliberation

IMPORTERS = {
    "genius": import_genius,
    "geniusweb": import_geniusweb,
    "llm-deliberation": import_llm_deliberation,
}


def import_scenario(
    fmt: str,
    paths: list[str | Path],
    *,
    rules: str | Path | dict[str, Any] | None = None,
    decision: str | None = None,
    rounds: int | None = None,
    vetoes: bool | None = None,
) -> Imported:
    """Import ``paths`` in ``fmt``; ``rules`` is an overlay file or its ``[rules]`` table."""

    if fmt not in IMPORTERS:
        raise FormatError("", f"unknown format {fmt!r} (known: {', '.join(IMPORTERS)})")
    overlay = read_overlay(rules) if isinstance(rules, (str, Path)) else rules
    imported = IMPORTERS[fmt](list(paths))
    return finish(imported, overlay=overlay, decision=decision, rounds=rounds, vetoes=vetoes)


__all__ = [
    "DEFAULT_RULES",
    "IMPORTERS",
    "ExportError",
    "FormatError",
    "Imported",
    "accord_only_features",
    "export_scenario",
    "import_scenario",
]
