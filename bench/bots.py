"""Bot throughput: built-in strategies in-process, over websockets, and NegMAS side by side.

One generated scenario (6 seats, 5 issues of 4 options = 1024 packages,
consensus, 10 rounds at most) and fixed line-ups of built-in strategies (the
mixed one: hardliner, conceder, adaptive, tit-for-tat, random, free-rider,
seat by seat) play N talks, one per seed. Measured:

1. ``in-process``: :func:`accord.bots.inprocess.play` on one core, complete talks per
   second (the implementation phase runs only after a deal; the ``deals``
   column shows how many talks had one: with these line-ups and a consensus
   rule they end without, playing all 10 rounds of tabling and ballot, as the
   NegMAS negotiations play all 10 steps). Three line-ups: the mixed one
   above; accord's time-dependent strategies seat for seat against NegMAS's
   time-based negotiators (hardliner, conceder, conceder, tit-for-tat,
   hardliner, conceder: the like-for-like comparison the target is about);
   and six stub delegations of near-zero cost (table the best package, vote
   yes only on their own): the framework's ceiling (engine, runner, context).
2. ``websocket``: the accord server in a subprocess (``python -m accord
   serve``) on a temporary SQLite file on 127.0.0.1; every room is created
   through ``POST /api/rooms`` with the scenario inline; the six seats of each
   room are :class:`accord.bots.websocket.BotClient` s in this process; ``--concurrency``
   rooms play at once (a slot takes the next room as soon as its talk ends).
   Talks per second over the whole window (room creation included), with the
   CPU seconds of the client (bots) and of the server.
3. ``negmas``: NegMAS's stacked alternating offers protocol (``SAOMechanism``)
   with six negotiators on the same agenda (5 issues x 4 options, the same
   option ids), each with a ``LinearAdditiveUtilityFunction`` built from the
   same seat's brief (issue weights, option values) and its reservation value
   as ``reserved_value``; ``n_steps=10`` where one step lets each of the six
   negotiators act once (SAO's default, ``one_offer_per_step=False``), so at
   most 10 x 6 turns, like accord's 10 rounds of 6 seats. Two line-ups: the
   built-in time-based negotiators (Boulware, Conceder, Aspiration, Linear,
   Boulware, Conceder), which the target compares with, and a "mirrored"
   line-up with a tit-for-tat and a random negotiator in the seats where the
   mixed accord line-up has them.

Every negotiation builds its own room or mechanism and its delegations or
negotiators inside the timed loop. Two ways of building the rest:

- ``cold``: everything a talk derives from its scenario is built inside the
  timed loop, per talk, on both sides: accord's utility functions, packages,
  rankings and strategy valuations (``play`` without ``tables``); NegMAS's
  ``LinearAdditiveUtilityFunction`` objects (its negotiators then build their
  own outcome tables when they are given them).
- ``warm``: what can be reused across talks on one scenario is built once,
  before the timed passes, on both sides: accord's ``accord.bots.tables.Tables``
  passed to every ``play``; NegMAS's utility functions, one per seat, handed
  to the negotiators of every negotiation. A tournament plays one scenario
  thousands of times, so both are honest questions. The in-process and
NegMAS variants are timed in ``--repeats`` passes over the same talks, taking
turns, and each row gives the median pass (its note: the slowest and the
fastest). Rounds per second (talks x rounds actually played) are printed too,
because talks that reach an agreement early do less work than talks that run
all 10 rounds. Besides wall time, the CPU seconds per talk are printed (this
process's CPU time; for the websocket part client plus server). The ratios
are given both ways.

Target: accord in-process >= 5x NegMAS negotiations per second at equal party
count and outcome-space size, NegMAS with its built-in time-based negotiators:
compared like for like, with accord's time-dependent strategies, cold against
cold and warm against warm. Every accord talk reads its chain head (as a
tournament recording transcript hashes does), secret votes sealed included.

Run: ``.venv/bin/python bench/bots.py [--talks 60] [--ws-talks 30]
[--concurrency 10] [--negmas-talks 50] [--repeats 5] [--profile] [--skip-ws]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import platform
import pstats
import secrets
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # ``python bench/bots.py`` from anywhere
    sys.path.insert(0, str(REPO))

import msgspec  # noqa: E402
from msgspec.structs import replace  # noqa: E402
from server_load import free_port, start_accord  # noqa: E402  (the server both benchmarks start)

from accord.bots.inprocess import play  # noqa: E402
from accord.bots.registry import load  # noqa: E402
from accord.bots.sdk import Delegation  # noqa: E402
from accord.bots.tables import Tables  # noqa: E402
from accord.protocol.scenario.generate import random_scenario  # noqa: E402
from accord.protocol.scenario.model import Scenario  # noqa: E402
from accord.protocol.scenario.utility import utility_functions  # noqa: E402

LINEUP = ("hardliner", "conceder", "adaptive", "tit-for-tat", "random", "free-rider")
# accord's time-dependent strategies, seat for seat against NegMAS's time-based
# line-up (Boulware, Conceder, Aspiration, Linear, Boulware, Conceder)
TIME_BASED = ("hardliner", "conceder", "conceder", "tit-for-tat", "hardliner", "conceder")
SCENARIO_SEED = 2026
SEATS, ISSUES, OPTIONS, ROUNDS = 6, 5, 4, 10
TALK_TIMEOUT = 60.0  # a websocket talk that takes longer is abandoned and counted as failed
TARGET_RATIO = 5.0


def bench_scenario() -> Scenario:
    base = random_scenario(
        seed=SCENARIO_SEED, seats=SEATS, issues=ISSUES, options=OPTIONS, decision="consensus"
    )
    return replace(base, rules=replace(base.rules, max_rounds=ROUNDS))


def lineup(scenario: Scenario, names: tuple[str, ...] = LINEUP) -> dict[str, type[Delegation]]:
    classes = [load(name) for name in names]
    return {seat: classes[n % len(classes)] for n, seat in enumerate(scenario.seats)}


class Stub(Delegation):
    """Near-zero strategy cost: tables its best package every round, votes yes
    only on its own. No package passes a consensus vote, so a talk of six stubs
    plays all the rounds with about the mix's number of commands; its rate is
    the framework's ceiling (engine, runner, visibility, context) for this size."""

    name = "bench-stub"

    def on_start(self, ctx: Any) -> None:
        self._best = ctx.best_package()

    def table(self, ctx: Any) -> list[dict[str, str]]:
        return [self._best]

    def vote(self, ctx: Any, package: Any) -> Any:
        return "yes" if package.seat == ctx.seat else "no"


