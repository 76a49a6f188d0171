"""The scripted talks of the conformance kit: small scenarios and what the other seats do.

The bot under test always sits at ``BOT_SEAT``; the two scripted seats are
accord's own bots, told what to do so that each talk exercises something
definite (a veto, a private statement, a secret ballot, implementation) and
reaches an agreement whatever the bot votes (two of three weights pass a
qualified majority of 0.6), so that the later phases are always played.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package

BOT_SEAT = "alpha"
OTHERS = ("beta", "gamma")

_ISSUES = [
    {"id": "cut", "title": "Emission cut", "options": ["10", "20", "30"], "unit": "%"},
    {
        "id": "inspections",
        "title": "Inspections",
        "kind": "verification",
        "options": ["none", "onsite"],
    },
    {"id": "penalty", "title": "Penalty", "kind": "enforcement", "options": ["none", "fine"]},
]

_BRIEFS = {
    "alpha": {
        "weights": {"cut": 0.5, "inspections": 0.25, "penalty": 0.25},
        "values": {"cut": [0.2, 0.6, 1.0], "inspections": [0.3, 1.0], "penalty": [0.4, 1.0]},
        "reservation": 0.3,
    },
    "beta": {
        "weights": {"cut": 0.6, "inspections": 0.2, "penalty": 0.2},
        "values": {"cut": [1.0, 0.7, 0.2], "inspections": [1.0, 0.5], "penalty": [1.0, 0.3]},
        "reservation": 0.3,
    },
    "gamma": {
        "weights": {"cut": 0.4, "inspections": 0.3, "penalty": 0.3},
        "values": {"cut": [0.3, 1.0, 0.6], "inspections": [0.2, 1.0], "penalty": [0.5, 1.0]},
        "reservation": 0.3,
    },
}

_IMPLEMENTATION = {
    "inspection_cost": 0.01,
    "challenge_quota": 1,
    "detection": {"inspections": [0.0, 0.8]},
    "sanction": {"penalty": [0.0, 0.3]},
    "parties": {seat: {"comply_cost": 0.02, "defect_gain": 0.05, "harm": 0.02} for seat in _BRIEFS},
}

OPPONENT_PACKAGE = {"cut": "20", "inspections": "onsite", "penalty": "fine"}
WHISPER = "Between us: we could live with a 20% cut if inspections are on-site."


def _scenario(
    talk_id: str,
    *,
    vetoes: bool,
    veto_holders: tuple[str, ...] = (),
    ballot: str = "open",
    proposals_per_round: int = 1,
    max_rounds: int = 3,
    limit: float = 2.0,
    periods: int = 0,
) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "decision": "qualified",
        "threshold": 0.6,
        "vetoes": vetoes,
        "max_rounds": max_rounds,
        "proposals_per_round": proposals_per_round,
        "ballot": ballot,
        "time_limits": {"tabling": limit, "ballot": limit, "action": limit, "verification": limit},
    }
    raw: dict[str, Any] = {
        "id": f"conformance-{talk_id}",
        "title": f"Conformance talk: {talk_id}",
        "issues": copy.deepcopy(_ISSUES),
        "delegations": [
            {
                "id": seat,
                "name": seat.capitalize(),
                "weight": 1,
                "veto": seat in veto_holders,
                "brief": copy.deepcopy(brief),
            }
            for seat, brief in _BRIEFS.items()
        ],
        "rules": rules,
    }
    if periods:
        raw["implementation"] = {"periods": periods, **copy.deepcopy(_IMPLEMENTATION)}
    return raw


@dataclass(frozen=True)
class Script:
    """What one scripted seat does."""

    veto_rounds: tuple[int, ...] = ()
    """Rounds in which it vetoes every package (it holds a veto in that talk)."""
    no_rounds: tuple[int, ...] = ()
    """Rounds in which it votes no on every package (else yes)."""
    whisper_round: int = 0
    """The round in whose tabling it makes a private statement to the bot (0: never)."""
    challenge_period: int = 0
    """The implementation period in which it inspects the bot (0: never)."""


class Scripted(Delegation):
    """A seat that follows a :class:`Script`: tables one fixed package, complies."""

    name = "conformance-script"

    def __init__(self, script: Script) -> None:
        self.script = script

    def table(self, ctx: Context) -> list[Package]:
        if ctx.round == self.script.whisper_round:
            ctx.say(WHISPER, to=[BOT_SEAT])
        return [dict(OPPONENT_PACKAGE)]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        if ctx.round in self.script.veto_rounds:
            return "veto"
        return "no" if ctx.round in self.script.no_rounds else "yes"

    def challenge(self, ctx: Context) -> list[str]:
        return [BOT_SEAT] if ctx.period == self.script.challenge_period else []


@dataclass(frozen=True)
class Talk:
    """One scripted talk: the bot command runs once for it."""

    name: str
    summary: str
    scenario: dict[str, Any]
    scripts: dict[str, Script]
    disruption: str | None = None
    """``drop``: the kit cuts the bot's connection when the first ballot starts;
    ``restart``: the kit stops and restarts the server then."""
    exercises: frozenset[str] = field(default_factory=frozenset)
    """What the talk puts the bot through: ``veto``, ``private_statement``, ``secret_ballot``,
    ``implementation``, ``unsolicited_error`` (right after its first welcome the kit sends
    the bot an ``error`` that answers none of its commands)."""


TALKS: tuple[Talk, ...] = (
    Talk(
        name="veto-and-implementation",
        summary="open ballot; beta vetoes everything in round 1 and gamma speaks privately"
        " to the bot; the package adopted in round 2 is implemented over 2 periods, gamma"
        " inspecting the bot in period 1",
        scenario=_scenario(
            "veto-and-implementation", vetoes=True, veto_holders=("beta",), periods=2
        ),
        scripts={
            "beta": Script(veto_rounds=(1,)),
            "gamma": Script(whisper_round=1, challenge_period=1),
        },
        exercises=frozenset({"veto", "private_statement", "implementation"}),
    ),
    Talk(
        name="secret-ballot",
        summary="secret ballot, two packages per seat and round, vetoes disabled; beta speaks"
        " privately to the bot; nothing passes in round 1 (the others vote no), round 2 agrees",
        scenario=_scenario("secret-ballot", vetoes=False, ballot="secret", proposals_per_round=2),
        scripts={
            "beta": Script(no_rounds=(1,), whisper_round=1),
            "gamma": Script(no_rounds=(1,)),
        },
        exercises=frozenset({"private_statement", "secret_ballot", "unsolicited_error"}),
    ),
    Talk(
        name="dropped-connection",
        summary="the kit cuts the bot's connection (no close handshake) as round 1's ballot"
        " starts; the talk goes on to an agreement implemented over 1 period",
        scenario=_scenario("dropped-connection", vetoes=False, periods=1, limit=4.0),
        scripts={"beta": Script(), "gamma": Script()},
        disruption="drop",
        exercises=frozenset({"implementation"}),
    ),
    Talk(
        name="server-restart",
        summary="the kit stops the server (close 1001) as round 1's ballot starts and starts"
        " it again on the same port and store; the talk goes on to an agreement implemented"
        " over 1 period",
        scenario=_scenario("server-restart", vetoes=False, periods=1, limit=10.0),
        scripts={"beta": Script(), "gamma": Script()},
        disruption="restart",
        exercises=frozenset({"implementation"}),
    ),
)
