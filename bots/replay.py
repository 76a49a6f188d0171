"""Replaying a strategy on a recorded talk: what it would have done, decision by decision.

A transcript holds everything a seat was shown. :func:`replay` feeds that view,
event by event and at the recorded times, to a strategy's
:class:`~accord.bots.runner.Runner`, exactly as a live room would, and sets
what the strategy answers at each decision (each phase: tabling, ballot,
action, verification) beside what the seat really did. The talk itself does
not change: after a decision that differs, the strategy is shown what really
happened next, so every later decision answers the question "given the talk
as it went, what would you do here?".

The same strategy with the same seed reproduces every recorded decision (the
runner is deterministic given its seed and what it is shown); a changed
strategy shows where its play departs from the record (:attr:`Replay.first_difference`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from accord.bots.runner import HookFailure, Runner
from accord.bots.sdk import Delegation
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Note,
    Pass,
    Propose,
    Say,
    SeatCommand,
    Withdraw,
)
from accord.protocol.engine.visibility import Viewer, visible
from accord.protocol.events import (
    ActionTaken,
    ChallengeResult,
    Event,
    Passed,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    StatementMade,
    TalksOpened,
    Timeout,
    VetoCast,
    VoteCast,
)

Move = tuple[str, ...]
"""One move in words-as-data: ``("table", "issue=option", ...)``, ``("pass",)``,
``("vote", package_id, vote)``, ``("veto", package_id)``, ``("withdraw", package_id)``,
``("act", choice)``, ``("challenge", seat)``, ``("say", text, "to:a,b")`` or
``("timeout", default)`` (recorded only: the seat missed the deadline)."""


@dataclass(frozen=True)
class Decision:
    """One decision point: a phase of the talk, what the seat did in it, and what the
    replayed strategy would do."""

    phase: str
    """``opening`` (before the first phase), ``tabling``, ``ballot``, ``action`` or
    ``verification``."""
    round: int
    period: int
    recorded: tuple[Move, ...]
    replayed: tuple[Move, ...]
    notes: tuple[str, ...] = ()
    """What the replayed strategy wrote in its notebook while deciding."""

    @property
    def same(self) -> bool:
        return self.recorded == self.replayed

    @property
    def where(self) -> str:
        if self.phase == "opening":
            return "opening"
        if self.phase in ("tabling", "ballot"):
            return f"round {self.round} {self.phase}"
        return f"period {self.period} {self.phase}"


@dataclass
class Replay:
    """The strategy's decisions beside the record (see :func:`replay`)."""

    seat: str
    strategy: str
    seed: int
    decisions: list[Decision] = field(default_factory=list)
    failures: list[HookFailure] = field(default_factory=list)
    """Hooks of the replayed strategy that failed."""

    @property
    def differences(self) -> list[Decision]:
        return [d for d in self.decisions if not d.same]

    @property
    def first_difference(self) -> Decision | None:
        return next((d for d in self.decisions if not d.same), None)

    @property
    def reproduced(self) -> bool:
        """Whether every decision is the one recorded."""

        return not self.differences


class ReplayError(ValueError):
    """The transcript cannot be replayed for this seat (no such seat, no seed)."""


def _package(package: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(f"{k}={v}" for k, v in dict(package).items())


def command_move(command: SeatCommand) -> Move | None:
    """A command as a :data:`Move`; None for a note (reasoning, not play)."""

    match command:
        case Propose(package=package):
            return ("table", *_package(package))
        case Pass():
            return ("pass",)
        case CastVote(package_id=pid, vote=vote):
            return ("vote", pid, vote)
        case CastVeto(package_id=pid):
            return ("veto", pid)
        case Withdraw(package_id=pid):
            return ("withdraw", pid)
        case Act(choice=choice):
            return ("act", choice)
        case Challenge(target=target):
            return ("challenge", target)
        case Say(text=text, to=to):
            return ("say", text, "to:" + ",".join(sorted(to))) if to else ("say", text)
    return None


def event_move(event: Event, seat: str) -> Move | None:
    """What ``seat`` did, if ``event`` records one of its moves."""

    if getattr(event, "seat", None) != seat:
        return None
    match event:
        case ProposalTabled(package=package):
            return ("table", *_package(package))
        case Passed():
            return ("pass",)
        case VoteCast(package_id=pid, vote=vote) if vote is not None:
            return ("vote", pid, vote)
        case VetoCast(package_id=pid):
            return ("veto", pid)
        case ProposalWithdrawn(package_id=pid):
            return ("withdraw", pid)
        case ActionTaken(choice=choice):
            return ("act", choice)
        case ChallengeResult(target=target):
            return ("challenge", target)
        case StatementMade(text=text, to=to):
            return ("say", text, "to:" + ",".join(sorted(to))) if to else ("say", text)
        case Timeout(default=default):
            return ("timeout", default)
    return None


class _Clock:
    """The recorded time of the event being shown (strategies that read the clock
    see the time the live seat saw)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def replay(
    events: Iterable[Event],
    seat: str,
    delegation: Delegation,
    *,
    seed: int | None = None,
    budget: float = 5.0,
) -> Replay:
    """Replay ``delegation`` at ``seat`` on a recorded talk.

    ``events``: the talk's events from any copy that holds the seat's view (the
    organizer's copy, or the seat's own; events a copy withholds are skipped).
    ``seed``: the bot's seed, which its ``ctx.rng`` derives from; by default the
    room's seed, which is what ``accord bot play`` and tournaments give their
    bots (only the organizer's copy shows it).
    """

    events = list(events)
    opened = next((e for e in events if isinstance(e, TalksOpened)), None)
    if opened is None:
        raise ReplayError("the transcript has no talks_opened event")
    if seat not in opened.scenario.seats:
        raise ReplayError(
            f"no seat {seat!r} in this talk; its seats: {', '.join(opened.scenario.seats)}"
        )
    if opened.scenario.delegation(seat).brief is None:
        raise ReplayError(
            f"this copy does not hold {seat}'s brief: use the organizer's copy or {seat}'s own"
        )
    if seed is None:
        if opened.seed is None:
            raise ReplayError(
                "this copy does not show the room's seed: give the bot's seed (--seed)"
            )
        seed = opened.seed
    clock = _Clock()
    runner = Runner(delegation, seat=seat, seed=seed, budget=budget, clock=clock)
    out = Replay(seat=seat, strategy=runner.strategy, seed=seed)
    viewer = Viewer.of_seat(seat)
    phase, round_, period = "opening", 0, 0
    recorded: list[Move] = []
    replayed: list[Move] = []
    notes: list[str] = []

    def close() -> None:
        if recorded or replayed or notes:
            out.decisions.append(
                Decision(phase, round_, period, tuple(recorded), tuple(replayed), tuple(notes))
            )

    for event in events:
        shown = visible(event, viewer)
        if shown is None:
            continue
        if isinstance(shown, PhaseStarted):
            close()
            phase, round_, period = shown.phase, shown.round, shown.period
            recorded, replayed, notes = [], [], []
        move = event_move(shown, seat)
        if move is not None:
            recorded.append(move)
        clock.now = shown.at
        for command in runner.receive(shown):
            if isinstance(command, Note):
                notes.append(command.text)
            elif (found := command_move(command)) is not None:
                replayed.append(found)
    close()
    out.failures = list(runner.failures)
    return out
