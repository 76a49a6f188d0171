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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

REPO = Path(__file__).resolve().parents[1]
SEATS = ["s1", "s2", "s3", "s4", "s5", "s6"]
PHASES_PER_TALK = 6  # tabling, ballot, (action, verification) x 2
TALK_TIMEOUT = 90.0  # a talk that takes longer than this is abandoned and counted as failed
CONNECT_CONCURRENCY = 100  # websocket handshakes in flight at once (listen backlog is 128)
MESSAGE_BYTES = 200


# --- the scenario ------------------------------------------------------------------------


def bench_scenario() -> dict[str, Any]:
    """A 6-seat consensus scenario: 3 rounds at most, 2 implementation periods."""

    issues = [
        {"id": "cut", "title": "Cut", "options": ["low", "mid", "high"]},
        {"id": "checks", "title": "Checks", "kind": "verification", "options": ["none", "full"]},
        {"id": "fines", "title": "Fines", "kind": "enforcement", "options": ["none", "heavy"]},
    ]
    delegations = [
        {
            "id": seat,
            "name": f"Seat {n + 1}",
            "weight": 1 + n % 3,
            "veto": seat == "s6",
            "brief": {
                "weights": {"cut": 0.5, "checks": 0.25, "fines": 0.25},
                "values": {
                    "cut": [0.1 * n, 0.5, 1 - 0.1 * n],
                    "checks": [0.3, 0.7],
                    "fines": [0.6, 0.4],
                },
                "reservation": 0.2,
            },
        }
        for n, seat in enumerate(SEATS)
    ]
    return {
        "id": "bench-six",
        "title": "Six seats (load bench)",
        "issues": issues,
        "delegations": delegations,
        "rules": {"decision": "consensus", "ballot": "secret", "max_rounds": 3},
        "implementation": {
            "periods": 2,
            "inspection_cost": 0.01,
            "challenge_quota": 1,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.3]},
            "parties": {s: {"comply_cost": 0.05, "defect_gain": 0.1, "harm": 0.02} for s in SEATS},
        },
    }


# --- server processes ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kib(status: str, key: str) -> int:
    for line in status.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class ServerProcess:
    """A server subprocess on 127.0.0.1: its memory and CPU time from /proc."""

    def __init__(self, name: str, argv: list[str], port: int, log: Path, env: dict[str, str]):
        self.name = name
        self.port = port
        self.log = log
        self._logf = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=self._logf, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited ({self.proc.returncode}); see {self.log}"
                    )
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(self.url + "/healthz") as res:
                        if res.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy after {timeout} s; see {self.log}")

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) in KiB."""

        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return _kib(status, "VmRSS"), _kib(status, "VmHWM")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the process (all its threads)."""

        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._logf.close()


def start_accord(workdir: Path, port: int, token: str) -> ServerProcess:
    env = {**os.environ, "ACCORD_ORGANIZER_TOKEN": token}
    argv = [sys.executable, "-m", "accord", "serve", "--port", str(port)]
    argv += ["--db", str(workdir / f"accord-{port}.db")]
    # every load-generator client comes from 127.0.0.1: lift the per-address guards
    for setting in (
        "max_connections_per_address=100000",
        "address_message_rate=1e9",
        "address_message_burst=1000000000",
    ):
        argv += ["--set", setting]
    return ServerProcess("accord", argv, port, workdir / f"accord-{port}.log", env)


def start_bare(workdir: Path, port: int) -> ServerProcess:
    argv = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", "--port", str(port)]
    return ServerProcess("bare", argv, port, workdir / f"bare-{port}.log", dict(os.environ))


# --- the bare broadcast server (runs in its own process) -----------------------------------


def serve_bare(port: int) -> None:
    """A minimal aiohttp websocket broadcast server: each text frame goes to its room's peers."""

    from aiohttp import WSMsgType, web

    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    rooms: dict[str, set[web.WebSocketResponse]] = {}
    welcome = _padded({"type": "welcome", "role": "seat"})

    async def ws_handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=65536)
        await ws.prepare(request)
        room: set[web.WebSocketResponse] | None = None
        name = ""
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if room is None:  # the first frame says which room
                    name = msgspec.json.decode(msg.data)["room"]
                    room = rooms.setdefault(name, set())
                    room.add(ws)
                    await ws.send_str(welcome)
                    continue
                for peer in list(room):
                    if not peer.closed:
                        await peer.send_str(msg.data)
        finally:
            if room is not None:
                room.discard(ws)
                if not room:
                    rooms.pop(name, None)
        return ws

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "rooms": len(rooms)})

    app = web.Application()
    app.add_routes([web.get("/ws", ws_handler), web.get("/healthz", healthz)])
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _padded(body: dict[str, Any], size: int = MESSAGE_BYTES) -> str:
    body = {**body, "pad": ""}
    raw = msgspec.json.encode(body).decode()
    return raw.replace('"pad":""', '"pad":"' + "x" * max(0, size - len(raw)) + '"')