@dataclass
class Result:
    name: str
    talks: int
    seconds: float
    rounds: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    note: str = ""

    cpu: float = 0.0
    """CPU seconds spent (this process, plus the server for websockets)."""

    passes: list[tuple[float, float]] = field(default_factory=list)
    """(wall seconds, CPU seconds) of each timed pass over the same talks."""

    def add_pass(self, wall: float, cpu: float) -> None:
        """Record one pass; ``seconds`` and ``cpu`` become the medians over the passes."""

        self.passes.append((wall, cpu))
        self.seconds = statistics.median(w for w, _ in self.passes)
        self.cpu = statistics.median(c for _, c in self.passes)

    @property
    def spread(self) -> str:
        """Talks per second of the slowest and the fastest pass."""

        if len(self.passes) < 2:
            return ""
        rates = sorted(self.talks / w for w, _ in self.passes if w > 0)
        return f"{rates[0]:.0f}-{rates[-1]:.0f}/s over {len(self.passes)} passes"

    @property
    def cpu_per_talk(self) -> float:
        return self.cpu / self.talks if self.talks else 0.0

    @property
    def per_cpu_s(self) -> float:
        return self.talks / self.cpu if self.cpu > 0 else 0.0

    @property
    def per_s(self) -> float:
        return self.talks / self.seconds if self.seconds > 0 else 0.0

    @property
    def rounds_per_s(self) -> float:
        return self.rounds / self.seconds if self.seconds > 0 else 0.0

    @property
    def mean_rounds(self) -> float:
        return self.rounds / self.talks if self.talks else 0.0

    @property
    def deals(self) -> str:
        done = self.talks - self.failed
        return f"{self.outcomes.get('agreement', 0)}/{done}"


# --- 1. in-process ------------------------------------------------------------------------


