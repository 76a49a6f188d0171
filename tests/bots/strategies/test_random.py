"""The random baseline against scripted opponents."""

from __future__ import annotations

from collections import Counter

import pytest

from accord.bots.strategies.random import Random
from accord.protocol.scenario import bundled_names, load_scenario
from tests.bots.strategies.scripted import (
    MockDelegation,
    Versus,
    ladder,
    level,
    refusers,
    versus_test,
)

SEEDS = range(1, 11)
ROUNDS = 10
PERIODS = 6
SEATS = ("me", "mid", "low")


def at_the_table(seed: int, *, veto: bool = True) -> Versus:
    """Ten rounds against :func:`refusers`, nothing ever passing; with ``veto``,
    it holds one."""

    return versus_test(
        Random(),
        scenario=ladder(SEATS, rounds=ROUNDS, veto="me" if veto else None),
        seat="me",
        opponents=refusers(),
        seed=seed,
        expected={"outcome": "no_deal"},
    )


def in_implementation(seed: int) -> Versus:
    """Two seats that vote yes on everything carry level 5 in round 1 (two of three
    suffice); then six periods in which both comply and it may inspect either."""

    implementation = {
        "periods": PERIODS,
        "parties": {seat: {"defect_gain": 0.1, "harm": 0.05} for seat in SEATS},
    }
    return versus_test(
        Random(),
        scenario=ladder(SEATS, decision="qualified", implementation=implementation),
        seat="me",
        opponents={
            "mid": MockDelegation(tables=level(5), votes="yes"),
            "low": MockDelegation(tables=level(1), votes="yes"),
        },
        seed=seed,
        expected={"outcome": "agreement"},
    )


def test_the_same_seed_gives_the_same_talk() -> None:
    for run in (at_the_table, in_implementation):
        for seed in (1, 2):
            first, again = run(seed), run(seed)
            assert first.summary() == again.summary()
            assert first.casts == again.casts
            assert first.talk.room.chain.head == again.talk.room.chain.head


def test_other_seeds_give_other_proposals_ballots_and_choices() -> None:
    table = [at_the_table(seed) for seed in SEEDS]
    assert len({str(v.tabled) for v in table}) == len(SEEDS)
    assert len({tuple(c.ballot for c in v.casts) for v in table}) == len(SEEDS)
    assert len({in_implementation(seed).choices for seed in SEEDS}) > 1


def test_votes_every_way_and_vetoes_only_when_it_holds_a_veto() -> None:
    held = Counter(c.ballot for seed in SEEDS for c in at_the_table(seed).casts)
    assert set(held) == {"yes", "no", "abstain", "veto"}
    # a veto one time in ten, the other ballots a third each of the rest
    assert held["veto"] < min(held["yes"], held["no"], held["abstain"])
    plain = Counter(c.ballot for seed in SEEDS for c in at_the_table(seed, veto=False).casts)
    assert set(plain) == {"yes", "no", "abstain"}


def test_tables_a_random_package_in_most_rounds_and_passes_in_the_others() -> None:
    table = [at_the_table(seed) for seed in SEEDS]
    tabled = sum(len(v.tabled) for v in table)
    # four rounds in five, at random
    assert 0.6 * ROUNDS * len(SEEDS) < tabled < ROUNDS * len(SEEDS)
    levels = {p["level"] for v in table for packages in v.tabled.values() for p in packages}
    assert len(levels) >= 8  # all over the ladder, not near any target


def test_defects_and_complies_at_random() -> None:
    choices = Counter(c for seed in SEEDS for c in in_implementation(seed).choices)
    assert choices.total() == PERIODS * len(SEEDS)
    assert 0.25 < choices["defect"] / choices.total() < 0.75


def test_inspects_another_seat_now_and_then() -> None:
    inspected = [
        target
        for seed in SEEDS
        for targets in in_implementation(seed).challenged.values()
        for target in targets
    ]
    assert 0 < len(inspected) < PERIODS * len(SEEDS)
    assert set(inspected) == {"mid", "low"}


@pytest.mark.parametrize("scenario_name", bundled_names())
def test_completes_every_bundled_scenario(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats
    opponents = {seat: Random() for seat in others}
    versus_test(Random(), scenario=scenario, seat=first, opponents=opponents)
