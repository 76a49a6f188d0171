"""Tournament throughput: talks per second of ``accord tournament run`` by executor and
worker count, against a plain loop of ``play()`` and NegMAS's tournament runner.

The tournament: six built-in entries (hardliner, conceder, adaptive,
tit-for-tat, random, free-rider) on one generated scenario (6 seats, 5 issues
of 4 options = 1024 packages, consensus; seed 2026), ``format = "sample"``
with ``--talks`` seatings (1,000 by default), each talk stored with its
scores and its compressed, verifiable transcript in a fresh SQLite file.
Measured, in turns, ``--repeats`` times (each row gives the median):

1. ``plain loop``: what ``accord bot play`` does, for the same talks (same
   seatings, same seeds), one after the other in one process: load the
   classes, seat fresh delegations, ``play()`` without kept tables; no result,
   transcript or store. The per-worker reference.
2. ``local, 1 worker`` and ``local, 2 workers``: :func:`run_tournament` with
   the process pool; ``dask-local, 2 workers``: with a Dask LocalCluster of 2
   worker processes (one thread each).

Each tournament row gives the rate end to end (the whole call: the store
opened, the processes or the cluster started and stopped) and "steady": the
run's own clock from the plan to the last talk stored, without the
executor's start-up. The ratios the targets are about use the
steady rates: 2 workers / 1 worker (target >= 1.7x on a 2-core machine),
Dask / local pool with 2 workers (target: within 15 %), 1 worker / plain
loop (target: not below 1). The three stores are also compared: their
results must be byte-identical (the same seed).

NegMAS (when importable): its tournament runner
(``negmas.tournaments.neg.cartesian_tournament``) is bilateral, so the
comparison is on a 2-seat generated scenario (5 issues x 4 options, seed
2026): six NegMAS negotiators (Boulware, Conceder, Aspiration, Linear,
naive tit-for-tat, Random), every pair both ways round with self-play, the
seat utilities accord's own, ``n_steps`` = the scenario's rounds, saving its
results to a temporary folder, with ``njobs=-1`` (serial) and ``njobs=2``;
accord plays the six built-ins in every seating of the same scenario as a
tournament of about the same number of talks with 1 and 2 local workers.

Run: ``.venv/bin/python bench/tournament.py [--talks 1000] [--repeats 3]
[--skip-dask] [--skip-negmas]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # ``python bench/tournament.py`` from anywhere
    sys.path.insert(0, str(REPO))

from accord.bots.inprocess import play  # noqa: E402
from accord.bots.registry import load  # noqa: E402
from accord.protocol.tournament import (  # noqa: E402
    Tournament,
    load_scenarios,
    parse_tournament,
    plan,
)
from accord.server.tournament.runner import run_tournament  # noqa: E402
from accord.server.tournament.store import dump  # noqa: E402

LINEUP = ("hardliner", "conceder", "adaptive", "tit-for-tat", "random", "free-rider")
SIX_SEATS = '{ seed = 2026, seats = 6, issues = 5, options = 4, decision = "consensus" }'
TWO_SEATS = "{ seed = 2026, seats = 2, issues = 5, options = 4 }"
TARGET_SCALING = 1.7
TARGET_DASK = 0.85
TARGET_PER_WORKER = 1.0


def tournament_file(name: str, body: str) -> Tournament:
    entries = "".join(f'\n[[entries]]\nname = "{e}"\nstrategy = "{e}"\n' for e in LINEUP)
    return parse_tournament(f'name = "{name}"\nseed = 2026\n{body}\n{entries}', file=name)


@dataclass
class Row:
    name: str
    talks: int = 0
    walls: list[float] = field(default_factory=list)
    steadies: list[float] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def rate(self) -> float:
        return self.talks / self.wall

    @property
    def steady(self) -> float:
        return self.talks / statistics.median(self.steadies) if self.steadies else self.rate

    @property
    def startup(self) -> float:
        return statistics.median(self.startups) if self.startups else 0.0

    def line(self) -> str:
        spread = ""
        if len(self.walls) > 1:
            rates = sorted(self.talks / w for w in self.walls)
            spread = f"{rates[0]:.0f}-{rates[-1]:.0f}/s over {len(self.walls)} passes"
        return (
            f"| {self.name} | {self.talks} | {self.wall:.2f} | {self.rate:.1f} |"
            f" {self.steady:.1f} | {self.startup:.2f} | {spread} |"
        )


def plain_pass(tournament: Tournament, row: Row) -> Callable[[], None]:
    """A loop of ``play()`` over the tournament's talks, as ``accord bot play`` plays one."""

    scenarios = load_scenarios(tournament)
    plans = plan(tournament, scenarios)
    row.talks = len(plans)

    def one() -> None:
        started = time.perf_counter()
        for p in plans:
            scenario = scenarios[p.scenario]
            classes = [load(e) for e in p.seating]
            lineup = {seat: cls() for seat, cls in zip(scenario.seats, classes, strict=True)}
            play(scenario, lineup, seed=p.seed)
        row.walls.append(time.perf_counter() - started)

    return one


