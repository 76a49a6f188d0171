"""The runner: events in, commands out, for one delegation in one room.

Sans-I/O like the engine: both transports (in-process and websocket) feed it
the events the seat may see and send the commands it returns. It calls the
delegation's hooks at the start of each phase, checks their answers, and
isolates failures: a hook that raises or overruns its budget is reported and
the seat plays the default instead.
"""

from __future__ import annotations

import math
import random
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from accord.bots.context import Context, History, PublicRecord, Record
from accord.bots.sdk import Delegation
from accord.bots.tables import Tables
from accord.protocol.commands import (
    NOTE_DATA_LIMIT,
    NOTE_TEXT_LIMIT,
    NOTES_PER_SEAT,
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Choice,
    Note,
    Pass,
    Propose,
    Say,
    SeatCommand,
)
from accord.protocol.events import Event, PhaseStarted, TalksConcluded, TalksOpened

DRIVING = (TalksOpened, PhaseStarted, TalksConcluded)
"""The events the runner acts on (besides passing every event to ``on_event``)."""


@dataclass(frozen=True)
class HookFailure:
    """A hook that raised or ran too long."""

    seat: str
    strategy: str
    hook: str
    problem: str
    traceback: str = ""
    """The formatted traceback of a hook that raised (empty for other failures)."""

    def __str__(self) -> str:
        return f"{self.strategy} at seat {self.seat}: {self.hook} {self.problem}"


