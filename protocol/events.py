"""Room events: the log that is the truth of every room.

Each event carries the ``room`` id, a room-monotonic ``seq`` (from 1) and the
time ``at`` (seconds) the engine was given when it happened. The log is
hash-chained (:mod:`accord.protocol.engine.chain`) and persisted before anything is
broadcast; each recipient gets the events filtered to what it may see
(:mod:`accord.protocol.engine.visibility`). Fields that a recipient may not see are
``null`` in its copy. Events are immutable: frozen structs, tuples, and
read-only maps where the engine builds them.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from accord.protocol.commands import Choice, NoteKind, NoteValue, Vote
from accord.protocol.scenario.model import Scenario

Phase = Literal["lobby", "tabling", "ballot", "action", "verification", "concluded"]


class _Event(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="type",
):
    room: str
    seq: int
    at: float


class TalksOpened(_Event, tag="talks_opened", kw_only=True):
    """The room opened on a scenario. Seats see only their own brief; only the
    organizer sees every brief, the ``seed`` (it decides inspections) and the
    ``sealing_key`` (the chain's salts derive from it)."""

    scenario: Scenario
    seed: int | None = None
    protocol: int = 1
    sealing_key: str | None = None
    """Hex of the 32-byte key the salts of sealed content derive from (organizer only)."""


class SeatTaken(_Event, tag="seat_taken", kw_only=True):
    """A delegation took its seat."""

    seat: str


class TalksStarted(_Event, tag="talks_started", kw_only=True):
    """The talks began, because every seat was taken or the organizer started them."""

    by: Literal["all_seated", "organizer"]
    absent: tuple[str, ...] = ()
    """Seats not taken when the talks began; they may still take their seat later."""
    absent_default: bool = False
    """Whether absent seats act by default at once (pass, abstain, comply, no
    challenge, each recorded as a ``timeout``) instead of every phase waiting for
    its deadline; a seat that is taken later acts for itself again."""


class PhaseStarted(_Event, tag="phase_started", kw_only=True):
    """A new phase began; ``deadline`` is when it closes unless every seat acts first."""

    phase: Phase
    round: int = 0
    period: int = 0
    deadline: float | None = None


class DeadlinePassed(_Event, tag="deadline_passed", kw_only=True):
    """The current phase's deadline passed before every seat had acted."""

    phase: Phase
    round: int = 0
    period: int = 0


class ProposalTabled(_Event, tag="proposal_tabled", kw_only=True):
    """A seat tabled a package (one option per issue)."""

    seat: str
    round: int
    package_id: str
    package: dict[str, str]


class ProposalWithdrawn(_Event, tag="proposal_withdrawn", kw_only=True):
    """A seat withdrew its own package before the ballot."""

    seat: str
    round: int
    package_id: str


class Passed(_Event, tag="passed", kw_only=True):
    """A seat declared itself done with the tabling or verification phase."""

    seat: str
    phase: Phase


class VoteCast(_Event, tag="vote_cast", kw_only=True):
    """A seat voted on a package. Until the ballot closes only the voter (and the
    organizer) sees the ``vote``; others see that it voted."""

    seat: str
    round: int
    package_id: str
    vote: Vote | None = None


class VetoCast(_Event, tag="veto_cast", kw_only=True):
    """A veto holder vetoed a package; public, and counts as the holder's vote."""

    seat: str
    round: int
    package_id: str


class Timeout(_Event, tag="timeout", kw_only=True):
    """A seat missed a deadline and got the default: ``abstain`` for votes
    (public), ``comply`` for actions (seen only by that seat and the organizer)."""

    seat: str
    phase: Phase
    round: int = 0
    period: int = 0
    default: str
    package_ids: tuple[str, ...] = ()


class Tally(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Counts and weights of the votes on one package."""

    yes: int = 0
    no: int = 0
    abstain: int = 0
    timeouts: int = 0
    yes_weight: float = 0.0
    no_weight: float = 0.0
    abstain_weight: float = 0.0
    timeout_weight: float = 0.0


class PackageResult(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=False
):
    """The outcome of the vote on one package."""

    package_id: str
    seat: str
    tally: Tally
    passed: bool
    vetoed_by: tuple[str, ...] = ()
    votes: dict[str, str] | None = None
    """Each seat's vote (a timeout shows as ``abstain``); ``null`` in a secret ballot."""


class BallotResult(_Event, tag="ballot_result", kw_only=True):
    """The ballot closed: the result on every package put to the vote."""

    round: int
    secret: bool
    results: tuple[PackageResult, ...]


class PackageAdopted(_Event, tag="package_adopted", kw_only=True):
    """A package passed and was adopted (largest yes weight; ties: earliest tabled)."""

    round: int
    package_id: str
    seat: str
    package: dict[str, str]
    yes_weight: float
    detection: float = 0.0
    sanction: float = 0.0


class RoundEnded(_Event, tag="round_ended", kw_only=True):
    """A round ended without an adopted package: nothing was tabled (the tabling
    phase closed with no package on the table, so no ballot was held), or no
    package on the ballot passed. The next round's tabling follows, or
    ``no_agreement`` after the last round."""

    round: int
    reason: Literal["nothing_tabled", "nothing_passed"]


class NoAgreement(_Event, tag="no_agreement", kw_only=True):
    """The last round ended without an adopted package."""

    rounds: int


class StatementMade(_Event, tag="statement_made", kw_only=True):
    """A statement; ``to`` lists the recipients of a private one (``null``: public)."""

    seat: str
    text: str
    to: tuple[str, ...] | None = None


class NoteMade(_Event, tag="note_made", kw_only=True):
    """A note in a seat's private notebook (see the ``note`` command): seen by that seat
    and the organizer only; sealed whole in every other copy of the transcript."""

    seat: str
    text: str
    data: dict[str, NoteValue] = {}
    kind: NoteKind = "note"


class ActionTaken(_Event, tag="action_taken", kw_only=True):
    """A seat's private comply/defect choice; seen by that seat and the organizer only."""

    seat: str
    period: int
    choice: Choice


class ChallengeResult(_Event, tag="challenge_result", kw_only=True):
    """An inspection: who challenged whom, whether it detected a defection, its cost."""

    seat: str
    target: str
    period: int
    detected: bool
    cost: float


class SanctionImposed(_Event, tag="sanction_imposed", kw_only=True):
    """A detected defection cost the violator the adopted sanction."""

    seat: str
    period: int
    amount: float


class SeatScore(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A seat's final score and its breakdown.

    ``raw`` = utility − compliance costs + defection gains − harm suffered −
    sanctions − inspection costs; ``normalised`` places it between the worst
    (0) and best (1) outcomes the scenario allows that seat.
    """

    seat: str
    raw: float
    normalised: float
    utility: float
    compliance_costs: float = 0.0
    defection_gains: float = 0.0
    harm_suffered: float = 0.0
    sanctions: float = 0.0
    inspection_costs: float = 0.0
    defections: int = 0
    detected: int = 0


class TalksConcluded(_Event, tag="talks_concluded", kw_only=True):
    """The talks ended; final scores for every seat. ``actions`` reveals every
    seat's comply/defect choices, period by period."""

    outcome: Literal["agreement", "no_deal"]
    package_id: str | None = None
    package: dict[str, str] | None = None
    rounds: int
    scores: tuple[SeatScore, ...]
    actions: dict[str, tuple[str, ...]] = {}


Event = (
    TalksOpened
    | SeatTaken
    | TalksStarted
    | PhaseStarted
    | DeadlinePassed
    | ProposalTabled
    | ProposalWithdrawn
    | Passed
    | VoteCast
    | VetoCast
    | Timeout
    | BallotResult
    | PackageAdopted
    | RoundEnded
    | NoAgreement
    | StatementMade
    | NoteMade
    | ActionTaken
    | ChallengeResult
    | SanctionImposed
    | TalksConcluded
)
"""Every room event."""

EVENTS: tuple[type, ...] = (
    TalksOpened,
    SeatTaken,
    TalksStarted,
    PhaseStarted,
    DeadlinePassed,
    ProposalTabled,
    ProposalWithdrawn,
    Passed,
    VoteCast,
    VetoCast,
    Timeout,
    BallotResult,
    PackageAdopted,
    RoundEnded,
    NoAgreement,
    StatementMade,
    NoteMade,
    ActionTaken,
    ChallengeResult,
    SanctionImposed,
    TalksConcluded,
)
