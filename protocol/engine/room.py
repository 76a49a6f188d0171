"""The room: the pure state machine that referees one talk.

Sans-I/O in the manner of python-websockets' protocol core: the caller feeds
seat commands (:meth:`Room.handle`), organizer inputs (:meth:`Room.join`,
:meth:`Room.start`) and clock ticks (:meth:`Room.tick`), always passing the
current time; each call returns the events it produced, already appended to
the hash-chained log. A rejected command raises a
:class:`~accord.protocol.errors.RuleViolation` and changes nothing. Randomness (the
outcome of inspections) comes only from ``random.Random`` generators seeded
from the room's seed, so the same scenario, seed and inputs give the same
events.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.commands import (
    NOTE_DATA_LIMIT,
    NOTE_TEXT_LIMIT,
    NOTES_PER_SEAT,
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
from accord.protocol.engine.chain import Chain
from accord.protocol.engine.rules import Vote, decide
from accord.protocol.engine.scoring import Ledger, final_score
from accord.protocol.engine.seals import derive_key
from accord.protocol.errors import (
    AlreadyActed,
    AlreadyPassed,
    AlreadyVoted,
    BadNote,
    BadRecipients,
    ChallengeQuota,
    EmptyStatement,
    IncompletePackage,
    NoteLimit,
    NotVetoHolder,
    NotYourPackage,
    NotYourSeat,
    PackageWithdrawn,
    RoomConcluded,
    SelfChallenge,
    StatementTooLong,
    TablingLimit,
    UnknownIssue,
    UnknownOption,
    UnknownPackage,
    UnknownSeat,
    VetoesDisabled,
    WrongPhase,
)
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    DeadlinePassed,
    Event,
    NoAgreement,
    NoteMade,
    PackageAdopted,
    PackageResult,
    Passed,
    Phase,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    RoundEnded,
    SanctionImposed,
    SeatTaken,
    StatementMade,
    TalksConcluded,
    TalksOpened,
    TalksStarted,
    Timeout,
    VetoCast,
    VoteCast,
)
from accord.protocol.frozen import FrozenDict
from accord.protocol.jcs import MAX_SAFE_INTEGER
from accord.protocol.scenario.model import Scenario, freeze_scenario
from accord.protocol.scenario.utility import (
    UtilityFunction,
    detection_probability,
    sanction_size,
    utility_functions,
)


@dataclass(slots=True)
class Tabled:
    """A package tabled in the current round."""

    package_id: str
    seat: str
    round: int
    package: FrozenDict[str, str]
    order: int
    withdrawn: bool = False


@dataclass(slots=True)
class _Round:
    passed: set[str] = field(default_factory=set)
    packages: dict[str, Tabled] = field(default_factory=dict)
    votes: dict[str, dict[str, Vote]] = field(default_factory=dict)
    vetoes: dict[str, list[str]] = field(default_factory=dict)
    # counters kept alongside, so "has every seat acted?" is O(1) per command
    tabled: dict[str, int] = field(default_factory=dict)
    voted: dict[str, int] = field(default_factory=dict)
    on_ballot: int = 0
    proposed: dict[str, int] = field(default_factory=dict)  # withdrawn ones included

    def active(self) -> list[Tabled]:
        return [p for p in self.packages.values() if not p.withdrawn]

    def tabled_by(self, seat: str) -> int:
        return self.tabled.get(seat, 0)


@dataclass(slots=True)
class _Period:
    actions: dict[str, str] = field(default_factory=dict)
    challenges: dict[str, int] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)
    detected: set[str] = field(default_factory=set)


class Room:
    """One talk: a scenario, its seats, and the log of everything that happened."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        room_id: str,
        seed: int,
        now: float,
        sealing_key: bytes | None = None,
        utilities: Mapping[str, UtilityFunction] | None = None,
    ) -> None:
        """Open a room; ``sealing_key`` (32 random bytes on a server) seeds the salts
        of sealed content, and is derived from ``seed`` when not given.
        ``utilities`` (seat → utility function on this scenario) saves building them
        when the caller has them already."""

        _check_finite(now)
        if type(seed) is not int or not 0 <= seed <= MAX_SAFE_INTEGER:
            # the opening event carries it, and the chain's JSON holds integers up to 2**53 - 1
            raise ValueError(f"the seed must be an integer in [0, 2**53 - 1], not {seed!r}")
        # the log and every seat of an in-process talk share it: read-only (and,
        # as the chain needs, every number in it finite: checked when frozen)
        scenario = freeze_scenario(scenario)
        self.scenario = scenario
        self.room_id = room_id
        self.seed = seed
        self.seats: tuple[str, ...] = scenario.seats
        self._weights = {d.id: d.weight for d in scenario.delegations}
        self._veto = {d.id for d in scenario.delegations if d.veto}
        self._issues = {i.id: i for i in scenario.issues}
        limits = scenario.rules.time_limits
        self._spans: dict[str, float] = {
            "tabling": limits.tabling,
            "ballot": limits.ballot,
            "action": limits.action,
            "verification": limits.verification,
        }
        self._utilities = dict(utilities) if utilities is not None else utility_functions(scenario)
        self._agenda = [i.id for i in scenario.issues]
        self._seat_order = {seat: n for n, seat in enumerate(self.seats)}
        self.log: list[Event] = []
        key = derive_key(seed) if sealing_key is None else sealing_key
        ids = [*self.seats, *(i.id for i in scenario.issues)]
        self.chain = Chain(key, bmp_keys=all(c <= "\uffff" for i in ids for c in i))
        self._out: list[Event] = []
        self.phase: Phase = "lobby"
        self.round = 0
        self.period = 0
        self.deadline: float | None = None
        self.seated: set[str] = set()
        self._round = _Round()
        self._period = _Period()
        self._done_seats: set[str] = set()
        self._absent: frozenset[str] = frozenset()
        """Seats that act by default at once (absent at the start, by the organizer's choice)."""
        self.adopted: PackageAdopted | None = None
        self._notes = dict.fromkeys(self.seats, 0)
        self._detection = 0.0
        self._sanction = 0.0
        self.ledgers = {seat: Ledger() for seat in self.seats}
        self.concluded: TalksConcluded | None = None
        opened = TalksOpened(
            room=room_id,
            seq=1,
            at=now,
            scenario=scenario,
            seed=seed,
            protocol=PROTOCOL_VERSION,
            sealing_key=key.hex(),
        )
        self._secret_ballot = scenario.rules.ballot == "secret"
        self._record(opened)
        self._out.clear()

    # --- inputs ---------------------------------------------------------------

    def join(self, seat: str, *, now: float) -> list[Event]:
        """A delegation takes its seat (idempotent); the talks start when all are seated."""

        _check_finite(now)
        self._seat_exists(seat)
        if seat in self.seated:
            return []
        if self.phase == "concluded":
            raise RoomConcluded("the talks are over")
        self.seated.add(seat)
        # from the next phase on, a seat that arrives late acts for itself
        self._absent = self._absent - {seat}
        self._emit(SeatTaken, now, seat=seat)
        if self.phase == "lobby" and len(self.seated) == len(self.seats):
            self._emit(TalksStarted, now, by="all_seated", absent=())
            self._begin_round(now)
            self._settle(now)
        return self._flush()

    def start(self, *, now: float, absent_default: bool = False) -> list[Event]:
        """The organizer starts the talks with whoever is seated; with ``absent_default``
        the absent seats act by default at once instead of every phase waiting for them."""

        _check_finite(now)
        if self.phase != "lobby":
            raise WrongPhase(f"the talks have already started (phase {self.phase})")
        absent = tuple(s for s in self.seats if s not in self.seated)
        if absent_default:
            self._absent = frozenset(absent)
        self._emit(TalksStarted, now, by="organizer", absent=absent, absent_default=absent_default)
        self._begin_round(now)
        self._settle(now)
        return self._flush()

    def handle(self, seat: str, command: SeatCommand, *, now: float) -> list[Event]:
        """Apply one seat command; raise a RuleViolation (changing nothing) if it is refused."""

        if not -math.inf < now < math.inf:  # math.isfinite, without a call per command
            _check_finite(now)
        if seat not in self._weights:
            raise UnknownSeat(f"no seat {seat!r} in this room")
        if command.seat is not None and command.seat != seat:
            raise NotYourSeat(f"this connection holds seat {seat!r}, not {command.seat!r}")
        if self.phase == "concluded":
            raise RoomConcluded("the talks are over")
        match command:
            case CastVote():
                self._vote(seat, command, now)
            case Propose():
                self._propose(seat, command, now)
            case Withdraw():
                self._withdraw(seat, command, now)
            case Pass():
                self._pass(seat, now)
            case CastVeto():
                self._veto_cmd(seat, command, now)
            case Say():
                self._say(seat, command, now)
            case Note():
                self._note(seat, command, now)
                out, self._out = self._out, []
                return out  # a note changes nothing in the talks
            case Act():
                self._act(seat, command, now)
            case Challenge():
                self._challenge(seat, command, now)
        self._close_if_complete(seat, now)
        out, self._out = self._out, []  # _flush, on the busiest path
        return out

    def tick(self, *, now: float) -> list[Event]:
        """Advance the clock: close the current phase if its deadline has passed."""

        _check_finite(now)
        if self.deadline is None or now < self.deadline:
            return []
        self._emit(DeadlinePassed, now, phase=self.phase, round=self.round, period=self.period)
        self._close_phase(now, timed_out=True)
        self._settle(now)
        return self._flush()

    # --- what callers may ask --------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.phase == "concluded"

    @property
    def last_seq(self) -> int:
        return len(self.log)

    def packages(self) -> list[Tabled]:
        """Packages tabled in the current round, in tabling order."""

        return list(self._round.packages.values())

    def waiting_for(self) -> list[str]:
        """Seats that have not yet acted fully in the current phase."""

        return [s for s in self.seats if s not in self._done_seats]

    def utility(self, seat: str, package: dict[str, str]) -> float:
        return self._utilities[seat](package)

    # --- internals: emission ----------------------------------------------------

    def _emit(self, event_type: type, now: float, /, **fields: object) -> Event:
        return self._record(event_type(room=self.room_id, seq=len(self.log) + 1, at=now, **fields))

    def _record(self, event: Event) -> Event:
        self.log.append(event)
        self.chain.add(event)
        self._out.append(event)
        return event

    def _flush(self) -> list[Event]:
        out, self._out = self._out, []
        return out

    def _seat_exists(self, seat: str) -> None:
        if seat not in self._weights:
            raise UnknownSeat(f"no seat {seat!r} in this room")

    def _require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            raise WrongPhase(f"not allowed in phase {self.phase!r} (only in {', '.join(phases)})")

    def _start_phase(self, phase: Phase, now: float) -> None:
        span = self._spans.get(phase)
        self.phase = phase
        self.deadline = None if span is None else now + span
        if phase == "ballot":
            self._round.on_ballot = len(self._round.active())
        # a phase starts afresh, with no seat having acted: all seats are alike,
        # but for the absent ones that act by default
        done = self._done(self.seats[0]) if self.seats else True
        self._done_seats = set(self.seats) if done else set(self._absent)
        self._emit(
            PhaseStarted,
            now,
            phase=phase,
            round=self.round,
            period=self.period,
            deadline=self.deadline,
        )

    # --- tabling -----------------------------------------------------------------

    def _begin_round(self, now: float) -> None:
        self.round += 1
        self._round = _Round()
        self._start_phase("tabling", now)

    def _check_package(self, package: dict[str, str]) -> None:
        issues = self._issues
        for issue_id, option in package.items():
            issue = issues.get(issue_id)
            if issue is None:
                raise UnknownIssue(f"no issue {issue_id!r} on the agenda")
            if option not in issue.options:
                choices = ", ".join(issue.options)
                raise UnknownOption(f"issue {issue_id!r} has no option {option!r} ({choices})")
        missing = [i for i in issues if i not in package]
        if missing:
            raise IncompletePackage(f"a package needs an option for every issue; missing {missing}")

    def _propose(self, seat: str, command: Propose, now: float) -> None:
        if self.phase != "tabling":
            self._require("tabling")
        rnd = self._round
        if seat in rnd.passed:
            raise AlreadyPassed("this seat has passed in this tabling phase")
        limit = self.scenario.rules.proposals_per_round
        if rnd.tabled.get(seat, 0) >= limit:
            raise TablingLimit(f"at most {limit} package(s) per seat per round")
        proposed = command.package
        # the package in agenda order, if it is one; _check_package says what is wrong if not
        issues = self._issues
        try:
            package = FrozenDict({i: proposed[i] for i in self._agenda})
        except KeyError:
            package = FrozenDict()
        if len(package) != len(proposed) or len(package) != len(issues):
            self._check_package(proposed)
        for issue_id, option in package.items():
            if option not in issues[issue_id].options:
                self._check_package(proposed)
        # ids name round, seat and the seat's count, so they do not depend on
        # the order in which seats' commands arrive
        count = rnd.proposed[seat] = rnd.proposed.get(seat, 0) + 1
        package_id = f"R{self.round}-{seat}-{count}"
        rnd.packages[package_id] = Tabled(
            package_id, seat, self.round, package, order=len(rnd.packages)
        )
        rnd.tabled[seat] = rnd.tabled.get(seat, 0) + 1
        self._record(
            ProposalTabled(
                room=self.room_id,
                seq=len(self.log) + 1,
                at=now,
                seat=seat,
                round=self.round,
                package_id=package_id,
                package=package,
            )
        )

    def _find(self, package_id: str) -> Tabled:
        tabled = self._round.packages.get(package_id)
        if tabled is None:
            raise UnknownPackage(f"no package {package_id!r} in round {self.round}")
        if tabled.withdrawn:
            raise PackageWithdrawn(f"package {package_id!r} was withdrawn")
        return tabled

    def _withdraw(self, seat: str, command: Withdraw, now: float) -> None:
        self._require("tabling")
        tabled = self._find(command.package_id)
        if tabled.seat != seat:
            raise NotYourPackage(f"package {command.package_id!r} was tabled by {tabled.seat!r}")
        tabled.withdrawn = True
        self._round.tabled[seat] -= 1
        self._emit(
            ProposalWithdrawn, now, seat=seat, round=self.round, package_id=command.package_id
        )

    def _pass(self, seat: str, now: float) -> None:
        self._require("tabling", "verification")
        passed = self._round.passed if self.phase == "tabling" else self._period.passed
        if seat in passed:
            raise AlreadyPassed(f"this seat has already passed in this {self.phase} phase")
        passed.add(seat)
        self._emit(Passed, now, seat=seat, phase=self.phase)

    # --- ballot ----------------------------------------------------------------------

    def _ballot_package(self, seat: str, package_id: str) -> dict[str, Vote] | None:
        """The votes so far on ``package_id`` (None before the first), which ``seat``
        may now vote on."""

        if self.phase != "ballot":
            self._require("ballot")
        tabled = self._round.packages.get(package_id)
        if tabled is None or tabled.withdrawn:
            self._find(package_id)  # raises the fitting error
        votes = self._round.votes.get(package_id)
        if votes is not None and seat in votes:
            raise AlreadyVoted(f"this seat has already voted on {package_id!r}")
        return votes

    def _vote(self, seat: str, command: CastVote, now: float) -> None:
        package_id = command.package_id
        votes = self._ballot_package(seat, package_id)
        if votes is None:
            votes = self._round.votes[package_id] = {}
        votes[seat] = command.vote
        voted = self._round.voted
        voted[seat] = voted.get(seat, 0) + 1
        event = VoteCast(
            room=self.room_id,
            seq=len(self.log) + 1,
            at=now,
            seat=seat,
            round=self.round,
            package_id=package_id,
            vote=command.vote,
        )
        self._record(event)

    def _veto_cmd(self, seat: str, command: CastVeto, now: float) -> None:
        self._ballot_package(seat, command.package_id)
        if not self.scenario.rules.vetoes:
            raise VetoesDisabled("vetoes do not apply in this room")
        if seat not in self._veto:
            raise NotVetoHolder(f"seat {seat!r} holds no veto")
        self._round.votes.setdefault(command.package_id, {})[seat] = "no"
        self._round.voted[seat] = self._round.voted.get(seat, 0) + 1
        self._round.vetoes.setdefault(command.package_id, []).append(seat)
        self._emit(VetoCast, now, seat=seat, round=self.round, package_id=command.package_id)

    def _close_ballot(self, now: float, timed_out: bool) -> None:
        rules = self.scenario.rules
        active = self._round.active()
        # missing votes count as abstentions: at the deadline for every seat,
        # before it only for the absent seats that act by default
        defaulted = self.seats if timed_out else [s for s in self.seats if s in self._absent]
        if defaulted:
            for seat in defaulted:
                missing = tuple(
                    p.package_id
                    for p in active
                    if seat not in self._round.votes.get(p.package_id, {})
                )
                if missing:
                    self._emit(
                        Timeout,
                        now,
                        seat=seat,
                        phase="ballot",
                        round=self.round,
                        default="abstain",
                        package_ids=missing,
                    )
        results: list[PackageResult] = []
        winners: list[tuple[float, int, Tabled]] = []
        # results in seat order, so the published result does not depend on the
        # order in which proposals arrived (only the tie-break does, as the rules say)
        seat_order = self._seat_order
        for tabled in sorted(active, key=lambda t: (seat_order[t.seat], t.package_id)):
            votes = self._round.votes.get(tabled.package_id, {})
            vetoed_by = tuple(self._round.vetoes.get(tabled.package_id, ()))
            t, passed = decide(rules, self._weights, votes)
            passed = passed and not vetoed_by
            results.append(
                PackageResult(
                    package_id=tabled.package_id,
                    seat=tabled.seat,
                    tally=t,
                    passed=passed,
                    vetoed_by=vetoed_by,
                    votes=FrozenDict({s: votes.get(s, "abstain") for s in self.seats}),
                )
            )
            if passed:
                winners.append((-t.yes_weight, tabled.order, tabled))
        self._emit(
            BallotResult,
            now,
            round=self.round,
            secret=rules.ballot == "secret",
            results=tuple(results),
        )
        if winners:
            winners.sort(key=lambda w: (w[0], w[1]))
            self._adopt(winners[0][2], -winners[0][0], now)
        else:
            self._end_round(now, "nothing_passed")

    def _adopt(self, tabled: Tabled, yes_weight: float, now: float) -> None:
        self._detection = detection_probability(self.scenario, tabled.package)
        self._sanction = sanction_size(self.scenario, tabled.package)
        self.adopted = self._emit(  # type: ignore[assignment]
            PackageAdopted,
            now,
            round=self.round,
            package_id=tabled.package_id,
            seat=tabled.seat,
            package=tabled.package,
            yes_weight=yes_weight,
            detection=self._detection,
            sanction=self._sanction,
        )
        if self.scenario.implementation is not None:
            self._begin_period(now)
        else:
            self._conclude(now)

    def _end_round(self, now: float, reason: str) -> None:
        self._emit(RoundEnded, now, round=self.round, reason=reason)
        if self.round < self.scenario.rules.max_rounds:
            self._begin_round(now)
        else:
            self._emit(NoAgreement, now, rounds=self.round)
            self._conclude(now)

    # --- statements ------------------------------------------------------------------

    def _say(self, seat: str, command: Say, now: float) -> None:
        text = command.text
        if not text.strip():
            raise EmptyStatement("a statement needs some text")
        limit = self.scenario.rules.statement_limit
        if len(text) > limit:
            raise StatementTooLong(f"{len(text)} characters; the limit is {limit}")
        to: tuple[str, ...] | None = None
        if command.to is not None:
            if not command.to:
                raise BadRecipients("a private statement needs at least one recipient")
            for other in command.to:
                if other not in self._weights:
                    raise UnknownSeat(f"no seat {other!r} in this room")
                if other == seat:
                    raise BadRecipients("a seat cannot address a private statement to itself")
            to = tuple(sorted(set(command.to), key=self.seats.index))
        self._emit(StatementMade, now, seat=seat, text=text, to=to)

    def _note(self, seat: str, command: Note, now: float) -> None:
        text, data = command.text, command.data
        if not text.strip() and not data:
            raise BadNote("a note needs some text or data")
        if len(text) > NOTE_TEXT_LIMIT:
            raise BadNote(f"{len(text)} characters; the limit is {NOTE_TEXT_LIMIT}")
        if len(data) > NOTE_DATA_LIMIT:
            raise BadNote(f"{len(data)} data entries; the limit is {NOTE_DATA_LIMIT}")
        for key, value in data.items():
            if not key or len(key) > 64:
                raise BadNote(f"data key {key[:64]!r}...: 1 to 64 characters" if key else
                              "data keys need at least one character")  # fmt: skip
            if isinstance(value, str) and len(value) > 1000:
                raise BadNote(f"data {key!r}: {len(value)} characters; the limit is 1000")
            if isinstance(value, float) and not math.isfinite(value):
                raise BadNote(f"data {key!r}: {value} is not a finite number")
            if type(value) is int and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                raise BadNote(f"data {key!r}: integers must lie within ±(2**53 - 1)")
        if self._notes[seat] >= NOTES_PER_SEAT:
            raise NoteLimit(f"this seat has made {NOTES_PER_SEAT} notes, as many as a talk allows")
        self._notes[seat] += 1
        self._emit(NoteMade, now, seat=seat, text=text, data=FrozenDict(data), kind=command.kind)

    # --- implementation ----------------------------------------------------------------

    def _begin_period(self, now: float) -> None:
        self.period += 1
        self._period = _Period()
        self._start_phase("action", now)

    def _act(self, seat: str, command: Act, now: float) -> None:
        self._require("action")
        if seat in self._period.actions:
            raise AlreadyActed(f"this seat has already acted in period {self.period}")
        self._record_action(seat, command.choice)
        self._emit(ActionTaken, now, seat=seat, period=self.period, choice=command.choice)

    def _record_action(self, seat: str, choice: str) -> None:
        assert self.scenario.implementation is not None
        terms = self.scenario.implementation.parties[seat]
        ledger = self.ledgers[seat]
        self._period.actions[seat] = choice
        ledger.actions.append(choice)
        if choice == "defect":
            ledger.defections += 1
            ledger.defection_gains += terms.defect_gain
            for other in self.seats:
                if other != seat:
                    self.ledgers[other].harm_suffered += terms.harm
        else:
            ledger.compliance_costs += terms.comply_cost

    def _challenge(self, seat: str, command: Challenge, now: float) -> None:
        self._require("verification")
        impl = self.scenario.implementation
        assert impl is not None
        target = command.target
        if target not in self._weights:
            raise UnknownSeat(f"no seat {target!r} in this room")
        if target == seat:
            raise SelfChallenge("a seat cannot challenge itself")
        if seat in self._period.passed:
            raise AlreadyPassed("this seat has passed in this verification phase")
        used = self._period.challenges.get(seat, 0)
        if used >= impl.challenge_quota:
            raise ChallengeQuota(f"at most {impl.challenge_quota} challenge(s) per period")
        self._period.challenges[seat] = used + 1
        # Each challenge draws from its own generator, seeded by the room seed,
        # the period, challenger, target and count: the outcome does not depend
        # on hidden actions or on the order in which challenges arrive.
        key = f"{self.seed}/{self.period}/{seat}/{target}/{used + 1}"
        draw = random.Random(key).random()
        detected = self._period.actions.get(target) == "defect" and draw < self._detection
        if detected:
            self._period.detected.add(target)
        self.ledgers[seat].inspection_costs += impl.inspection_cost
        self._emit(
            ChallengeResult,
            now,
            seat=seat,
            target=target,
            period=self.period,
            detected=detected,
            cost=impl.inspection_cost,
        )

    def _close_action(self, now: float) -> None:
        impl = self.scenario.implementation
        assert impl is not None
        for seat in self.seats:
            if seat not in self._period.actions:
                self._record_action(seat, "comply")
                self._emit(
                    Timeout, now, seat=seat, phase="action", period=self.period, default="comply"
                )
        if impl.challenge_quota > 0:
            self._start_phase("verification", now)
        else:
            self._enforce(now)

    def _enforce(self, now: float) -> None:
        for seat in self.seats:
            if seat in self._period.detected:
                self.ledgers[seat].sanctions += self._sanction
                self.ledgers[seat].detected += 1
                self._emit(
                    SanctionImposed, now, seat=seat, period=self.period, amount=self._sanction
                )
        impl = self.scenario.implementation
        assert impl is not None
        if self.period < impl.periods:
            self._begin_period(now)
        else:
            self._conclude(now)

    # --- phase completion ----------------------------------------------------------------

    def _done(self, seat: str) -> bool:
        match self.phase:
            case "ballot":  # first: most commands are votes
                return self._round.voted.get(seat, 0) >= self._round.on_ballot
            case "tabling":
                return (
                    seat in self._round.passed
                    or self._round.tabled_by(seat) >= self.scenario.rules.proposals_per_round
                )
            case "action":
                return seat in self._period.actions
            case "verification":
                impl = self.scenario.implementation
                assert impl is not None
                return (
                    seat in self._period.passed
                    or self._period.challenges.get(seat, 0) >= impl.challenge_quota
                )
        return True

    def _close_if_complete(self, seat: str, now: float) -> None:
        if self.phase not in ("tabling", "ballot", "action", "verification"):
            return
        done = self._done(seat)
        # only the acting seat's status can have changed
        if done:
            self._done_seats.add(seat)
        else:
            self._done_seats.discard(seat)
        if len(self._done_seats) == len(self.seats):
            self._settle(now)

    def _settle(self, now: float) -> None:
        """Close every phase in which every seat is done, one after the other.

        A loop, not recursion: when every seat acts by default, rounds close as
        fast as they open, up to the last one.
        """

        while self.phase not in ("lobby", "concluded") and len(self._done_seats) == len(self.seats):
            self._close_phase(now, timed_out=False)

    def _close_phase(self, now: float, *, timed_out: bool) -> None:
        match self.phase:
            case "tabling":
                if self._round.active():
                    self._start_phase("ballot", now)
                else:
                    self._end_round(now, "nothing_tabled")
            case "ballot":
                self._close_ballot(now, timed_out)
            case "action":
                self._close_action(now)
            case "verification":
                self._enforce(now)

    # --- conclusion ----------------------------------------------------------------------

    def _conclude(self, now: float) -> None:
        self.phase = "concluded"
        self.deadline = None
        adopted = self.adopted
        scores = []
        for seat in self.seats:
            utility = self._utilities[seat]
            value = utility(adopted.package) if adopted is not None else utility.reservation
            scores.append(final_score(self.scenario, seat, utility, value, self.ledgers[seat]))
        self.concluded = self._emit(  # type: ignore[assignment]
            TalksConcluded,
            now,
            outcome="agreement" if adopted is not None else "no_deal",
            package_id=None if adopted is None else adopted.package_id,
            package=None if adopted is None else adopted.package,
            rounds=self.round,
            scores=tuple(scores),
            actions=FrozenDict(
                {
                    seat: tuple(self.ledgers[seat].actions)
                    for seat in self.seats
                    if self.ledgers[seat].actions
                }
            ),
        )


def _check_finite(now: float) -> None:
    if not math.isfinite(now):
        raise ValueError(f"the time must be a finite number of seconds, not {now!r}")
