"""One example of every message, for the generated docs and their tests."""

from __future__ import annotations

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Hello,
    Leave,
    Note,
    Pass,
    Ping,
    Propose,
    Resume,
    Say,
    Withdraw,
)
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    DeadlinePassed,
    NoAgreement,
    NoteMade,
    PackageAdopted,
    PackageResult,
    Passed,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    RoundEnded,
    SanctionImposed,
    SeatScore,
    SeatTaken,
    StatementMade,
    TalksConcluded,
    TalksOpened,
    TalksStarted,
    Tally,
    Timeout,
    VetoCast,
    VoteCast,
)
from accord.protocol.replies import (
    Ack,
    Assignment,
    Error,
    PackageView,
    Pong,
    SeatView,
    Snapshot,
    Welcome,
)
from accord.protocol.scenario.model import Brief, Delegation, Issue, Rules, Scenario

_BRIEF = Brief(
    weights={"cut": 0.7, "inspections": 0.3},
    values={"cut": (0.2, 1.0), "inspections": (1.0, 0.4)},
    reservation=0.45,
    notes="Hold out for the deep cut; accept inspections only for it.",
)

_SCENARIO = Scenario(
    id="example",
    title="An example accord",
    issues=(
        Issue(id="cut", title="Emission cut", options=("20", "40"), unit="%"),
        Issue(
            id="inspections", title="Inspections", kind="verification", options=("none", "on-site")
        ),
    ),
    delegations=(
        Delegation(id="north", name="North", weight=2.0, veto=True, brief=_BRIEF),
        Delegation(id="south", name="South", weight=1.0),
        Delegation(id="east", name="East", weight=1.0),
    ),
    rules=Rules(decision="qualified", threshold=0.6),
)

_PACKAGE = {"cut": "40", "inspections": "on-site"}
_ROOM = "r-7f3a"
_T = 1764100000.0

CLIENT_EXAMPLES: dict[str, object] = {
    "hello": Hello(version=PROTOCOL_VERSION, token="seat-token-from-the-organizer", last_seq=0),
    "propose": Propose(package=_PACKAGE, ref="t1"),
    "withdraw": Withdraw(package_id="R1-north-1", ref="t2"),
    "pass": Pass(ref="t3"),
    "vote": CastVote(package_id="R1-north-1", vote="yes", ref="v1"),
    "veto": CastVeto(package_id="R1-south-1", ref="v2"),
    "statement": Say(text="We can live with on-site inspections.", to=["south"], ref="s1"),
    "note": Note(
        text="South looks pivotal: table what it needs on verification.",
        data={"pivot": "south", "expected_yes_weight": 2.5},
        ref="n1",
    ),
    "action": Act(choice="comply", ref="a1"),
    "challenge": Challenge(target="south", ref="c1"),
    "ping": Ping(ref="k1"),
    "resume": Resume(last_seq=41, room=_ROOM),
    "leave": Leave(room=_ROOM),
}

_TALLY = Tally(yes=2, no=1, abstain=0, yes_weight=3.0, no_weight=1.0)

