"""Running a tournament: plan, play every series that is not stored yet, store it.

:func:`run_tournament` is what ``accord tournament run`` calls (and what
scripts and the server may call). The unit of work is a **series**: the talks
of the plan that share ``series``, in game order, played one after the other
by one worker process (with ``reputation = true``, each talk after the first
shows every seat the public records of the earlier talks of the series:
:mod:`accord.server.tournament.reputation`). Consecutive short series are
sent to a worker together, as one task (:func:`_tasks`), so that the cost of
a task (a few milliseconds on Dask) does not show beside talks that take as
much; a series is never split.

Determinism. A talk's seed comes from the tournament's seed and the talk's id
(:func:`~accord.protocol.tournament.talk_seed`); its result is a function of
that seed, its seating and the earlier talks of its series only. Results are
stored keyed by talk id with their place in the plan, never in the order
workers finish, and with no clock time or worker name beside them (timing
goes to the store's ``tournament_runs`` alone). So the stored results of the
same file are byte for byte the same whatever the executor and the number of
workers. (Two things escape this: a strategy hook that overruns its
``budget`` of wall-clock seconds plays the default instead, and talks with
sandboxed or remote entries run on a real server, in real time.)

Resume. Finished series are stored with their transcripts in transactions
that hold whole series only (those that finished in the last half second,
together), so a run killed at any moment (SIGKILL included) leaves whole
series only. ``resume`` plays exactly the
series the store lacks; a store holding the tournament under the same name
but made from a different file (another digest) is refused.

Rounds. ``format = "rounds"`` is planned round by round
(:func:`~accord.protocol.tournament.plan_round`); every round is played to
the end before the next is planned. With Swiss pairing, the ranking handed
to the plan is :func:`ranking`: the entries by rating if
:mod:`accord.server.tournament.ratings` offers ``ratings(results)``, else by
mean tournament score over the earlier rounds.

The local pool and a Dask LocalCluster start their processes from a fresh
interpreter that imports the caller's main module: a script that calls
:func:`run_tournament` keeps its top level behind
``if __name__ == "__main__":``, as any script using multiprocessing must.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from accord.bots.registry import UnknownStrategy, load
from accord.protocol.errors import TournamentError
from accord.protocol.jcs import canonical_json
from accord.protocol.scenario import Scenario
from accord.protocol.tournament import (
    TalkPlan,
    TalkResult,
    Tournament,
    default_store,
    load_scenarios,
    plan,
    plan_round,
)
from accord.server.store.tournaments import (
    EntryRecord,
    RunRecord,
    StoredTalk,
    TournamentRecord,
)
from accord.server.tournament.executors import Executor, check_executor, make_executor
from accord.server.tournament.progress import QuietProgress, RunProgress
from accord.server.tournament.store import Results
from accord.server.tournament.worker import SeriesOutcome, Setup, make_setup

__all__ = [
    "Interrupted",
    "Refused",
    "RunSummary",
    "Standing",
    "check_entries",
    "leaderboard",
    "mean_scores",
    "ranking",
    "run_tournament",
]

WAIT = 0.2
"""Seconds the organizer waits for a series before it looks at the stop flag again."""
FLUSH_TALKS = 256
FLUSH_SECONDS = 0.5
"""Finished series are stored together, in one transaction, once this many talks
have come in or the first of them came in this many seconds ago (fewer commits
leave the organizer's core to the workers); a stop stores them at once."""


class Refused(ValueError):
    """The store already holds this tournament (without ``resume``), or holds one of the
    same name made from another file."""


class Interrupted(Exception):
    """The run was stopped (Ctrl-C); what finished is stored."""

    def __init__(self, name: str, url: str, stored: int, total: int) -> None:
        super().__init__(
            f"stopped: {stored} of {total} talks of {name!r} are stored in {url};"
            " run again with --resume to play the rest"
        )
        self.name, self.url, self.stored, self.total = name, url, stored, total


@dataclass(frozen=True, slots=True)
class Standing:
    """One entry's line in the summary."""

    entry: str
    mean: float
    """Mean tournament score over the seats it held."""
    seats: int
    talks: int
    agreements: int
    """Talks it sat in that ended in an agreement."""


@dataclass
class RunSummary:
    """How a run went."""

    name: str
    url: str
    total: int
    """Talks in the plan."""
    stored: int
    """Talks stored now (all of them when the tournament is complete)."""
    played: int
    """Talks this run played."""
    seconds: float
    executor: str
    workers: int
    startup: float = 0.0
    """Seconds of ``seconds`` spent starting the executor (processes, a cluster)."""
    standings: list[Standing] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Talks per second of this run."""

        return self.played / self.seconds if self.seconds > 0 else 0.0

    @property
    def steady_rate(self) -> float:
        """Talks per second once the executor was up."""

        busy = self.seconds - self.startup
        return self.played / busy if busy > 0 else 0.0


@dataclass(slots=True)
class _Group:
    """One series to play: its talks in game order and their places in the plan."""

    series: str
    plans: tuple[TalkPlan, ...]
    positions: tuple[int, ...]


# --- standings for the summary and Swiss pairing -----------------------------------------


def mean_scores(results: Sequence[TalkResult]) -> dict[str, float]:
    """Entry → mean tournament score, as the standings count it: an entry's score in
    a talk is the mean of the seats it held there; its mean, over its talks."""

    scores: dict[str, list[float]] = {}
    for result in results:
        mine: dict[str, list[float]] = {}
        for seat in result.seats:
            mine.setdefault(seat.entry, []).append(seat.score)
        for entry, values in mine.items():
            scores.setdefault(entry, []).append(math.fsum(values) / len(values))
    return {entry: math.fsum(values) / len(values) for entry, values in scores.items()}


def leaderboard(results: Sequence[TalkResult], entries: Sequence[str]) -> list[Standing]:
    """Every entry with results, best mean score first (ties in file order)."""

    means = mean_scores(results)
    seats: dict[str, int] = {}
    talks: dict[str, int] = {}
    agreements: dict[str, int] = {}
    for result in results:
        present = {s.entry for s in result.seats}
        for seat in result.seats:
            seats[seat.entry] = seats.get(seat.entry, 0) + 1
        for entry in present:
            talks[entry] = talks.get(entry, 0) + 1
            agreements[entry] = agreements.get(entry, 0) + (result.outcome == "agreement")
    order = {e: n for n, e in enumerate(entries)}
    ranked = sorted(means, key=lambda e: (-means[e], order.get(e, len(order)), e))
    return [Standing(e, means[e], seats[e], talks[e], agreements[e]) for e in ranked]


def ranking(results: Sequence[TalkResult], entries: Sequence[str]) -> list[str]:
    """The entries, best first, for Swiss pairing.

    By ``accord.server.tournament.ratings.ratings(results)`` (entry → rating)
    when that module offers it, else by mean tournament score. Entries without
    a value follow, in file order; ties keep file order too. ``results`` come in
    plan order, so a rating that depends on order is the same on every run.
    """

    values: dict[str, float]
    try:
        from accord.server.tournament import ratings as module  # type: ignore[attr-defined]
    except ImportError:
        module = None
    rate: Callable[[Sequence[TalkResult]], Any] | None = getattr(module, "ratings", None)
    values = {e: float(v) for e, v in rate(results).items()} if rate else mean_scores(results)
    order = {e: n for n, e in enumerate(entries)}
    return sorted(entries, key=lambda e: (e not in values, -values.get(e, 0.0), order[e]))


# --- checks ----------------------------------------------------------------------------


def check_entries(tournament: Tournament) -> None:
    """Every trusted entry's strategy loads and takes its options (else TournamentError
    naming the field), before any worker starts."""

    for n, entry in enumerate(tournament.spec.entries):
        if not entry.trusted or entry.strategy is None:
            continue
        try:
            cls = load(entry.strategy)
        except UnknownStrategy as exc:
            raise TournamentError(
                str(exc), file=tournament.file, path=f"$.entries[{n}].strategy"
            ) from None
        try:
            cls(**entry.options)
        except (TypeError, ValueError) as exc:
            raise TournamentError(
                f"{entry.strategy} does not take these options: {exc}",
                file=tournament.file,
                path=f"$.entries[{n}].options",
            ) from None


def _spec_bytes(tournament: Tournament) -> bytes:
    """The file's content as stored: canonical JSON without ``store`` (what the digest hashes)."""

    spec = msgspec.structs.replace(tournament.spec, store=None)
    return canonical_json(msgspec.to_builtins(spec))


