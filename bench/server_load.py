"""Server load: accord over real websockets against a bare aiohttp broadcast server.

One client process (asyncio, uvloop when available) drives R rooms at once, each
with 6 minimal reactive bots written with the ``websockets`` library, against
the accord server started as a subprocess on a temporary SQLite file. Each room
plays talks back to back on a small 6-seat scenario (3 rounds at most, 2
implementation periods): s1 tables a package and the others pass, everyone votes
yes, everyone complies except s4 who defects now and then, s1 challenges s4 and
the others pass, until ``talks_concluded``. Then the bots hang up and the room's
slot takes the next pre-created room.

Measured, per room count R:

- frames delivered to the bots per second (every frame a bot receives: welcome,
  events, acks) and talks per second, over the window in which the bots play
  (rooms are created through the HTTP API before the window and timed apart);
- latency from each seat's ``vote`` leaving the bot to the ``ballot_result``
  reaching that same bot, p50/p99 over every vote;
- the server's peak RSS (``VmHWM``) and its CPU share, and the client's CPU
  share (a saturated client inflates latencies and caps both rates);
- the same R x 6 connection layout against a bare aiohttp broadcast server (this
  script started again with ``--serve-bare``): each bot says hello and gets a
  ~200-byte welcome, then in each of 6 "phases" (as many as a talk has) every
  bot sends one ~200-byte message that the server relays to the room's 6
  connections; a bot sends its next one once it has the 6 of the phase.
  Its frames per second is the reference the accord rate is compared with.

Then a paced run at the largest R (``--think``): the same talks, but every bot
waits 0.5 to 1.5 times ``--think`` seconds before acting in each phase (all seats
of a room the same delay, so a ballot's votes still leave together), which keeps
the server below saturation: its vote -> ballot_result latency is what a room sees
on a server that is busy but not overloaded. The runs above are closed loops that
saturate the machine, so their latencies are mostly queueing.

Then, on a fresh server, the memory of idle seat connections: rooms are created,
RSS is read, N seat connections say hello (5 seats of each 6-seat room, so the
rooms stay in the lobby) and sit idle, RSS is read again; the difference over N
is the memory per idle seat connection. The bare server gets the same for
reference.

Targets: accord >= 60 % of the bare broadcast rate; vote -> ballot_result p99
< 50 ms at 200 rooms; < 40 KiB of server memory per idle seat connection.

Every loop is bounded in count and time, and everything runs on 127.0.0.1.

Run: ``.venv/bin/python bench/server_load.py [--rooms 50,200] [--talks-per-room 2]
[--duration 30] [--think 3] [--idle 1000]``

The benchmark's modules, one subject each: ``load_servers.py`` (the server
processes), ``bare_server.py`` (the bare broadcast server), ``load_bots.py``
(the seats' bots and the talk they play), ``load_driver.py`` (rooms played at
once, and what a run measured) and ``load_report.py`` (the report); this
script puts them together.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bare_server import serve_bare
from load_driver import Idle, Run, idle_accord, idle_bare, run_accord, run_bare
from load_report import report
from load_servers import ServerProcess, free_port, start_accord, start_bare

__all__ = ["free_port", "main", "parse_args", "start_accord"]


async def main(args: argparse.Namespace) -> int:
    room_counts = [int(r) for r in args.rooms.split(",") if r.strip()]
    token = "org_" + secrets.token_urlsafe(24)
    pairs: list[tuple[Run, Run]] = []
    paced: Run | None = None
    idles: list[Idle] = []
    base = args.port or free_port()
    port = iter(range(base, base + 100))
    started = time.perf_counter()

    async def with_server(server: ServerProcess, work: Callable[[], Awaitable[Any]]) -> Any:
        try:
            await server.wait_healthy()
            return await work()
        finally:
            server.stop()

    with tempfile.TemporaryDirectory(prefix="accord-load-") as tmp:
        workdir = Path(tmp)
        for rooms in room_counts:
            talks = args.talks or rooms * args.talks_per_room
            # a fresh server for each run, so its peak RSS is this load's
            server = start_accord(workdir, next(port), token)
            accord = await with_server(
                server,
                lambda server=server, r=rooms, t=talks: run_accord(
                    server, token, r, t, args.duration, seed=r
                ),
            )
            print(
                f"accord {rooms} rooms: {accord.talks} talks, {accord.frames_per_s:.0f} frames/s,"
                f" p99 {accord.pct(0.99):.1f} ms",
                flush=True,
            )
            bare_server = start_bare(workdir, next(port))
            bare = await with_server(
                bare_server,
                lambda server=bare_server, r=rooms, t=talks: run_bare(server, r, t, args.duration),
            )
            print(f"bare   {rooms} rooms: {bare.frames_per_s:.0f} frames/s", flush=True)
            pairs.append((accord, bare))
        largest = max(room_counts) if room_counts else 0
        if args.think > 0 and largest:
            server = start_accord(workdir, next(port), token)
            paced = await with_server(
                server,
                lambda: run_accord(
                    server,
                    token,
                    largest,
                    largest * args.paced_talks_per_room,
                    args.duration,
                    seed=largest + 1,
                    think=args.think,
                ),
            )
            print(
                f"{paced.label} {largest} rooms: p99 {paced.pct(0.99):.1f} ms",
                flush=True,
            )
        if args.idle:
            server = start_accord(workdir, next(port), token)
            idles.append(
                await with_server(
                    server, lambda: idle_accord(server, token, args.idle, args.idle_per_room)
                )
            )
            bare_server = start_bare(workdir, next(port))
            idles.append(await with_server(bare_server, lambda: idle_bare(bare_server, args.idle)))
    print()
    print(
        f"machine: {os.cpu_count()} cores (nproc), Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}; client loop: {args.loop};"
        f" whole run {time.perf_counter() - started:.0f} s"
    )
    print(report(pairs, paced, idles, largest))
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", default="50,200", help="room counts to run, comma-separated")
    parser.add_argument(
        "--talks-per-room", type=int, default=2, help="talks per room slot (default 2)"
    )
    parser.add_argument(
        "--talks", type=int, default=0, help="total talks per room count (overrides)"
    )
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds after which no new talk starts"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=3.0,
        help="paced run at the largest room count: seconds each bot waits before acting"
        " in a phase (0: skip the paced run)",
    )
    parser.add_argument("--paced-talks-per-room", type=int, default=1)
    parser.add_argument("--idle", type=int, default=1000, help="idle seat connections (0: skip)")
    parser.add_argument("--idle-per-room", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--port", type=int, default=0, help="first server port (default: free)")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        # the servers inherit it
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


if __name__ == "__main__":
    args = parse_args()
    if args.serve_bare:
        serve_bare(args.port)
        sys.exit(0)
    _raise_fd_limit()
    try:
        import uvloop

        args.loop = "uvloop"
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            sys.exit(runner.run(main(args)))
    except ImportError:
        args.loop = "asyncio"
        sys.exit(asyncio.run(main(args)))
