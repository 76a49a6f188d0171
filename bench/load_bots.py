"""The load benchmark's seats: minimal reactive bots over websockets, and the talk they play.

Each room plays :func:`bench_scenario` (the shared six-seat scenario of
:mod:`accord.protocol.scenario.samples`): in :func:`accord_bot`, s1 tables a
package and the others pass, everyone votes yes, everyone complies except s4
who defects now and then, s1 challenges s4 and the others pass, until
``talks_concluded``. :func:`bare_bot` is one connection of a room on the bare
server: hello, then 6 "phases" of one message each. Both count what they
receive in a :class:`Stats`.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from bare_server import padded
from websockets.asyncio.client import ClientConnection, connect

from accord.protocol.scenario.samples import SIX_SEATS, six_seat_scenario

SEATS = list(SIX_SEATS)
PHASES_PER_TALK = 6  # tabling, ballot, (action, verification) x 2


def bench_scenario() -> dict[str, Any]:
    """A 6-seat consensus scenario: 3 rounds at most, 2 implementation periods."""

    return six_seat_scenario(scenario_id="bench-six", title="Six seats (load bench)", notes=False)


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
    """A frame of the bare server: its phase, if it has one."""

    type: str
    phase: int = 0


DECODE = msgspec.json.Decoder(Incoming).decode
DECODE_BARE = msgspec.json.Decoder(BareIncoming).decode


@dataclass
class Stats:
    """What the bots of one run received and recorded."""

    frames: int = 0
    talks: int = 0
    failed_talks: int = 0
    latencies: list[float] = field(default_factory=list)
    acks: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    """(room, phase number) -> each seat's command -> ack wait in that phase."""
    errors: Counter[str] = field(default_factory=Counter)
    deadlines: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def command(body: dict[str, Any]) -> str:
    """A command as the JSON text of one frame."""

    return msgspec.json.encode(body).decode()


PACKAGE = {"cut": "mid", "checks": "full", "fines": "heavy"}
PASS = {"type": "pass"}
COMPLY = {"type": "action", "choice": "comply"}
DEFECT = {"type": "action", "choice": "defect"}
CHALLENGE = {"type": "challenge", "target": "s4"}
PROPOSE = {"type": "propose", "package": PACKAGE}


async def open_seat(url: str, gate: asyncio.Semaphore) -> ClientConnection:
    """A websocket connection to ``url``, at most ``gate``'s count of handshakes at once."""

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

    ws = await open_seat(url, gate)
    try:
        await ws.send(command({"type": "hello", "version": 1, "token": token}))
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
                    await ws.send(command({**(PROPOSE if seat == "s1" else PASS), "ref": ref}))
                elif phase == "ballot":
                    for pid in packages:
                        voted.append(time.perf_counter())
                        vote = {"type": "vote", "package_id": pid, "vote": "yes", "ref": ref}
                        await ws.send(command(vote))
                elif phase == "action":
                    defect = seat == "s4" and rng.random() < 0.5
                    await ws.send(command({**(DEFECT if defect else COMPLY), "ref": ref}))
                else:
                    await ws.send(command({**(CHALLENGE if seat == "s1" else PASS), "ref": ref}))
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

    ws = await open_seat(url, gate)
    try:
        await ws.send(command({"type": "hello", "version": 1, "room": room, "seat": seat}))
        stats.frames += 1
        DECODE_BARE(await ws.recv())  # welcome
        await all_welcomed()  # the bare server has no lobby: start when the 6 are in
        counts: Counter[int] = Counter()
        phase = 1
        sent = time.perf_counter()
        await ws.send(padded({"type": "say", "room": room, "seat": seat, "phase": phase}))
        async for frame in ws:
            stats.frames += 1
            counts[DECODE_BARE(frame).phase] += 1
            while counts[phase] == len(SEATS):
                stats.latencies.append(time.perf_counter() - sent)
                phase += 1
                if phase > PHASES_PER_TALK:
                    return
                sent = time.perf_counter()
                await ws.send(padded({"type": "say", "room": room, "seat": seat, "phase": phase}))
    finally:
        await ws.close()


def make_barrier(n: int) -> Callable[[], Awaitable[None]]:
    """A wait that returns once ``n`` callers are waiting."""

    arrived = 0
    done = asyncio.Event()

    async def wait() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == n:
            done.set()
        await done.wait()

    return wait
