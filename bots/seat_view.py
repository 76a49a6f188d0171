"""What one seat knows of its talk, folded from the events it is shown.

A person at the table (in the terminal client or the web page) sees the same
things a bot's :class:`~accord.bots.context.Context` is built from: the
welcome (which seat, which brief) and the events the server sends this seat,
already filtered to what it may see (its own brief only, its own votes until
the ballot closes, private statements only when it speaks or is addressed,
its own actions). :class:`SeatState` keeps exactly those, in ``seq`` order,
and derives everything else from them on demand: the agenda, the phase and
its deadline, the packages on the table with their utility for this seat and
their tallies, the statements, the implementation periods and the scores.

Nothing here does I/O or reads a clock (``remaining`` takes the time), so
the same rules can be checked in plain Python tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    Event,
    PackageAdopted,
    PackageResult,
    Passed,
    Phase,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    SanctionImposed,
    SeatScore,
    SeatTaken,
    StatementMade,
    TalksConcluded,
    TalksOpened,
    TalksStarted,
    Timeout,
    VetoCast,
    VoteCast,
)
from accord.protocol.scenario.model import Brief, Scenario
from accord.protocol.scenario.utility import UtilityFunction

__all__ = ["PackageLine", "Period", "SeatLine", "SeatState"]

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class SeatLine:
    """A seat at the table as this seat sees it."""

    id: str
    name: str
    weight: float
    veto: bool
    """Whether it holds a veto that applies in this room."""
    seated: bool
    """Whether it has taken its seat (a ``seat_taken`` event was seen)."""


@dataclass(frozen=True, slots=True)
class PackageLine:
    """A tabled package with what this seat knows about it."""

    package_id: str
    seat: str
    """The seat that tabled it."""
    round: int
    package: Mapping[str, str]
    utility: float | None
    """Its utility for this seat (None until the brief is known)."""
    withdrawn: bool
    voted: tuple[str, ...]
    """Seats seen voting (or vetoing) on it, in order; before the ballot closes
    only this seat's own vote is shown, the others' only that they voted."""
    my_vote: str | None
    """``yes``, ``no``, ``abstain``, ``veto``, ``abstain (timeout)`` or None."""
    result: PackageResult | None
    """The ballot's outcome on it (tally, passed, vetoes; individual votes only
    in an open ballot), once the ballot has closed."""
    adopted: bool


@dataclass(frozen=True, slots=True)
class Period:
    """One implementation period as this seat saw it."""

    period: int
    my_action: str | None
    """``comply``, ``defect``, ``comply (timeout)`` or None (not yet)."""
    challenges: tuple[ChallengeResult, ...]
    sanctions: tuple[SanctionImposed, ...]


def _of(events: Iterable[object], kind: type[E]) -> Iterator[E]:
    return (e for e in events if isinstance(e, kind))


class SeatState:
    """One seat's knowledge of its talk: the events it was shown, and what follows.

    Feed it with :meth:`add` (repeats and stale events, as a resumed connection
    may send, are ignored). Every other attribute is derived from ``events``
    (and the brief from the welcome until ``talks_opened`` arrives); the only
    thing kept besides them is the utility function, a cache made once the
    scenario is known.
    """

    def __init__(self, seat: str | None = None, brief: Brief | None = None) -> None:
        self.seat = seat
        """The seat this state belongs to (from the ``welcome``)."""
        self.welcome_brief = brief
        """The brief the ``welcome`` carried (the same one ``talks_opened`` shows)."""
        self.events: list[Event] = []
        """Every event this seat was shown, in ``seq`` order."""
        self._utility: tuple[Scenario, UtilityFunction] | None = None

    # --- feeding -------------------------------------------------------------------------

    def add(self, event: Event) -> bool:
        """Take the next event; False if it was seen already (a resumed stream)."""

        if event.seq <= self.last_seq:
            return False
        self.events.append(event)
        return True

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    # --- the scenario and the brief -----------------------------------------------------

    @property
    def opened(self) -> TalksOpened | None:
        return next(_of(self.events, TalksOpened), None)

    @property
    def scenario(self) -> Scenario | None:
        """The scenario as this seat sees it (only its own brief), once the talks opened."""

        opened = self.opened
        return None if opened is None else opened.scenario

    @property
    def brief(self) -> Brief | None:
        scenario = self.scenario
        if scenario is not None and self.seat is not None:
            brief = scenario.delegation(self.seat).brief
            if brief is not None:
                return brief
        return self.welcome_brief

    @property
    def name(self) -> str | None:
        """This seat's delegation name."""

        scenario = self.scenario
        if scenario is None or self.seat is None:
            return None
        return scenario.delegation(self.seat).name

    @property
    def holds_veto(self) -> bool:
        scenario = self.scenario
        if scenario is None or self.seat is None or not scenario.rules.vetoes:
            return False
        return scenario.delegation(self.seat).veto

    def utility(self, package: Mapping[str, str]) -> float | None:
        """The utility of ``package`` for this seat (None before the scenario and brief)."""

        scenario, brief = self.scenario, self.brief
        if scenario is None or brief is None:
            return None
        if self._utility is None or self._utility[0] is not scenario:
            self._utility = (scenario, UtilityFunction(scenario, brief))
        return self._utility[1](package)

    @property
    def seats(self) -> list[SeatLine]:
        scenario = self.scenario
        if scenario is None:
            return []
        seated = {e.seat for e in _of(self.events, SeatTaken)}
        vetoes = scenario.rules.vetoes
        return [
            SeatLine(d.id, d.name, d.weight, d.veto and vetoes, d.id in seated)
            for d in scenario.delegations
        ]

    # --- where the talk stands ------------------------------------------------------------

    @property
    def started(self) -> TalksStarted | None:
        return next(_of(self.events, TalksStarted), None)

    @property
    def current(self) -> PhaseStarted | None:
        """The latest ``phase_started`` (None in the lobby)."""

        return next(_of(reversed(self.events), PhaseStarted), None)

    @property
    def phase(self) -> Phase:
        if self.concluded is not None:
            return "concluded"
        current = self.current
        return "lobby" if current is None else current.phase

    @property
    def round(self) -> int:
        """The current (or, in implementation, the last) round of talks."""

        return max((e.round for e in _of(self.events, PhaseStarted)), default=0)

    @property
    def period(self) -> int:
        current = self.current
        return 0 if current is None else current.period

    @property
    def deadline(self) -> float | None:
        """When the current phase closes unless every seat acts first (None: no deadline)."""

        current = self.current
        return None if current is None or self.concluded is not None else current.deadline

    def remaining(self, now: float) -> float | None:
        """Seconds left before the deadline at time ``now`` (never negative)."""

        deadline = self.deadline
        return None if deadline is None else max(0.0, deadline - now)

    def _this_phase(self) -> list[Event]:
        """The events since the current phase started."""

        for n in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[n], PhaseStarted):
                return self.events[n + 1 :]
        return []

    # --- packages ----------------------------------------------------------------------------

    @property
    def tabled(self) -> list[ProposalTabled]:
        """Every package tabled in the talk, in order."""

        return list(_of(self.events, ProposalTabled))

    def packages(self, round_: int | None = None) -> list[PackageLine]:
        """The packages tabled in ``round_`` (default: the current round), in the
        ballot's order: by the seat that tabled them (in seat order), then id."""

        round_ = self.round if round_ is None else round_
        scenario = self.scenario
        order = {seat: n for n, seat in enumerate(scenario.seats if scenario else ())}
        withdrawn = {e.package_id for e in _of(self.events, ProposalWithdrawn)}
        ballot = next((b for b in _of(self.events, BallotResult) if b.round == round_), None)
        results = {} if ballot is None else {r.package_id: r for r in ballot.results}
        adopted = self.adopted
        voted: dict[str, list[str]] = {}
        mine: dict[str, str] = {}
        for e in self.events:
            if isinstance(e, (VoteCast, VetoCast)) and e.round == round_:
                voted.setdefault(e.package_id, []).append(e.seat)
                if e.seat == self.seat:
                    mine[e.package_id] = "veto" if isinstance(e, VetoCast) else (e.vote or "?")
            elif isinstance(e, Timeout) and e.phase == "ballot" and e.round == round_:
                for pid in e.package_ids:
                    voted.setdefault(pid, []).append(e.seat)
                    if e.seat == self.seat:
                        mine[pid] = f"{e.default} (timeout)"
        lines = [
            PackageLine(
                package_id=t.package_id,
                seat=t.seat,
                round=t.round,
                package=t.package,
                utility=self.utility(t.package),
                withdrawn=t.package_id in withdrawn,
                voted=tuple(voted.get(t.package_id, ())),
                my_vote=mine.get(t.package_id),
                result=results.get(t.package_id),
                adopted=adopted is not None and adopted.package_id == t.package_id,
            )
            for t in self.tabled
            if t.round == round_
        ]
        return sorted(lines, key=lambda p: (order.get(p.seat, 0), p.package_id))

    @property
    def ballot(self) -> list[PackageLine]:
        """The packages put to the vote this round (tabled, not withdrawn)."""

        return [p for p in self.packages() if not p.withdrawn]

    def package(self, package_id: str) -> PackageLine | None:
        """The tabled package ``package_id`` (of whichever round), or None."""

        found = next((t for t in self.tabled if t.package_id == package_id), None)
        if found is None:
            return None
        return next(p for p in self.packages(found.round) if p.package_id == package_id)

    @property
    def ballots(self) -> list[BallotResult]:
        return list(_of(self.events, BallotResult))

    @property
    def adopted(self) -> PackageAdopted | None:
        return next(_of(self.events, PackageAdopted), None)

    # --- what this seat still has to do ------------------------------------------------

    @property
    def to_do(self) -> list[str]:
        """What this seat may still do in the current phase, in words (empty: nothing)."""

        scenario, me, phase = self.scenario, self.seat, self.phase
        if scenario is None or me is None or phase in ("lobby", "concluded"):
            return []
        here = self._this_phase()
        if any(isinstance(e, Passed) and e.seat == me for e in here):
            return []
        if phase == "tabling":
            mine = [p for p in self.packages() if p.seat == me and not p.withdrawn]
            left = scenario.rules.proposals_per_round - len(mine)
            if left <= 0:
                return []
            return [f"table up to {left} package{'s' if left > 1 else ''} (or pass)"]
        if phase == "ballot":
            return [f"vote on {p.package_id}" for p in self.ballot if p.my_vote is None]
        if phase == "action":
            acted = any(isinstance(e, (ActionTaken, Timeout)) and e.seat == me for e in here)
            return [] if acted else ["act comply or act defect"]
        impl = scenario.implementation
        quota = 0 if impl is None else impl.challenge_quota
        made = sum(1 for e in here if isinstance(e, ChallengeResult) and e.seat == me)
        return [] if made >= quota else ["challenge a seat (or pass)"]

    # --- words and implementation --------------------------------------------------------------

    @property
    def statements(self) -> list[StatementMade]:
        """Public statements and the private ones this seat made or was addressed."""

        return list(_of(self.events, StatementMade))

    @property
    def periods(self) -> list[Period]:
        """The implementation periods begun so far, with this seat's action and
        every inspection and sanction (public)."""

        numbers = sorted({e.period for e in _of(self.events, PhaseStarted) if e.phase == "action"})
        out = []
        for number in numbers:
            action: str | None = None
            for e in self.events:
                if isinstance(e, ActionTaken) and e.seat == self.seat and e.period == number:
                    action = e.choice
                elif (
                    isinstance(e, Timeout)
                    and e.seat == self.seat
                    and e.phase == "action"
                    and e.period == number
                ):
                    action = f"{e.default} (timeout)"
            out.append(
                Period(
                    period=number,
                    my_action=action,
                    challenges=tuple(
                        c for c in _of(self.events, ChallengeResult) if c.period == number
                    ),
                    sanctions=tuple(
                        s for s in _of(self.events, SanctionImposed) if s.period == number
                    ),
                )
            )
        return out

    # --- the end -------------------------------------------------------------------------------

    @property
    def concluded(self) -> TalksConcluded | None:
        return next(_of(reversed(self.events), TalksConcluded), None)

    @property
    def scores(self) -> tuple[SeatScore, ...]:
        concluded = self.concluded
        return () if concluded is None else concluded.scores

    @property
    def my_score(self) -> SeatScore | None:
        return next((s for s in self.scores if s.seat == self.seat), None)