class Runner:
    """Drives one :class:`~accord.bots.sdk.Delegation` for one seat."""

    def __init__(
        self,
        delegation: Delegation,
        *,
        seat: str,
        seed: int = 0,
        budget: float = 5.0,
        clock: Callable[[], float] = time.time,
        reputation: dict[str, Record] | None = None,
        on_failure: Callable[[HookFailure], None] | None = None,
        tables: Tables | None = None,
        record: PublicRecord | None = None,
        overlay: Mapping[int, Event | None] | None = None,
    ) -> None:
        """``tables``: where this seat's tables come from (kept across talks by the
        caller; a fresh one per talk without). ``record`` and ``overlay``: an
        in-process driver keeps the talk's public record and this seat's own view
        of the log itself (see :class:`~accord.bots.context.History`), and then calls
        :meth:`receive` with ``recorded=True``."""

        self.delegation = delegation
        self.seat = seat
        self.seed = seed
        self.budget = budget
        self.clock = clock
        self.reputation = reputation
        self.on_failure = on_failure
        self.tables = tables
        self._record = record
        self._overlay = overlay
        self.ctx: Context | None = None
        # most strategies never look at single events: skip the call for them
        self.listens = type(delegation).on_event is not Delegation.on_event
        """Whether every event may call a hook (``on_event``), not only :data:`DRIVING` ones."""
        self.last_seq = 0
        self._agenda: dict[str, tuple[str, ...]] = {}
        self.failures: list[HookFailure] = []
        self.finished = False
        self._notes = 0

    @property
    def strategy(self) -> str:
        return getattr(self.delegation, "name", type(self.delegation).__name__)

    def receive(self, event: Event, *, recorded: bool = False) -> list[SeatCommand]:
        """Take one event (in seq order; repeats are ignored); return commands to send.

        ``recorded``: the driver has already added it to this seat's history.
        """

        seq = event.seq
        if seq <= self.last_seq:
            return []
        self.last_seq = seq
        ctx = self.ctx
        if (
            ctx is not None
            and not self.listens
            and not isinstance(event, DRIVING)
            and not ctx.has_statements()
        ):
            # the common case (votes, proposals, results...): no hook runs, so
            # there is nothing to answer; the history just records the event
            if not recorded:
                ctx.history.add(event)
            return []
        if isinstance(event, TalksOpened):
            scenario = event.scenario
            brief = scenario.delegation(self.seat).brief
            tables = self.tables if self.tables is not None else Tables()
            history = History(record=self._record, overlay=self._overlay)
            if not recorded:
                history.add(event)
            self.ctx = Context(
                seat=self.seat,
                scenario=scenario,
                rng=random.Random(f"{self.seed}:{self.seat}"),
                clock=self.clock,
                reputation=self.reputation,
                history=history,
                tables=None if brief is None else tables.brief(scenario, brief),
                shelf=None
                if brief is None
                else tables.shelf(scenario, brief, type(self.delegation)),
            )
            # issue → its options, to check the packages the strategy tables
            self._agenda = {i.id: i.options for i in event.scenario.issues}
            self._call("on_start", None, self.ctx)
            return self._statements()
        if ctx is None:
            return []
        if not recorded:
            ctx.history.add(event)
        commands: list[SeatCommand] = []
        if isinstance(event, PhaseStarted):
            ctx.phase, ctx.round, ctx.period, ctx.deadline = (
                event.phase,
                event.round,
                event.period,
                event.deadline,
            )
            commands = self._phase(ctx, event)
        elif isinstance(event, TalksConcluded):
            self.finished = True
        if self.listens:
            self._call("on_event", None, ctx, event)
        if ctx.has_statements():
            return self._statements() + commands
        return commands

    # --- phases ---------------------------------------------------------------------------

    def _phase(self, ctx: Context, event: PhaseStarted) -> list[SeatCommand]:
        match event.phase:
            case "tabling":
                return self._table(ctx)
            case "ballot":
                # seat order, not arrival order: decisions must not depend on
                # how the network interleaved the seats' proposals
                ctx.ballot = ctx.history.put_to_vote(ctx.round, ctx.seats)
                return self._vote(ctx)
            case "action":
                answer = self._call("act", "comply", ctx)
                choice: Choice = "comply"
                if answer in ("comply", "defect"):
                    choice = answer
                else:
                    self._fail("act", f"returned {answer!r}, not 'comply' or 'defect'")
                ctx.history.my_actions.append(choice)
                return [Act(choice=choice)]
            case "verification":
                return self._challenge(ctx)
        return []

    def _table(self, ctx: Context) -> list[SeatCommand]:
        limit = ctx.rules.proposals_per_round
        answer = self._call("table", [], ctx)
        if isinstance(answer, dict):
            answer = [answer]
        packages: list[dict[str, str]] = []
        issues = self._agenda
        if not isinstance(answer, list):
            self._fail("table", f"returned {answer!r}: give a package (a dict) or a list of them")
            answer = []
        for package in answer:
            problem = package_problem(package, issues)
            if problem is None:
                packages.append(dict(package))
            else:
                self._fail("table", f"returned an invalid package {package!r}: {problem}")
        if len(packages) > limit:
            self._fail("table", f"returned {len(packages)} packages; the limit is {limit}")
            packages = packages[:limit]
        commands: list[SeatCommand] = [Propose(package=p) for p in packages]
        if len(packages) < limit:
            commands.append(Pass())
        return commands

    def _vote(self, ctx: Context) -> list[SeatCommand]:
        commands: list[SeatCommand] = []
        for tabled in ctx.ballot:
            ballot = self._call("vote", "abstain", ctx, tabled)
            if ballot == "yes" or ballot == "no" or ballot == "abstain":
                commands.append(CastVote(package_id=tabled.package_id, vote=ballot))
            elif ballot == "veto":
                if ctx.holds_veto:
                    commands.append(CastVeto(package_id=tabled.package_id))
                else:
                    self._fail("vote", "vetoed without holding a veto")
                    commands.append(CastVote(package_id=tabled.package_id, vote="no"))
            else:
                self._fail("vote", f"returned {ballot!r}")
                commands.append(CastVote(package_id=tabled.package_id, vote="abstain"))
        return commands

    def _challenge(self, ctx: Context) -> list[SeatCommand]:
        answer = self._call("challenge", [], ctx)
        if isinstance(answer, str):
            answer = [answer]
        targets = [t for t in answer if t in ctx.others] if isinstance(answer, list) else []
        if isinstance(answer, list) and len(targets) != len(answer):
            self._fail("challenge", f"named seats it cannot challenge: {answer!r}")
        targets = targets[: ctx.challenge_quota]
        commands: list[SeatCommand] = [Challenge(target=t) for t in targets]
        if len(targets) < ctx.challenge_quota:
            commands.append(Pass())
        return commands

    def _statements(self) -> list[SeatCommand]:
        if self.ctx is None:
            return []
        out: list[SeatCommand] = []
        limit = self.ctx.rules.statement_limit
        for text, to in self.ctx.take_statements():
            if to is not None:
                to = [s for s in to if s in self.ctx.others]
                if not to:
                    continue
            if text.strip():
                out.append(Say(text=text[:limit], to=to))
        for note in self.ctx.take_notes():
            if self._notes >= NOTES_PER_SEAT:
                continue  # the room would refuse it; the notebook is full
            self._notes += 1
            out.append(_within_limits(note))
        return out

    # --- isolation --------------------------------------------------------------------------

    def _call(self, hook: str, default: object, *args: object) -> object:
        started = time.perf_counter()
        try:
            result = getattr(self.delegation, hook)(*args)
        except Exception as exc:  # a strategy's bug must not take the room down
            # from the strategy's own frame on: this one is the same in every failure
            tb = exc.__traceback__.tb_next  # type: ignore[union-attr]  # never None once raised
            trace = traceback.format_exception(type(exc), exc, tb)
            self._fail(hook, f"raised {type(exc).__name__}: {exc}", "".join(trace))
            return default
        elapsed = time.perf_counter() - started
        if elapsed > self.budget:
            self._fail(hook, f"took {elapsed:.2f} s (budget {self.budget:g} s)")
            return default
        return result

    def _fail(self, hook: str, problem: str, trace: str = "") -> None:
        failure = HookFailure(self.seat, self.strategy, hook, problem, trace)
        self.failures.append(failure)
        if self.ctx is not None:
            # kept in the room's record, for this seat and the organizer only
            self.ctx._notebook.append(
                Note(text=trace or problem, data={"hook": hook, "problem": problem}, kind="failure")
            )
        if self.on_failure is not None:
            self.on_failure(failure)


