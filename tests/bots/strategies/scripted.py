"""Scripted opponents and one-talk matches for the strategy tests.

:class:`MockDelegation` plays a script: what it tables each round, how it
votes, what it does each implementation period and whom it inspects.
:func:`versus_test` seats the strategy under test among such opponents, plays
one in-process talk with a fixed seed, checks that nobody broke the protocol
and returns what the strategy did, read from the room's event log (after
Axelrod's ``TestPlayer.versus_test`` with its scripted ``MockPlayer``).

A helper module, not a test file: the strategy tests import it, and it
imports no test file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import LocalTalk, play
from accord.bots.sdk import Ballot, Choice, Delegation, Package
from accord.protocol.events import (
    ActionTaken,
    ChallengeResult,
    ProposalTabled,
    StatementMade,
    TalksConcluded,
    Timeout,
    VetoCast,
    VoteCast,
)
from accord.protocol.scenario import Scenario, load_scenario, scenario_from_dict

SEED = 7
"""The talk seed :func:`versus_test` plays with unless told otherwise."""

Tabling = (
    Package
    | Sequence[Package | Sequence[Package] | None]
    | Callable[[Context], Package | Sequence[Package] | None]
    | None
)
"""What a :class:`MockDelegation` tables: nothing (it passes), one package every
round, a script with one entry per round (a package, a list of packages, or
None to pass; it passes once the script runs out), or a function of the context."""

Voting = Ballot | Sequence[tuple[Package, Ballot]] | Callable[[Context, TabledPackage], Ballot]
"""How a :class:`MockDelegation` votes: one ballot on everything, a mapping from
package to ballot given as (package, ballot) pairs (packages are dicts, so not
keys; the others get ``otherwise``), or a function of the context and the package."""

Acting = Choice | Sequence[Choice] | Callable[[Context], Choice]
"""What a :class:`MockDelegation` does in implementation: one choice every period,
a script with one choice per period (it complies once the script runs out),
or a function of the context."""

Challenging = str | Sequence[str | Sequence[str] | None] | Callable[[Context], Sequence[str]] | None
"""Whom a :class:`MockDelegation` inspects: nobody, one seat every period, a
script with one entry per period (a seat, a list of seats, or None; nobody once
the script runs out), or a function of the context."""


def _scripted(script: Sequence, index: int) -> object:
    """Entry ``index`` (from 1) of a round or period script, None once it runs out."""

    return script[index - 1] if 1 <= index <= len(script) else None


class MockDelegation(Delegation):
    """A scripted opponent: tables, votes, acts and inspects as its options say.

    The defaults are the SDK's: it passes, abstains, complies and never
    inspects. It uses no randomness, so the strategy under test is the only
    source of variation between seeds besides the room.
    """

    name = "mock"

    def __init__(
        self,
        *,
        tables: Tabling = None,
        votes: Voting = "abstain",
        otherwise: Ballot = "no",
        acts: Acting = "comply",
        challenges: Challenging = None,
    ) -> None:
        self.tables, self.votes, self.otherwise = tables, votes, otherwise
        self.acts, self.challenges = acts, challenges

    def table(self, ctx: Context) -> list[Package]:
        tables = self.tables
        if callable(tables):
            tables = tables(ctx)
        elif tables is not None and not isinstance(tables, Mapping):
            tables = _scripted(tables, ctx.round)
        if tables is None:
            return []
        if isinstance(tables, Mapping):
            return [dict(tables)]
        return [dict(p) for p in tables]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        votes = self.votes
        if isinstance(votes, str):
            return votes  # type: ignore[return-value]
        if callable(votes):
            return votes(ctx, package)
        for listed, ballot in votes:
            if dict(listed) == dict(package.package):
                return ballot
        return self.otherwise

    def act(self, ctx: Context) -> Choice:
        acts = self.acts
        if isinstance(acts, str):
            return acts  # type: ignore[return-value]
        if callable(acts):
            return acts(ctx)
        choice = _scripted(acts, ctx.period)
        return "comply" if choice is None else choice  # type: ignore[return-value]

    def challenge(self, ctx: Context) -> list[str]:
        challenges = self.challenges
        if callable(challenges):
            return list(challenges(ctx))
        if challenges is not None and not isinstance(challenges, str):
            challenges = _scripted(challenges, ctx.period)  # type: ignore[assignment]
        if challenges is None:
            return []
        return [challenges] if isinstance(challenges, str) else list(challenges)


def sponsor(
    package: Package, *, acts: Acting = "comply", challenges: Challenging = None
) -> MockDelegation:
    """A :class:`MockDelegation` that tables ``package`` every round and votes yes
    on it only, no on the rest; ``acts`` and ``challenges`` as for that class."""

    return MockDelegation(
        tables=package, votes=[(package, "yes")], acts=acts, challenges=challenges
    )


# --- a scenario whose numbers are easy to read -----------------------------------------

LEVELS = 11
"""Options of the ladder's one negotiated issue: ``"0"`` (worth 0) to ``"10"`` (worth 1)."""


