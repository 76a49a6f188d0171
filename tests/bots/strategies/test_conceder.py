"""The conceder against scripted opponents."""

from __future__ import annotations

import pytest

from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.hardliner import Hardliner
from accord.bots.strategies.time_dependent import TimeDependent
from accord.protocol.scenario import bundled_names, load_scenario
from tests.bots.strategies.scripted import Versus, ladder, level, refusers, sponsor, versus_test

SEED = 17
SEEDS = (1, 2, 3, 4, 5)
ROUNDS = 10


def against_refusers(strategy: TimeDependent, *, seed: int = SEED) -> Versus:
    """Offers of level 5 and level 1 (below the reservation of 0.2) every round;
    nothing ever passes, so every round is played."""

    return versus_test(
        strategy,
        scenario=ladder(rounds=ROUNDS),
        seat="me",
        opponents=refusers(),
        seed=seed,
        expected={"outcome": "no_deal"},
    )


def test_concedes_early_and_accepts_a_middling_offer_by_mid_talks() -> None:
    v = against_refusers(Conceder())
    # its target, 1 − 0.8 · t^(1/2), passes 0.5 between rounds 4 and 5
    assert [v.ballots[r]["mid"] for r in range(1, ROUNDS + 1)] == ["no"] * 4 + ["yes"] * 6
    # by round 5 it already tables something near the middle of the ladder
    assert v.tabled_utilities()[5] <= 0.6


@pytest.mark.parametrize("seed", SEEDS)
def test_its_tabled_utilities_fall_faster_than_the_hardliners(seed: int) -> None:
    conceder = against_refusers(Conceder(), seed=seed).tabled_utilities()
    hardliner = against_refusers(Hardliner(), seed=seed).tabled_utilities()
    assert sorted(conceder) == sorted(hardliner) == list(range(1, ROUNDS + 1))
    # both open with their best package; between the first and the last rounds
    # the conceder's offers are always worse for it than the hardliner's
    assert conceder[1] == hardliner[1] == 1.0
    assert all(conceder[r] < hardliner[r] for r in range(3, ROUNDS)), (conceder, hardliner)
    assert sum(conceder.values()) < sum(hardliner.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_never_goes_below_its_reservation(seed: int) -> None:
    v = against_refusers(Conceder(), seed=seed)
    assert min(v.tabled_utilities().values()) >= 0.2
    # the level-1 offer (0.1) is refused even in the last round
    assert [b["low"] for b in v.ballots.values()] == ["no"] * ROUNDS


def test_reaches_agreement_long_before_the_hardliner_does() -> None:
    # one sponsor of level 4 under consensus: whoever sits at "me" decides when
    offer = level(4)
    rounds = {}
    for strategy in (Conceder(), Hardliner()):
        v = versus_test(
            strategy,
            scenario=ladder(("me", "mid"), rounds=ROUNDS),
            seat="me",
            opponents={"mid": sponsor(offer)},
            expected={"outcome": "agreement", "adopted": offer},
        )
        adopted = v.talk.room.adopted
        assert adopted is not None
        rounds[strategy.name] = adopted.round
    # the conceder's target reaches 0.4 in round 7 (t = 2/3); the hardliner's only in the last
    assert rounds == {"conceder": 7, "hardliner": ROUNDS}


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats
    opponents = {seat: Conceder() for seat in others}
    versus_test(Conceder(), scenario=scenario, seat=first, opponents=opponents, seed=SEED)
