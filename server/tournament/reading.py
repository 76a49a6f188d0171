"""``accord tournament standings|export|report``: read a tournament's stored results.

FILE is either a tournament file (``.toml`` or ``.json``; its results are in
its ``store``, or ``<file>.db`` beside it) or a store (an SQLite path or a
``postgresql://`` URL) with ``--name``, which may be left out when the store
holds a single tournament.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec

from accord.protocol.tournament.results import TalkResult
from accord.protocol.tournament.spec import Tournament
from accord.server.tournament.standings import EntryStanding

TOURNAMENT_SUFFIXES = (".toml", ".json")


class ReadingError(ValueError):
    """The command cannot find the results it should read (the CLI prints it as
    one line and exits with its usage status)."""


def open_results(file: str, name: str | None = None) -> tuple[Tournament, list[TalkResult]]:
    """The tournament and its results, from a tournament file or a store (see the module's doc)."""

    # the store is the runner's module, imported when a command runs
    from accord.protocol.tournament.spec import default_store, load_tournament
    from accord.server.tournament.store import list_tournaments, load_results

    if Path(file).suffix.lower() in TOURNAMENT_SUFFIXES:
        tournament = load_tournament(file)
        url = default_store(tournament)
        _must_exist(url)
        return load_results(url, name or tournament.name)
    _must_exist(file)
    if name is None:
        names = list_tournaments(file)
        if not names:
            raise ReadingError(f"{file}: the store holds no tournament")
        if len(names) > 1:
            raise ReadingError(
                f"{file}: the store holds {len(names)} tournaments ({', '.join(names)}):"
                " say which with --name"
            )
        name = names[0]
    return load_results(file, name)


def _must_exist(url: str) -> None:
    """Refuse a SQLite store that is not there (opening it would make an empty one)."""

    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else url
    if "://" not in path and not Path(path).exists():
        raise ReadingError(f"{path}: no such results store (run the tournament first)")


def _only_scenario(
    tournament: Tournament, results: list[TalkResult], wanted: str
) -> list[TalkResult]:
    """The talks on the scenario ``wanted`` names: its id, its label in the file or its index."""

    labels = [s.label for s in tournament.spec.scenarios]
    matches = {
        r.scenario
        for r in results
        if wanted in (r.scenario_id, str(r.scenario))
        or (r.scenario < len(labels) and labels[r.scenario] == wanted)
    }
    if not matches:
        known = sorted({r.scenario_id for r in results})
        raise ReadingError(
            f"no talks on scenario {wanted!r} (scenarios played: {', '.join(known) or 'none'})"
        )
    return [r for r in results if r.scenario in matches]


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def standings_command(args: argparse.Namespace) -> int:
    """Print the standings (rich tables, or JSON with ``--json``)."""

    from rich.console import Console
    from rich.table import Table

    from accord.server.tournament.standings import standings

    tournament, results = open_results(args.file, args.name)
    if getattr(args, "scenario", None):
        results = _only_scenario(tournament, results, args.scenario)
    board = standings(results, tournament)
    if args.json:
        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(board), indent=2))
        sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
        return 0

    console = Console()
    title = f"{tournament.name}: {board.talks} talks, {_pct(board.agreement_rate)} agreed"
    if getattr(args, "scenario", None):
        title += f" (scenario {args.scenario})"
    # (header, justify, value, tier): a narrow terminal shows tier 0 only, a
    # wide one every column; --json always has them all
    columns: list[tuple[str, str, Callable[[int, EntryStanding], str], int]] = [
        ("#", "right", lambda n, r: str(n), 0),
        ("entry", "left", lambda n, r: r.entry, 0),
        ("talks", "right", lambda n, r: str(r.talks), 0),
        (
            "score [95% CI]",
            "right",
            lambda n, r: (
                "–"
                if r.mean_score is None
                else f"{r.mean_score:.3f} [{_num(r.ci_low)}, {_num(r.ci_high)}]"
            ),
            0,
        ),
        ("raw", "right", lambda n, r: _num(r.mean_raw), 2),
        ("agreed", "right", lambda n, r: _pct(r.agreement_rate), 0),
        ("rounds", "right", lambda n, r: _num(r.mean_rounds_to_agreement, 1), 1),
        ("Pareto d.", "right", lambda n, r: _num(r.mean_pareto_distance), 1),
        ("Nash d.", "right", lambda n, r: _num(r.mean_nash_distance), 1),
        ("vetoes", "right", lambda n, r: str(r.vetoes), 2),
        ("defections (det.)", "right", lambda n, r: f"{r.defections} ({r.detected})", 2),
        ("challenges (hits)", "right", lambda n, r: f"{r.challenges} ({_pct(r.hit_rate)})", 2),
        ("fail/t.o.", "right", lambda n, r: f"{r.failures}/{r.timeouts}", 2),
        ("rating", "right", lambda n, r: _num(r.rating, 2), 0),
    ]
    tier = 2 if console.width >= 180 else 1 if console.width >= 110 else 0
    shown = [c for c in columns if c[3] <= tier]
    table = Table(title=title, title_justify="left")
    for header, justify, _, _ in shown:
        table.add_column(header, justify=justify, no_wrap=header in ("entry", "score [95% CI]"))  # type: ignore[arg-type]
    for place, r in enumerate(board.entries, start=1):
        table.add_row(*(value(place, r) for _, _, value, _ in shown))
    console.print(table)
    s = board.spread
    if s.score is not None:
        console.print(
            f"spread of mean scores {s.score:.3f} (talks' normalised score:"
            f" {_num(s.normalised)}); {s.separated} of {s.pairs} pairs separated at 95%"
        )
    if tier < 2:
        console.print("(a wider terminal shows more columns; --json has them all)")
    if len(board.scenarios) > 1:
        per = Table(title="per scenario", title_justify="left")
        for column in ("scenario", "talks", "agreed", "leader", "score", "spread"):
            per.add_column(column, justify="left" if column in ("scenario", "leader") else "right")
        for sc in board.scenarios:
            leader = sc.entries[0] if sc.entries else None
            per.add_row(
                sc.scenario_id,
                str(sc.talks),
                _pct(sc.agreement_rate),
                leader.entry if leader else "–",
                _num(leader.mean_score if leader else None),
                _num(sc.spread.score),
            )
        console.print(per)
    return 0


def export_command(args: argparse.Namespace) -> int:
    """Write the tables as CSV or JSON files into ``--output``."""

    from accord.server.tournament.export import export

    tournament, results = open_results(args.file, args.name)
    written = export(results, args.output, "csv" if args.csv else "json", tournament)
    for path in written:
        print(path)
    return 0


def report_command(args: argparse.Namespace) -> int:
    """Write the HTML report to ``--output``."""

    from accord.server.tournament.report import write_report

    tournament, results = open_results(args.file, args.name)
    path = write_report(results, args.output, tournament)
    print(f"wrote {path} ({len(results)} talks)")
    return 0


__all__ = ["ReadingError", "export_command", "open_results", "report_command", "standings_command"]
