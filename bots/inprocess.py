"""Run a talk in-process: the engine driven directly, no sockets (for tournaments).

Each seat sees exactly the events that seat may see, and its commands are
applied in a fixed order (the order the events reached the seats, seat by
seat), so a talk is a pure function of the scenario, the seed and the
strategies. The seats share one public record (:class:`~bots.context.Feed`):
an event is recorded once, and delivered one by one only where a hook may
answer it. Time is simulated: phases advance as soon as every seat has acted,
and a deadline is only reached when some seat stays silent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from bots.context import Feed, Proceedings, Record
from bots.runner import DRIVING, HookFailure, Runner
from bots.sdk import Delegation
from protocol.commands import SeatCommand
from protocol.engine.room import Room
from protocol.engine.visibility import FILTERED, SPECTATOR, Viewer, visible
from protocol.errors import RuleViolation
from protocol.events import BallotResult, Event, StatementMade
from protocol.scenario.model import Scenario

STEP = 0.001
"""Simulated seconds between two commands."""


@dataclass
class Rejection:
    """A command the room refused (a protocol error of the strategy)."""

    seat: str
    strategy: str
    command: SeatCommand
    code: str
    message: str


@dataclass
class LocalTalk:
    """A finished in-process talk."""

    room: Room
    runners: dict[str, Runner]
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def failures(self) -> list[HookFailure]:
        return [f for r in self.runners.values() for f in r.failures]


def play(
    scenario: Scenario,
    delegations: Mapping[str, Delegation],
    *,
    seed: int = 0,
    room_id: str = "local",
    budget: float = 5.0,
    reputation: Mapping[str, dict[str, Record]] | None = None,
    start: float = 0.0,
    max_commands: int = 1_000_000,
) -> LocalTalk:
    """Play one talk to its conclusion; seats without a delegation stay silent."""

    now = start
    clock = lambda: now  # noqa: E731 - the runners read simulated time

    room = Room(scenario, room_id=room_id, seed=seed, now=now)
    # One public record for all seats, kept as events happen; each seat's own
    # view of the log is filtered only if its strategy reads it.
    proceedings = Proceedings()
    feed = Feed(proceedings=proceedings, log=room.log)
    runners = {
        seat: Runner(
            delegation,
            seat=seat,
            seed=seed,
            budget=budget,
            clock=clock,
            reputation=(reputation or {}).get(seat),
            feed=feed,
        )
        for seat, delegation in delegations.items()
    }
    seats = [(seat, runner, Viewer.of_seat(seat)) for seat, runner in runners.items()]
    queue: deque[tuple[str, SeatCommand]] = deque()
    talk = LocalTalk(room=room, runners=runners)
    # Most events (votes, proposals...) call no hook: only the seats whose
    # strategy listens to every event receive them one by one.
    listeners = [entry for entry in seats if entry[1].listens]
    record = proceedings.add

    def deliver(event: Event, to: list[tuple[str, Runner, Viewer]]) -> None:
        filtered = type(event) in FILTERED
        for seat, runner, viewer in to:
            shown = visible(event, viewer) if filtered else event
            if shown is not None:
                commands = runner.receive(shown)
                if commands:
                    queue.extend([(seat, c) for c in commands])

    def dispatch(events: list[Event]) -> None:
        for event in events:
            kind = type(event)
            # before any hook runs, so that every seat's history includes it;
            # as seats see it (a secret ballot's result without the votes)
            record(visible(event, SPECTATOR) if kind is BallotResult else event)
            if kind in DRIVING or kind is StatementMade:  # statements differ from seat to seat
                deliver(event, seats)
            elif listeners:
                deliver(event, listeners)

    dispatch(room.log)
    for seat in runners:
        now += STEP
        dispatch(room.join(seat, now=now))
    if room.phase == "lobby":
        dispatch(room.start(now=now))
    applied = 0
    while not room.finished:
        if queue:
            seat, command = queue.popleft()
            now += STEP
            applied += 1
            if applied > max_commands:
                raise RuntimeError(f"talk did not finish within {max_commands} commands")
            try:
                dispatch(room.handle(seat, command, now=now))
            except RuleViolation as exc:
                talk.rejections.append(
                    Rejection(seat, runners[seat].strategy, command, exc.code, exc.message)
                )
        elif room.deadline is not None:
            now = max(now, room.deadline)
            dispatch(room.tick(now=now))
        else:  # pragma: no cover - a room always has a deadline while running
            raise RuntimeError(f"room stuck in phase {room.phase}")
    return talk
