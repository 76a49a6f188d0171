"""Tournament results as CSV or JSON files.

:func:`export` writes six tables into a folder, each as ``<table>.csv`` or
``<table>.json``. A JSON file is a list of objects with exactly the CSV's
columns, in the same order, numbers as numbers and missing values as
``null`` (empty cells in CSV). Floats are written in their shortest exact
form, so they read back equal.

- ``summary``: one row: ``tournament``, ``seed``, ``format``,
  ``repetitions``, ``series``, ``reputation``, ``entries``, ``scenarios``,
  ``talks``, ``agreements``, ``agreement_rate``, ``spread_score``,
  ``spread_raw``, ``spread_normalised``, ``pairs``, ``separated_pairs``,
  ``best``, ``worst``, ``best_above_worst``, ``resamples``, ``confidence``
  (in CSV, booleans are ``true``/``false``);
- ``standings``: one row per entry, the overall table; columns as
  :class:`~accord.server.tournament.standings.EntryStanding`: ``entry``,
  ``talks``, ``seats``, ``mean_score``, ``ci_low``, ``ci_high``,
  ``mean_raw``, ``mean_normalised``, ``mean_rank``, ``agreements``,
  ``agreement_rate``, ``mean_rounds_to_agreement``,
  ``mean_pareto_distance``, ``mean_nash_distance``, ``vetoes``,
  ``defections``, ``detected``, ``challenges``, ``hits``, ``hit_rate``,
  ``failures``, ``timeouts``, ``rating``, ``mu``, ``sigma``;
- ``scenario_standings``: the per-scenario tables: ``scenario`` (index in
  the tournament file), ``scenario_id``, then the standings columns;
- ``talks``: one row per seat of every talk (plan order, seat order):
  the talk's ``talk``, ``scenario``, ``scenario_id``, ``seed``, ``series``,
  ``game``, ``round``, ``head`` (transcript hash), ``events``, ``outcome``,
  ``rounds``, ``package``, ``pareto_distance``, ``nash_distance``,
  ``problems``, then the seat's ``seat``, ``entry``, ``score``, ``raw``,
  ``normalised``, ``utility``, ``compliance_costs``, ``defection_gains``,
  ``harm_suffered``, ``sanctions``, ``inspection_costs``, ``vetoes``,
  ``defections``, ``detected``, ``challenges``, ``hits``, ``timeouts``,
  ``failures``, ``rank``. ``package`` (issue → option, null without an
  agreement) and ``problems`` (a list of texts) are JSON values in JSON
  and compact JSON text in CSV;
- ``head_to_head``: ``entry``, ``opponent``, ``talks``, ``mean_score``,
  ``opponent_mean_score``, ``mean_difference``, ``wins``, ``losses``,
  ``ties`` (see :mod:`~accord.server.tournament.standings`);
- ``ratings_history``: ``step``, ``talk``, ``round``, ``entry``, ``mu``,
  ``sigma``, ``rating``: each entry's rating after each of its talks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec

from accord.protocol.tournament.results import SeatResult, TalkResult
from accord.protocol.tournament.spec import Tournament
from accord.server.tournament.ratings import RatingPoint, Ratings, in_plan_order, rate
from accord.server.tournament.standings import (
    EntryStanding,
    HeadToHead,
    Standings,
    standings,
)

Row = dict[str, Any]

TABLES = (
    "summary",
    "standings",
    "scenario_standings",
    "talks",
    "head_to_head",
    "ratings_history",
)

STANDINGS_COLUMNS: tuple[str, ...] = EntryStanding.__struct_fields__
SCENARIO_STANDINGS_COLUMNS: tuple[str, ...] = ("scenario", "scenario_id", *STANDINGS_COLUMNS)
TALK_FIELDS: tuple[str, ...] = (
    "talk",
    "scenario",
    "scenario_id",
    "seed",
    "series",
    "game",
    "round",
    "head",
    "events",
    "outcome",
    "rounds",
    "package",
    "pareto_distance",
    "nash_distance",
    "problems",
)
TALKS_COLUMNS: tuple[str, ...] = TALK_FIELDS + SeatResult.__struct_fields__
HEAD_TO_HEAD_COLUMNS: tuple[str, ...] = HeadToHead.__struct_fields__
RATINGS_HISTORY_COLUMNS: tuple[str, ...] = RatingPoint.__struct_fields__
SUMMARY_COLUMNS: tuple[str, ...] = (
    "tournament",
    "seed",
    "format",
    "repetitions",
    "series",
    "reputation",
    "entries",
    "scenarios",
    "talks",
    "agreements",
    "agreement_rate",
    "spread_score",
    "spread_raw",
    "spread_normalised",
    "pairs",
    "separated_pairs",
    "best",
    "worst",
    "best_above_worst",
    "resamples",
    "confidence",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": SUMMARY_COLUMNS,
    "standings": STANDINGS_COLUMNS,
    "scenario_standings": SCENARIO_STANDINGS_COLUMNS,
    "talks": TALKS_COLUMNS,
    "head_to_head": HEAD_TO_HEAD_COLUMNS,
    "ratings_history": RATINGS_HISTORY_COLUMNS,
}


def _row(struct: msgspec.Struct) -> Row:
    return {name: getattr(struct, name) for name in struct.__struct_fields__}


def summary_rows(
    board: Standings, results: Sequence[TalkResult], tournament: Tournament | None = None
) -> list[Row]:
    """The one-row ``summary`` table."""

    spec = tournament.spec if tournament is not None else None
    entries = (
        len(spec.entries) if spec is not None else len({s.entry for r in results for s in r.seats})
    )
    scenarios = len(spec.scenarios) if spec is not None else len({r.scenario for r in results})
    spread = board.spread
    return [
        {
            "tournament": board.tournament,
            "seed": board.seed,
            "format": None if spec is None else spec.format,
            "repetitions": None if spec is None else spec.repetitions,
            "series": None if spec is None else spec.series,
            "reputation": None if spec is None else spec.reputation,
            "entries": entries,
            "scenarios": scenarios,
            "talks": board.talks,
            "agreements": board.agreements,
            "agreement_rate": board.agreement_rate,
            "spread_score": spread.score,
            "spread_raw": spread.raw,
            "spread_normalised": spread.normalised,
            "pairs": spread.pairs,
            "separated_pairs": spread.separated,
            "best": spread.best,
            "worst": spread.worst,
            "best_above_worst": spread.best_above_worst,
            "resamples": board.resamples,
            "confidence": board.confidence,
        }
    ]


def standings_rows(board: Standings) -> list[Row]:
    """The overall standings, one row per entry, best first."""

    return [_row(e) for e in board.entries]


def scenario_standings_rows(board: Standings) -> list[Row]:
    """The per-scenario tables, one after the other."""

    return [
        {"scenario": s.scenario, "scenario_id": s.scenario_id, **_row(e)}
        for s in board.scenarios
        for e in s.entries
    ]


def talk_rows(results: Sequence[TalkResult]) -> list[Row]:
    """One row per seat of every talk, in plan order."""

    rows = []
    for result in in_plan_order(results):
        talk = {name: getattr(result, name) for name in TALK_FIELDS}
        talk["problems"] = list(result.problems)
        for seat in result.seats:
            rows.append({**talk, **_row(seat)})
    return rows


def head_to_head_rows(board: Standings) -> list[Row]:
    """Every ordered pair of entries that met."""

    return [_row(h) for h in board.head_to_head]


def ratings_history_rows(rated: Ratings) -> list[Row]:
    """Each entry's rating after each of its talks."""

    return [_row(p) for p in rated.history]