# --- the client side -----------------------------------------------------------------------


class Incoming(msgspec.Struct):
    """The few fields the bots look at; everything else in a frame is skipped."""

    type: str
    phase: str | None = None
    package_id: str | None = None
    code: str | None = None
    message: str | None = None
    outcome: str | None = None
    ref: str | None = None


class BareIncoming(msgspec.Struct):
    type: str
    phase: int = 0


DECODE = msgspec.json.Decoder(Incoming).decode
DECODE_BARE = msgspec.json.Decoder(BareIncoming).decode


@dataclass
class Stats:
    frames: int = 0
    talks: int = 0
    failed_talks: int = 0
    latencies: list[float] = field(default_factory=list)
    acks: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    """(room, phase number) -> each seat's command -> ack wait in that phase."""
    errors: Counter[str] = field(default_factory=Counter)
    deadlines: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def _cmd(body: dict[str, Any]) -> str:
    return msgspec.json.encode(body).decode()


PACKAGE = {"cut": "mid", "checks": "full", "fines": "heavy"}
PASS = {"type": "pass"}
COMPLY = {"type": "action", "choice": "comply"}
DEFECT = {"type": "action", "choice": "defect"}
CHALLENGE = {"type": "challenge", "target": "s4"}
PROPOSE = {"type": "propose", "package": PACKAGE}


async def _open(url: str, gate: asyncio.Semaphore) -> ClientConnection:
    async with gate:
        return await connect(
            url, compression=None, max_size=2**22, open_timeout=30, ping_interval=None
        )


async def accord_bot(
    url: str,
    token: str,
    seat: str,
    stats: Stats,
    gate: asyncio.Semaphore,
    rng: random.Random,
    think: float = 0.0,
    room: str = "",
) -> None:
    """One seat: reacts to phase changes until talks_concluded.

    With ``think`` > 0 the bot waits 0.5 to 1.5 times that long after each
    phase_started before it acts; every seat of a room draws the same delays (same
    seed), so a room's votes still leave together while rooms drift apart.
    """

    pause = random.Random(room) if think else None

    ws = await _open(url, gate)
    try:
        await ws.send(_cmd({"type": "hello", "version": 1, "token": token}))
        packages: list[str] = []
        voted: list[float] = []
        phases = 0
        sent = 0.0
        async for frame in ws:
            stats.frames += 1
            m = DECODE(frame)
            kind = m.type
            if kind == "phase_started":
                phase = m.phase
                if phase not in ("tabling", "ballot", "action", "verification"):
                    continue
                if pause is not None:
                    await asyncio.sleep(think * pause.uniform(0.5, 1.5))
                phases += 1
                ref = str(phases)
                sent = time.perf_counter()
                if phase == "tabling":
                    packages = []
                    await ws.send(_cmd({**(PROPOSE if seat == "s1" else PASS), "ref": ref}))
                elif phase == "ballot":
                    for pid in packages:
                        voted.append(time.perf_counter())
                        vote = {"type": "vote", "package_id": pid, "vote": "yes", "ref": ref}
                        await ws.send(_cmd(vote))
                elif phase == "action":
                    defect = seat == "s4" and rng.random() < 0.5
                    await ws.send(_cmd({**(DEFECT if defect else COMPLY), "ref": ref}))
                else:
                    await ws.send(_cmd({**(CHALLENGE if seat == "s1" else PASS), "ref": ref}))
            elif kind == "proposal_tabled":
                packages.append(m.package_id or "")
            elif kind == "ballot_result":
                now = time.perf_counter()
                stats.latencies.extend(now - t for t in voted)
                voted = []
            elif kind == "ack":
                if sent and m.ref == str(phases):  # the first ack of this phase's command(s)
                    stats.acks.setdefault((room, phases), []).append(time.perf_counter() - sent)
                    sent = 0.0
            elif kind == "talks_concluded":
                if seat == "s1":
                    stats.outcomes[m.outcome or "?"] += 1
                return
            elif kind == "error":
                stats.errors[m.code or "?"] += 1
                if sum(stats.errors.values()) <= 3:
                    print(f"  error for {seat}: {m.code}: {m.message}", file=sys.stderr)
            elif kind == "deadline_passed":
                stats.deadlines += 1
    finally:
        await ws.close()


