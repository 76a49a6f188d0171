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
from bots.runner import HookFailure, Runner
from bots.sdk import Delegation
from protocol.commands import SeatCommand
from protocol.engine.room import Room
from protocol.engine.visibility import Viewer, visible
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
    viewers = {seat: Viewer.of_seat(seat) for seat in runners}
    queue: deque[tuple[str, SeatCommand]] = deque()
    talk = LocalTalk(room=room, runners=runners)

    def dispatch(events: list[Event]) -> None:
        for event in events:
            for seat, runner in runners.items():
                shown = visible(event, viewers[seat])
                if shown is not None:
                    commands = runner.receive(shown)
                    if commands:
                        queue.extend([(seat, c) for c in commands])

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
