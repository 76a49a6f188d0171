"""Run a talk in-process: the engine driven directly, no sockets (for tournaments).

Each seat's runner receives exactly the events that seat may see, and its
commands are applied in a fixed order (the order the events reached the seats,
seat by seat), so a talk is a pure function of the scenario, the seed and the
strategies. Time is simulated: phases advance as soon as every seat has acted,
and a deadline is only reached when some seat stays silent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from bots.context import Record
from bots.runner import DRIVING, HookFailure, Runner
from bots.sdk import Delegation
from protocol.commands import SeatCommand
from protocol.engine.room import Room
from protocol.engine.visibility import FILTERED, Viewer, visible_to
from protocol.errors import RuleViolation
from protocol.events import Event
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
    runners = {
        seat: Runner(
            delegation,
            seat=seat,
            seed=seed,
            budget=budget,
            clock=clock,
            reputation=(reputation or {}).get(seat),
        )
        for seat, delegation in delegations.items()
    }
    seats = list(runners.items())
    viewers = [Viewer.of_seat(seat) for seat in runners]
    queue: deque[tuple[str, SeatCommand]] = deque()
    talk = LocalTalk(room=room, runners=runners)

    # Most events (votes, proposals...) call no hook: a runner that does not
    # listen to every event only records them. So those wait here and each
    # seat takes them in one batch just before the next event that may call
    # one of its hooks; commands come from those events only, in the same order.
    pending: list[tuple[Event, list[Event | None] | None]] = []  # (event, views or None)
    listeners = [(n, seat, runner) for n, (seat, runner) in enumerate(seats) if runner.listens]

    def take(n: int, seat: str, runner: Runner, shown: Event | None, catch_up: bool) -> None:
        commands: list[SeatCommand] = []
        if catch_up:
            batch = [e for ev, views in pending if (e := views[n] if views else ev) is not None]
            if batch:
                commands = runner.catch_up(batch)
        if shown is not None:
            commands += runner.receive(shown)
        if commands:
            queue.extend([(seat, c) for c in commands])

    def dispatch(events: list[Event]) -> None:
        for event in events:
            # what each seat sees; None when everyone sees the event itself
            views = visible_to(event, viewers) if type(event) in FILTERED else None
            if isinstance(event, DRIVING):
                for n, (seat, runner) in enumerate(seats):
                    shown = views[n] if views else event
                    take(n, seat, runner, shown, catch_up=not runner.listens)
                pending.clear()  # every seat has taken them
            else:
                pending.append((event, views))  # the others take it later
                for n, seat, runner in listeners:
                    take(n, seat, runner, views[n] if views else event, catch_up=False)

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
