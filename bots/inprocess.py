"""Run a talk in-process: the engine driven directly, no sockets (for tournaments).

Each seat sees exactly the events that seat may see, and its commands are
applied in a fixed order (the order the events reached the seats, seat by
seat), so a talk is a pure function of the scenario, the seed and the
strategies. Time is simulated: phases advance as soon as every seat has
acted, and a deadline is only reached when some seat stays silent.

Each seat reads the talk's public record (immutable: the public view of the
log and the proceedings by kind) and its own overlay: the events it sees
otherwise than the public (its votes, its brief, statements to it, its
actions). No seat's context leads to the room, its log, or another seat's
brief or tables; what the seats share (events, the scenario, the record, the
agenda's packages) is frozen. An event is filtered once for the public and
once for each seat it concerns, and only the events that may call a hook are
handed to a seat one by one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from msgspec.structs import replace

from accord.bots.context import KEPT, PublicRecord, Record, keep, log_public
from accord.bots.runner import DRIVING, HookFailure, Runner
from accord.bots.sdk import Delegation
from accord.bots.tables import Tables
from accord.protocol.commands import SeatCommand
from accord.protocol.engine.room import Room
from accord.protocol.engine.visibility import FILTERED, SPECTATOR, Viewer, visible
from accord.protocol.errors import RuleViolation
from accord.protocol.events import BallotResult, Event, StatementMade, VoteCast
from accord.protocol.scenario.model import Scenario

STEP = 0.001
"""Simulated seconds between two commands."""


class SimulatedClock:
    """The talk's simulated time, which every seat reads and none can set."""

    __slots__ = ("_now",)

    _now: float

    def __init__(self, now: float) -> None:
        object.__setattr__(self, "_now", now)

    def __call__(self) -> float:
        return self._now

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("the clock is read-only")


def _move(clock: SimulatedClock, now: float) -> None:
    object.__setattr__(clock, "_now", now)


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
    tables: Tables | None = None,
) -> LocalTalk:
    """Play one talk to its conclusion; seats without a delegation stay silent.

    ``tables`` keeps what a talk builds from its scenario (packages, utilities,
    rankings, what strategies remember) for the next talks on it; without it,
    the talk builds its own.
    """

    now = start
    clock = SimulatedClock(now)  # the runners read it; only the driver moves it

    tables = Tables() if tables is None else tables
    room = Room(scenario, room_id=room_id, seed=seed, now=now, utilities=tables.utilities(scenario))
    record = PublicRecord()
    seats: list[tuple[str, Runner, Viewer, dict[int, Event | None]]] = []
    runners: dict[str, Runner] = {}
    overlays: dict[str, dict[int, Event | None]] = {}
    for seat, delegation in delegations.items():
        overlay = overlays[seat] = {}
        runner = Runner(
            delegation,
            seat=seat,
            seed=seed,
            budget=budget,
            clock=clock,
            reputation=(reputation or {}).get(seat),
            tables=tables,
            record=record,
            overlay=overlay,
        )
        runners[seat] = runner
        seats.append((seat, runner, Viewer.of_seat(seat), overlay))
    queue: deque[tuple[str, SeatCommand]] = deque()
    talk = LocalTalk(room=room, runners=runners)

    listeners = [entry for entry in seats if entry[1].listens]

    def dispatch(events: list[Event]) -> None:
        publics: list[Event | None] = []
        for event in events:
            kind = type(event)  # `kind is X` is fast but does not narrow `event` for mypy
            seq = event.seq
            if kind is VoteCast:  # most events: the voter sees its vote, the others that it voted
                public: Event | None = replace(event, vote=None)
                mine = overlays.get(event.seat)  # type: ignore[union-attr]
                if mine is not None:
                    mine[seq] = event
            elif kind in FILTERED:
                # a secret ballot's result without the votes; the others as each seat sees them
                public = visible(event, SPECTATOR)
                if kind is not BallotResult:
                    for _, _, viewer, overlay in seats:
                        shown = visible(event, viewer)
                        if shown is not public:
                            overlay[seq] = shown
            else:
                public = event
            publics.append(public)
            if kind in KEPT:
                keep(record, public)  # type: ignore[arg-type]  # no kept kind is hidden
            if kind in DRIVING or kind is StatementMade:
                to = seats
            elif listeners:
                to = listeners
            else:
                continue
            log_public(record, publics)  # the hooks below read the history so far
            publics = []
            for seat, runner, _, overlay in to:
                shown = overlay.get(seq, public)
                if shown is not None:
                    commands = runner.receive(shown, recorded=True)
                    if commands:
                        queue.extend([(seat, c) for c in commands])
        if publics:
            log_public(record, publics)

    dispatch(room.log)
    for seat in runners:
        now += STEP
        _move(clock, now)
        dispatch(room.join(seat, now=now))
    if room.phase == "lobby":
        dispatch(room.start(now=now))
    applied = 0
    while not room.finished:
        if queue:
            seat, command = queue.popleft()
            now += STEP
            _move(clock, now)
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
            _move(clock, now)
            dispatch(room.tick(now=now))
        else:  # pragma: no cover - a room always has a deadline while running
            raise RuntimeError(f"room stuck in phase {room.phase}")
    return talk
