"""Bodies of the JSON HTTP API (requests and responses), typed like the protocol."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from accord.protocol.events import Phase
from accord.protocol.jcs import MAX_SAFE_INTEGER
from accord.protocol.tournament import TalkResult

Seed = Annotated[int, msgspec.Meta(ge=0, le=MAX_SAFE_INTEGER)]


class _Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class CreateRoom(_Body, kw_only=True):
    """Open a room on a bundled scenario (by name) or an inline scenario (an object)."""

    scenario: str | dict[str, Any]
    seed: Seed | None = None
    """Seed of the room's randomness (inspections), 0 to 2**53 − 1; random when omitted."""
    public: bool = True
    """Whether anyone may read the public copy of the transcript once the talks have
    concluded (seats read their own copy either way)."""
    entries: dict[str, str] = {}
    """Seat → bot entry id: those entries are assigned the seats."""


class RoomCreated(_Body, kw_only=True):
    """The new room and one token per seat (shown once; only digests are stored)."""

    room: str
    scenario: str
    seats: dict[str, str]
    websocket: str = "/ws"


class RoomSummary(_Body, kw_only=True):
    """A room in the list. Rooms in memory also show their phase, round, period, seq and seats."""

    room: str
    scenario: str
    title: str
    status: Literal["lobby", "running", "concluded", "failed", "expired"]
    public: bool = True
    reason: str = ""
    """Why a room failed or expired."""
    phase: Phase | None = None
    round: int = 0
    period: int = 0
    seq: int = 0
    seats: dict[str, bool] = {}
    """Seat → whether it is taken."""
    created_at: float = 0.0


class RoomList(_Body, kw_only=True):
    """One page of rooms, oldest first."""

    rooms: list[RoomSummary]
    next: str | None = None
    """Cursor of the next page (pass it as ``after``); null on the last page."""


class ScenarioSummary(_Body, kw_only=True):
    """A bundled scenario."""

    name: str
    title: str
    seats: list[str]
    issues: int
    packages: int
    decision: str
    implementation: bool


class ScenarioList(_Body, kw_only=True):
    scenarios: list[ScenarioSummary]


class CreateEntry(_Body, kw_only=True):
    """Register a bot entry that connects with its own token and waits for seats."""

    name: str = "entry"


class EntryCreated(_Body, kw_only=True):
    entry: str
    token: str


class StartRoom(_Body, kw_only=True):
    """Start a room's talks with whoever is seated (the body may be empty)."""

    absent_default: bool = False
    """Absent seats act by default at once (pass, abstain, comply, no challenge, each a
    ``timeout``) instead of every phase waiting for its deadline."""


class Started(_Body, kw_only=True):
    """The talks started; ``seq`` is the last event so far."""

    room: str
    seq: int


class ApiErrorBody(_Body, kw_only=True):
    code: str
    message: str


class ApiError(_Body, kw_only=True):
    """Every API error: a stable code and a human message."""

    error: ApiErrorBody


class Health(_Body, kw_only=True):
    status: str
    rooms: int
    connections: int


# --- tournaments ---------------------------------------------------------------------------

TournamentStatus = Literal["created", "running", "interrupted", "failed", "complete"]


class TournamentSummary(_Body, kw_only=True):
    """A tournament: where it stands.

    ``status``: ``created`` (never started), ``running`` (on this server now),
    ``interrupted`` (stopped, or the server stopped under it: start it again to
    resume), ``failed`` (its last run stopped on an error, in ``error``; start
    resumes), ``complete`` (every planned talk is stored)."""

    tournament: str
    status: TournamentStatus
    public: bool
    talks_planned: int
    talks_done: int
    """Talks stored so far."""
    created_at: float
    started_at: float | None = None
    """When it was first started."""
    finished_at: float | None = None
    """When its last talk was stored."""
    error: str = ""
    """Why its last run failed."""


class TournamentEntry(_Body, kw_only=True):
    name: str
    kind: Literal["strategy", "package", "wheel", "command", "remote"]


class TournamentState(TournamentSummary, kw_only=True):
    """A tournament in detail: its summary, its entries and scenarios, and how many
    stored talks report problems."""

    problems: int = 0
    """Stored talks that report at least one problem (a hook that failed, a sandboxed
    entry stopped, a remote bot that did not join): their ``problems`` in the talk list."""
    digest: str = ""
    """SHA-256 of the tournament's canonical JSON without ``store``: the same file
    sent again has the same digest."""
    seed: int = 0
    format: str = "all-seatings"
    entries: list[TournamentEntry] = []
    scenarios: list[str] = []
    """Each scenario's label: its bundled name, or ``generated-…`` for generated ones."""


class TournamentList(_Body, kw_only=True):
    """One page of tournaments, oldest first."""

    tournaments: list[TournamentSummary]
    next: str | None = None
    """Cursor of the next page (pass it as ``after``); null on the last page."""


class TalkList(_Body, kw_only=True):
    """One page of a tournament's stored talks, in plan order."""

    talks: list[TalkResult]
    next: str | None = None
    """Cursor of the next page (pass it as ``after``); null on the last page."""


# --- a room's picture --------------------------------------------------------------------------


class AnalysedPackage(_Body, kw_only=True):
    """A package tabled in the room (any round, withdrawn ones too) and the utilities of
    it that the reader may see."""

    package_id: str
    seat: str
    round: int
    package: dict[str, str]
    withdrawn: bool = False
    utilities: dict[str, float] = {}
    """Seat → its utility of this package: every seat for the organizer, the reader's
    own seat for a seat, none for anyone else."""


class FrontierView(_Body, kw_only=True):
    """The Pareto frontier of the room's scenario as utility vectors (seat → utility)."""

    size: int
    """Packages on the frontier."""
    points: list[dict[str, float]]
    """Their utility vectors, in agenda order of packages; when ``size`` exceeds the
    limit, an even sample of them."""


class NashView(_Body, kw_only=True):
    """The Nash bargaining point: the package maximising the product of gains over
    reservation among those every seat weakly prefers to no deal."""

    package: dict[str, str]
    utilities: dict[str, float]


class RoomAnalysis(_Body, kw_only=True):
    """What a room's picture needs, as the reader may see it (briefs are private)."""

    room: str
    reader: str
    """``organizer``, ``seat:<id>`` or ``spectator``."""
    seats: list[str]
    connected: dict[str, bool]
    """Seat → whether a connection holds the seat now."""
    reservations: dict[str, float]
    """Seat → its reservation utility (what no deal is worth), for the seats whose
    brief the reader may see."""
    packages: list[AnalysedPackage]
    """Every package tabled so far, in the order tabled."""
    frontier: FrontierView | None = None
    """The organizer only."""
    nash: NashView | None = None
    """The organizer only; null also when no package is worth its reservation to
    every seat."""
