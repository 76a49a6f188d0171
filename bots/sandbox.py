"""Run one submitted delegation in its own process: ``python -m accord.bots.sandbox``.

The tournament worker starts this module, confined (see
:mod:`accord.server.tournament.sandbox`), for each talk of a ``package`` or
``wheel`` entry::

    python -m accord.bots.sandbox --path DIR_OR_WHEEL --class module:Class \\
        --url ws://127.0.0.1:PORT/ws [--token SEAT_TOKEN] [--options JSON] \\
        [--seed N] [--budget SECONDS] [--reputation JSON]

It puts the package directory (or the wheel: a pure-Python wheel imports
from the zip file) first on ``sys.path``, loads the class, checks that it is
a :class:`~accord.bots.sdk.Delegation`, and plays the seat with
:class:`~accord.bots.websocket.BotClient` until the talks conclude. Without
``--token`` the seat token is read from ``ACCORD_TOKEN`` (the worker passes
it there: unlike arguments, a process's environment is not readable by
other users), and without ``--url`` from ``ACCORD_URL``.

Every hook that raises or overruns its budget is reported on stderr as one
line starting with ``accord-sandbox: hook failed:`` (the worker counts
them). Any error ends the process with one line on stderr and a status:

- 0: the talks concluded;
- 1: the entry failed (its module raised on import, the connection failed,
  the talks did not conclude);
- 2: bad usage: a class path that is not ``module:Class``, a module or class
  that is not there, a class that is not a Delegation, options it refuses;
- 3: out of memory (``MemoryError``, in a hook or anywhere else).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import msgspec
import structlog

from accord.bots.context import Record
from accord.bots.runner import HookFailure
from accord.bots.sdk import Delegation
from accord.bots.websocket import BotClient

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MEMORY = 3
PREFIX = "accord-sandbox:"


class Refused(Exception):
    """The entry cannot be played as given (exit status 2)."""


def _say(line: str) -> None:
    sys.stderr.write(f"{PREFIX} {' '.join(line.split())}\n")
    sys.stderr.flush()


def _exit(status: int, line: str) -> NoReturn:
    _say(line)
    # no interpreter shutdown: the entry's threads or finalizers must not get a say
    os._exit(status)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        _exit(EXIT_USAGE, message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m accord.bots.sandbox",
        description="Play one seat with a submitted delegation (tournament sandbox).",
    )
    parser.add_argument("--path", required=True, help="the entry's package directory or wheel")
    parser.add_argument("--class", dest="cls", required=True, help="module:Class inside it")
    parser.add_argument("--url", default=os.environ.get("ACCORD_URL"), help="websocket URL")
    parser.add_argument("--token", default=os.environ.get("ACCORD_TOKEN"), help="seat token")
    parser.add_argument("--options", default="{}", help="keyword options of the class (JSON)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds a hook may think")
    parser.add_argument("--reputation", default=None, help="seat → record (JSON)")
    return parser


def load_class(path: str, spec: str) -> type[Delegation]:
    """The Delegation class ``spec`` (``module:Class``) of the package at ``path``.

    Raises :class:`Refused` for a bad class path, a missing module or class,
    or a class that is not a Delegation; whatever the module raises while it
    is imported propagates.
    """

    module_name, sep, attr = spec.partition(":")
    dotted = module_name.split(".") + attr.split(".")
    if not sep or not all(part.isidentifier() for part in dotted):
        raise Refused(f"--class must be module:Class, not {spec!r}")
    where = Path(path)
    if not where.exists():
        raise Refused(f"--path {path!r} does not exist")
    if where.is_file() and where.suffix != ".whl":
        raise Refused(f"--path {path!r} is neither a directory nor a wheel (.whl)")
    sys.path.insert(0, str(where))
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # only the entry's own module missing is a bad class path; a module the
        # entry imports that is missing is the entry's failure
        if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
            raise Refused(f"no module {module_name!r} in {path}") from None
        raise
    found: Any = module
    for part in attr.split("."):
        found = getattr(found, part, None)
    if not (isinstance(found, type) and issubclass(found, Delegation)):
        raise Refused(f"{spec!r} is not a Delegation class")
    return found


def _decode(option: str, text: str, kind: Any) -> Any:
    try:
        return msgspec.json.decode(text.encode(), type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Refused(f"{option}: {exc}") from None


def _on_failure(failure: HookFailure) -> None:
    _say(f"hook failed: {failure}")
    if failure.problem.startswith("raised MemoryError"):
        _exit(EXIT_MEMORY, f"out of memory in {failure.hook}")


def main(argv: Sequence[str] | None = None) -> int:
    """Play the seat; return the exit status (see the module's docstring)."""

    args = _parser().parse_args(argv)
    # warnings only, on stderr, where the worker keeps the last lines for its report
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    try:
        if not args.url:
            raise Refused("no --url (nor ACCORD_URL)")
        if not args.token:
            raise Refused("no --token (nor ACCORD_TOKEN)")
        options = _decode("--options", args.options, dict[str, Any])
        reputation = (
            None
            if args.reputation is None
            else _decode("--reputation", args.reputation, dict[str, Record])
        )
        try:
            cls = load_class(args.path, args.cls)
        except (Refused, MemoryError):
            raise
        except BaseException as exc:  # its module ran and failed: the entry's fault
            _exit(EXIT_FAILED, f"importing {args.cls!r} raised {_problem(exc)}")
        try:
            first = cls(**options)
        except TypeError as exc:
            raise Refused(f"{args.cls} does not take these options: {exc}") from None
    except Refused as exc:
        _exit(EXIT_USAGE, str(exc))
    except MemoryError:
        _exit(EXIT_MEMORY, "out of memory while loading the entry")

    made = [first]

    def factory() -> Delegation:
        # the instance built above (and checked) plays; a second room would get a new one
        return made.pop() if made else cls(**options)

    client = BotClient(
        factory,
        args.url,
        args.token,
        seed=args.seed,
        budget=args.budget,
        on_failure=_on_failure,
        reputation=reputation,
    )
    try:
        rooms = asyncio.run(client.run())
    except MemoryError:
        _exit(EXIT_MEMORY, "out of memory")
    except BaseException as exc:
        _exit(EXIT_FAILED, f"stopped: {_problem(exc)}")
    if not any(play.concluded is not None for play in rooms.values()):
        _exit(EXIT_FAILED, "the connection ended before the talks concluded")
    return 0


def _problem(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