def package_problem(package: object, agenda: dict[str, tuple[str, ...]]) -> str | None:
    """What is wrong with ``package`` on this agenda (issue → its options), in words
    naming the issue, the option and the allowed options; None if nothing is."""

    def options(issue: str) -> str:
        return ", ".join(repr(o) for o in agenda[issue])

    if not isinstance(package, dict):
        return f"a package is a dict of issue → option, not {type(package).__name__}"
    for issue in package:
        if issue not in agenda:
            return f"no issue {issue!r} on the agenda (its issues: {', '.join(map(repr, agenda))})"
    for issue in agenda:
        if issue not in package:
            return f"issue {issue!r} has no option (choose one of {options(issue)})"
        if package[issue] not in agenda[issue]:
            return (
                f"issue {issue!r} has no option {package[issue]!r} (its options: {options(issue)})"
            )
    return None


def _within_limits(note: Note) -> Note:
    """``note`` cut to what a room accepts: a strategy's notebook must never make its
    hook fail. A failure keeps the end of its text (where a traceback names the error)."""

    text = note.text
    if len(text) > NOTE_TEXT_LIMIT:
        keep = NOTE_TEXT_LIMIT - 1
        text = "…" + text[-keep:] if note.kind == "failure" else text[:keep] + "…"
    if not text.strip() and not note.data:
        text = "(empty note)"
    data: dict[str, str | int | float | bool | None] = {}
    for key, value in list(note.data.items())[:NOTE_DATA_LIMIT]:
        key = str(key)[:64] or "_"
        if value is None or type(value) in (bool, str):
            pass
        elif type(value) is int:
            value = value if abs(value) < 2**53 else str(value)
        elif isinstance(value, float):
            value = value if math.isfinite(value) else str(value)
        else:
            value = repr(value)
        if isinstance(value, str) and len(value) > 1000:
            value = value[:999] + "…"
        data[key] = value
    return Note(text=text, data=data, kind=note.kind)
