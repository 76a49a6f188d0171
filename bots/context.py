"""What a delegation knows: its brief, its utility, the public history, the clock."""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from protocol.engine.visibility import Viewer, visible
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
    VoteCast,
)
from protocol.scenario.model import Brief, Implementation, Rules, Scenario, Terms
from protocol.scenario.utility import Stakes, UtilityFunction, utility_function

ENUMERATION_LIMIT = 50_000
"""Outcome spaces up to this size are enumerated exactly; larger ones are sampled."""

_CACHE_SIZE = 64

T = TypeVar("T")


class Ranking:
    """Every package (or the sample) sorted by one seat's utility, lowest first.

    Tournaments play the same scenario many times, so rankings are shared
    between talks (keyed by the agenda and the brief) instead of recomputed.
    """

    __slots__ = ("packages", "utilities")

    def __init__(self, packages: list[dict[str, str]], utility: UtilityFunction) -> None:
        scored = sorted(((utility(p), n) for n, p in enumerate(packages)))
        self.utilities = [u for u, _ in scored]
        self.packages = [packages[n] for _, n in scored]

    def at_least(self, target: float) -> int:
        """Index of the first package whose utility is at least ``target``."""

        return bisect.bisect_left(self.utilities, target)


_packages_cache: OrderedDict[bytes, list[dict[str, str]]] = OrderedDict()
_ranking_cache: OrderedDict[bytes, Ranking] = OrderedDict()
_derived_cache: OrderedDict[bytes, object] = OrderedDict()


def _remember(cache: OrderedDict[bytes, object], key: bytes, make: Callable[[], object]) -> object:
    found = cache.get(key)
    if found is None:
        found = make()
        cache[key] = found
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return found


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


_COLLECTED = {
    ProposalTabled: "tabled",
    BallotResult: "ballots",
    VetoCast: "vetoes",
    ChallengeResult: "challenges",
    SanctionImposed: "sanctions",
}
"""Event type → the list of :class:`Proceedings` that collects it."""


class Proceedings:
    """The public record of the talks: what every seat sees alike, by kind, in order.

    Over a websocket each seat keeps its own; an in-process talk keeps one for
    all its seats (see :class:`Feed`), so each event is recorded once, not once
    per seat.
    """

    __slots__ = (
        "tabled",
        "withdrawn",
        "ballots",
        "vetoes",
        "challenges",
        "sanctions",
        "adopted",
        "concluded",
        "_index",
        "_indexed",
        "_ballot",
    )

    def __init__(self) -> None:
        self.tabled: list[ProposalTabled] = []
        self.withdrawn: set[str] = set()
        self.ballots: list[BallotResult] = []
        self.vetoes: list[VetoCast] = []
        self.challenges: list[ChallengeResult] = []
        self.sanctions: list[SanctionImposed] = []
        self.adopted: PackageAdopted | None = None
        self.concluded: TalksConcluded | None = None
        # package id → package of tabled[:_indexed] (the first one tabled under that id)
        self._index: dict[str, dict[str, str]] = {}
        self._indexed = 0
        self._ballot: tuple[int, int, list[TabledPackage]] = (0, 0, [])  # (round, tabled, ballot)

    def add(self, event: Event) -> None:
        """Record ``event``, as a seat sees it, if it belongs to the public record
        (other kinds are ignored)."""

        kind = type(event)
        if kind is VoteCast:  # most events are votes: only the log keeps them
            return
        collect = _COLLECTED.get(kind)
        if collect is not None:  # one dict lookup instead of a chain of type tests
            getattr(self, collect).append(event)
        elif kind is ProposalWithdrawn:
            self.withdrawn.add(event.package_id)  # type: ignore[union-attr]
        elif kind is PackageAdopted:
            self.adopted = event  # type: ignore[assignment]
        elif kind is TalksConcluded:
            self.concluded = event  # type: ignore[assignment]

    def package(self, package_id: str) -> dict[str, str] | None:
        tabled = self.tabled
        if self._indexed < len(tabled):  # index what was tabled since the last lookup
            for t in tabled[self._indexed :]:
                self._index.setdefault(t.package_id, t.package)
            self._indexed = len(tabled)
        return self._index.get(package_id)

    def put_to_vote(self, round_: int, seats: Sequence[str]) -> list[TabledPackage]:
        """The packages tabled in ``round_`` and not withdrawn, ordered by the seat
        that tabled them (in ``seats`` order), then by id."""

        tabled = self.tabled
        made_at, count, ballot = self._ballot
        if made_at != round_ or count != len(tabled):
            start = len(tabled)  # this round's proposals are the last ones tabled so far
            while start and tabled[start - 1].round == round_:
                start -= 1
            order = {seat: n for n, seat in enumerate(seats)}
            withdrawn = self.withdrawn
            ballot = sorted(
                (
                    TabledPackage(t.package_id, t.seat, t.round, t.package)
                    for t in tabled[start:]
                    if t.package_id not in withdrawn
                ),
                key=lambda t: (order.get(t.seat, 0), t.package_id),
            )
            self._ballot = (round_, len(tabled), ballot)
        return list(ballot)