def tables(
    results: Sequence[TalkResult],
    tournament: Tournament | None = None,
    *,
    board: Standings | None = None,
    rated: Ratings | None = None,
) -> dict[str, list[Row]]:
    """Every exported table by name (see the module's doc)."""

    if rated is None:
        rated = rate(results, entries=tournament.entry_names if tournament else ())
    if board is None:
        board = standings(results, tournament, ratings=rated)
    return {
        "summary": summary_rows(board, results, tournament),
        "standings": standings_rows(board),
        "scenario_standings": scenario_standings_rows(board),
        "talks": talk_rows(results),
        "head_to_head": head_to_head_rows(board),
        "ratings_history": ratings_history_rows(rated),
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return msgspec.json.encode(value).decode()
    return value  # str() of a float is its shortest exact form


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    """``rows`` as CSV text with a header line of ``columns``."""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def to_json(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    """``rows`` as an indented JSON list of objects with ``columns`` in order."""

    ordered = [{c: row[c] for c in columns} for row in rows]
    return msgspec.json.format(msgspec.json.encode(ordered), indent=2) + b"\n"


def export(
    results: Sequence[TalkResult],
    folder: str | Path,
    fmt: Literal["csv", "json"],
    tournament: Tournament | None = None,
) -> list[Path]:
    """Write every table into ``folder`` (made if missing) as ``fmt``; the paths written."""

    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format {fmt!r} (csv or json)")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in tables(results, tournament).items():
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            path.write_text(to_csv(rows, COLUMNS[name]), encoding="utf-8")
        else:
            path.write_bytes(to_json(rows, COLUMNS[name]))
        written.append(path)
    return written


__all__ = [
    "COLUMNS",
    "TABLES",
    "export",
    "head_to_head_rows",
    "ratings_history_rows",
    "scenario_standings_rows",
    "standings_rows",
    "summary_rows",
    "tables",
    "talk_rows",
    "to_csv",
    "to_json",
]