def inprocess_pass(
    scenario: Scenario,
    seeds: range,
    name: str,
    seats: dict[str, type[Delegation]],
    *,
    warm: bool = False,
) -> tuple[Result, Callable[[], None]]:
    """A result and the function that adds one timed pass over ``seeds`` to it
    (``warm``: one ``Tables`` for every talk, built in the warm-up)."""

    tables = Tables() if warm else None
    play(scenario, {s: cls() for s, cls in seats.items()}, seed=10**6, tables=tables)  # warm-up
    result = Result(name, len(seeds), 0.0)

    def one_pass() -> None:
        outcomes: Counter[str] = Counter()
        rounds = problems = 0
        cpu0 = time.process_time()
        started = time.perf_counter()
        for seed in seeds:
            talk = play(scenario, {s: cls() for s, cls in seats.items()}, seed=seed, tables=tables)
            assert len(talk.room.chain.head) == 64
            concluded = talk.room.concluded
            assert concluded is not None
            outcomes[concluded.outcome] += 1
            rounds += concluded.rounds
            problems += len(talk.rejections) + len(talk.failures)
        result.add_pass(time.perf_counter() - started, time.process_time() - cpu0)
        result.outcomes, result.rounds = outcomes, rounds  # the same talks every pass
        if problems:
            result.note = f"{problems} rejected commands / hook failures"

    return result, one_pass


def profile_inprocess(scenario: Scenario, talks: int) -> None:
    """Where an in-process talk spends its time: shares of a few key functions."""

    seats = lineup(scenario)
    profiler = cProfile.Profile()
    profiler.enable()
    for seed in range(talks):
        play(scenario, {s: cls() for s, cls in seats.items()}, seed=seed)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cumulative: dict[tuple[str, str], float] = {}
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
        key = (Path(file).parent.name + "/" + Path(file).name, func)
        cumulative[key] = max(cumulative.get(key, 0.0), ct)
    total = cumulative.get(("bots/inprocess.py", "play"), 0.0) or 1.0
    watched = [
        (
            ("bots/tactics.py", "package_near"),
            "package_near (hardliner, conceder, tit-for-tat tabling)",
        ),
        (("scenario/utility.py", "__call__"), "UtilityFunction.__call__ (all callers)"),
        (("strategies/adaptive.py", "on_start"), "adaptive on_start (values every package)"),
        (("strategies/adaptive.py", "table"), "adaptive table (opponent model, Nash plan)"),
        (("strategies/free_rider.py", "on_start"), "free-rider on_start (values every package)"),
        (("engine/room.py", "handle"), "engine Room.handle (rules, events, hash chain)"),
        (("bots/runner.py", "_vote"), "runner ballots (every strategy's vote hook included)"),
        (("bots/context.py", "keep"), "public record (keep)"),
        (("engine/chain.py", "_hash_waiting"), "hash chain (head)"),
    ]
    print(
        f"\nprofile of {talks} in-process talks: {total:.2f} s under cProfile "
        "(cumulative shares; nested calls overlap)"
    )
    for key, label in watched:
        if key in cumulative:
            print(f"  {cumulative[key] / total:6.1%}  {label}")


# --- 2. websockets ------------------------------------------------------------------------


