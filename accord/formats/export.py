"""Writing accord scenarios in Genius XML or GeniusWeb JSON.

Only scenarios those formats can express are written: Genius and GeniusWeb
have no implementation phase, vetoes, required seats or voting weights, so a
scenario that uses any of them is refused rather than silently changed.
"""

from __future__ import annotations

from pathlib import Path

from accord.formats.common import ExportError
from accord.formats.genius import export_genius
from accord.formats.geniusweb import export_geniusweb
from accord.protocol.scenario import Scenario

EXPORTERS = {"genius": export_genius, "geniusweb": export_geniusweb}


def accord_only_features(scenario: Scenario) -> list[str]:
    """The features of ``scenario`` that Genius and GeniusWeb cannot express."""

    found = []
    if scenario.implementation is not None:
        found.append("an implementation phase ([implementation])")
    vetoes = [d.id for d in scenario.delegations if d.veto]
    if vetoes and scenario.rules.vetoes:
        found.append(f"vetoes (veto = true: {', '.join(vetoes)})")
    if scenario.rules.required:
        found.append(f"required seats (rules.required: {', '.join(scenario.rules.required)})")
    weighted = [d.id for d in scenario.delegations if d.weight != 1]
    if weighted:
        found.append(f"voting weights other than 1 ({', '.join(weighted)})")
    if any(d.brief is None for d in scenario.delegations):
        found.append("delegations without a brief")
    return found


def export_scenario(
    fmt: str, scenario: Scenario, folder: str | Path
) -> tuple[list[Path], list[str]]:
    """Write ``scenario`` to ``folder`` in ``fmt``; the files written and notes on what changed."""

    if fmt not in EXPORTERS:
        raise ExportError(f"unknown export format {fmt!r} (known: {', '.join(EXPORTERS)})")
    features = accord_only_features(scenario)
    if features:
        raise ExportError(
            f"scenario {scenario.id!r} cannot be exported to {fmt}: it uses " + "; ".join(features)
        )
    written, notes = EXPORTERS[fmt](scenario, Path(folder))
    rules = scenario.rules
    notes.append(
        f"rules not exported ({fmt} has none): decision {rules.decision}, {rules.max_rounds} rounds"
    )
    return written, notes
