"""``accord tournament``: run a tournament file, read its standings, export and report.

The commands only parse their arguments here; the work is done in
:mod:`accord.server.tournament` (imported when a command runs, so that
``accord --help`` stays fast).
"""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    from accord.server.tournament.commands import run

    return run(args)


def _standings(args: argparse.Namespace) -> int:
    from accord.server.tournament.commands import standings

    return standings(args)


def _export(args: argparse.Namespace) -> int:
    from accord.server.tournament.commands import export

    return export(args)


def _report(args: argparse.Namespace) -> int:
    from accord.server.tournament.commands import report

    return report(args)


def add_tournament_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``accord tournament ...`` to the command line's subcommands."""

    tournament = sub.add_parser(
        "tournament", help="run a tournament file; read, export and report its results"
    )
    tsub = tournament.add_subparsers(dest="tournament_command", required=True)

    run = tsub.add_parser("run", help="play every talk of a tournament file (or what is missing)")
    run.add_argument("file", help="the tournament file (.toml or .json)")
    run.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the local pool (default: one per core)",
    )
    run.add_argument(
        "--executor",
        default="local",
        help="local (a process pool), dask-local (a Dask LocalCluster of --workers"
        " processes) or dask://HOST:PORT (a running Dask scheduler) (default: %(default)s)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="play only the talks the store does not hold yet",
    )
    run.add_argument("--store", help="where results go (overrides the file's store)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--server",
        metavar="URL",
        help="run it on an accord server (http://HOST:PORT) instead of here, and follow it;"
        " needs ACCORD_ORGANIZER_TOKEN",
    )
    run.add_argument(
        "--private",
        action="store_true",
        help="with --server: only the organizer may read the tournament",
    )
    run.set_defaults(run=_run)

    def source(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "file", help="the tournament file (its store holds the results), or a store URL"
        )
        parser.add_argument("--name", help="the tournament's name (when FILE is a store URL)")

    standings = tsub.add_parser("standings", help="the leaderboard, with ratings")
    source(standings)
    standings.add_argument("--scenario", help="only the talks on this scenario")
    standings.add_argument("--json", action="store_true", help="as JSON")
    standings.set_defaults(run=_standings)

    export = tsub.add_parser("export", help="standings and every talk as CSV or JSON files")
    source(export)
    fmt = export.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--json", action="store_true")
    export.add_argument("-o", "--output", required=True, help="a folder for the files")
    export.set_defaults(run=_export)

    report = tsub.add_parser("report", help="one self-contained HTML page with plots and tables")
    source(report)
    report.add_argument("-o", "--output", required=True, help="the HTML file to write")
    report.set_defaults(run=_report)