async def _ws_talks(
    scenario: Scenario, seeds: range, concurrency: int, workdir: Path
) -> tuple[Result, float, float, float]:
    import aiohttp
    import structlog

    from accord.bots.websocket import BotClient

    # BotClient logs refused commands at warning level; keep the bench output clean.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))

    token = "org_" + secrets.token_urlsafe(16)
    server = start_accord(workdir, free_port(), token)
    seats = lineup(scenario)
    body_scenario = msgspec.to_builtins(scenario)
    headers = {"Authorization": f"Bearer {token}"}
    result = Result("websocket", len(seeds), 0.0)
    creating = 0.0
    try:
        async with aiohttp.ClientSession() as http:
            await server.wait_healthy()

            async def one(seed: int) -> None:
                nonlocal creating
                t0 = time.perf_counter()
                async with http.post(
                    server.url + "/api/rooms",
                    json={"scenario": body_scenario, "seed": seed},
                    headers=headers,
                ) as res:
                    created = await res.json()
                    if res.status != 201:
                        raise RuntimeError(f"POST /api/rooms: {res.status} {created}")
                creating += time.perf_counter() - t0
                bots = [
                    BotClient(cls, server.ws_url, created["seats"][seat], seed=seed)
                    for seat, cls in seats.items()
                ]
                try:
                    await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), TALK_TIMEOUT)
                except (TimeoutError, OSError, ConnectionError) as exc:
                    result.failed += 1
                    print(f"  websocket talk seed {seed} failed: {exc!r}", file=sys.stderr)
                    for b in bots:
                        with contextlib.suppress(Exception):
                            await b.stop()
                    return
                play_ = bots[0].rooms.get(created["room"])
                concluded = play_.concluded if play_ is not None else None
                if concluded is None:
                    result.failed += 1
                    return
                result.outcomes[concluded.outcome] += 1
                result.rounds += concluded.rounds

            gate = asyncio.Semaphore(concurrency)

            async def slot(seed: int) -> None:
                async with gate:
                    await one(seed)

            await one(10**6)  # warm-up (imports, first connections)
            result.outcomes.clear()
            result.rounds = 0
            result.failed = 0
            creating = 0.0
            server_cpu0, client_cpu0 = server.cpu_seconds(), time.process_time()
            started = time.perf_counter()
            await asyncio.gather(*(slot(seed) for seed in seeds))
            result.seconds = time.perf_counter() - started
            server_cpu = server.cpu_seconds() - server_cpu0
            client_cpu = time.process_time() - client_cpu0
    finally:
        server.stop()
    return result, server_cpu, client_cpu, creating


def run_websocket(scenario: Scenario, seeds: range, concurrency: int) -> tuple[Result, str]:
    with tempfile.TemporaryDirectory(prefix="accord-bench-bots-") as tmp:
        result, server_cpu, client_cpu, creating = asyncio.run(
            _ws_talks(scenario, seeds, concurrency, Path(tmp))
        )
    detail = (
        f"client (bots) CPU {client_cpu:.1f} s = {client_cpu / result.seconds:.0%} of a core, "
        f"server CPU {server_cpu:.1f} s = {server_cpu / result.seconds:.0%} of a core, "
        f"room creation {creating:.2f} s summed over rooms"
    )
    result.cpu = server_cpu + client_cpu
    if result.failed:
        result.note = f"{result.failed} failed"
    return result, detail


# --- 3. NegMAS ----------------------------------------------------------------------------


