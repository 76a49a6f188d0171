"""The hardliner against scripted opponents."""

from __future__ import annotations

import pytest

from accord.bots.strategies.hardliner import Hardliner
from accord.protocol.scenario import bundled_names, load_scenario
from tests.bots.strategies.scripted import (
    MockDelegation,
    Versus,
    ladder,
    level,
    sponsor,
    versus_test,
)

SEED = 19
SEEDS = (1, 2, 3, 4, 5)
ROUNDS = 10


def against_refusers(*, seed: int = SEED, veto: bool = False) -> Versus:
    """``mid`` offers level 8 (worth 0.8) and ``low`` level 5 (worth 0.5) every
    round; both vote no on everything, so every round is played."""

    return versus_test(
        Hardliner(),
        scenario=ladder(rounds=ROUNDS, veto="me" if veto else None),
        seat="me",
        opponents={
            "mid": MockDelegation(tables=level(8), votes="no"),
            "low": MockDelegation(tables=level(5), votes="no"),
        },
        seed=seed,
        expected={"outcome": "no_deal"},
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_never_votes_yes_below_its_target_early_on(seed: int) -> None:
    v = against_refusers(seed=seed)
    # its target, 1 − 0.8 · t^5, is still above 0.8 in round 7 and below it in round 8
    assert [v.ballots[r]["mid"] for r in range(1, ROUNDS + 1)] == ["no"] * 7 + ["yes"] * 3
    # and reaches 0.5 only in the last round
    assert [v.ballots[r]["low"] for r in range(1, ROUNDS + 1)] == ["no"] * 9 + ["yes"]


@pytest.mark.parametrize("seed", SEEDS)
def test_tables_near_its_best_until_late_then_concedes(seed: int) -> None:
    tabled = against_refusers(seed=seed).tabled_utilities()
    assert all(tabled[r] == 1.0 for r in range(1, 7)), tabled
    assert tabled[7] >= 0.9
    # the last round: its target is its reservation (0.2); one of the packages just above
    assert tabled[ROUNDS] <= 0.3


def test_holding_a_veto_it_still_only_votes_no() -> None:
    v = against_refusers(veto=True)
    ballots = [c.ballot for c in v.casts]
    assert "veto" not in ballots and ballots.count("no") >= 16


def test_accepts_its_reservation_only_in_the_last_round() -> None:
    offer = level(2)  # worth exactly its reservation
    v = versus_test(
        Hardliner(),
        scenario=ladder(("me", "mid"), rounds=ROUNDS),
        seat="me",
        opponents={"mid": sponsor(offer)},
        expected={"outcome": "agreement", "adopted": offer},
    )
    assert [b["mid"] for b in v.ballots.values()] == ["no"] * 9 + ["yes"]


def test_complies_and_never_inspects_a_defector() -> None:
    implementation = {
        "periods": 4,
        "parties": {"me": {"defect_gain": 0.5}, "mid": {"defect_gain": 0.5, "harm": 0.2}},
    }
    offer = level(10)  # its best package: it accepts in round 1
    v = versus_test(
        Hardliner(),
        scenario=ladder(("me", "mid"), implementation=implementation),
        seat="me",
        opponents={"mid": sponsor(offer, acts="defect", challenges="me")},
        expected={"adopted": offer, "choices": ("comply",) * 4, "challenged": {}},
    )
    assert v.concluded.actions["mid"] == ("defect",) * 4


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats
    opponents = {seat: Hardliner() for seat in others}
    versus_test(Hardliner(), scenario=scenario, seat=first, opponents=opponents, seed=SEED)
