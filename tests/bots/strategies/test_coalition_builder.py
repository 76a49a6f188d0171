"""The coalition builder against scripted friends and foes."""

from __future__ import annotations

from typing import Any

import pytest

from accord.bots.strategies.coalition_builder import CoalitionBuilder
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.events import StatementMade
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, scenario_from_dict
from tests.bots.strategies.scripted import Versus, sponsor, versus_test

SEED = 5
SEATS = ["cb", "f1", "f2", "e1", "e2"]
FRIENDLY = {
    "cut": "high",
    "money": "mid",
}  # worth 0.75 to cb: acceptable, below its early aspiration
HOSTILE = {"cut": "low", "money": "low"}  # worth 0 to cb


def build(*, veto: str | None = None) -> Scenario:
    """Five equal seats, a 60 % qualified majority (three seats), open ballot."""

    issues = [
        {"id": "cut", "options": ["low", "mid", "high"]},
        {"id": "money", "options": ["low", "mid", "high"]},
    ]
    brief = {
        "weights": {"cut": 0.5, "money": 0.5},
        "values": {"cut": {"low": 0.0, "high": 1.0}, "money": {"low": 0.0, "high": 1.0}},
        "reservation": 0.3,
    }
    raw: dict[str, Any] = {
        "id": "coalition",
        "issues": issues,
        "delegations": [{"id": s, "veto": s == veto, "brief": brief} for s in SEATS],
        "rules": {
            "decision": "qualified",
            "threshold": 0.6,
            "vetoes": veto is not None,
            "max_rounds": 4,
            "ballot": "open",
        },
    }
    return scenario_from_dict(raw, file="test")


def run(cb: CoalitionBuilder, *, veto: str | None = None) -> Versus:
    """Two friends sponsor the friendly package, two foes the hostile one."""

    friends = {seat: sponsor(FRIENDLY) for seat in ("f1", "f2")}
    foes = {seat: sponsor(HOSTILE) for seat in ("e1", "e2")}
    return versus_test(
        cb, scenario=build(veto=veto), seat="cb", opponents={**friends, **foes}, seed=SEED
    )


def test_chooses_the_like_minded_seats_as_partners() -> None:
    cb = CoalitionBuilder()
    run(cb)
    assert sorted(cb.partners) == ["f1", "f2"]


def test_side_deals_are_private_to_its_partners() -> None:
    v = run(CoalitionBuilder())
    said = v.statements
    assert said, "the coalition builder must propose a side deal"
    assert all(e.to == ("f1", "f2") for e in said)
    assert all("cut=" in e.text and "money=" in e.text for e in said)  # it names the package
    for seat in SEATS[1:]:
        seen = [
            e
            for e in visible_log(v.talk.room.log, Viewer.of_seat(seat))
            if isinstance(e, StatementMade) and e.seat == "cb"
        ]
        assert len(seen) == (len(said) if seat in ("f1", "f2") else 0), seat


def test_votes_yes_on_partners_acceptable_packages_and_carries_the_vote() -> None:
    v = run(CoalitionBuilder())
    votes = v.ballots
    # round 1, before any coalition: the friendly package is below its aspiration
    assert votes[1]["f1"] == "no" and votes[1]["f2"] == "no"
    # round 2: the partners' package reaches its reservation, so it backs them
    assert votes[2]["f1"] == "yes" and votes[2]["f2"] == "yes"
    assert votes[1]["e1"] == votes[2]["e1"] == "no"
    adopted = v.talk.room.adopted
    assert adopted is not None and adopted.round == 2 and adopted.package == FRIENDLY


def test_minimum_winning_coalition_includes_the_veto_holder() -> None:
    cb = CoalitionBuilder()
    run(cb, veto="e1")
    # the veto holder cannot be left out; one friend then makes three seats of five
    assert "e1" in cb.partners and len(cb.partners) == 2


@pytest.mark.parametrize("name", bundled_names())
def test_completes_every_bundled_scenario(name: str) -> None:
    s = load_scenario(name)
    first, *others = s.seats
    opponents = {seat: CoalitionBuilder() for seat in others}
    v = versus_test(CoalitionBuilder(), scenario=s, seat=first, opponents=opponents, seed=SEED)
    assert v.talk.room.finished