def negmas_setup(
    scenario: Scenario,
) -> tuple[str, Callable[[int, str], tuple[Result, Callable[[], None]]]] | str:
    """(version, runner) or the reason NegMAS cannot be used."""

    try:
        warnings.filterwarnings("ignore")
        import negmas
        from negmas import (
            AspirationNegotiator,
            BoulwareTBNegotiator,
            ConcederTBNegotiator,
            LinearAdditiveUtilityFunction,
            LinearTBNegotiator,
            NaiveTitForTatNegotiator,
            RandomNegotiator,
            SAOMechanism,
            make_issue,
        )
    except ImportError as exc:
        return f"negmas is not importable ({exc}); install it with `.venv/bin/pip install negmas`"

    issues = [make_issue(list(issue.options), name=issue.id) for issue in scenario.issues]

    def ufun(seat: str) -> Any:
        brief = scenario.delegation(seat).brief
        assert brief is not None
        return LinearAdditiveUtilityFunction(
            values={
                i.id: dict(zip(i.options, brief.values[i.id], strict=True)) for i in scenario.issues
            },
            weights={i.id: brief.weights[i.id] for i in scenario.issues},
            issues=issues,
            reserved_value=brief.reservation,
        )

    # The NegMAS utility functions must be accord's utilities, package for package.
    accord_u = utility_functions(scenario)
    for seat in scenario.seats:
        u = ufun(seat)
        for n in range(0, scenario.outcome_count, 37):
            package, rest = {}, n
            for issue in scenario.issues:
                rest, k = divmod(rest, len(issue.options))
                package[issue.id] = issue.options[k]
            outcome = tuple(package[i.id] for i in scenario.issues)
            assert abs(float(u(outcome)) - accord_u[seat](package)) < 1e-9, (seat, package)
        assert u.reserved_value == accord_u[seat].reservation

    time_based = [
        BoulwareTBNegotiator,  # hardliner
        ConcederTBNegotiator,  # conceder
        AspirationNegotiator,  # adaptive
        LinearTBNegotiator,  # tit-for-tat
        BoulwareTBNegotiator,  # random
        ConcederTBNegotiator,  # free-rider
    ]

    def random_negotiator(**kw: Any) -> Any:
        # p_ending=0: the default ends one talk in ten at each of its turns
        return RandomNegotiator(p_ending=0.0, **kw)

    mirrored = [
        BoulwareTBNegotiator,  # hardliner
        ConcederTBNegotiator,  # conceder
        AspirationNegotiator,  # adaptive
        NaiveTitForTatNegotiator,  # tit-for-tat
        random_negotiator,  # random
        LinearTBNegotiator,  # free-rider
    ]
    lineups = {"time-based": time_based, "mirrored": mirrored}

    def run(talks: int, which: str, warm: bool = False) -> tuple[Result, Callable[[], None]]:
        factories = lineups[which]
        kept = {seat: ufun(seat) for seat in scenario.seats} if warm else None

        def once() -> Any:
            mechanism = SAOMechanism(issues=issues, n_steps=ROUNDS)
            for n, (seat, factory) in enumerate(zip(scenario.seats, factories, strict=True)):
                preferences = kept[seat] if kept is not None else ufun(seat)
                mechanism.add(factory(name=f"{seat}-{n}"), preferences=preferences)
            return mechanism.run()

        once()  # warm-up
        result = Result(f"negmas {which}, {'warm' if warm else 'cold'}", talks, 0.0)

        def one_pass() -> None:
            outcomes: Counter[str] = Counter()
            rounds = failed = 0
            cpu0 = time.process_time()
            started = time.perf_counter()
            for _ in range(talks):
                state = once()
                outcomes["agreement" if state.agreement is not None else "no_deal"] += 1
                rounds += state.step
                if state.has_error or state.broken:
                    failed += 1
            result.add_pass(time.perf_counter() - started, time.process_time() - cpu0)
            result.outcomes, result.rounds, result.failed = outcomes, rounds, failed
            if failed:
                result.note = f"{failed} broken/erred"

        return result, one_pass

    return negmas.__version__, run


# --- report -------------------------------------------------------------------------------