def tournament_pass(
    tournament: Tournament, row: Row, executor: str, workers: int, folder: Path, dumps: list[bytes]
) -> Callable[[], None]:
    counter = [0]

    def one() -> None:
        counter[0] += 1
        url = str(folder / f"{row.name.replace(' ', '-').replace(',', '')}-{counter[0]}.db")
        started = time.perf_counter()
        result = run_tournament(tournament, url, executor=executor, workers=workers)
        wall = time.perf_counter() - started
        row.talks = result.played
        row.walls.append(wall)
        row.startups.append(result.startup)
        # the run's own clock, from planning to the last talk stored: without the
        # executor's start-up, and without its shut-down (a cluster takes a while)
        row.steadies.append(result.seconds - result.startup)
        if counter[0] == 1:
            dumps.append(dump(url, tournament.name))

    return one


def negmas_pass(talks: int, row: Row, njobs: int, folder: Path) -> Callable[[], None] | str:
    """NegMAS's cartesian tournament on the 2-seat scenario, or why it cannot run."""

    try:
        warnings.filterwarnings("ignore")
        from negmas import (
            AspirationNegotiator,
            BoulwareTBNegotiator,
            ConcederTBNegotiator,
            LinearAdditiveUtilityFunction,
            LinearTBNegotiator,
            NaiveTitForTatNegotiator,
            RandomNegotiator,
            make_issue,
            make_os,
        )
        from negmas.inout import Scenario as NegmasScenario
        from negmas.tournaments.neg import cartesian_tournament
    except ImportError as exc:
        return f"negmas is not importable ({exc})"

    from accord.protocol.scenario.generate import random_scenario

    scenario = random_scenario(seed=2026, seats=2, issues=5, options=4)
    issues = [make_issue(list(i.options), name=i.id) for i in scenario.issues]
    space = make_os(issues)
    ufuns = []
    for seat in scenario.seats:
        brief = scenario.delegation(seat).brief
        assert brief is not None
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values={
                    i.id: dict(zip(i.options, brief.values[i.id], strict=True))
                    for i in scenario.issues
                },
                weights={i.id: brief.weights[i.id] for i in scenario.issues},
                outcome_space=space,
                reserved_value=brief.reservation,
            )
        )
    negotiators = [
        BoulwareTBNegotiator,
        ConcederTBNegotiator,
        AspirationNegotiator,
        LinearTBNegotiator,
        NaiveTitForTatNegotiator,
        RandomNegotiator,
    ]
    per_repetition = len(negotiators) ** 2 * 2  # every ordered pair, both utility rotations
    repetitions = max(1, round(talks / per_repetition))
    counter = [0]

    def one() -> None:
        counter[0] += 1
        started = time.perf_counter()
        results = cartesian_tournament(
            competitors=negotiators,
            scenarios=[NegmasScenario(outcome_space=space, ufuns=tuple(ufuns))],
            n_repetitions=repetitions,
            njobs=njobs,
            n_steps=scenario.rules.max_rounds,
            path=folder / f"negmas-{njobs}-{counter[0]}",
            verbosity=0,
            save_scenario_figs=False,
            plot_fraction=0.0,
        )
        row.walls.append(time.perf_counter() - started)
        row.talks = len(results.details)

    return one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=1000, help="talks of the tournament")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes of each variant")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-negmas", action="store_true")
    args = parser.parse_args()

    six = tournament_file(
        "bench-six",
        f'format = "sample"\nsample = {args.talks}\n\n[[scenarios]]\ngenerate = {SIX_SEATS}\n',
    )
    scenario = load_scenarios(six)[0]
    load1, load5, _ = os.getloadavg()
    print(
        f"tournament: {args.talks} talks, {len(LINEUP)} entries ({', '.join(LINEUP)}) on a"
        f" generated scenario of {len(scenario.seats)} seats, {scenario.outcome_count} packages,"
        f" {scenario.rules.decision}, {scenario.rules.max_rounds} rounds"
    )
    print(
        f"machine: nproc {os.cpu_count()}, Python {platform.python_version()},"
        f" load average {load1:.1f} (1 min) {load5:.1f} (5 min)\n"
    )
    with tempfile.TemporaryDirectory(prefix="accord-bench-tournament-") as tmp:
        folder = Path(tmp)
        dumps: list[bytes] = []
        plain = Row("plain loop of play() (accord bot play)")
        local1 = Row("local, 1 worker")
        local2 = Row("local, 2 workers")
        dask2 = Row("dask-local, 2 workers")
        turns: list[Callable[[], None]] = [
            plain_pass(six, plain),
            tournament_pass(six, local1, "local", 1, folder, dumps),
            tournament_pass(six, local2, "local", 2, folder, dumps),
        ]
        rows = [plain, local1, local2]
        if not args.skip_dask:
            turns.append(tournament_pass(six, dask2, "dask-local", 2, folder, dumps))
            rows.append(dask2)
        negmas_rows: list[Row] = []
        pair_rows: list[Row] = []
        if not args.skip_negmas:
            serial, parallel = Row("negmas cartesian, serial"), Row("negmas cartesian, njobs=2")
            made = [negmas_pass(args.talks, r, n, folder) for r, n in ((serial, -1), (parallel, 2))]
            if any(isinstance(m, str) for m in made):
                print(f"NegMAS part skipped: {next(m for m in made if isinstance(m, str))}")
            else:
                negmas_rows = [serial, parallel]
                turns.extend(m for m in made if not isinstance(m, str))
                pairs = tournament_file(
                    "bench-pairs",
                    f"repetitions = {max(1, round(args.talks / 30))}\n\n[[scenarios]]\n"
                    f"generate = {TWO_SEATS}\n",
                )
                pair1 = Row("accord, 2 seats, local, 1 worker")
                pair2 = Row("accord, 2 seats, local, 2 workers")
                pair_rows = [pair1, pair2]
                turns.append(tournament_pass(pairs, pair1, "local", 1, folder, []))
                turns.append(tournament_pass(pairs, pair2, "local", 2, folder, []))
        for n in range(args.repeats):
            for one in turns:
                one()
            print(f"  pass {n + 1}/{args.repeats} done")

    print()
    print("| run | talks | wall s | talks/s | steady talks/s | start-up s | spread |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for row in rows + pair_rows + negmas_rows:
        print(row.line())
    print()
    identical = len(dumps) >= 2 and all(d == dumps[0] for d in dumps)
    print(
        f"stored results byte-identical across {len(dumps)} executors/worker counts: {identical}"
        f" ({len(dumps[0]) / 1e6:.1f} MB canonical dump)"
    )

    def verdict(ok: bool) -> str:
        return "meets" if ok else "MISSES"

    scaling = local2.steady / local1.steady
    print(
        f"2 workers / 1 worker: {scaling:.2f}x steady ({local2.rate / local1.rate:.2f}x end to"
        f" end); {verdict(scaling >= TARGET_SCALING)} the target of >= {TARGET_SCALING}x"
    )
    if dask2.walls:
        ratio = dask2.steady / local2.steady
        print(
            f"dask-local / local, 2 workers: {ratio:.2f} steady ({dask2.rate / local2.rate:.2f}"
            f" end to end, Dask start-up {dask2.startup:.1f} s); {verdict(ratio >= TARGET_DASK)}"
            f" the target of within 15 %"
        )
    per_worker = local1.steady / plain.rate
    print(
        f"per worker: local 1 worker / plain loop: {per_worker:.2f}x steady"
        f" ({local1.rate / plain.rate:.2f}x end to end); {verdict(per_worker >= TARGET_PER_WORKER)}"
        " the target of not below the plain loop"
    )
    if negmas_rows:
        for ours, theirs in zip(pair_rows, negmas_rows, strict=True):
            print(
                f"2 seats: {ours.name} / {theirs.name}: {ours.rate / theirs.rate:.1f}x talks per"
                " second (end to end, both storing their results)"
            )


if __name__ == "__main__":  # the worker processes import this file; they must not run it
    main()