def level(n: int) -> Package:
    """The ladder's package at level ``n``, worth ``n / 10`` to every seat."""

    return {"level": str(n), "verify": "full"}


def ladder(
    seats: Sequence[str] = ("me", "mid", "low"),
    *,
    rounds: int = 10,
    reservation: float = 0.2,
    decision: str = "consensus",
    veto: str | None = None,
    implementation: Mapping[str, Any] | None = None,
) -> Scenario:
    """A one-issue scenario whose utilities are easy to read: every seat values
    level ``n`` at ``n / 10``, so a package's utility is its level over ten.

    A second issue, ``verify`` (a verification issue every seat is indifferent
    to; full verification detects half the defections), gives an
    ``implementation`` something to detect with. ``veto`` names the one seat
    holding a veto (vetoes are then enabled).
    """

    issues = [
        {"id": "level", "options": [str(n) for n in range(LEVELS)]},
        {"id": "verify", "kind": "verification", "options": ["none", "full"]},
    ]
    brief = {
        "weights": {"level": 1.0, "verify": 0.0},
        "values": {"level": [n / (LEVELS - 1) for n in range(LEVELS)], "verify": [0.5, 0.5]},
        "reservation": reservation,
    }
    rules: dict[str, Any] = {
        "decision": decision,
        "vetoes": veto is not None,
        "max_rounds": rounds,
        "ballot": "open",
    }
    if decision == "qualified":
        rules["threshold"] = 0.6
    raw: dict[str, Any] = {
        "id": "ladder",
        "issues": issues,
        "delegations": [{"id": seat, "veto": seat == veto, "brief": brief} for seat in seats],
        "rules": rules,
    }
    if implementation is not None:
        raw["implementation"] = {"detection": {"verify": [0.0, 0.5]}, **implementation}
    return scenario_from_dict(raw, file="test")


def refusers() -> dict[str, Delegation]:
    """Opponents on the :func:`ladder` that keep every round in play: ``mid``
    tables level 5 (worth 0.5) and ``low`` level 1 (worth 0.1) every round, and
    both vote no on everything, so nothing passes under consensus."""

    return {
        "mid": MockDelegation(tables=level(5), votes="no"),
        "low": MockDelegation(tables=level(1), votes="no"),
    }


# --- one talk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """One ballot the strategy cast: on which package, tabled by whom, and how."""

    round: int
    package_id: str
    owner: str
    package: Package
    ballot: Ballot


@dataclass
class Versus:
    """What the strategy at ``seat`` did in one talk, read from the room's log."""

    talk: LocalTalk
    seat: str
    tabled: dict[int, list[Package]] = field(default_factory=dict)
    """Round → the packages it tabled (rounds in which it passed are missing)."""
    casts: list[Cast] = field(default_factory=list)
    """Every ballot it cast (a veto as ``"veto"``), in the order of the log."""
    choices: tuple[Choice, ...] = ()
    """Its choice in each implementation period, in order."""
    challenged: dict[int, list[str]] = field(default_factory=dict)
    """Period → the seats it inspected (periods without an inspection are missing)."""
    statements: list[StatementMade] = field(default_factory=list)
    """What it said, public and private."""

    @property
    def concluded(self) -> TalksConcluded:
        concluded = self.talk.room.concluded
        assert concluded is not None
        return concluded

    @property
    def ballots(self) -> dict[int, dict[str, Ballot]]:
        """Round → the seat that tabled a package → the strategy's ballot on it
        (for talks in which each seat tables one package a round)."""

        out: dict[int, dict[str, Ballot]] = {}
        for cast in self.casts:
            by_owner = out.setdefault(cast.round, {})
            assert cast.owner not in by_owner, f"{cast.owner} tabled twice in round {cast.round}"
            by_owner[cast.owner] = cast.ballot
        return out

    def utility(self, package: Package) -> float:
        """The strategy's own utility of ``package``."""

        ctx = self.talk.runners[self.seat].ctx
        assert ctx is not None
        return ctx.utility(package)

    def tabled_utilities(self) -> dict[int, float]:
        """Round → the lowest own utility among the packages it tabled."""

        return {r: min(self.utility(p) for p in ps) for r, ps in self.tabled.items()}

    def summary(self) -> dict[str, object]:
        """Every field :func:`versus_test` can check by ``expected``."""

        return {
            "tabled": self.tabled,
            "ballots": self.ballots,
            "choices": self.choices,
            "challenged": self.challenged,
            "outcome": self.concluded.outcome,
            "adopted": self.concluded.package,
        }