def table(rows: list[Result]) -> list[str]:
    lines = [
        "| run | talks | wall s | talks/s | CPU s/talk | talks/CPU-s | mean rounds | rounds/s"
        " | deals | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.talks} | {r.seconds:.2f} | {r.per_s:.1f} | {r.cpu_per_talk:.3f} "
            f"| {r.per_cpu_s:.1f} | {r.mean_rounds:.1f} "
            f"| {r.rounds_per_s:.0f} | {r.deals} | {r.note} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=60, help="in-process talks per variant")
    parser.add_argument("--ws-talks", type=int, default=30, help="websocket talks")
    parser.add_argument("--concurrency", type=int, default=10, help="websocket rooms at once")
    parser.add_argument(
        "--negmas-talks", type=int, default=50, help="NegMAS negotiations per line-up"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed passes per in-process and NegMAS variant"
    )
    parser.add_argument("--profile", action="store_true", help="profile 20 in-process talks too")
    parser.add_argument("--skip-ws", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    scenario = bench_scenario()
    impl = scenario.implementation
    print(
        f"scenario: {len(scenario.seats)} seats, {len(scenario.issues)} issues x {OPTIONS} options"
        f" = {scenario.outcome_count} packages, {scenario.rules.decision}, "
        f"{scenario.rules.max_rounds} rounds, {scenario.rules.proposals_per_round} proposal(s)"
        f"/seat/round, {impl.periods if impl else 0} implementation periods"
    )
    print(f"line-up: {', '.join(f'{s}={n}' for s, n in zip(scenario.seats, LINEUP, strict=False))}")
    negmas_version = "-"
    setup = negmas_setup(scenario)
    if isinstance(setup, str):
        print(f"NegMAS part skipped: {setup}")
    else:
        negmas_version = setup[0]
    load1, load5, _ = os.getloadavg()
    print(
        f"machine: nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"negmas {negmas_version}, load average {load1:.1f} (1 min) {load5:.1f} (5 min)\n"
    )

    # Every in-process and NegMAS variant is timed in --repeats passes over the
    # same talks, the variants taking turns, so that a change in the machine's
    # load touches all of them alike; each row gives the median pass.
    seeds = range(args.talks)
    stubs = dict.fromkeys(scenario.seats, Stub)
    accord, accord_pass = inprocess_pass(
        scenario, seeds, "accord in-process, cold", lineup(scenario)
    )
    accord_warm, accord_warm_pass = inprocess_pass(
        scenario, seeds, "accord in-process, warm", lineup(scenario), warm=True
    )
    timed, timed_pass = inprocess_pass(
        scenario, seeds, "accord in-process, time-based line-up, cold", lineup(scenario, TIME_BASED)
    )
    timed_warm, timed_warm_pass = inprocess_pass(
        scenario,
        seeds,
        "accord in-process, time-based line-up, warm",
        lineup(scenario, TIME_BASED),
        warm=True,
    )
    floor, floor_pass = inprocess_pass(
        scenario, range(args.talks * 3), "accord in-process, 6 stubs", stubs
    )
    turns = [accord_pass, accord_warm_pass, timed_pass, timed_warm_pass, floor_pass]
    negmas_rows: list[Result] = []
    if not isinstance(setup, str):
        for which, warm in (("time-based", False), ("time-based", True), ("mirrored", False)):
            row, row_pass = setup[1](args.negmas_talks, which, warm)
            negmas_rows.append(row)
            turns.append(row_pass)
    for n in range(args.repeats):
        for one_pass in turns:
            one_pass()
        print(f"  pass {n + 1}/{args.repeats} done")
    for row in (accord, accord_warm, timed, timed_warm, floor, *negmas_rows):
        row.note = "; ".join(x for x in (row.spread, row.note) if x)
        print(f"  {row.name + ':':<40} {row.per_s:7.1f} talks/s (median of the passes)")
    rows: list[Result] = [accord, accord_warm]
    ws_detail = ""
    if not args.skip_ws:
        try:
            ws, ws_detail = run_websocket(scenario, range(args.ws_talks), args.concurrency)
        except RuntimeError as exc:
            print(f"  websocket part FAILED, skipped: {exc}")
        else:
            ws.name = f"accord websocket ({args.concurrency} rooms at once)"
            rows.append(ws)
            print(f"  websocket:             {ws.per_s:7.1f} talks/s ({ws_detail})")
    rows.extend(negmas_rows)
    rows += [timed, timed_warm, floor]

    print()
    print("\n".join(table(rows)))
    if ws_detail:
        print(f"\nwebsocket: {ws_detail}")
    if negmas_rows:
        print()
        for reference in negmas_rows[:1]:
            print(
                f"ceiling {floor.name} / {reference.name}: {floor.per_s / reference.per_s:.2f}x "
                f"talks per wall second, {floor.per_cpu_s / reference.per_cpu_s:.2f}x talks "
                "per CPU second (what accord's framework allows with free strategies)"
            )
        for ours, theirs in ((timed, negmas_rows[0]), (timed_warm, negmas_rows[1])):
            like = ours.per_s / theirs.per_s
            like_cpu = ours.per_cpu_s / theirs.per_cpu_s
            verdict = "meets" if min(like, like_cpu) >= TARGET_RATIO else "MISSES"
            print(
                f"target, like for like: {ours.name} / {theirs.name}: {like:.2f}x talks "
                f"per wall second, {like_cpu:.2f}x per CPU second; {verdict} the target of "
                f">= {TARGET_RATIO:g}x"
            )
        for reference in negmas_rows[:1] + negmas_rows[2:]:
            ratio = accord.per_s / reference.per_s
            cpu_ratio = accord.per_cpu_s / reference.per_cpu_s
            print(
                f"mixed line-up: {accord.name} / {reference.name}: {ratio:.2f}x talks per wall "
                f"second, {cpu_ratio:.2f}x talks per CPU second"
            )
    else:
        print("\nratio accord / NegMAS: not measured (NegMAS unavailable)")
    if args.profile:
        profile_inprocess(scenario, 20)
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
