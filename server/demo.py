"""``accord demo``: a server on SQLite, built-in bots over real websockets, a talk
narrated as it happens, then the server keeps serving."""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

import websockets
from aiohttp import web

from bots.registry import available, load
from bots.websocket import BotClient
from protocol import PROTOCOL_VERSION
from protocol.codec import decode_server, encode
from protocol.commands import Hello
from protocol.events import TalksConcluded
from protocol.scenario import load_scenario
from server.api import HUB
from server.app import build_app
from server.narrate import describe
from server.settings import Settings
from server.tokens import new_token

LINEUP = [
    "adaptive",
    "hardliner",
    "tit-for-tat",
    "inspector",
    "free-rider",
    "conceder",
    "veto-player",
]


async def _watch(url: str, room: str, scenario_name: str, out: asyncio.Queue[str | None]) -> None:
    """A spectator connection that narrates every event it is allowed to see."""

    scenario = load_scenario(scenario_name)
    async with websockets.connect(url) as ws:
        await ws.send(encode(Hello(version=PROTOCOL_VERSION, room=room)).decode())
        async for frame in ws:
            message = decode_server(frame)
            line = describe(message, scenario) if hasattr(message, "seq") else None  # type: ignore[arg-type]
            if line:
                await out.put(line)
            if isinstance(message, TalksConcluded):
                break
    await out.put(None)


async def run_demo(
    *, scenario: str, seed: int, host: str, port: int, db: str, once: bool, delay: float
) -> int:
    settings = Settings(host=host, port=port, db=db, organizer_token=new_token("organizer"))
    app = build_app(settings)
    runner = web.AppRunner(app, shutdown_timeout=2.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        print(f"cannot listen on {host}:{port}: {exc.strerror}; try --port", file=sys.stderr)
        await runner.cleanup()
        return 1
    base = f"http://{host}:{port}"
    ws_url = f"ws://{host}:{port}/ws"
    hub = app[HUB]
    the_scenario = load_scenario(scenario)
    print(f"accord server on {base}/ (SQLite store: {Path(db).resolve()})")
    print(f"Scenario: {the_scenario.title}\n")
    live, tokens = await hub.create_room(the_scenario, seed=seed)
    rng = random.Random(seed)
    names = [name for name in LINEUP if name in available()]
    order = rng.sample(the_scenario.seats, k=len(the_scenario.seats))
    lineup = {seat: names[n % len(names)] for n, seat in enumerate(order)}
    for seat in the_scenario.seats:
        print(f"  {seat:<12} played by {lineup[seat]}")
    print()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    watcher = asyncio.create_task(_watch(ws_url, live.id, scenario, lines))
    await asyncio.sleep(0.1)
    bots = [
        BotClient(load(lineup[seat]), ws_url, tokens[seat], seed=seed)
        for seat in the_scenario.seats
    ]
    playing = asyncio.gather(*(b.run() for b in bots))
    while (line := await lines.get()) is not None:
        print(line, flush=True)
        if delay:
            await asyncio.sleep(delay)
    await playing
    await watcher
    concluded = live.room.concluded
    if concluded is not None:
        print("\nFinal scores (raw, normalised):")
        for score in sorted(concluded.scores, key=lambda s: -s.normalised):
            print(
                f"  {score.seat:<12} {lineup[score.seat]:<18} {score.raw:+.3f}  {score.normalised:.3f}"
                + (f"  ({score.detected} violation(s) detected)" if score.detected else "")
            )
    print(f"\nTranscript: {base}/api/rooms/{live.id}/transcript  (check it with `accord verify`)")
    if once:
        await runner.cleanup()
        return 0
    print(f"Web page: {base}/  — serving until Ctrl-C")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return 0


def demo(args: object) -> int:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    from server.logs import configure

    configure(level=30)  # warnings only: the narration is the output
    try:
        return asyncio.run(
            run_demo(
                scenario=args.scenario,  # type: ignore[attr-defined]
                seed=args.seed,  # type: ignore[attr-defined]
                host=args.host,  # type: ignore[attr-defined]
                port=args.port,  # type: ignore[attr-defined]
                db=args.db,  # type: ignore[attr-defined]
                once=args.once,  # type: ignore[attr-defined]
                delay=args.delay,  # type: ignore[attr-defined]
            )
        )
    except KeyboardInterrupt:
        return 0
