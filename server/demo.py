"""``accord demo``: a server on SQLite, built-in bots over real websockets, a talk
narrated as it happens, then the server keeps serving."""

from __future__ import annotations

import asyncio
import random
import shlex
import sys
from pathlib import Path

import aiohttp
import msgspec
import websockets
from aiohttp import web

from accord.bots.registry import available, load
from accord.bots.websocket import BotClient
from accord.protocol import PROTOCOL_VERSION
from accord.protocol.codec import decode_server, encode
from accord.protocol.commands import Hello
from accord.protocol.engine.transcript import read, verify
from accord.protocol.events import TalksConcluded
from accord.protocol.scenario import load_scenario
from accord.protocol.scenario.model import Scenario, TimeLimits
from accord.protocol.tournament import TalkResult, Tournament, tournament_from_dict
from accord.server.api import HUB
from accord.server.app import build_app
from accord.server.narrate import describe, rule_text, veto_holders
from accord.server.settings import Settings
from accord.server.tokens import new_token

HUMAN_TIME = TimeLimits(tabling=300.0, ballot=180.0, action=120.0, verification=120.0)
"""Phase time limits when a person holds a seat: time to read, compose and vote."""

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
            # the scores are printed once, as a table, after the talk
            line = (
                describe(message, scenario, scores=False)  # type: ignore[arg-type]
                if hasattr(message, "seq")
                else None
            )
            if line:
                await out.put(line)
            if isinstance(message, TalksConcluded):
                break
    await out.put(None)


def _opening(scenario: Scenario) -> list[str]:
    """The rules a newcomer needs before the talk: how a package passes, who can veto."""

    rules = scenario.rules
    lines = [
        f"Rules: up to {rules.max_rounds} rounds of tabling packages and voting on them"
        f" ({rules.ballot} ballot). Decided by {rule_text(scenario)}."
    ]
    holders = veto_holders(scenario)
    if holders:
        lines.append(
            f"Veto holders: {', '.join(holders)}. A veto is cast explicitly, as its own act "
            '(narrated "<seat> VETOES <package>"); a veto holder\'s "no" is an ordinary vote '
            "and blocks nothing by itself."
        )
    return lines


def _score_table(concluded: TalksConcluded, lineup: dict[str, str]) -> list[str]:
    width = max(len("seat"), *(len(s.seat) for s in concluded.scores))
    strategy = max(len("strategy"), *(len(name) for name in lineup.values()))
    lines = [
        "Final scores. raw: what the outcome is worth to the seat, minus compliance costs,",
        "harm, sanctions and inspection costs (plus any gains from defecting); normalised:",
        "raw placed between the seat's worst (0) and best (1) possible outcomes.",
        f"  {'seat':<{width}}  {'strategy':<{strategy}}  {'raw':>7}  {'normalised':>10}"
        "  violations detected",
    ]
    for score in sorted(concluded.scores, key=lambda s: -s.normalised):
        lines.append(
            f"  {score.seat:<{width}}  {lineup[score.seat]:<{strategy}}  {score.raw:>+7.3f}"
            f"  {score.normalised:>10.3f}  {score.detected}"
        )
    return lines


async def _save_transcript(base: str, room: str, organizer: str, path: Path) -> tuple[bool, str]:
    """Fetch the room's full transcript as the organizer, write it to ``path`` and
    verify it; returns (verified, a line saying so)."""

    url = f"{base}/api/rooms/{room}/transcript"
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, headers={"Authorization": f"Bearer {organizer}"}) as res,
    ):
        body = await res.read()
        if res.status != 200:
            return False, f"cannot fetch the transcript ({res.status}): {body[:200]!r}"
    path.write_bytes(body)
    try:
        result = verify(read(body.splitlines()))
    except ValueError as exc:
        return False, f"Transcript written to {path}, but it is not a transcript: {exc}"
    if result.ok:
        return True, (
            f"Transcript written to {path}: {result.events} events; "
            "hash chain ok, replay ok: verified."
        )
    problems = "; ".join(result.problems) or "unknown problem"
    return False, (
        f"Transcript written to {path}: NOT verified "
        f"(hash chain {'ok' if result.chain_ok else 'BROKEN'}, "
        f"replay {'ok' if result.replay_ok else 'MISMATCH'}): {problems}"
    )


