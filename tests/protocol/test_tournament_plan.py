"""The plan of a tournament: seatings (symmetry taken out), sizes, series, seeds,
samples and rounds."""

from __future__ import annotations

import math
import random
from collections import Counter
from itertools import permutations
from typing import Any

import pytest

from accord.protocol.errors import TournamentError
from accord.protocol.scenario import Scenario
from accord.protocol.scenario.generate import random_scenario
from accord.protocol.tournament import (
    Tournament,
    all_seatings,
    plan,
    plan_round,
    symmetric_seats,
    talk_seed,
    tournament_from_dict,
)
from accord.protocol.tournament.plan import MAX_SEATINGS, sample_seatings, seating_count
from tests.helpers import scenario as hand_made

ENTRIES = ("a", "b", "c", "d")


def tournament(entries: tuple[str, ...] = ENTRIES, **settings: Any) -> Tournament:
    raw = {
        "name": "t",
        "entries": [{"name": e, "strategy": "random"} for e in entries],
        "scenarios": [{"name": "climate-accord"}],
        **settings,
    }
    return tournament_from_dict(raw, file="t.toml")


def distinct(seats: int, seed: int = 5) -> Scenario:
    """A generated scenario: every seat has its own brief, so no two are interchangeable."""

    return random_scenario(seed=seed, seats=seats, issues=2, options=3)


IDENTICAL3 = hand_made()  # three seats a, b, c: same weight, no veto, the same brief


def test_symmetric_seats_group_the_interchangeable() -> None:
    assert symmetric_seats(IDENTICAL3) == ((0, 1, 2),)
    weights = hand_made([("a", 1.0, False), ("b", 2.0, False), ("c", 1.0, False)])
    assert symmetric_seats(weights) == ((0, 2), (1,))
    veto = hand_made([("a", 1.0, True), ("b", 1.0, False), ("c", 1.0, False)])
    assert symmetric_seats(veto) == ((0,), (1, 2))
    required = hand_made(rules={"decision": "unanimity", "required": ["b"]})
    assert symmetric_seats(required) == ((0, 2), (1,))
    assert symmetric_seats(distinct(4)) == ((0,), (1,), (2,), (3,))


def test_all_seatings_sizes_with_and_without_symmetry() -> None:
    # distinct seats: every ordered choice
    assert len(all_seatings(ENTRIES, distinct(3))) == math.perm(4, 3) == 24
    assert sorted(all_seatings(ENTRIES, distinct(3))) == sorted(permutations(ENTRIES, 3))
    # fewer entries than seats: entries repeat
    assert len(all_seatings(("a", "b"), distinct(3))) == 2**3
    # identical seats: one talk per set of entries (or multiset, when they repeat)
    assert len(all_seatings(ENTRIES, IDENTICAL3)) == math.comb(4, 3)
    assert len(all_seatings(("a", "b"), IDENTICAL3)) == 4  # aaa, aab, abb, bbb
    # two of three seats alike: the third seat's entry, then a pair for the others
    two = hand_made([("a", 1.0, False), ("b", 2.0, False), ("c", 1.0, False)])
    assert len(all_seatings(ENTRIES, two)) == 4 * math.comb(3, 2)
    assert seating_count(4, 3) == 24 and seating_count(2, 3) == 8


def test_symmetric_seatings_are_each_kept_once() -> None:
    seatings = all_seatings(ENTRIES, IDENTICAL3)
    assert len({frozenset(s) for s in seatings}) == len(seatings)
    two = hand_made([("a", 1.0, False), ("b", 2.0, False), ("c", 1.0, False)])
    keys = Counter((s[1], frozenset((s[0], s[2]))) for s in all_seatings(ENTRIES, two))
    assert set(keys.values()) == {1}


def test_too_many_seatings_say_to_sample() -> None:
    entries = tuple(f"e{n}" for n in range(40))
    with pytest.raises(ValueError, match='use format = "sample"'):
        all_seatings(entries, distinct(6))
    assert seating_count(40, 6) > MAX_SEATINGS
    t = tournament(entries)
    with pytest.raises(TournamentError) as caught:
        plan(t, [distinct(6)])
    assert caught.value.path == "$.scenarios[0]"