SERVER_EXAMPLES: dict[str, object] = {
    "talks_opened": TalksOpened(
        room=_ROOM, seq=1, at=_T, scenario=_SCENARIO.public(seat="north"), seed=None
    ),
    "seat_taken": SeatTaken(room=_ROOM, seq=2, at=_T + 1, seat="north"),
    "talks_started": TalksStarted(room=_ROOM, seq=5, at=_T + 3, by="all_seated"),
    "phase_started": PhaseStarted(
        room=_ROOM, seq=6, at=_T + 3, phase="tabling", round=1, deadline=_T + 63
    ),
    "deadline_passed": DeadlinePassed(room=_ROOM, seq=30, at=_T + 63, phase="tabling", round=1),
    "proposal_tabled": ProposalTabled(
        room=_ROOM,
        seq=7,
        at=_T + 5,
        seat="north",
        round=1,
        package_id="R1-north-1",
        package=_PACKAGE,
    ),
    "proposal_withdrawn": ProposalWithdrawn(
        room=_ROOM, seq=8, at=_T + 6, seat="north", round=1, package_id="R1-north-1"
    ),
    "passed": Passed(room=_ROOM, seq=9, at=_T + 7, seat="east", phase="tabling"),
    "vote_cast": VoteCast(
        room=_ROOM, seq=12, at=_T + 9, seat="south", round=1, package_id="R1-north-1", vote=None
    ),
    "veto_cast": VetoCast(
        room=_ROOM, seq=13, at=_T + 9, seat="north", round=1, package_id="R1-south-1"
    ),
    "timeout": Timeout(
        room=_ROOM,
        seq=14,
        at=_T + 70,
        seat="east",
        phase="ballot",
        round=1,
        default="abstain",
        package_ids=("R1-north-1",),
    ),
    "ballot_result": BallotResult(
        room=_ROOM,
        seq=15,
        at=_T + 70,
        round=1,
        secret=False,
        results=(
            PackageResult(
                package_id="R1-north-1",
                seat="north",
                tally=_TALLY,
                passed=True,
                votes={"north": "yes", "south": "no", "east": "yes"},
            ),
        ),
    ),
    "package_adopted": PackageAdopted(
        room=_ROOM,
        seq=16,
        at=_T + 70,
        round=1,
        package_id="R1-north-1",
        seat="north",
        package=_PACKAGE,
        yes_weight=3.0,
        detection=0.8,
        sanction=0.3,
    ),
    "round_ended": RoundEnded(room=_ROOM, seq=16, at=_T + 240, round=4, reason="nothing_passed"),
    "no_agreement": NoAgreement(room=_ROOM, seq=16, at=_T + 300, rounds=5),
    "note_made": NoteMade(
        room=_ROOM,
        seq=9,
        at=_T + 7,
        seat="north",
        text="South looks pivotal: table what it needs on verification.",
        data={"pivot": "south", "expected_yes_weight": 2.5},
    ),
    "statement_made": StatementMade(
        room=_ROOM, seq=10, at=_T + 8, seat="north", text="On-site or nothing.", to=None
    ),
    "action_taken": ActionTaken(
        room=_ROOM, seq=18, at=_T + 80, seat="north", period=1, choice="comply"
    ),
    "challenge_result": ChallengeResult(
        room=_ROOM,
        seq=22,
        at=_T + 90,
        seat="north",
        target="south",
        period=1,
        detected=True,
        cost=0.02,
    ),
    "sanction_imposed": SanctionImposed(
        room=_ROOM, seq=23, at=_T + 95, seat="south", period=1, amount=0.3
    ),
    "talks_concluded": TalksConcluded(
        room=_ROOM,
        seq=40,
        at=_T + 200,
        outcome="agreement",
        package_id="R1-north-1",
        package=_PACKAGE,
        rounds=1,
        scores=(
            SeatScore(
                seat="north",
                raw=0.72,
                normalised=0.81,
                utility=0.88,
                compliance_costs=0.12,
                inspection_costs=0.04,
            ),
        ),
        actions={"north": ("comply", "comply", "comply")},
    ),
    "welcome": Welcome(
        protocol=PROTOCOL_VERSION, role="seat", room=_ROOM, seat="north", brief=_BRIEF
    ),
    "snapshot": Snapshot(
        room=_ROOM,
        seq=7,
        phase="tabling",
        round=1,
        deadline=_T + 63,
        scenario=_SCENARIO.public(),
        seats=[
            SeatView(id="north", name="North", weight=2.0, veto=True, seated=True, done=True),
            SeatView(id="south", name="South", weight=1.0, veto=False, seated=True),
            SeatView(id="east", name="East", weight=1.0, veto=False, seated=False),
        ],
        packages=[PackageView(package_id="R1-north-1", seat="north", round=1, package=_PACKAGE)],
    ),
    "ack": Ack(ref="t1", room=_ROOM, seq=7),
    "pong": Pong(ref="k1", time=_T + 12),
    "assignment": Assignment(room=_ROOM, seat="north", brief=_BRIEF),
    "error": Error(
        code="wrong_phase",
        message="not allowed in phase 'ballot' (only in tabling)",
        ref="t1",
        room=_ROOM,
    ),
}
