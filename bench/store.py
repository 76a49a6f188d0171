"""Store throughput and latency: appends per second and p50/p99 append latency.

R rooms run at once; each appends one small event per call, awaiting each call
before the next (as a room does: it broadcasts only after the append returns).
Backends: SQLite with ``synchronous`` FULL and NORMAL (a file in a temporary
directory, or under ``--dir`` to measure a particular disk), and PostgreSQL
when ``--pg DSN`` is given or ACCORD_TEST_POSTGRES is set (a throw-away schema,
dropped afterwards), with grouped appends (the default) and one transaction per
call.

Run: ``python bench/store.py [--rooms 1,50,200] [--seconds 3] [--pg DSN]``
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

# Runnable as a plain script from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accord.server.store import RoomRecord, SqliteStore, Store, StoredEvent  # noqa: E402


def small_event(room: str, seq: int, size: int) -> StoredEvent:
    """An event about the size of a typical statement or vote in canonical JSON."""

    body = f'{{"room":"{room}","seq":{seq},"type":"vote_cast","pad":"'.encode()
    data = body + b"x" * max(0, size - len(body) - 2) + b'"}'
    return StoredEvent(seq, hashlib.sha256(data).hexdigest(), data)


async def run(
    store: Store, rooms: int, seconds: float, size: int
) -> tuple[int, float, list[float]]:
    """Appends done, elapsed seconds and per-call latencies (seconds) with ``rooms`` rooms at once."""

    names = [f"bench-{i}" for i in range(rooms)]
    for i, name in enumerate(names):
        room = RoomRecord(id=name, scenario_id="bench", title=name, created_at=float(i))
        await store.create_room(room, small_event(name, 1, size))
    latencies: list[float] = []

    async def talk(name: str, deadline: float) -> None:
        seq = 1
        while time.perf_counter() < deadline:
            seq += 1
            event = small_event(name, seq, size)
            started = time.perf_counter()
            await store.append(name, [event])
            latencies.append(time.perf_counter() - started)

    start = time.perf_counter()
    await asyncio.gather(*(talk(name, start + seconds) for name in names))
    return len(latencies), time.perf_counter() - start, latencies


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile (0..1) of already sorted values, nearest rank."""

    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


async def measure(
    label: str, make: Callable[[], Store], rooms: int, seconds: float, size: int
) -> None:
    store = make()
    await store.open()
    try:
        count, elapsed, latencies = await run(store, rooms, seconds, size)
    finally:
        drop = getattr(store, "drop", None)
        if drop is not None:
            await drop()
        await store.close()
    latencies.sort()
    print(
        f"{label:<24} {rooms:>5} {count:>9} {count / elapsed:>11,.0f}"
        f" {percentile(latencies, 0.50) * 1000:>9.2f} {percentile(latencies, 0.99) * 1000:>9.2f}",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", default="1,50,200", help="comma-separated room counts")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each run")
    parser.add_argument("--size", type=int, default=300, help="bytes per event")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the SQLite files")
    parser.add_argument(
        "--pg", default=os.environ.get("ACCORD_TEST_POSTGRES"), help="PostgreSQL DSN"
    )
    args = parser.parse_args()
    counts = [int(r) for r in args.rooms.split(",")]

    print(
        f"{'backend':<24} {'rooms':>5} {'appends':>9} {'appends/s':>11} {'p50 ms':>9} {'p99 ms':>9}"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for sync in ("FULL", "NORMAL"):
            for rooms in counts:
                path = Path(tmp) / f"bench-{sync}-{rooms}.db"
                await measure(
                    f"sqlite synchronous={sync}",
                    lambda path=path, sync=sync: SqliteStore(path, synchronous=sync),
                    rooms,
                    args.seconds,
                    args.size,
                )
    if not args.pg:
        print("postgresql: skipped (give --pg DSN or set ACCORD_TEST_POSTGRES)")
        return
    from accord.server.store.postgres import PostgresStore

    for grouped in (True, False):
        label = "postgres grouped" if grouped else "postgres per call"
        for rooms in counts:
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            await measure(
                label,
                lambda schema=schema, grouped=grouped: PostgresStore(
                    args.pg, schema=schema, group_commit=grouped
                ),
                rooms,
                args.seconds,
                args.size,
            )


if __name__ == "__main__":
    asyncio.run(main())
