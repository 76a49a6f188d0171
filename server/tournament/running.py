"""``accord tournament run FILE [--workers N] [--executor …] [--resume] [--store URL] [--quiet]``,
or ``accord tournament run FILE --server URL [--resume] [--private] [--quiet]``.

Plays the tournament (:func:`accord.server.tournament.runner.run_tournament`)
with a progress bar on stderr, then prints a one-screen summary on stdout:
the leading entries by mean tournament score, and where the results are.

Ctrl-C (or SIGTERM) asks the run to stop: the series that finished are
stored, the workers are stopped, and the command exits with status 130 and a
line saying how to go on (``--resume``). A second Ctrl-C stops at once.
Exit status 2 means the command could not use its input (a bad file, a
store that already holds the tournament without ``--resume``, or holds
another file's tournament under the same name).

With ``--server``, the tournament is sent to an accord server
(``POST /api/tournaments`` with ``ACCORD_ORGANIZER_TOKEN``), started there,
and followed (the same progress bar and summary, from the server's state and
standings). The file's ``store`` is left out: the server keeps the results.
``--resume`` lets a tournament the server holds under that name (made from
the same file: same digest) continue. Ctrl-C stops following only: the
tournament goes on on the server.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.bots.registry import UnknownStrategy
from accord.protocol.errors import AccordError
from accord.protocol.tournament import load_tournament, tournament_from_dict
from accord.server.tournament.progress import BarProgress, QuietProgress, RunProgress
from accord.server.tournament.runner import Interrupted, Refused, RunSummary, run_tournament

__all__ = ["run_command", "run_on_server", "summary"]

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

    if getattr(args, "server", None):
        return run_on_server(args)
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


# --- on a server ----------------------------------------------------------------------------

POLL = 0.5
"""Seconds between two looks at the tournament's state."""
LEADER_EVERY = 2.0
"""Seconds between two reads of the standings (for the leader on the bar)."""


class ServerError(Exception):
    """An answer of the server that ends the command (its message is the server's)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _Api:
    """The few calls the command makes, with the organizer token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                error = json.loads(text)["error"]
                code, message = str(error["code"]), str(error["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", f"HTTP {exc.code}: {text[:200]}"
            raise ServerError(exc.code, code, message) from None


def _raw_file(file: str) -> dict[str, Any]:
    """The tournament file's content, as it is sent (``store`` left out)."""

    path = Path(file)
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    if not isinstance(raw, dict):
        raise ValueError(f"{file}: not a tournament (a table of keys)")
    raw.pop("store", None)  # where results go is the server's business
    return raw


def run_on_server(args: argparse.Namespace) -> int:
    """``accord tournament run FILE --server URL``: create, start and follow it there."""

    token = os.environ.get("ACCORD_ORGANIZER_TOKEN")
    if not token:
        print(
            "error: --server needs the organizer token in ACCORD_ORGANIZER_TOKEN", file=sys.stderr
        )
        return USAGE
    if args.workers is not None or args.executor != "local" or args.store:
        print(
            "error: --workers, --executor and --store do not apply with --server"
            " (the server has its own settings and database)",
            file=sys.stderr,
        )
        return USAGE
    try:
        raw = _raw_file(args.file)
        # checked here first: the same field paths, without a round trip
        local = tournament_from_dict(raw, file=args.file)
    except (OSError, ValueError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return USAGE
    except AccordError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    api = _Api(args.server, token)
    name = local.name
    progress: RunProgress = QuietProgress() if args.quiet else BarProgress()
    try:
        try:
            api.call("POST", "/api/tournaments", {**raw, "public": not args.private})
        except ServerError as exc:
            if exc.code != "tournament_exists":
                raise
            if not args.resume:
                print(
                    f"error: {api.base} already holds a tournament named {name!r};"
                    " use --resume to play what is missing",
                    file=sys.stderr,
                )
                return USAGE
            held = api.call("GET", f"/api/tournaments/{name}")
            if held.get("digest") != local.digest:
                print(
                    f"error: {api.base} holds a tournament {name!r} made from another file:"
                    " rename the tournament",
                    file=sys.stderr,
                )
                return USAGE
        try:
            api.call("POST", f"/api/tournaments/{name}/start")
        except ServerError as exc:
            if exc.code not in ("tournament_running", "tournament_complete"):
                raise
        state = _follow(api, name, progress)
    except KeyboardInterrupt:
        progress.stop()
        print(
            f"\nstopped following: {name!r} goes on on the server"
            f" ({api.base}/api/tournaments/{name})",
            file=sys.stderr,
        )
        return INTERRUPTED
    except ServerError as exc:
        progress.stop()
        print(f"error: {exc.message}", file=sys.stderr)
        return USAGE if exc.status in (400, 409, 413, 422) else FAILED
    except (OSError, ValueError) as exc:  # URLError is an OSError
        progress.stop()
        print(f"error: cannot talk to {api.base}: {exc}", file=sys.stderr)
        return FAILED
    if state["status"] != "complete":
        print(
            f"error: {name!r} is {state['status']} on the server after"
            f" {state['talks_done']} of {state['talks_planned']} talks"
            + (f": {state['error']}" if state.get("error") else ""),
            file=sys.stderr,
        )
        return FAILED
    board = api.call("GET", f"/api/tournaments/{name}/standings")
    _server_summary(board, state, api.base, console=Console(soft_wrap=True))
    return 0


def _follow(api: _Api, name: str, progress: RunProgress) -> dict[str, Any]:
    """Poll the tournament until it stops running; its last state."""

    state = api.call("GET", f"/api/tournaments/{name}")
    progress.start(name, state["talks_planned"], state["talks_done"])
    leader, read_at, seen = "", 0.0, -1
    try:
        while True:
            done = state["talks_done"]
            if done != seen and time.monotonic() - read_at >= LEADER_EVERY:
                leader, read_at, seen = _leader(api, name), time.monotonic(), done
            progress.update(done, leader)
            if state["status"] not in ("running", "created"):
                return state
            time.sleep(POLL)
            state = api.call("GET", f"/api/tournaments/{name}")
    finally:
        progress.stop()


def _leader(api: _Api, name: str) -> str:
    board = api.call("GET", f"/api/tournaments/{name}/standings")
    played = [row for row in board["entries"] if row.get("mean_score") is not None]
    return f"{played[0]['entry']} ({played[0]['mean_score']:.3f})" if played else ""


def _server_summary(
    board: dict[str, Any], state: dict[str, Any], base: str, *, console: Console
) -> None:
    """The summary of a tournament played on a server, from its standings."""

    name = state["tournament"]
    table = Table(title=f"{name}: {state['talks_planned']} talks", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("entry")
    table.add_column("mean score", justify="right")
    table.add_column("talks", justify="right")
    table.add_column("agreements", justify="right")
    rows = board["entries"]
    for n, row in enumerate(rows[:TOP], start=1):
        mean = "–" if row["mean_score"] is None else f"{row['mean_score']:.3f}"
        rate = "–" if row["agreement_rate"] is None else f"{row['agreement_rate']:.0%}"
        table.add_row(str(n), row["entry"], mean, str(row["talks"]), rate)
    console.print(table)
    lines = []
    if len(rows) > TOP:
        lines.append(f"... and {len(rows) - TOP} more entries")
    if state.get("problems"):
        lines.append(
            f"{state['problems']} talks report problems: {base}/api/tournaments/{name}/talks"
        )
    lines.append(f"results: {base}/api/tournaments/{name} (standings, talks, transcripts)")
    for line in lines:
        console.print(line, markup=False, highlight=False)