@dataclass(frozen=True)
class Feed:
    """What the seats of one in-process talk share: the proceedings, recorded once
    by the driver as events happen, and the room's log, from which each seat's
    own view of the events is filtered only when a strategy reads it."""

    proceedings: Proceedings
    log: Sequence[Event]


class History:
    """Everything this seat has seen, by kind, in order."""

    def __init__(self, *, feed: Feed | None = None, seat: str | None = None) -> None:
        # with a feed the proceedings are recorded by the driver, and the
        # events are this seat's view of the feed's log up to what it received
        self._feed = feed
        self._proceedings = Proceedings() if feed is None else feed.proceedings
        self._viewer = None if seat is None else Viewer.of_seat(seat)
        self._events: list[Event] = []
        self._upto = 0  # seq of the last event received
        self._viewed = 1  # with a feed: log[1:_viewed] is in _events (talks_opened is not)
        self.statements: list[StatementMade] = []
        self.my_actions: list[str] = []

    def add(self, *events: Event) -> None:
        """Record ``events``, in order."""

        if not events:
            return
        self._upto = events[-1].seq
        if self._feed is None:
            self._events.extend(events)
            add = self._proceedings.add
            for event in events:
                if type(event) is StatementMade:
                    self.statements.append(event)  # type: ignore[arg-type]
                else:
                    add(event)
        else:
            for event in events:
                if type(event) is StatementMade:  # the private ones differ from seat to seat
                    self.statements.append(event)  # type: ignore[arg-type]

    @property
    def events(self) -> list[Event]:
        feed = self._feed
        if feed is not None and self._viewed < self._upto:
            viewer = self._viewer
            assert viewer is not None
            out = self._events
            for event in feed.log[self._viewed : self._upto]:
                shown = visible(event, viewer)
                if shown is not None:
                    out.append(shown)
            self._viewed = self._upto
        return self._events

    @property
    def tabled(self) -> list[ProposalTabled]:
        return self._proceedings.tabled

    @property
    def withdrawn(self) -> set[str]:
        return self._proceedings.withdrawn

    @property
    def ballots(self) -> list[BallotResult]:
        return self._proceedings.ballots

    @property
    def vetoes(self) -> list[VetoCast]:
        return self._proceedings.vetoes

    @property
    def challenges(self) -> list[ChallengeResult]:
        return self._proceedings.challenges

    @property
    def sanctions(self) -> list[SanctionImposed]:
        return self._proceedings.sanctions

    @property
    def adopted(self) -> PackageAdopted | None:
        return self._proceedings.adopted

    @property
    def concluded(self) -> TalksConcluded | None:
        return self._proceedings.concluded

    def package(self, package_id: str) -> dict[str, str] | None:
        """The package tabled under ``package_id``, or None."""

        return self._proceedings.package(package_id)

    def put_to_vote(self, round_: int, seats: Sequence[str]) -> list[TabledPackage]:
        """The packages tabled in round ``round_`` and not withdrawn, by tabling
        seat (in ``seats`` order), then id: the ballot of that round."""

        return self._proceedings.put_to_vote(round_, seats)

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
        feed: Feed | None = None,
    ) -> None:
        delegation = scenario.delegation(seat)
        if delegation.brief is None:
            raise ValueError(f"the scenario view lacks the brief of {seat!r}")
        self.seat = seat
        self.scenario = scenario
        self.brief: Brief = delegation.brief
        self.utility = utility_function(scenario, delegation.brief)
        self.rng = rng
        self.clock = clock
        self.reputation: dict[str, Record] = reputation or {}
        self.history = History(feed=feed, seat=seat)
        self.phase: Phase = "lobby"
        self.round = 0
        self.period = 0
        self.deadline: float | None = None
        self.ballot: list[TabledPackage] = []
        self._outbox: list[tuple[str, list[str] | None]] = []
        self._all: list[dict[str, str]] | None = None
        self._stakes: Stakes | None = None
        self._ranking: Ranking | None = None
        self._agenda_key = msgspec.json.encode((scenario.id, scenario.issues))
        # read on every hook call: computed once (the scenario does not change)
        self._seats = scenario.seats
        self._holds_veto = delegation.veto and scenario.rules.vetoes

    # --- the rules of this room ---------------------------------------------------------

    @property
    def rules(self) -> Rules:
        return self.scenario.rules

    @property
    def seats(self) -> tuple[str, ...]:
        return self._seats

    @property
    def others(self) -> list[str]:
        return [s for s in self._seats if s != self.seat]

    @property
    def reservation(self) -> float:
        return self.brief.reservation

    @property
    def holds_veto(self) -> bool:
        return self._holds_veto

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

    def has_statements(self) -> bool:
        return bool(self._outbox)

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
        """Every package when the space is small enough, else a fixed sample of it.

        The list is shared between talks on the same agenda: treat it as read-only.
        """

        if self._all is None:
            self._all = _remember(_packages_cache, self._agenda_key, self._enumerate)  # type: ignore[assignment]
        return self._all  # type: ignore[return-value]

    def _enumerate(self) -> list[dict[str, str]]:
        issues = self.scenario.issues
        if self.scenario.outcome_count <= ENUMERATION_LIMIT:
            ids = [i.id for i in issues]
            return [
                dict(zip(ids, combo, strict=True))
                for combo in itertools.product(*(i.options for i in issues))
            ]
        sampler = random.Random(f"{self.scenario.id}/sample")
        return [{i.id: sampler.choice(i.options) for i in issues} for _ in range(ENUMERATION_LIMIT)]

    def ranking(self) -> Ranking:
        """Every package sorted by this seat's utility (shared between talks; read-only)."""

        if self._ranking is None:
            key = self._agenda_key + msgspec.json.encode(self.brief)
            self._ranking = _remember(  # type: ignore[assignment]
                _ranking_cache, key, lambda: Ranking(self.all_packages(), self.utility)
            )
        return self._ranking  # type: ignore[return-value]

    def ranked_packages(self) -> list[tuple[float, dict[str, str]]]:
        """(utility, package) from best to worst for this seat."""

        ranking = self.ranking()
        return list(zip(reversed(ranking.utilities), reversed(ranking.packages), strict=True))

    def package_near(self, target: float) -> dict[str, str]:
        """The package whose utility is the smallest one at or above ``target``."""

        ranking = self.ranking()
        index = ranking.at_least(target)
        return ranking.packages[index] if index < len(ranking.packages) else self.best_package()


def remember(ctx: Context, key: bytes, make: Callable[[], T]) -> T:
    """``make()``, shared between talks on ``ctx``'s agenda by seats with its brief.

    For what a strategy derives from its own brief and the public scenario
    only (say, its valuation of every package), like :meth:`Context.ranking`.
    The cache key is the agenda, the seat's brief and ``key``, which must name
    everything else ``make`` reads (the strategy, its parameters, the seat,
    implementation terms...). Treat the result as read-only.
    """

    full = ctx._agenda_key + msgspec.json.encode(ctx.brief) + b"|" + key
    return _remember(_derived_cache, full, make)  # type: ignore[return-value]


def stakes(ctx: Context) -> Stakes:
    """Detection probability and sanction size of packages on ``ctx``'s scenario
    (:func:`~protocol.scenario.utility.detection_probability` and
    :func:`~protocol.scenario.utility.sanction_size`, looked up per option)."""

    if ctx._stakes is None:
        ctx._stakes = Stakes(ctx.scenario)
    return ctx._stakes
