"""``accord tournament run FILE [--workers N] [--executor …] [--resume] [--store URL] [--quiet]``.

Plays the tournament (:func:`accord.server.tournament.runner.run_tournament`)
with a progress bar on stderr, then prints a one-screen summary on stdout:
the leading entries by mean tournament score, and where the results are.

Ctrl-C (or SIGTERM) asks the run to stop: the series that finished are
stored, the workers are stopped, and the command exits with status 130 and a
line saying how to go on (``--resume``). A second Ctrl-C stops at once.
Exit status 2 means the command could not use its input (a bad file, a
store that already holds the tournament without ``--resume``, or holds
another file's tournament under the same name).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.bots.registry import UnknownStrategy
from accord.protocol.errors import AccordError
from accord.protocol.tournament import load_tournament
from accord.server.tournament.progress import BarProgress, QuietProgress, RunProgress
from accord.server.tournament.runner import Interrupted, Refused, RunSummary, run_tournament

__all__ = ["run_command", "summary"]

USAGE = 2
FAILED = 1
INTERRUPTED = 130
TOP = 10
"""Entries the summary lists."""


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set ``stop`` (the runner stops between two series); a
    second Ctrl-C raises KeyboardInterrupt at once."""

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ask(signum: int, frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    before = {s: signal.signal(s, ask) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def summary(result: RunSummary, *, console: Console, file: str = "FILE") -> None:
    """The one-screen summary of a finished run (``file``: the tournament file, for the
    commands that read the results)."""

    table = Table(title=f"{result.name}: {result.total} talks", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("entry")
    table.add_column("mean score", justify="right")
    table.add_column("talks", justify="right")
    table.add_column("agreements", justify="right")
    for n, s in enumerate(result.standings[:TOP], start=1):
        rate = s.agreements / s.talks if s.talks else 0.0
        table.add_row(str(n), s.entry, f"{s.mean:.3f}", str(s.talks), f"{rate:.0%}")
    console.print(table)
    lines = []
    if len(result.standings) > TOP:
        lines.append(f"... and {len(result.standings) - TOP} more entries")
    if result.played:
        lines.append(
            f"played {result.played} talks in {result.seconds:.1f} s"
            f" ({result.rate:.1f} talks/s, {result.executor}, {result.workers} workers)"
        )
    else:
        lines.append("nothing left to play: every talk was stored already")
    lines.append(f"results: {result.url}")
    lines.append(
        f"read them with: accord tournament standings {file}"
        f" (or export, report; with a store URL add --name {result.name})"
    )
    for line in lines:
        console.print(line, markup=False, highlight=False)


def run_command(args: argparse.Namespace) -> int:
    """Run ``accord tournament run``; returns the exit status."""

    try:
        tournament = load_tournament(args.file)
    except AccordError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    progress: RunProgress = QuietProgress() if args.quiet else BarProgress()
    stop = threading.Event()
    try:
        with _stop_on_signals(stop):
            result = run_tournament(
                tournament,
                args.store,
                executor=args.executor,
                workers=args.workers,
                resume=args.resume,
                progress=progress,
                stop=stop,
            )
    except Interrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return INTERRUPTED
    except (AccordError, Refused, UnknownStrategy, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    summary(result, console=Console(soft_wrap=True), file=args.file)
    return 0
