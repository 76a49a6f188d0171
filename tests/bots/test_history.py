"""A seat's history in-process is exactly what that seat may see of the log, no more.

In-process, the seats of a talk share one public record and each seat's
events are filtered from the room's log only when read; these tests check
that every seat, at every hook, sees precisely its own view of the log up to
the event it is acting on: no secret vote, no private statement to others,
nothing from the future.
"""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import play
from accord.bots.registry import load
from accord.bots.sdk import Ballot, Delegation
from accord.protocol.codec import canonical
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.events import (
    BallotResult,
    ChallengeResult,
    Event,
    ProposalTabled,
    StatementMade,
    VetoCast,
)
from accord.protocol.scenario import load_scenario


def _encoded(events: list[Any]) -> list[bytes]:
    return [canonical(e) for e in events]


class Spy(Delegation):
    """Plays like a conceder would, and snapshots its whole history at every hook."""

    name = "spy"

    def __init__(self, *, listen: bool = False) -> None:
        self.snapshots: list[tuple[int, dict[str, list[bytes]]]] = []
        if listen:
            self.on_event = self._on_event  # type: ignore[method-assign]

    def _snap(self, ctx: Context) -> None:
        history = ctx.history
        events = history.events
        upto = events[-1].seq if events else 1
        self.snapshots.append(
            (
                upto,
                {
                    "events": _encoded(events),
                    "tabled": _encoded(history.tabled),
                    "ballots": _encoded(history.ballots),
                    "vetoes": _encoded(history.vetoes),
                    "statements": _encoded(history.statements),
                    "challenges": _encoded(history.challenges),
                },
            )
        )

    def _on_event(self, ctx: Context, event: Event) -> None:
        assert ctx.history.events[-1] == event  # the history includes the event
        self._snap(ctx)

    def table(self, ctx: Context) -> list[dict[str, str]]:
        self._snap(ctx)
        ctx.say(f"round {ctx.round}", to=[ctx.others[0]])  # a private statement
        return [ctx.package_near(ctx.reservation + 0.1)]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        self._snap(ctx)
        return "yes" if ctx.utility(package.package) >= ctx.reservation + 0.05 else "no"

    def act(self, ctx: Context) -> str:
        self._snap(ctx)
        return "comply"

    def challenge(self, ctx: Context) -> list[str]:
        self._snap(ctx)
        return ctx.others[:1]


KINDS = {
    "events": Event,
    "tabled": ProposalTabled,
    "ballots": BallotResult,
    "vetoes": VetoCast,
    "statements": StatementMade,
    "challenges": ChallengeResult,
}


@pytest.mark.parametrize("listen", [False, True], ids=["hooks", "on_event"])
@pytest.mark.parametrize("scenario_name", ["six-party-talks", "security-council"])
def test_each_seat_sees_exactly_its_view_of_the_log(scenario_name: str, listen: bool) -> None:
    scenario = load_scenario(scenario_name)
    spies = {scenario.seats[0]: Spy(listen=listen), scenario.seats[2]: Spy()}
    others = [
        "veto-player",
        "coalition-builder",
        "inspector",
        "adaptive",
        "tit-for-tat",
        "free-rider",
    ]
    delegations: dict[str, Delegation] = {}
    for n, seat in enumerate(scenario.seats):
        delegations[seat] = spies.get(seat) or load(others[n % len(others)])()
    talk = play(scenario, delegations, seed=7)
    assert talk.room.finished and not talk.rejections and not talk.failures
    log = talk.room.log
    for seat, spy in spies.items():
        assert len(spy.snapshots) > 10
        for upto, seen in spy.snapshots:
            view = visible_log(log[:upto], Viewer.of_seat(seat))
            for name, kind in KINDS.items():
                expected = _encoded([e for e in view if isinstance(e, kind)])  # type: ignore[arg-type]
                assert seen[name] == expected, (seat, upto, name)


def test_secret_votes_never_reach_an_in_process_strategy() -> None:
    scenario = load_scenario("six-party-talks")
    assert scenario.rules.ballot == "secret"
    spy = Spy(listen=True)
    delegations = {seat: load("conceder")() for seat in scenario.seats}
    me = scenario.seats[1]
    delegations[me] = spy
    talk = play(scenario, delegations, seed=3)
    assert talk.room.finished
    ballots = [e for e in talk.room.log if isinstance(e, BallotResult)]
    assert ballots and all(
        r.votes is not None for b in ballots for r in b.results
    )  # the log has them
    seen = spy.snapshots[-1][1]
    assert seen["ballots"] and all(b'"votes":null' in b for b in seen["ballots"])
    mine = f'"seat":"{me}"'.encode()
    others_votes = [b for b in seen["events"] if b'"type":"vote_cast"' in b and mine not in b]
    assert others_votes and all(b'"vote":null' in b for b in others_votes)
