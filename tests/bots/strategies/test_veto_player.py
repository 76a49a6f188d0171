"""The veto player against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.context import Context, TabledPackage
from accord.bots.inprocess import LocalTalk, play
from accord.bots.sdk import Ballot, Delegation, Package
from accord.bots.strategies.veto_player import VetoPlayer
from accord.protocol.events import BallotResult, StatementMade, VetoCast
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict

SEED = 3
ROUNDS = 5
AT_RESERVATION = {"cut": "low", "money": "some"}  # worth exactly 0.5 to the veto player
BELOW = {"cut": "mid", "money": "none"}  # worth 0.25


def build(*, holder: bool = True, vetoes: bool = True) -> Scenario:
    """Three seats valuing both issues low → high; consensus; reservation 0.5."""

    brief = {
        "weights": {"cut": 0.5, "money": 0.5},
        "values": {"cut": {"low": 0.0, "high": 1.0}, "money": {"low": 0.0, "high": 1.0}},
        "reservation": 0.5,
    }
    raw: dict[str, Any] = {
        "id": "veto",
        "issues": [
            {"id": "cut", "options": ["low", "mid", "high"]},
            {"id": "money", "options": ["none", "some"]},
        ],
        "delegations": [
            {"id": "vp", "veto": holder, "brief": brief},
            {"id": "pusher", "brief": brief},
            {"id": "lowball", "brief": brief},
        ],
        "rules": {"decision": "consensus", "vetoes": vetoes, "max_rounds": ROUNDS},
    }
    return scenario_from_dict(raw, file="test")


class Fixed(Delegation):
    """Tables one fixed package every round; votes yes on it only, or on everything."""

    name = "fixed"

    def __init__(self, package: Package, *, yes_to_all: bool = False) -> None:
        self.package, self.yes_to_all = package, yes_to_all

    def table(self, ctx: Context) -> list[Package]:
        return [self.package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        return "yes" if self.yes_to_all or package.package == self.package else "no"


def run(s: Scenario) -> LocalTalk:
    talk = play(
        s,
        {
            "vp": VetoPlayer(),
            "pusher": Fixed(AT_RESERVATION),
            "lowball": Fixed(BELOW, yes_to_all=True),
        },
        seed=SEED,
    )
    assert talk.rejections == []
    assert talk.failures == []
    return talk


def by_owner(talk: LocalTalk) -> dict[int, dict[str, tuple[str, list[str]]]]:
    """Round → package owner → (the veto player's vote, who vetoed)."""

    out: dict[int, dict[str, tuple[str, list[str]]]] = {}
    for event in talk.room.log:
        if isinstance(event, BallotResult):
            for result in event.results:
                assert result.votes is not None
                out.setdefault(event.round, {})[result.seat] = (
                    result.votes["vp"],
                    result.vetoed_by,
                )
    return out


def test_vetoes_early_and_accepts_its_reservation_in_the_last_round() -> None:
    talk = run(build())
    rounds = by_owner(talk)
    for r in range(1, ROUNDS):
        assert rounds[r]["pusher"][1] == ("vp",), f"round {r}: must veto below its aspiration"
    assert rounds[ROUNDS]["pusher"] == ("yes", ())
    # below its reservation it vetoes even at the end
    assert all(rounds[r]["lowball"][1] == ("vp",) for r in rounds)
    adopted = talk.room.adopted
    assert adopted is not None and adopted.round == ROUNDS
    assert adopted.package == AT_RESERVATION


def test_announces_publicly_what_it_would_accept() -> None:
    talk = run(build())
    said = [e for e in talk.room.log if isinstance(e, StatementMade) and e.seat == "vp"]
    assert len(said) == ROUNDS
    assert all(e.to is None and "cut=" in e.text and "veto" in e.text for e in said)


@pytest.mark.parametrize(("holder", "vetoes"), [(False, True), (True, False)])
def test_never_vetoes_without_a_veto(holder: bool, vetoes: bool) -> None:
    talk = run(build(holder=holder, vetoes=vetoes))
    assert not [e for e in talk.room.log if isinstance(e, VetoCast)]
    rounds = by_owner(talk)
    # a hardliner: no on the package below its early aspiration, no below its reservation
    assert rounds[1]["pusher"] == ("no", ())
    assert all(rounds[r]["lowball"] == ("no", ()) for r in rounds)
    assert talk.room.adopted is not None and talk.room.adopted.package == AT_RESERVATION


@pytest.mark.parametrize("name", bundled_names())
def test_completes_every_bundled_scenario(name: str) -> None:
    s = load_scenario(name)
    talk = play(s, {seat: VetoPlayer() for seat in s.seats}, seed=SEED)
    assert talk.rejections == []
    assert talk.failures == []
    assert talk.room.concluded is not None