def _groups(plans: Sequence[TalkPlan], first: int) -> list[_Group]:
    """The series of ``plans`` (in plan order, the first at place ``first``)."""

    by_series: dict[str, list[tuple[int, TalkPlan]]] = {}
    for n, p in enumerate(plans):
        by_series.setdefault(p.series, []).append((first + n, p))
    out = []
    for series, members in by_series.items():
        members.sort(key=lambda m: m[1].game)
        out.append(_Group(series, tuple(p for _, p in members), tuple(pos for pos, _ in members)))
    return out


def _tasks(groups: Sequence[_Group], most: int, window: int) -> list[list[_Group]]:
    """Consecutive series packed into tasks, in plan order: a task holds up to
    ``most`` talks, and at most 1/``window`` of the talks left (but not fewer
    than ``most`` / 8), so tasks shrink towards the end and no worker idles
    long while another finishes a big one. A series is never split (a longer
    one is a task of its own)."""

    left = sum(len(g.plans) for g in groups)
    least = max(1, most // 8)  # the last tasks: small, but not so small their cost shows

    def size() -> int:
        return max(least, min(most, left // max(1, window)))

    tasks: list[list[_Group]] = []
    current: list[_Group] = []
    count = 0
    limit = size()
    for group in groups:
        if current and count + len(group.plans) > limit:
            tasks.append(current)
            left -= count
            current, count = [], 0
            limit = size()
        current.append(group)
        count += len(group.plans)
    if current:
        tasks.append(current)
    return tasks


# --- the run ---------------------------------------------------------------------------


class _Run:
    """One run of one tournament: its store, its executor (made when first needed),
    its progress."""

    def __init__(
        self,
        tournament: Tournament,
        scenarios: Sequence[Scenario],
        results: Results,
        *,
        executor: str,
        workers: int | None,
        progress: RunProgress,
        stop: threading.Event,
        make: Callable[[Setup], Executor] | None = None,
    ) -> None:
        self.tournament = tournament
        self.name = tournament.name
        self.scenarios = scenarios
        self.results = results
        self.executor_spec = executor
        self.workers = workers
        self.progress = progress
        self.stop = stop
        self.make = make
        self.setup: Setup | None = None
        self.executor: Executor | None = None
        self.slots = 0
        self.startup = 0.0
        self.stored_results: list[tuple[int, TalkResult]] = []
        self.stored = 0
        self.played = 0
        self._sums: dict[str, tuple[float, int]] = {}

    def remember(self, position: int, result: TalkResult) -> None:
        self.stored_results.append((position, result))
        for seat in result.seats:
            total, count = self._sums.get(seat.entry, (0.0, 0))
            self._sums[seat.entry] = (total + seat.score, count + 1)

    def leader(self) -> str:
        if not self._sums:
            return ""
        order = {e: n for n, e in enumerate(self.tournament.entry_names)}
        best = max(
            self._sums, key=lambda e: (self._sums[e][0] / self._sums[e][1], -order.get(e, 0))
        )
        total, count = self._sums[best]
        return f"{best} ({total / count:.3f})"

    def results_in_order(self) -> list[TalkResult]:
        return [r for _, r in sorted(self.stored_results, key=lambda pr: pr[0])]

    def get_executor(self) -> Executor:
        if self.executor is None:
            started = time.perf_counter()
            self.progress.note(f"starting {self.executor_spec}")
            self.setup = make_setup(self.tournament, self.scenarios)
            if self.make is not None:
                self.executor = self.make(self.setup)
            else:
                self.executor = make_executor(self.executor_spec, self.workers, self.setup)
            self.slots = self.executor.slots
            self.startup = time.perf_counter() - started
            self.progress.note("")
        return self.executor

    def play(self, groups: Sequence[_Group]) -> None:
        """Play ``groups`` (series not stored yet) to the end, storing them as they finish."""

        if not groups:
            return
        executor = self.get_executor()
        window = max(4 * executor.slots, 8)
        waiting = list(reversed(_tasks(groups, executor.task_talks, window)))  # plan order
        in_flight: dict[Any, list[_Group]] = {}
        finished: list[tuple[_Group, SeriesOutcome]] = []
        oldest = 0.0  # when the oldest of ``finished`` came in
        try:
            while waiting or in_flight:
                if self.stop.is_set():
                    raise KeyboardInterrupt
                while waiting and len(in_flight) < window:
                    task = waiting.pop()
                    in_flight[executor.submit([g.plans for g in task])] = task
                timeout = WAIT
                if finished:
                    timeout = max(0.0, min(WAIT, oldest + FLUSH_SECONDS - time.perf_counter()))
                for future in executor.wait(in_flight, timeout):
                    task = in_flight.pop(future)
                    try:
                        outcomes = executor.result(future)
                    except Exception as exc:
                        series = ", ".join(g.series for g in task)
                        raise RuntimeError(f"series {series} failed in a worker: {exc}") from exc
                    if not finished:
                        oldest = time.perf_counter()
                    finished.extend(zip(task, outcomes, strict=True))
                if finished and (
                    sum(len(g.plans) for g, _ in finished) >= FLUSH_TALKS
                    or time.perf_counter() - oldest >= FLUSH_SECONDS
                ):
                    self._store(finished)
                    finished = []
        finally:
            # what finished is stored, however the loop ends (a stop, a failed series)
            if finished:
                self._store(finished)

    def _store(self, finished: list[tuple[_Group, SeriesOutcome]]) -> None:
        """Store finished series: all in one transaction (each whole, none in part)."""

        talks: list[StoredTalk] = []
        for group, outcome in finished:
            if [t.result.talk for t in outcome.talks] != [p.id for p in group.plans]:
                raise RuntimeError(f"series {group.series}: a worker returned other talks")
            for position, talk in zip(group.positions, outcome.talks, strict=True):
                talks.append(
                    StoredTalk(
                        position=position,
                        result=talk.result,
                        transcript=talk.transcript,
                        sha256=talk.sha256,
                        size=talk.size,
                    )
                )
        self.results.add_talks(self.name, talks)
        for talk in talks:
            self.remember(talk.position, talk.result)
        self.stored += len(talks)
        self.played += len(talks)
        self.progress.update(self.stored, self.leader())

    def close(self, *, cancel: bool) -> None:
        if self.executor is not None:
            executor, self.executor = self.executor, None
            executor.close(cancel=cancel)


def run_tournament(
    tournament: Tournament,
    url: str | None = None,
    *,
    executor: str = "local",
    workers: int | None = None,
    resume: bool = False,
    progress: RunProgress | None = None,
    stop: threading.Event | None = None,
    executor_factory: Callable[[Setup], Executor] | None = None,
) -> RunSummary:
    """Play every talk of ``tournament`` that ``url`` (default: the file's store) lacks.

    Raises :class:`Refused` if the store holds the tournament already and
    ``resume`` is false, or holds one of that name made from another file;
    :class:`Interrupted` when stopped (KeyboardInterrupt, or ``stop`` set), after
    storing every series that finished; TournamentError for an entry whose
    strategy does not load.

    ``executor_factory`` builds the executor from the run's setup instead of
    ``executor`` and ``workers`` (which then only name it in the run record):
    the HTTP server passes its own, which plays talks with sandboxed or remote
    entries on its hub.
    """

    if executor_factory is None:
        check_executor(executor, workers)
    url = url or default_store(tournament)
    progress = progress or QuietProgress()
    stop = stop or threading.Event()
    scenarios = load_scenarios(tournament)
    check_entries(tournament)
    spec = tournament.spec
    if spec.format == "rounds":
        per_round = len(plan_round(tournament, scenarios, 1))
        total = per_round * (spec.rounds or 0)
        full_plan: list[TalkPlan] | None = None
    else:
        full_plan = plan(tournament, scenarios)
        per_round = total = len(full_plan)
    started_at, started = time.time(), time.perf_counter()
    with Results(url) as results:
        _open(results, tournament, url, total, resume)
        stored_series = results.series(tournament.name)
        for series, count in stored_series.items():
            if count != spec.series:
                raise RuntimeError(
                    f"{url} holds {count} of the {spec.series} talks of series {series!r}"
                    f" of {tournament.name!r}: the store is inconsistent"
                )
        run = _Run(
            tournament,
            scenarios,
            results,
            executor=executor,
            workers=workers,
            progress=progress,
            stop=stop,
            make=executor_factory,
        )
        for position, result in results.placed(tournament.name):
            run.remember(position, result)
        run.stored = len(run.stored_results)
        outcome = "failed"
        try:
            progress.start(tournament.name, total, run.stored)
            progress.update(run.stored, run.leader())
            if full_plan is not None:
                missing = [g for g in _groups(full_plan, 0) if g.series not in stored_series]
                run.play(missing)
            else:
                for round_ in range(1, (spec.rounds or 0) + 1):
                    ranked = None
                    if spec.pairing == "swiss" and round_ > 1:
                        earlier = [r for r in run.results_in_order() if r.round < round_]
                        ranked = ranking(earlier, tournament.entry_names)
                    plans = plan_round(tournament, scenarios, round_, ranked)
                    groups = _groups(plans, (round_ - 1) * per_round)
                    run.play([g for g in groups if g.series not in stored_series])
            outcome = "complete"
        except KeyboardInterrupt:
            outcome = "interrupted"
            progress.note("stopping")
            raise Interrupted(tournament.name, url, run.stored, total) from None
        finally:
            progress.stop()
            seconds = time.perf_counter() - started
            # bookkeeping after a failure must not hide the failure
            with contextlib.suppress(*(() if outcome == "complete" else (Exception,))):
                run.close(cancel=outcome != "complete")
                if outcome == "complete" and run.stored != total:
                    outcome = "failed"
                results.set_status(
                    tournament.name, "complete" if outcome == "complete" else "interrupted"
                )
                results.add_run(
                    tournament.name,
                    RunRecord(
                        started_at=started_at,
                        seconds=seconds,
                        executor=executor,
                        workers=_workers_of(run, workers),
                        talks=run.played,
                        outcome=outcome,
                    ),
                )
        if run.stored != total:
            raise RuntimeError(f"{run.stored} of {total} talks stored: the plan was not played")
        return RunSummary(
            name=tournament.name,
            url=url,
            total=total,
            stored=run.stored,
            played=run.played,
            seconds=seconds,
            executor=executor,
            workers=_workers_of(run, workers),
            startup=run.startup,
            standings=leaderboard(run.results_in_order(), tournament.entry_names),
        )


def _workers_of(run: _Run, workers: int | None) -> int:
    if run.slots:
        return run.slots
    return workers if workers is not None else (os.cpu_count() or 1)


def _open(results: Results, tournament: Tournament, url: str, total: int, resume: bool) -> None:
    """Register the tournament in the store, or check the one stored under its name."""

    name = tournament.name
    record = results.tournament(name)
    if record is not None:
        if record.digest != tournament.digest:
            raise Refused(
                f"{url} holds a tournament {name!r} made from another file (digest"
                f" {record.digest[:12]}…, this file {tournament.digest[:12]}…): rename the"
                " tournament or give another --store"
            )
        if not resume:
            held = results.count(name)
            state = "complete" if held >= record.planned else "partly played"
            raise Refused(
                f"{url} already holds tournament {name!r} ({state}: {held} of"
                f" {record.planned} talks); use --resume to play what is missing"
            )
        results.set_status(name, "running")
        return
    spec = _spec_bytes(tournament)
    if hashlib.sha256(spec).hexdigest() != tournament.digest:  # pragma: no cover - a bug
        raise RuntimeError("the stored spec would not match the tournament's digest")
    entries = [
        EntryRecord(name=e.name, kind=e.kind, definition=canonical_json(msgspec.to_builtins(e)))
        for e in tournament.spec.entries
    ]
    results.create(
        TournamentRecord(
            name=name,
            digest=tournament.digest,
            spec=spec,
            status="running",
            planned=total,
            file=tournament.file,
        ),
        entries,
    )