def test_plan_size_ids_series_and_seeds() -> None:
    t = tournament(repetitions=2, series=3, seed=11)
    scenarios = [distinct(3), IDENTICAL3]
    talks = plan(t, scenarios)
    assert len(talks) == (24 + 4) * 2 * 3
    assert len({p.id for p in talks}) == len(talks)
    assert talks[0].id == "s0-t0-r0-g0" and talks[-1].id == "s1-t3-r1-g2"
    by_series: dict[str, list[Any]] = {}
    for p in talks:
        by_series.setdefault(p.series, []).append(p)
        assert p.seed == talk_seed(11, p.id)
        assert 0 <= p.seed < 2**53
        assert p.round == 0
    assert len(by_series) == 28 * 2
    for members in by_series.values():
        assert [p.game for p in members] == [0, 1, 2]
        assert len({p.seating for p in members}) == 1
        assert len({p.seed for p in members}) == 3
        assert len({(p.scenario, p.repetition) for p in members}) == 1
    # the same file gives the same plan; another seed other seeds, the same seatings
    assert plan(t, scenarios) == talks
    other = plan(tournament(repetitions=2, series=3, seed=12), scenarios)
    assert [p.seating for p in other] == [p.seating for p in talks]
    assert {p.seed for p in other}.isdisjoint({p.seed for p in talks})


def test_talk_seeds_come_from_the_seed_and_the_id_only() -> None:
    assert talk_seed(1, "x") == talk_seed(1, "x")
    assert talk_seed(1, "x") != talk_seed(2, "x") != talk_seed(1, "y")
    assert all(0 <= talk_seed(s, f"t{n}") < 2**53 for s in (0, 2**63 - 1) for n in range(50))


def test_sample_draws_n_seatings_per_scenario_without_repeats_while_it_can() -> None:
    t = tournament(format="sample", sample=10, seed=3)
    scenarios = [distinct(3), IDENTICAL3]
    talks = plan(t, scenarios)
    assert len(talks) == 20
    first = [p.seating for p in talks if p.scenario == 0]
    assert len(set(first)) == 10 and set(first) <= set(permutations(ENTRIES, 3))
    # more than the space holds: all of it, then repeats
    second = [p.seating for p in talks if p.scenario == 1]
    assert set(second) == set(all_seatings(ENTRIES, IDENTICAL3))
    assert plan(t, scenarios) == talks
    assert plan(tournament(format="sample", sample=10, seed=4), scenarios) != talks


def test_sample_beyond_the_enumerable_draws_distinct_entries_per_seating() -> None:
    entries = tuple(f"e{n}" for n in range(12))  # 12P6 = 665,280 seatings
    rng = random.Random(1)
    drawn = sample_seatings(entries, distinct(6), 50, rng)
    assert len(drawn) == 50
    assert all(len(set(s)) == 6 and set(s) <= set(entries) for s in drawn)
    few = sample_seatings(("a", "b"), distinct(20), 5, random.Random(1))  # 2**20 > enumerable
    assert all(len(s) == 20 and set(s) <= {"a", "b"} for s in few)


def test_rounds_are_planned_round_by_round() -> None:
    entries = ("a", "b", "c", "d", "e")
    t = tournament(entries, format="rounds", rounds=3, seed=9, repetitions=1, series=2)
    scenarios = [distinct(2)]
    with pytest.raises(ValueError, match="round by round"):
        plan(t, scenarios)
    one = plan_round(t, scenarios, 1)
    # 5 entries at tables of 2: 3 tables, the last made up with an entry from the start
    assert len(one) == 3 * 2
    assert {p.round for p in one} == {1}
    assert [p.id for p in one][:2] == ["s0-R1-T0-r0-g0", "s0-R1-T0-r0-g1"]
    seated = Counter(e for p in one if p.game == 0 for e in p.seating)
    assert set(seated) == set(entries) and sum(seated.values()) == 6
    assert all(p.seed == talk_seed(9, p.id) for p in one)
    assert plan_round(t, scenarios, 1) == one
    two = plan_round(t, scenarios, 2)
    assert {p.round for p in two} == {2}
    assert {p.id for p in two}.isdisjoint({p.id for p in one})


def test_swiss_pairing_seats_neighbours_in_the_ranking_together() -> None:
    entries = ("a", "b", "c", "d", "e", "f")
    t = tournament(entries, format="rounds", rounds=2, pairing="swiss", seed=2)
    scenarios = [distinct(2)]
    ranking = ["f", "e", "d", "c", "b", "a"]
    tables = [frozenset(p.seating) for p in plan_round(t, scenarios, 2, ranking)]
    assert tables == [frozenset("fe"), frozenset("dc"), frozenset("ba")]
    # entries missing from the ranking come after it, in file order
    tables = [frozenset(p.seating) for p in plan_round(t, scenarios, 2, ["c"])]
    assert tables == [frozenset("ca"), frozenset("bd"), frozenset("ef")]
    # random pairing ignores a ranking
    random_t = tournament(entries, format="rounds", rounds=2, seed=2)
    assert plan_round(random_t, scenarios, 2, ranking) == plan_round(random_t, scenarios, 2)
