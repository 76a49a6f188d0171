"""What a worker process does: play the talks of one series, in order, and hand back
their results and transcripts.

A worker is set up once per tournament with a :class:`Setup` (the tournament,
its scenarios and their score bounds, computed by the organizer): the local
pool installs it in each process when the process starts, a Dask worker
receives it as a scattered argument and keeps it. The worker keeps, per
scenario, one :class:`~accord.bots.Tables` that every talk it plays on that
scenario reuses.

A talk whose entries are all trusted (``strategy`` entries) is played here,
in-process (:func:`accord.bots.inprocess.play`); a talk with any other entry
goes to :func:`accord.server.tournament.external.play_external`. Either way
the result is a pure function of the plan (its seed, its seating) and of the
earlier talks of its series (with ``reputation = true``, each seat is shown
the public records of the earlier talks:
:mod:`accord.server.tournament.reputation`), so it does not matter which
worker plays a series, or when.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from accord.bots.context import Record
from accord.bots.inprocess import play
from accord.bots.registry import load
from accord.bots.sdk import Delegation
from accord.bots.tables import Tables
from accord.protocol.engine.transcript import export, replay
from accord.protocol.events import Event
from accord.protocol.scenario import Scenario
from accord.protocol.tournament import (
    ScenarioBounds,
    TalkPlan,
    TalkResult,
    Tournament,
    scenario_bounds,
    talk_result,
)
from accord.server.store.tournaments import compress
from accord.server.tournament.reputation import SeriesReputation

__all__ = [
    "PlayedTalk",
    "Player",
    "SeriesOutcome",
    "Setup",
    "install",
    "make_setup",
    "play_series",
    "play_series_with",
    "ready",
]

MAX_PROBLEMS = 20
"""Problems (hook failures, refused commands) kept per talk; the rest are counted."""

KEPT_SETUPS = 4
"""Tournaments a long-lived worker (a Dask cluster's) keeps set up."""


class Setup(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a worker needs to play a tournament's talks."""

    key: str
    """The tournament's digest and a digest of its scenarios: a worker that kept an
    older setup (a scenario file changed since) does not mistake it for this one."""
    tournament: Tournament
    scenarios: tuple[Scenario, ...]
    bounds: tuple[ScenarioBounds, ...]


class PlayedTalk(msgspec.Struct, frozen=True, kw_only=True):
    """One played talk: its result and its organizer transcript (compressed)."""

    result: TalkResult
    transcript: bytes
    sha256: str
    size: int


class SeriesOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """The talks of one series, in game order."""

    series: str
    talks: tuple[PlayedTalk, ...]
    seconds: float = 0.0
    """Wall time the worker spent (timing only: never stored with the results)."""


class ExternalTalk(Protocol):
    """What :func:`accord.server.tournament.external.play_external` returns."""

    log: list[Event]
    head: str
    failures: dict[str, int]
    problems: list[str]


def make_setup(tournament: Tournament, scenarios: Sequence[Scenario]) -> Setup:
    """The setup of a tournament whose scenarios are loaded (bounds computed here, once)."""

    digest = hashlib.sha256(msgspec.json.encode(list(scenarios))).hexdigest()[:16]
    return Setup(
        key=f"{tournament.digest}-{digest}",
        tournament=tournament,
        scenarios=tuple(scenarios),
        bounds=tuple(scenario_bounds(s) for s in scenarios),
    )


@dataclass
class Player:
    """Plays the series of one tournament in this process: its setup, one
    :class:`~accord.bots.Tables` per scenario, the trusted entries' classes.
    (Tests and scripts may use it directly, without a pool.)"""

    setup: Setup
    tables: list[Tables]
    classes: dict[str, tuple[type[Delegation], dict[str, Any]]]

    @classmethod
    def of(cls, setup: Setup) -> Player:
        """A player for ``setup`` (the trusted entries' classes loaded now)."""

        classes = {
            e.name: (load(e.strategy), dict(e.options))
            for e in setup.tournament.spec.entries
            if e.trusted and e.strategy is not None
        }
        return cls(setup, [Tables() for _ in setup.scenarios], classes)

    def play(self, plans: Sequence[TalkPlan]) -> SeriesOutcome:
        """Play one series: its talks (of one series, in game order) one after the other."""

        started = time.perf_counter()
        spec = self.setup.tournament.spec
        played: list[PlayedTalk] = []
        history = SeriesReputation() if spec.reputation else None
        for plan in plans:
            reputation = history.shown() if history is not None else None
            talk, log = self.talk(plan, reputation)
            played.append(talk)
            if history is not None:
                history.add(log)
        return SeriesOutcome(
            series=plans[0].series if plans else "",
            talks=tuple(played),
            seconds=time.perf_counter() - started,
        )

    def talk(
        self, plan: TalkPlan, reputation: Mapping[str, dict[str, Record]] | None
    ) -> tuple[PlayedTalk, Sequence[Event]]:
        """Play one talk: its result and compressed transcript, and its full log."""

        tournament = self.setup.tournament
        scenario = self.setup.scenarios[plan.scenario]
        bounds = self.setup.bounds[plan.scenario]
        if all(entry in self.classes for entry in plan.seating):
            delegations = {}
            for seat, entry in zip(scenario.seats, plan.seating, strict=True):
                cls, options = self.classes[entry]
                delegations[seat] = cls(**options)  # a fresh instance per talk
            local = play(
                scenario,
                delegations,
                seed=plan.seed,
                room_id=f"{tournament.name}/{plan.id}",
                budget=tournament.spec.budget,
                reputation=reputation,
                tables=self.tables[plan.scenario],
            )
            failures = Counter(f.seat for f in local.failures)
            problems = [str(f) for f in local.failures] + [
                f"{r.strategy} at {r.seat}: {r.code}: {r.message}" for r in local.rejections
            ]
            log: Sequence[Event] = local.room.log
            head = local.room.chain.head
            transcript = export(local.room)
        else:
            # sandboxed or remote entries: another module runs them (imported only then)
            from accord.server.tournament.external import play_external

            external: ExternalTalk = play_external(
                tournament, plan, scenario, reputation=reputation
            )
            log, head = external.log, external.head
            failures = Counter(external.failures)
            problems = list(external.problems)
            room = replay(list(log))  # rebuilds the chain hashes, and checks the log
            if room.chain.head != head:
                raise RuntimeError(
                    f"talk {plan.id}: its log replays to head {room.chain.head}, not {head}"
                )
            transcript = export(room)
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]
        result = talk_result(
            plan, scenario, log, bounds, head=head, failures=dict(failures), problems=problems
        )
        data, sha, size = compress(transcript)
        return PlayedTalk(result=result, transcript=data, sha256=sha, size=size), log


_players: OrderedDict[str, Player] = OrderedDict()


def install(setup: Setup, *, ignore_interrupts: bool = True) -> None:
    """Set a tournament up in this process (the local pool's initializer).

    A pool's workers ignore Ctrl-C: the terminal sends SIGINT to the whole
    process group, and the organizer alone decides what to stop.
    """

    if ignore_interrupts:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _leave_with_the_organizer()
    _player(setup)


def _leave_with_the_organizer() -> None:
    """Exit when the process that started this one dies (killed with SIGKILL, say):
    a pool's worker would otherwise wait for work forever, and keep its fork server."""

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns once the parent's end of the pipe is closed
        os._exit(1)

    threading.Thread(target=watch, name="accord-organizer-watch", daemon=True).start()


def _player(setup: Setup) -> Player:
    player = _players.get(setup.key)
    if player is None:
        player = _players[setup.key] = Player.of(setup)
        while len(_players) > KEPT_SETUPS:
            _players.popitem(last=False)
    else:
        _players.move_to_end(setup.key)
    return player


def ready() -> int:
    """Nothing but a round trip: the pool calls it to start its processes (returns the pid)."""

    return os.getpid()


def play_series(key: str, batch: Sequence[Sequence[TalkPlan]]) -> list[SeriesOutcome]:
    """Play series (each its talks in game order, one series after the other) of the
    tournament installed as ``key`` (the local pool)."""

    player = _players.get(key)
    if player is None:
        raise RuntimeError(f"no tournament {key!r} is set up in this worker")
    return [player.play(plans) for plans in batch]


def play_series_with(setup: Setup, batch: Sequence[Sequence[TalkPlan]]) -> list[SeriesOutcome]:
    """Play series, setting the tournament up first if this process has not (Dask)."""

    player = _player(setup)
    return [player.play(plans) for plans in batch]
