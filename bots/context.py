"""What a delegation knows: its brief, its utility, the public history, the clock."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import msgspec

from protocol.events import (
    BallotResult,
    ChallengeResult,
    Event,
    PackageAdopted,
    Phase,
    ProposalTabled,
    ProposalWithdrawn,
    SanctionImposed,
    StatementMade,
    TalksConcluded,
    VetoCast,
)
from protocol.scenario.model import Brief, Implementation, Rules, Scenario, Terms
from protocol.scenario.utility import UtilityFunction

ENUMERATION_LIMIT = 50_000
"""Outcome spaces up to this size are enumerated exactly; larger ones are sampled."""


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """A seat's reputation from earlier talks (tournaments with ``reputation = true``)."""

    talks: int = 0
    violations_detected: int = 0
    vetoes: int = 0


@dataclass(frozen=True)
class TabledPackage:
    """A package on the table this round."""

    package_id: str
    seat: str
    round: int
    package: dict[str, str]


@dataclass
class History:
    """Everything this seat has seen, by kind, in order."""

    events: list[Event] = field(default_factory=list)
    tabled: list[ProposalTabled] = field(default_factory=list)
    withdrawn: set[str] = field(default_factory=set)
    ballots: list[BallotResult] = field(default_factory=list)
    vetoes: list[VetoCast] = field(default_factory=list)
    statements: list[StatementMade] = field(default_factory=list)
    challenges: list[ChallengeResult] = field(default_factory=list)
    sanctions: list[SanctionImposed] = field(default_factory=list)
    adopted: PackageAdopted | None = None
    concluded: TalksConcluded | None = None
    my_actions: list[str] = field(default_factory=list)

    def add(self, event: Event) -> None:
        self.events.append(event)
        match event:
            case ProposalTabled():
                self.tabled.append(event)
            case ProposalWithdrawn(package_id=pid):
                self.withdrawn.add(pid)
            case BallotResult():
                self.ballots.append(event)
            case VetoCast():
                self.vetoes.append(event)
            case StatementMade():
                self.statements.append(event)
            case ChallengeResult():
                self.challenges.append(event)
            case SanctionImposed():
                self.sanctions.append(event)
            case PackageAdopted():
                self.adopted = event
            case TalksConcluded():
                self.concluded = event

    def package(self, package_id: str) -> dict[str, str] | None:
        for tabled in self.tabled:
            if tabled.package_id == package_id:
                return tabled.package
        return None

    def votes(self) -> Iterator[tuple[str, dict[str, str], str]]:
        """(seat, package, vote) for every individual vote published (open ballots)."""

        for ballot in self.ballots:
            for result in ballot.results:
                package = self.package(result.package_id)
                if result.votes is None or package is None:
                    continue
                for seat, vote in result.votes.items():
                    yield seat, package, vote

    def detected(self, seat: str) -> int:
        """How many times ``seat`` was caught defecting in this talk."""

        return sum(1 for c in self.challenges if c.target == seat and c.detected)


class Context:
    """The view a delegation acts on. Hooks read it; ``say`` queues statements."""

    def __init__(
        self,
        *,
        seat: str,
        scenario: Scenario,
        rng: random.Random,
        clock: Callable[[], float] = time.time,
        reputation: dict[str, Record] | None = None,
    ) -> None:
        delegation = scenario.delegation(seat)
        if delegation.brief is None:
            raise ValueError(f"the scenario view lacks the brief of {seat!r}")
        self.seat = seat
        self.scenario = scenario
        self.brief: Brief = delegation.brief
        self.utility = UtilityFunction(scenario, delegation.brief)
        self.rng = rng
        self.clock = clock
        self.reputation: dict[str, Record] = reputation or {}
        self.history = History()
        self.phase: Phase = "lobby"
        self.round = 0
        self.period = 0
        self.deadline: float | None = None
        self.ballot: list[TabledPackage] = []
        self._outbox: list[tuple[str, list[str] | None]] = []
        self._all: list[dict[str, str]] | None = None

    # --- the rules of this room ---------------------------------------------------------

    @property
    def rules(self) -> Rules:
        return self.scenario.rules

    @property
    def seats(self) -> tuple[str, ...]:
        return self.scenario.seats

    @property
    def others(self) -> list[str]:
        return [s for s in self.scenario.seats if s != self.seat]

    @property
    def reservation(self) -> float:
        return self.brief.reservation

    @property
    def holds_veto(self) -> bool:
        return self.scenario.delegation(self.seat).veto and self.rules.vetoes

    @property
    def implementation(self) -> Implementation | None:
        return self.scenario.implementation

    @property
    def terms(self) -> Terms | None:
        """This seat's stakes in implementation (cost of complying, gain of defecting, harm)."""

        impl = self.scenario.implementation
        return None if impl is None else impl.parties.get(self.seat)

    @property
    def challenge_quota(self) -> int:
        impl = self.scenario.implementation
        return 0 if impl is None else impl.challenge_quota

    @property
    def progress(self) -> float:
        """How far through the rounds the talks are: 0 at round 1, 1 at the last."""

        rounds = self.rules.max_rounds
        return 0.0 if rounds <= 1 else min(1.0, max(0.0, (self.round - 1) / (rounds - 1)))

    @property
    def adopted(self) -> PackageAdopted | None:
        return self.history.adopted

    @property
    def now(self) -> float:
        return self.clock()

    # --- speaking -------------------------------------------------------------------------

    def say(self, text: str, *, to: list[str] | None = None) -> None:
        """Make a statement (public, or private to ``to``); sent with this hook's answer."""

        self._outbox.append((text, to))

    def take_statements(self) -> list[tuple[str, list[str] | None]]:
        out, self._outbox = self._outbox, []
        return out

    # --- packages ---------------------------------------------------------------------------

    def random_package(self) -> dict[str, str]:
        return {i.id: self.rng.choice(i.options) for i in self.scenario.issues}

    def best_package(self) -> dict[str, str]:
        """The package this seat likes most (each issue's best option)."""

        values = self.brief.values
        return {
            i.id: i.options[max(range(len(i.options)), key=values[i.id].__getitem__)]
            for i in self.scenario.issues
        }

    def all_packages(self) -> list[dict[str, str]]:
        """Every package when the space is small enough, else a fixed sample of it."""

        if self._all is None:
            issues = self.scenario.issues
            if self.scenario.outcome_count <= ENUMERATION_LIMIT:
                ids = [i.id for i in issues]
                self._all = [
                    dict(zip(ids, combo, strict=True))
                    for combo in itertools.product(*(i.options for i in issues))
                ]
            else:
                sampler = random.Random(f"{self.scenario.id}/{self.seat}/sample")
                self._all = [
                    {i.id: sampler.choice(i.options) for i in issues}
                    for _ in range(ENUMERATION_LIMIT)
                ]
                self._all.append(self.best_package())
        return self._all

    def ranked_packages(self) -> list[tuple[float, dict[str, str]]]:
        """(utility, package) from best to worst for this seat."""

        return sorted(((self.utility(p), p) for p in self.all_packages()), key=lambda up: -up[0])

    def package_near(self, target: float) -> dict[str, str]:
        """The package whose utility is the smallest one at or above ``target``."""

        best: tuple[float, dict[str, str]] | None = None
        for package in self.all_packages():
            u = self.utility(package)
            if u >= target and (best is None or u < best[0]):
                best = (u, package)
        return best[1] if best is not None else self.best_package()