async def run_demo(
    *,
    scenario: str,
    seed: int,
    host: str,
    port: int,
    db: str,
    once: bool,
    delay: float,
    transcript: str | None = None,
    human: str | None = None,
) -> int:
    """Serve, play one narrated talk among built-in bots, then exit (``once``) or keep serving.

    ``transcript`` is where the room's transcript is written; with ``once`` it
    defaults to ``accord-demo-<room>.jsonl`` in the current directory. ``human``
    is a seat left to a person (in the web page or ``accord join``): the talk
    starts when they take it, with phase time limits fit for people.
    """

    the_scenario = load_scenario(scenario)
    if human is not None and human not in the_scenario.seats:
        print(
            f"--human: no seat {human!r} in {the_scenario.id}; its seats are "
            + ", ".join(the_scenario.seats),
            file=sys.stderr,
        )
        return 2

    organizer = new_token("organizer")
    settings = Settings(host=host, port=port, db=db, organizer_token=organizer)
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
    print(f"accord server on {base}/ (SQLite store: {Path(db).resolve()})")
    print(f"Scenario: {the_scenario.title}")
    for line in _opening(the_scenario):
        print(line)
    print()
    played = the_scenario
    if human is not None:
        rules = msgspec.structs.replace(the_scenario.rules, time_limits=HUMAN_TIME)
        played = msgspec.structs.replace(the_scenario, rules=rules)
    live, tokens = await hub.create_room(played, seed=seed)
    rng = random.Random(seed)
    names = [name for name in LINEUP if name in available()]
    order = rng.sample(the_scenario.seats, k=len(the_scenario.seats))
    lineup = {seat: names[n % len(names)] for n, seat in enumerate(order)}
    if human is not None:
        lineup[human] = "you"
    for seat in the_scenario.seats:
        print(f"  {seat:<12} played by {lineup[seat]}")
    print()
    print(f"Watch this talk in the web page: {base}/#/rooms/{live.id}")
    if human is not None:
        for line in _invitation(base, live.id, human, tokens[human]):
            print(line)
    print(flush=True)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    watcher = asyncio.create_task(_watch(ws_url, live.id, scenario, lines))
    await asyncio.sleep(0.1)
    bots = [
        BotClient(load(lineup[seat]), ws_url, tokens[seat], seed=seed)
        for seat in the_scenario.seats
        if seat != human
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
        print()
        for line in _score_table(concluded, lineup):
            print(line)
    status = 0
    print()
    url = f"{base}/api/rooms/{live.id}/transcript"
    if once and transcript is None:
        transcript = f"accord-demo-{live.id}.jsonl"
    if transcript is not None:
        # fetched now: with --once the server is about to stop
        verified, report = await _save_transcript(base, live.id, organizer, Path(transcript))
        print(report, file=sys.stdout if verified else sys.stderr)
        status = 0 if verified else 1
    else:
        print(f"Transcript: {url}")
    if human is None:
        # the showcase ends with a tournament; a person came to play one talk
        print()
        board = await _tournament(db, seed)
        for line in board:
            print(line, flush=True)
    tried = " ".join(names[:3])
    steps = []
    if transcript is not None:
        steps.append(("check the transcript again", f"accord verify {shlex.quote(transcript)}"))
    else:
        steps.append(
            ("check the transcript", f"curl -so talk.jsonl {url} && accord verify talk.jsonl")
        )
    if human is None:
        steps.append(
            (
                "read the tournament",
                f"accord tournament report {shlex.quote(db)} --name {DEMO_TOURNAMENT}"
                " -o tournament.html",
            )
        )
        seat = the_scenario.seats[0]
        steps.append(
            ("take a seat yourself", f"accord demo --human {seat}   (any seat of the scenario)")
        )
    steps.append(
        (
            "try strategies locally",
            f"accord bot play {tried} --scenario {shlex.quote(scenario)}"
            "   (accord bot list names them all)",
        )
    )
    if not once:
        steps.append(("replay the talk in the page", f"{base}/#/rooms/{live.id}"))
        steps.append(("browse rooms and tournaments", f"{base}/   (serving until Ctrl-C)"))
    width = max(len(what) for what, _ in steps) + 1
    print("\nWhat next:")
    for what, how in steps:
        print(f"  {what + ':':<{width}}  {how}", flush=True)
    if once:
        await runner.cleanup()
        return status
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return status


def _invitation(base: str, room: str, seat: str, token: str) -> list[str]:
    """How the person takes their seat: a page link (the token in the fragment, which
    browsers never send to a server) or the terminal client."""

    return [
        f"Your seat is {seat}. The talks begin when you take it, in the browser:",
        f"  {base}/#/rooms/{room}?token={token}",
        "or in a terminal:",
        f"  accord join {base} --token {token}",
        "Each phase waits up to "
        + ", ".join(f"{int(s)} s for {p}" for p, s in msgspec.structs.asdict(HUMAN_TIME).items())
        + "; the bots act at once.",
    ]


DEMO_TOURNAMENT = "demo"
"""The name of the showcase tournament in the demo's store."""


def _demo_tournament(seed: int) -> Tournament:
    """Six built-ins on two bundled scenarios, a few seatings each: seconds of play."""

    names = [n for n in LINEUP if n != "veto-player"]
    return tournament_from_dict(
        {
            "name": DEMO_TOURNAMENT,
            "seed": seed,
            "format": "sample",
            "sample": 10,
            "entries": [{"name": n, "strategy": n} for n in names],
            "scenarios": [{"name": "climate-accord"}, {"name": "trade-round"}],
        }
    )


async def _tournament(db: str, seed: int) -> list[str]:
    """Play (or, already in the store, read) the showcase tournament; its leaderboard."""

    from accord.server.tournament.runner import run_tournament
    from accord.server.tournament.standings import standings
    from accord.server.tournament.store import load_results

    tournament = _demo_tournament(seed)
    loop = asyncio.get_running_loop()

    def play() -> tuple[Tournament, list[TalkResult]]:
        # in worker processes, off the server's event loop; a store that holds
        # this tournament already (an earlier demo) plays only what is missing
        run_tournament(tournament, db, workers=2, resume=True)
        return load_results(db, tournament.name)

    played, results = await loop.run_in_executor(None, play)
    board = standings(results, played)
    lines = [
        f"A short tournament: {len(tournament.entry_names)} built-in strategies,"
        f" {board.talks} talks on climate-accord and trade-round"
        " (score: 0 = no deal, 1 = the seat's best deal kept by all)",
    ]

    def signed(x: float) -> str:
        return f"{round(x, 3) + 0.0:+.3f}"  # + 0.0: no "-0.000"

    width = max(len(e.entry) for e in board.entries)
    for place, row in enumerate(board.entries, 1):
        score = "—" if row.mean_score is None else signed(row.mean_score)
        interval = (
            ""
            if row.ci_low is None or row.ci_high is None
            else f"  [{signed(row.ci_low)}, {signed(row.ci_high)}]"
        )
        lines.append(f"  {place}. {row.entry:<{width}}  {score}{interval}  ({row.talks} talks)")
    return lines


def demo(args: object) -> int:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    from accord.server.logs import configure

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
                transcript=args.transcript,  # type: ignore[attr-defined]
                human=args.human,  # type: ignore[attr-defined]
            )
        )
    except KeyboardInterrupt:
        return 0
