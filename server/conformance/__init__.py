"""A conformance kit for bots: run a bot command through scripted talks, check obligations.

``accord conformance bot -- COMMAND...``; see docs/conformance.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from accord.server.conformance.kit import TalkRun, run_talks
from accord.server.conformance.obligations import OBLIGATIONS, Failure, skipped
from accord.server.conformance.scenarios import BOT_SEAT, TALKS

__all__ = ["OBLIGATIONS", "TALKS", "check", "main", "render_json", "render_text"]

MAX_FRAMES = 8
"""Frames shown per failure in the text report (the JSON report has them all)."""


def check(
    command: list[str], talks: list[str] | None = None
) -> tuple[list[TalkRun], dict[str, list[Failure]]]:
    """Run ``command`` once per scripted talk; every obligation's failures (empty: it passed)."""

    with tempfile.TemporaryDirectory(prefix="accord-conformance-") as tmp:
        runs = asyncio.run(run_talks(command, Path(tmp), talks))
    skip = skipped(runs)
    return runs, {o.id: o.check(runs) for o in OBLIGATIONS if o.id not in skip}


def render_text(runs: list[TalkRun], results: dict[str, list[Failure]]) -> str:
    lines = [f"accord conformance: {len(runs)} talk(s), the bot at seat {BOT_SEAT}"]
    for run in runs:
        state = "concluded" if run.concluded else f"abandoned: {run.abandoned}"
        lines.append(
            f"  {run.talk.name}: {state}; {len(run.conns)} connection(s), exit status {run.exit_status}"
        )
    lines.append("")
    width = max(len(o.id) for o in OBLIGATIONS)
    for o in OBLIGATIONS:
        failures = results.get(o.id)
        if failures is None:
            verdict = "SKIP"
        else:
            verdict = "PASS" if not failures else f"FAIL ({len(failures)})"
        lines.append(f"{verdict:<9} {o.id:<{width}}  {o.summary}")
    failed = [o for o in OBLIGATIONS if results.get(o.id)]
    for o in failed:
        lines += ["", f"== {o.id}: {o.summary}"]
        for failure in results[o.id]:
            lines.append(f"- [{failure.talk}] {failure.message}")
            for frame in failure.frames[:MAX_FRAMES]:
                lines.append(f"    {frame.line()}")
            if len(failure.frames) > MAX_FRAMES:
                lines.append(f"    … {len(failure.frames) - MAX_FRAMES} more frame(s) in --json")
    passed = len(results) - len(failed)
    skip = len(OBLIGATIONS) - len(results)
    lines += [
        "",
        f"{passed} of {len(results)} obligations passed"
        + (f" ({skip} skipped: no selected talk exercises them)" if skip else ""),
    ]
    return "\n".join(lines)


def render_json(runs: list[TalkRun], results: dict[str, list[Failure]]) -> dict[str, Any]:
    return {
        "ok": not any(results.values()),
        "seat": BOT_SEAT,
        "talks": [
            {
                "name": run.talk.name,
                "summary": run.talk.summary,
                "room": run.room,
                "command": run.argv,
                "concluded": run.concluded,
                "abandoned": run.abandoned,
                "exit_status": run.exit_status,
                "connections": len(run.conns),
                "stderr": run.stderr,
            }
            for run in runs
        ],
        "obligations": [
            {
                "id": o.id,
                "summary": o.summary,
                "passed": None if o.id not in results else not results[o.id],
                "failures": [
                    {
                        "talk": f.talk,
                        "message": f.message,
                        "frames": [x.to_json() for x in f.frames],
                    }
                    for f in results.get(o.id, [])
                ],
            }
            for o in OBLIGATIONS
        ],
    }


def main(command: list[str], *, as_json: bool = False, talks: list[str] | None = None) -> int:
    """The ``accord conformance bot`` command: 0 when every obligation passed, 1 otherwise."""

    from accord.server.logs import configure

    # the private server's routine logs would bury the report
    configure(level=logging.WARNING)
    runs, results = check(command, talks)
    if as_json:
        print(json.dumps(render_json(runs, results), indent=2))
    else:
        print(render_text(runs, results))
    return 0 if not any(results.values()) else 1