def read(talk: LocalTalk, seat: str) -> Versus:
    """What ``seat`` did in ``talk``, from the room's full log."""

    out = Versus(talk=talk, seat=seat)
    tabled: dict[str, ProposalTabled] = {}
    choices: list[tuple[int, Choice]] = []
    for event in talk.room.log:
        if isinstance(event, ProposalTabled):
            tabled.setdefault(event.package_id, event)
            if event.seat == seat:
                out.tabled.setdefault(event.round, []).append(event.package)
        elif isinstance(event, (VoteCast, VetoCast)) and event.seat == seat:
            proposal = tabled[event.package_id]
            ballot = "veto" if isinstance(event, VetoCast) else event.vote
            assert ballot is not None, "the room's own log holds every vote"
            out.casts.append(
                Cast(event.round, event.package_id, proposal.seat, proposal.package, ballot)
            )
        elif isinstance(event, ActionTaken) and event.seat == seat:
            choices.append((event.period, event.choice))
        elif isinstance(event, ChallengeResult) and event.seat == seat:
            out.challenged.setdefault(event.period, []).append(event.target)
        elif isinstance(event, StatementMade) and event.seat == seat:
            out.statements.append(event)
    out.choices = tuple(c for _, c in sorted(choices))
    return out


def versus_test(
    strategy: Delegation,
    *,
    scenario: Scenario | str,
    seat: str,
    opponents: Mapping[str, Delegation] | None = None,
    seed: int = SEED,
    expected: Mapping[str, object] | None = None,
) -> Versus:
    """Play ``strategy`` at ``seat`` against ``opponents`` (seat → delegation; any
    other seat gets a default :class:`MockDelegation`) in one talk on
    ``scenario`` (a :class:`Scenario` or a bundled name) with ``seed``.

    Checks that the talk concluded with no rejected command, no hook failure
    and no timeout, and, for each key of ``expected``, that the field of
    :meth:`Versus.summary` by that name equals its value.
    """

    talks = load_scenario(scenario) if isinstance(scenario, str) else scenario
    assert seat in talks.seats, f"{seat!r} is not a seat of {talks.id}"
    opponents = dict(opponents or {})
    assert seat not in opponents, "the strategy's seat is not an opponent's"
    unknown = set(opponents) - set(talks.seats)
    assert not unknown, f"no such seats: {sorted(unknown)}"
    # in the scenario's seat order, which is the order the seats join and act in
    delegations: dict[str, Delegation] = {
        other: strategy if other == seat else opponents.get(other) or MockDelegation()
        for other in talks.seats
    }
    talk = play(talks, delegations, seed=seed)
    assert talk.rejections == [], talk.rejections[:3]
    assert talk.failures == [], talk.failures[:3]
    assert talk.room.concluded is not None
    # every seat is played, so a timeout means a hook answered too late or not at all
    timeouts = [e for e in talk.room.log if isinstance(e, Timeout)]
    assert timeouts == [], timeouts[:3]
    result = read(talk, seat)
    if expected:
        summary = result.summary()
        unknown = set(expected) - set(summary)
        assert not unknown, f"versus_test cannot check {sorted(unknown)}"
        for key, value in expected.items():
            assert summary[key] == value, f"{key}: got {summary[key]!r}, expected {value!r}"
    return result
