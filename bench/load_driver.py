"""The load driver: rooms played at once against a server, and what a run measured.

:func:`drive` keeps a number of room slots busy, each playing the next talk
until none is left or time is up, and reads the server's and this client's
CPU time and the server's memory around the window (a :class:`Run`).
:func:`run_accord` creates the rooms through the HTTP API beforehand
(:func:`create_rooms`) and reads the server's event-write histogram;
:func:`run_bare` does the same layout on the bare server. :func:`idle_accord`
and :func:`idle_bare` measure the memory of idle seat connections
(an :class:`Idle`).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from load_bots import (
    DECODE,
    SEATS,
    Stats,
    accord_bot,
    bare_bot,
    bench_scenario,
    command,
    make_barrier,
    open_seat,
)
from load_servers import ServerProcess
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

TALK_TIMEOUT = 90.0  # a talk that takes longer than this is abandoned and counted as failed
CONNECT_CONCURRENCY = 100  # websocket handshakes in flight at once (listen backlog is 128)


async def create_rooms(
    server: ServerProcess, token: str, count: int, seed: int, concurrency: int = 16
) -> list[dict[str, Any]]:
    """Create ``count`` rooms of the bench scenario through the HTTP API."""

    scenario = bench_scenario()
    headers = {"Authorization": f"Bearer {token}"}
    rooms: list[dict[str, Any]] = []
    next_seed = iter(range(seed, seed + count))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            for n in next_seed:
                body = {"scenario": scenario, "seed": n}
                async with http.post(server.url + "/api/rooms", json=body, headers=headers) as res:
                    data = await res.json()
                    if res.status != 201:
                        raise RuntimeError(f"room creation failed: {res.status} {data}")
                    rooms.append(data)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return rooms


@dataclass
class Run:
    """One run: rooms at once against one server, over its measurement window."""

    label: str
    rooms: int
    talks: int
    failed: int
    seconds: float
    frames: int
    latencies: list[float]
    server_cpu: float
    client_cpu: float
    others_cpu: float = 0.0
    first_ack: list[float] = field(default_factory=list)
    """Per phase, the quickest command -> ack: about one command's round trip."""
    last_ack: list[float] = field(default_factory=list)
    """Per phase, the slowest command -> ack: the room's commands one after another."""
    rss_kib: int = 0
    hwm_kib: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    deadlines: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    create_seconds: float = 0.0
    writes: dict[str, Any] = field(default_factory=dict)

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0

    @property
    def frames_per_cpu_s(self) -> float:
        """Frames delivered per second of server CPU: less sensitive to other load."""

        busy = self.server_cpu * self.seconds
        return self.frames / busy if busy else 0.0

    @property
    def frames_per_client_cpu_s(self) -> float:
        busy = self.client_cpu * self.seconds
        return self.frames / busy if busy else 0.0

    @property
    def talks_per_s(self) -> float:
        return self.talks / self.seconds if self.seconds else 0.0

    def pct(self, q: float, values: list[float] | None = None) -> float:
        """Percentile ``q`` in ms of ``values`` (default: every vote's latency)."""

        values = self.latencies if values is None else values
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def event_write_histogram(server: ServerProcess) -> dict[str, Any]:
    """accord_event_write_seconds from /metrics: count, mean and bucket-bound p50/p99 (ms)."""

    buckets: list[tuple[float, float]] = []
    total = count = 0.0
    async with aiohttp.ClientSession() as http, http.get(server.url + "/metrics") as res:
        text = await res.text()
    for line in text.splitlines():
        if line.startswith("accord_event_write_seconds_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(le), float(line.rsplit(" ", 1)[1])))
        elif line.startswith("accord_event_write_seconds_sum"):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith("accord_event_write_seconds_count"):
            count = float(line.rsplit(" ", 1)[1])

    def quantile(q: float) -> float:
        for bound, cumulative in buckets:
            if count and cumulative >= q * count:
                return bound * 1000
        return float("inf")

    return {
        "count": int(count),
        "mean_ms": total / count * 1000 if count else 0.0,
        "p50_le_ms": quantile(0.5),
        "p99_le_ms": quantile(0.99),
    }


def _client_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _machine_busy() -> float:
    """CPU seconds the whole machine was busy (steal included: it was not ours to use)."""

    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def drive(
    label: str,
    server: ServerProcess,
    slots: int,
    jobs: list[Any],
    play: Callable[[Any, Stats, asyncio.Semaphore], Awaitable[None]],
    duration: float,
    stagger: float = 0.0,
) -> Run:
    """``slots`` rooms at once, each playing the next job of ``jobs`` until none or time is up.

    With ``stagger`` each slot starts after a random delay of up to that many seconds.
    """

    stats = Stats()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    queue = list(reversed(jobs))
    started = time.perf_counter()
    stop_at = started + duration
    cpu0, ccpu0, busy0 = server.cpu_seconds(), _client_cpu(), _machine_busy()

    async def slot(delay: float) -> None:
        await asyncio.sleep(delay)
        while queue and time.perf_counter() < stop_at:
            job = queue.pop()
            try:
                await asyncio.wait_for(play(job, stats, gate), TALK_TIMEOUT)
            except (TimeoutError, OSError, ConnectionClosed) as exc:
                stats.failed_talks += 1
                if stats.failed_talks <= 3:
                    print(f"  {label}: talk failed: {exc!r}", file=sys.stderr)
            else:
                stats.talks += 1

    spread = random.Random(slots)
    await asyncio.gather(*(slot(spread.uniform(0, stagger)) for _ in range(slots)))
    seconds = time.perf_counter() - started
    server_cpu, client_cpu = server.cpu_seconds() - cpu0, _client_cpu() - ccpu0
    others = max(0.0, _machine_busy() - busy0 - server_cpu - client_cpu)
    rss, hwm = server.memory()
    return Run(
        label=label,
        rooms=slots,
        talks=stats.talks,
        failed=stats.failed_talks,
        seconds=seconds,
        frames=stats.frames,
        latencies=stats.latencies,
        server_cpu=server_cpu / seconds,
        client_cpu=client_cpu / seconds,
        others_cpu=others / seconds,
        first_ack=[min(waits) for waits in stats.acks.values() if waits],
        last_ack=[max(waits) for waits in stats.acks.values() if waits],
        rss_kib=rss,
        hwm_kib=hwm,
        errors=stats.errors,
        deadlines=stats.deadlines,
        outcomes=stats.outcomes,
    )


async def run_accord(
    server: ServerProcess,
    token: str,
    rooms: int,
    talks: int,
    duration: float,
    seed: int,
    think: float = 0.0,
) -> Run:
    t0 = time.perf_counter()
    created = await create_rooms(server, token, talks, seed)
    create_seconds = time.perf_counter() - t0

    async def play(room: dict[str, Any], stats: Stats, gate: asyncio.Semaphore) -> None:
        rng = random.Random(room["room"])
        await asyncio.gather(
            *(
                accord_bot(
                    server.ws_url, room["seats"][seat], seat, stats, gate, rng, think, room["room"]
                )
                for seat in SEATS
            )
        )

    writes0 = await event_write_histogram(server)
    label = f"accord (think {think:g} s)" if think else "accord"
    run = await drive(label, server, rooms, created, play, duration, stagger=think)
    run.create_seconds = create_seconds
    writes1 = await event_write_histogram(server)
    # the histogram is cumulative since start: room creation is in both, the window in the difference
    run.writes = writes1
    run.writes["window_count"] = writes1["count"] - writes0["count"]
    return run


async def run_bare(server: ServerProcess, rooms: int, talks: int, duration: float) -> Run:
    async def play(room: str, stats: Stats, gate: asyncio.Semaphore) -> None:
        barrier = make_barrier(len(SEATS))
        await asyncio.gather(
            *(bare_bot(server.ws_url, room, seat, stats, gate, barrier) for seat in SEATS)
        )

    return await drive("bare", server, rooms, [f"b{n}" for n in range(talks)], play, duration)


@dataclass
class Idle:
    """The server's memory before and after ``connections`` idle seat connections."""

    label: str
    connections: int
    before_kib: int
    after_kib: int

    @property
    def per_conn_kib(self) -> float:
        return (self.after_kib - self.before_kib) / self.connections


async def _settled_rss(server: ServerProcess, wait: float = 1.5) -> int:
    await asyncio.sleep(wait)
    return server.memory()[0]


async def idle_accord(server: ServerProcess, token: str, n: int, per_room: int) -> Idle:
    """N seat connections, ``per_room`` of each 6-seat room, welcomed and then idle."""

    created = await create_rooms(server, token, -(-n // per_room), seed=10_000)
    before = await _settled_rss(server)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    tokens = [room["seats"][seat] for room in created for seat in SEATS[:per_room]][:n]

    async def seat(token: str) -> ClientConnection:
        ws = await open_seat(server.ws_url, gate)
        await ws.send(command({"type": "hello", "version": 1, "token": token}))
        reply = DECODE(await ws.recv())
        if reply.type != "welcome":
            raise RuntimeError(f"no welcome: {reply}")
        return ws

    conns = await asyncio.gather(*(seat(t) for t in tokens))
    after = await _settled_rss(server)
    await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return Idle("accord", len(conns), before, after)


async def idle_bare(server: ServerProcess, n: int) -> Idle:
    before = await _settled_rss(server)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def seat(i: int) -> ClientConnection:
        ws = await open_seat(server.ws_url, gate)
        await ws.send(command({"type": "hello", "room": f"idle{i // 5}", "seat": f"s{i % 5}"}))
        await ws.recv()
        return ws

    conns = await asyncio.gather(*(seat(i) for i in range(n)))
    after = await _settled_rss(server)
    await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return Idle("bare", len(conns), before, after)