async def bare_bot(
    url: str,
    room: str,
    seat: str,
    stats: Stats,
    gate: asyncio.Semaphore,
    all_welcomed: Callable[[], Awaitable[None]],
) -> None:
    """One connection of a bare room: hello, then 6 phases of one message each."""

    ws = await _open(url, gate)
    try:
        await ws.send(_cmd({"type": "hello", "version": 1, "room": room, "seat": seat}))
        stats.frames += 1
        DECODE_BARE(await ws.recv())  # welcome
        await all_welcomed()  # the bare server has no lobby: start when the 6 are in
        counts: Counter[int] = Counter()
        phase = 1
        sent = time.perf_counter()
        await ws.send(_padded({"type": "say", "room": room, "seat": seat, "phase": phase}))
        async for frame in ws:
            stats.frames += 1
            counts[DECODE_BARE(frame).phase] += 1
            while counts[phase] == len(SEATS):
                stats.latencies.append(time.perf_counter() - sent)
                phase += 1
                if phase > PHASES_PER_TALK:
                    return
                sent = time.perf_counter()
                await ws.send(_padded({"type": "say", "room": room, "seat": seat, "phase": phase}))
    finally:
        await ws.close()


def _barrier(n: int) -> Callable[[], Awaitable[None]]:
    arrived = 0
    done = asyncio.Event()

    async def wait() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == n:
            done.set()
        await done.wait()

    return wait


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
        barrier = _barrier(len(SEATS))
        await asyncio.gather(
            *(bare_bot(server.ws_url, room, seat, stats, gate, barrier) for seat in SEATS)
        )

    return await drive("bare", server, rooms, [f"b{n}" for n in range(talks)], play, duration)


@dataclass
class Idle:
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
        ws = await _open(server.ws_url, gate)
        await ws.send(_cmd({"type": "hello", "version": 1, "token": token}))
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
        ws = await _open(server.ws_url, gate)
        await ws.send(_cmd({"type": "hello", "room": f"idle{i // 5}", "seat": f"s{i % 5}"}))
        await ws.recv()
        return ws

    conns = await asyncio.gather(*(seat(i) for i in range(n)))
    after = await _settled_rss(server)
    await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return Idle("bare", len(conns), before, after)


# --- report ----------------------------------------------------------------------------------


