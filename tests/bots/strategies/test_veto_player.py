"""The veto player against scripted opponents."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.strategies.veto_player import VetoPlayer
from accord.protocol.events import BallotResult, VetoCast
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict
from tests.bots.strategies.scripted import MockDelegation, Versus, sponsor, versus_test

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


def run(s: Scenario) -> Versus:
    """``pusher`` sponsors the package at the reservation; ``lowball`` tables one
    below it and votes yes on everything."""

    return versus_test(
        VetoPlayer(),
        scenario=s,
        seat="vp",
        opponents={
            "pusher": sponsor(AT_RESERVATION),
            "lowball": MockDelegation(tables=BELOW, votes="yes"),
        },
        seed=SEED,
    )


def by_owner(v: Versus) -> dict[int, dict[str, tuple[str, tuple[str, ...]]]]:
    """Round → package owner → (the veto player's ballot, who vetoed)."""

    vetoed = {
        result.package_id: result.vetoed_by
        for event in v.talk.room.log
        if isinstance(event, BallotResult)
        for result in event.results
    }
    out: dict[int, dict[str, tuple[str, tuple[str, ...]]]] = {}
    for cast in v.casts:
        out.setdefault(cast.round, {})[cast.owner] = (cast.ballot, vetoed[cast.package_id])
    return out


def test_vetoes_early_and_accepts_its_reservation_in_the_last_round() -> None:
    v = run(build())
    rounds = by_owner(v)
    for r in range(1, ROUNDS):
        assert rounds[r]["pusher"] == ("veto", ("vp",)), (
            f"round {r}: must veto below its aspiration"
        )
    assert rounds[ROUNDS]["pusher"] == ("yes", ())
    # below its reservation it vetoes even at the end
    assert all(rounds[r]["lowball"] == ("veto", ("vp",)) for r in rounds)
    adopted = v.talk.room.adopted
    assert adopted is not None and adopted.round == ROUNDS
    assert adopted.package == AT_RESERVATION


def test_announces_publicly_what_it_would_accept() -> None:
    said = run(build()).statements
    assert len(said) == ROUNDS
    assert all(e.to is None and "cut=" in e.text and "veto" in e.text for e in said)


@pytest.mark.parametrize(("holder", "vetoes"), [(False, True), (True, False)])
def test_never_vetoes_without_a_veto(holder: bool, vetoes: bool) -> None:
    v = run(build(holder=holder, vetoes=vetoes))
    assert not [e for e in v.talk.room.log if isinstance(e, VetoCast)]
    rounds = by_owner(v)
    # a hardliner: no on the package below its early aspiration, no below its reservation
    assert rounds[1]["pusher"] == ("no", ())
    assert all(rounds[r]["lowball"] == ("no", ()) for r in rounds)
    assert v.concluded.package == AT_RESERVATION


@pytest.mark.parametrize("name", bundled_names())
def test_completes_every_bundled_scenario(name: str) -> None:
    s = load_scenario(name)
    first, *others = s.seats
    opponents = {seat: VetoPlayer() for seat in others}
    versus_test(VetoPlayer(), scenario=s, seat=first, opponents=opponents, seed=SEED)
