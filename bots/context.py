"""What a delegation knows: its brief, its utility, the public history, the clock.

A context holds only what its seat may see: its own brief, its own view of
the events, and the public record of the talk. Nothing in it leads to the
room, its log, another seat's brief or another seat's tables. What seats of
one in-process talk share (the public record, the events, the scenario, the
agenda's packages) is immutable: frozen structs, tuples, read-only maps.
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from accord.bots.analysis import Coalitions, Efficient, frontier
from accord.bots.tables import AgendaTables, BriefTables, Ranking, Tables
from accord.protocol.commands import Note, NoteValue
from accord.protocol.events import (
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
from accord.protocol.frozen import FrozenDict
from accord.protocol.scenario.model import Brief, Implementation, Rules, Scenario, Terms
from accord.protocol.scenario.utility import Stakes, UtilityFunction

T = TypeVar("T")

__all__ = [
    "Context",
    "History",
    "PublicRecord",
    "Ranking",
    "Record",
    "TabledPackage",
    "keep",
    "log_public",
    "remember",
    "stakes",
]


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """A seat's public record from earlier talks of a series (tournaments with
    ``reputation = true``): what anyone watching those talks saw it do.

    Every field is a count (``exposure`` a sum of chances), so the records of
    several talks add up field by field (:func:`accord.bots.reputation.combine`),
    and every field is derived from the public log of those talks
    (:func:`accord.bots.reputation.record_from_log`).

    Only *detected* defections count. The choices revealed at the end of a
    talk (``talks_concluded.actions`` and each score's ``defections``) are
    not part of the record: a defection no inspection found leaves no trace
    in it. Reputation then rewards verification instead of replacing it (a
    seat's record suffers only where the agreement could catch it), and a
    record holds only what the other seats saw while the talk ran (sanctions
    and challenge results).
    """

    talks: int = 0
    """Talks in the record: earlier talks of the series, this seat at the table."""
    agreements: int = 0
    """Of those, the talks that adopted a package (binding this seat)."""
    periods: int = 0
    """Implementation periods it lived under an adopted package."""
    inspected: int = 0
    """Implementation periods in which at least one seat inspected it."""
    exposure: float = 0.0
    """The defections its inspections would have caught had it defected in every
    period: the sum, over the periods it was inspected, of the chance that
    they detect a defection (``1 − (1 − detection)^inspections``, with the
    adopted package's detection probability). Detected violations over
    exposure estimate how often it defects."""
    violations_detected: int = 0
    """Periods in which it was caught defecting (a sanction was imposed on it;
    one per period however many inspections found the defection)."""
    violation_talks: int = 0
    """Talks in which it was caught defecting at least once."""
    pledges: int = 0
    """Agreements whose adopted package it is known to have voted yes on: its open
    vote, or in a secret ballot a tally in which every seat voted yes."""
    broken_pledges: int = 0
    """Of those pledges, the talks in which it was then caught defecting."""
    votes_against: int = 0
    """Agreements whose adopted package it voted no on (open ballots)."""
    vetoes: int = 0
    """Vetoes it cast (one per package vetoed)."""
    challenges: int = 0
    """Inspections it made."""
    challenge_hits: int = 0
    """Of those, the inspections that found a defection."""


@dataclass(frozen=True, slots=True)
class TabledPackage:
    """A package on the table this round."""

    package_id: str
    seat: str
    round: int
    package: Mapping[str, str]


class PublicRecord:
    """The public record of a talk: what every seat sees alike, by kind, in order.

    Read-only: each field is a tuple (or a frozen set, a frozen event), and
    :func:`keep` replaces it as events arrive instead of changing it. The
    seats of an in-process talk share one, kept by the driver; over a
    websocket each seat keeps its own.
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
        "length",
        "_chunks",
        "_tail",
        "_index",
        "_ballot",
    )

    tabled: tuple[ProposalTabled, ...]
    withdrawn: frozenset[str]
    ballots: tuple[BallotResult, ...]
    vetoes: tuple[VetoCast, ...]
    challenges: tuple[ChallengeResult, ...]
    sanctions: tuple[SanctionImposed, ...]
    adopted: PackageAdopted | None
    concluded: TalksConcluded | None
    length: int
    """How many events the public log holds (see :func:`log_public`)."""
    _chunks: tuple[tuple[Event | None, ...], ...]
    _tail: tuple[Event | None, ...]
    _index: tuple[int, FrozenDict[str, Mapping[str, str]]]
    _ballot: tuple[int, int, tuple[TabledPackage, ...]]

    def __init__(self) -> None:
        for name, value in (
            ("tabled", ()),
            ("withdrawn", frozenset()),
            ("ballots", ()),
            ("vetoes", ()),
            ("challenges", ()),
            ("sanctions", ()),
            ("adopted", None),
            ("concluded", None),
            # the public log: every event as a reader without a share in it sees
            # it (None: hidden), in full tuples of _CHUNK and a tail
            ("length", 0),
            ("_chunks", ()),
            ("_tail", ()),
            # package id → package of the first ``count`` proposals (count, index)
            ("_index", (0, FrozenDict())),
            ("_ballot", (0, 0, ())),  # (round, proposals, ballot)
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("the public record is read-only")

    def public(self, start: int, stop: int) -> Iterator[Event | None]:
        """The public log's entries for seqs ``start`` to ``stop`` - 1 (None: hidden)."""

        chunks, tail, size = self._chunks, self._tail, _CHUNK
        full = len(chunks) * size
        for n in range(start - 1, stop - 1):
            yield chunks[n // size][n % size] if n < full else tail[n - full]

    def package(self, package_id: str) -> Mapping[str, str] | None:
        """The package tabled under ``package_id`` (the first one, if repeated), or None."""

        count, index = self._index
        if count < len(self.tabled):  # index what was tabled since the last lookup
            grown = dict(index)
            for t in self.tabled[count:]:
                grown.setdefault(t.package_id, t.package)
            index = FrozenDict(grown)
            object.__setattr__(self, "_index", (len(self.tabled), index))
        return index.get(package_id)

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
            ballot = tuple(
                sorted(
                    (
                        TabledPackage(t.package_id, t.seat, t.round, t.package)
                        for t in tabled[start:]
                        if t.package_id not in withdrawn
                    ),
                    key=lambda t: (order.get(t.seat, 0), t.package_id),
                )
            )
            object.__setattr__(self, "_ballot", (round_, len(tabled), ballot))
        return list(ballot)


_KEPT: dict[type, str] = {
    ProposalTabled: "tabled",
    BallotResult: "ballots",
    VetoCast: "vetoes",
    ChallengeResult: "challenges",
    SanctionImposed: "sanctions",
}
KEPT = frozenset((*_KEPT, ProposalWithdrawn, PackageAdopted, TalksConcluded))
"""The event types the public record keeps."""


_CHUNK = 32


def log_public(record: PublicRecord, events: Sequence[Event | None]) -> None:
    """Append the next events of the log, as the public sees them (None: hidden), to
    ``record`` (the in-process driver's record, which seats read their events from)."""

    put = object.__setattr__
    tail = (*record._tail, *events)
    chunks = record._chunks
    while len(tail) >= _CHUNK:
        chunks = (*chunks, tail[:_CHUNK])
        tail = tail[_CHUNK:]
    put(record, "_chunks", chunks)
    put(record, "_tail", tail)
    put(record, "length", record.length + len(events))


def keep(record: PublicRecord, event: Event) -> None:
    """Add ``event``, as everyone sees it, to ``record`` (other kinds are ignored)."""

    kind = type(event)  # `kind is X` is fast but does not narrow `event` for mypy
    name = _KEPT.get(kind)
    put = object.__setattr__
    if name is not None:
        put(record, name, (*getattr(record, name), event))
    elif kind is ProposalWithdrawn:
        put(record, "withdrawn", record.withdrawn | {event.package_id})  # type: ignore[union-attr]
    elif kind is PackageAdopted:
        put(record, "adopted", event)
    elif kind is TalksConcluded:
        put(record, "concluded", event)


class History:
    """Everything this seat has seen: its events in order, and the public record by kind.

    Over a websocket a history keeps its own record of what it is given. In-process
    the driver keeps the talk's record, public log included, and ``overlay``: this
    seat's own view of the events it sees otherwise than the public (its votes,
    its brief, statements to it, its actions), by seq; its events are read from
    those two when asked for.
    """

    def __init__(
        self,
        *,
        record: PublicRecord | None = None,
        overlay: Mapping[int, Event | None] | None = None,
    ) -> None:
        self._keeps = record is None
        self._record = PublicRecord() if record is None else record
        self._overlay = overlay
        self._events: list[Event] = []
        self._read = 0  # with an overlay: the seqs read from the record so far
        self._statements: list[StatementMade] = []
        self._seen = 0  # events scanned for statements
        self.my_actions: list[str] = []

    def add(self, *events: Event) -> None:
        """Record ``events``, in order (not for a history the driver keeps)."""

        self._events.extend(events)
        if self._keeps:
            for event in events:
                if type(event) in KEPT:
                    keep(self._record, event)

    @property
    def events(self) -> list[Event]:
        """Every event this seat has seen, as it saw it."""

        overlay = self._overlay
        if overlay is not None and self._read < self._record.length:
            start, stop = self._read + 1, self._record.length + 1
            out = self._events
            for seq, public in zip(
                range(start, stop), self._record.public(start, stop), strict=True
            ):
                shown = overlay.get(seq, public)
                if shown is not None:
                    out.append(shown)
            self._read = stop - 1
        return self._events

    @property
    def statements(self) -> list[StatementMade]:
        """The statements this seat has heard (public ones and those addressed to it)."""

        events = self.events
        if self._seen < len(events):
            self._statements.extend(e for e in events[self._seen :] if type(e) is StatementMade)
            self._seen = len(events)
        return self._statements

    @property
    def tabled(self) -> tuple[ProposalTabled, ...]:
        return self._record.tabled

    @property
    def withdrawn(self) -> frozenset[str]:
        return self._record.withdrawn

    @property
    def ballots(self) -> tuple[BallotResult, ...]:
        return self._record.ballots

    @property
    def vetoes(self) -> tuple[VetoCast, ...]:
        return self._record.vetoes

    @property
    def challenges(self) -> tuple[ChallengeResult, ...]:
        return self._record.challenges

    @property
    def sanctions(self) -> tuple[SanctionImposed, ...]:
        return self._record.sanctions

    @property
    def adopted(self) -> PackageAdopted | None:
        return self._record.adopted

    @property
    def concluded(self) -> TalksConcluded | None:
        return self._record.concluded

    def package(self, package_id: str) -> Mapping[str, str] | None:
        """The package tabled under ``package_id``, or None."""

        return self._record.package(package_id)

    def put_to_vote(self, round_: int, seats: Sequence[str]) -> list[TabledPackage]:
        """The packages tabled in round ``round_`` and not withdrawn, by tabling
        seat (in ``seats`` order), then id: the ballot of that round."""

        return self._record.put_to_vote(round_, seats)

    def votes(self) -> Iterator[tuple[str, Mapping[str, str], str]]:
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
    """The view a delegation acts on. Hooks read it; ``say`` queues statements.

    ``tables`` and ``shelf`` are this seat's own (its brief's tables and its
    strategy's shelf, see :mod:`accord.bots.tables`); without them the context makes
    its own.
    """

    def __init__(
        self,
        *,
        seat: str,
        scenario: Scenario,
        rng: random.Random,
        clock: Callable[[], float] = time.time,
        reputation: Mapping[str, Record] | None = None,
        history: History | None = None,
        tables: BriefTables | None = None,
        shelf: dict[bytes, Any] | None = None,
    ) -> None:
        delegation = scenario.delegation(seat)
        if delegation.brief is None:
            raise ValueError(f"the scenario view lacks the brief of {seat!r}")
        if tables is None:
            tables = Tables().brief(scenario, delegation.brief)
        self.seat = seat
        self.scenario = scenario
        self.brief: Brief = delegation.brief
        self.utility: UtilityFunction = tables.utility
        self.rng = rng
        self.clock = clock
        self.reputation: Mapping[str, Record] = FrozenDict(reputation or {})
        self.history = History() if history is None else history
        self.phase: Phase = "lobby"
        self.round = 0
        self.period = 0
        self.deadline: float | None = None
        self.ballot: list[TabledPackage] = []
        self._outbox: list[tuple[str, list[str] | None]] = []
        self._notebook: list[Note] = []
        self._tables = tables
        self._agenda: AgendaTables = tables.agenda
        self._shelf: dict[bytes, Any] = {} if shelf is None else shelf
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

    def note(self, text: str, **data: NoteValue) -> None:
        """Write in this seat's private notebook: why the bot decided what it did.

        Only this seat and the organizer ever see a note; it is kept in the
        transcript (``accord verify --seat SEAT`` prints the notebook), changes
        nothing in the talks, and is sent with this hook's answer. ``data``
        holds JSON scalars (str, int, finite float, bool, None); limits:
        :data:`~accord.protocol.commands.NOTE_TEXT_LIMIT` characters of text,
        :data:`~accord.protocol.commands.NOTE_DATA_LIMIT` entries,
        :data:`~accord.protocol.commands.NOTES_PER_SEAT` notes a talk (notes
        beyond a limit are cut short or dropped, never an error in the hook).
        """

        self._notebook.append(Note(text=str(text), data=data))

    def has_statements(self) -> bool:
        """Whether statements or notes wait to be sent."""

        return bool(self._outbox) or bool(self._notebook)

    def take_statements(self) -> list[tuple[str, list[str] | None]]:
        out, self._outbox = self._outbox, []
        return out

    def take_notes(self) -> list[Note]:
        out, self._notebook = self._notebook, []
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

    def all_packages(self) -> tuple[FrozenDict[str, str], ...]:
        """Every package when the space is small enough, else a fixed sample of it
        (read-only; shared by the seats and, with :class:`~accord.bots.tables.Tables`, the talks)."""

        return self._agenda.packages

    # --- analysis -----------------------------------------------------------------------------

    @property
    def coalitions(self) -> Coalitions:
        """Who can carry a package under this room's rules (public facts only):
        ``wins(seats)``, ``pivotal(seats)``, ``minimal_winning()``, ``power()``.
        Kept for the talks of this scenario."""

        key = b"accord.coalitions\0" + msgspec.json.encode(
            (self.rules, [(d.id, d.weight, d.veto) for d in self.scenario.delegations])
        )
        return remember(self, key, lambda: Coalitions(self.scenario))

    def frontier(self, estimates: Mapping[str, Brief] | None = None) -> Efficient:
        """The Pareto frontier and Nash point for this seat and the seats in
        ``estimates`` (estimated briefs of others: theirs are private). Kept for
        the last few sets of estimates asked about."""

        briefs = {self.seat: self.brief, **(estimates or {})}
        key = msgspec.json.encode(sorted(briefs.items()))
        kept: OrderedDict[bytes, Efficient] = remember(self, b"accord.frontiers", OrderedDict)
        found = kept.get(key)
        if found is None:
            found = kept[key] = frontier(self.scenario, briefs)
            while len(kept) > 8:
                kept.popitem(last=False)
        return found

    def ranking(self) -> Ranking:
        """Every package sorted by this seat's utility (read-only)."""

        return self._tables.ranking()

    def ranked_packages(self) -> list[tuple[float, FrozenDict[str, str]]]:
        """(utility, package) from best to worst for this seat."""

        ranking = self.ranking()
        return list(zip(reversed(ranking.utilities), reversed(ranking.packages), strict=True))

    def package_near(self, target: float) -> dict[str, str]:
        """The package whose utility is the smallest one at or above ``target``."""

        ranking = self.ranking()
        index = ranking.at_least(target)
        return ranking.packages[index] if index < len(ranking.packages) else self.best_package()


def remember(ctx: Context, key: bytes, make: Callable[[], T]) -> T:
    """``make()``, kept on this seat's shelf: shared between the talks of a
    :class:`~accord.bots.tables.Tables` by seats with the same brief, agenda and
    strategy class.

    For what a strategy derives from its own brief and the public scenario
    only (say, its valuation of every package), like :meth:`Context.ranking`.
    ``key`` must name everything else ``make`` reads (the seat, parameters
    of the instance...). Treat the result as read-only.
    """

    found = ctx._shelf.get(key)
    if found is None:
        found = ctx._shelf[key] = make()
    return found


def stakes(ctx: Context) -> Stakes:
    """Detection probability and sanction size of packages on ``ctx``'s scenario
    (:func:`~accord.protocol.scenario.utility.detection_probability` and
    :func:`~accord.protocol.scenario.utility.sanction_size`, looked up per option)."""

    return ctx._agenda.stakes