def _check(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _row(run: Run) -> str:
    per_talk = run.frames / run.talks if run.talks else 0
    return (
        f"{run.label:<20} {run.rooms:>5} {run.talks:>5} {run.failed:>4} {run.seconds:>5.1f}"
        f" {run.frames:>7} {run.frames_per_s:>8.0f} {run.talks_per_s:>7.1f} {per_talk:>7.0f}"
        f" {run.pct(0.5):>7.1f} {run.pct(0.99):>7.1f} {run.server_cpu:>7.0%} {run.client_cpu:>7.0%}"
        f" {run.others_cpu:>7.2f} {run.frames_per_cpu_s:>9.0f} {run.frames_per_client_cpu_s:>9.0f}"
        f" {run.hwm_kib / 1024:>6.1f} MiB"
    )


def report(pairs: list[tuple[Run, Run]], paced: Run | None, idles: list[Idle], largest: int) -> str:
    lines = []
    head = (
        f"{'run':<20} {'rooms':>5} {'talks':>5} {'fail':>4} {'secs':>5} {'frames':>7}"
        f" {'frames/s':>8} {'talks/s':>7} {'fr/talk':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'srv cpu':>7} {'cli cpu':>7} {'others':>7} {'fr/srv-s':>9} {'fr/cli-s':>9}"
        f" {'peak RSS':>10}"
    )
    lines += [head, "-" * len(head)]
    runs = [run for pair in pairs for run in pair] + ([paced] if paced else [])
    for accord, bare in pairs:
        lines += [_row(accord), _row(bare)]
    if paced is not None:
        lines.append(_row(paced))
    lines += [
        "",
        "frames = every websocket frame the bots received; latency: accord = each seat's vote sent",
        "-> ballot_result received by that seat; bare = a bot's message sent -> the 6th message of",
        "its phase received. srv/cli cpu = share of one core used by the server process (all its",
        "threads) and by this client; others = cores busy with other processes (and steal) meanwhile;",
        "fr/srv-s, fr/cli-s = frames per CPU second of the server, of the client (the lower one",
        "caps the rate when each process has a core); peak RSS = the server's VmHWM (a fresh",
        "server for each accord run).",
    ]
    for accord in [a for a, _ in pairs] + ([paced] if paced else []):
        created = accord.talks + accord.failed
        w = accord.writes
        extra = [f"outcomes {dict(accord.outcomes)}"]
        if accord.errors:
            extra.append(f"errors {dict(accord.errors)}")
        if accord.deadlines:
            extra.append(f"deadline_passed {accord.deadlines}")
        lines.append(
            f"{accord.label}, {accord.rooms} rooms: {created} rooms created via HTTP beforehand in"
            f" {accord.create_seconds:.1f} s ({created / max(accord.create_seconds, 1e-9):.0f}/s);"
            f" {w.get('window_count', 0)} event writes in the window, mean"
            f" {w.get('mean_ms', 0):.1f} ms, p50 <= {w.get('p50_le_ms', 0):g} ms,"
            f" p99 <= {w.get('p99_le_ms', 0):g} ms (server histogram, whole life);"
            f" end RSS {accord.rss_kib / 1024:.1f} MiB; " + ", ".join(extra)
        )
        lines.append(
            "    command -> ack within a phase (6 seats act at once): quickest p50"
            f" {accord.pct(0.5, accord.first_ack):.1f} / p99 {accord.pct(0.99, accord.first_ack):.1f}"
            f" ms, slowest p50 {accord.pct(0.5, accord.last_ack):.1f} / p99"
            f" {accord.pct(0.99, accord.last_ack):.1f} ms over {len(accord.first_ack)} phases"
        )
    for idle in idles:
        lines.append(
            f"idle {idle.label}: {idle.connections} welcomed connections,"
            f" RSS {idle.before_kib / 1024:.1f} -> {idle.after_kib / 1024:.1f} MiB,"
            f" {idle.per_conn_kib:.1f} KiB per connection"
        )
    busy = [r for r in runs if r.others_cpu > 0.3]
    if busy:
        lines.append(
            "WARNING: other processes kept up to"
            f" {max(r.others_cpu for r in busy):.2f} of {os.cpu_count()} cores busy during"
            f" {', '.join(f'{r.label}/{r.rooms}' for r in busy)}: those figures are depressed."
        )
    lines += ["", "targets:"]
    for accord, bare in pairs:
        ratio = accord.frames_per_s / bare.frames_per_s if bare.frames_per_s else 0.0
        lines.append(
            f"  {accord.rooms:>4} rooms: accord frames/s = {ratio:.0%} of the bare broadcast rate"
            f" (target >= 60%)  {_check(ratio >= 0.6)}"
        )
        efficiency = (
            accord.frames_per_cpu_s / bare.frames_per_cpu_s if bare.frames_per_cpu_s else 0.0
        )
        lines.append(
            f"  {accord.rooms:>4} rooms: frames per server CPU second = {efficiency:.0%} of bare's"
            " (the ratio if the server, not the client, limited both runs)"
        )
        projected = [
            min(run.frames_per_cpu_s, run.frames_per_client_cpu_s) for run in (accord, bare)
        ]
        if projected[1]:
            lines.append(
                f"  {accord.rooms:>4} rooms: projected with a core each for client and server:"
                f" accord {projected[0]:.0f} vs bare {projected[1]:.0f} frames/s ="
                f" {projected[0] / projected[1]:.0%}"
            )
    for run in [a for a, _ in pairs if a.rooms == largest] + ([paced] if paced else []):
        p99 = run.pct(0.99)
        lines.append(
            f"  {run.rooms:>4} rooms, {run.label}: vote -> ballot_result p99 = {p99:.1f} ms"
            f" (target < 50 ms)  {_check(p99 < 50)}"
        )
    for idle in idles:
        if idle.label == "accord":
            lines.append(
                f"  idle seat connection: {idle.per_conn_kib:.1f} KiB of server memory"
                f" (target < 40 KiB)  {_check(idle.per_conn_kib < 40)}"
            )
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


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
