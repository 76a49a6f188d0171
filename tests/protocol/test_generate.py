"""Seeded random scenarios: deterministic, valid, of the size asked for."""

from __future__ import annotations

import itertools
import math

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.protocol.scenario import scenario_from_dict, utility_functions
from accord.protocol.scenario.generate import random_scenario, scenario_of_size
from accord.protocol.scenario.model import Scenario


def roundtrip(scenario: Scenario) -> Scenario:
    return scenario_from_dict(msgspec.to_builtins(scenario))


def test_same_seed_same_scenario() -> None:
    assert random_scenario(seed=7) == random_scenario(seed=7)
    assert msgspec.json.encode(random_scenario(seed=7)) == msgspec.json.encode(
        random_scenario(seed=7)
    )
    big = dict(seats=6, issues=5, options=(3, 7))
    assert random_scenario(seed=1, **big) == random_scenario(seed=1, **big)  # type: ignore[arg-type]


def test_different_seeds_different_scenarios() -> None:
    scenarios = [random_scenario(seed=seed) for seed in range(20)]
    encoded = {
        msgspec.json.encode(msgspec.structs.replace(s, id="x", title="x", description=""))
        for s in scenarios
    }
    assert len(encoded) == len(scenarios)


def test_does_not_touch_the_global_random_state() -> None:
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    random_scenario(seed=5)
    assert random.random() == expected


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**40),
    seats=st.integers(2, 7),
    issues=st.integers(2, 6),
    low=st.integers(2, 5),
    extra=st.integers(0, 4),
    implementation=st.booleans(),
    decision=st.sampled_from([None, "unanimity", "consensus", "qualified"]),
)
def test_generated_scenarios_validate_and_have_the_asked_size(
    seed: int,
    seats: int,
    issues: int,
    low: int,
    extra: int,
    implementation: bool,
    decision: str | None,
) -> None:
    scenario = random_scenario(
        seed=seed,
        seats=seats,
        issues=issues,
        options=(low, low + extra),
        implementation=implementation,
        decision=decision,  # type: ignore[arg-type]
    )
    assert roundtrip(scenario) == scenario
    assert len(scenario.delegations) == seats
    assert len(scenario.issues) == issues
    for issue in scenario.issues:
        assert low <= len(issue.options) <= low + extra
    if decision is not None:
        assert scenario.rules.decision == decision
    kinds = {issue.kind for issue in scenario.issues}
    impl = scenario.implementation
    if implementation:
        assert impl is not None
        assert {"verification", "enforcement"} <= kinds
        verification = [i for i in scenario.issues if i.kind == "verification"]
        enforcement = [i for i in scenario.issues if i.kind == "enforcement"]
        assert set(impl.detection) == {i.id for i in verification}
        assert set(impl.sanction) == {i.id for i in enforcement}
        for row in [*impl.detection.values(), *impl.sanction.values()]:
            assert row[0] == 0.0
            assert all(a <= b for a, b in itertools.pairwise(row))
            assert row[-1] > 0.0
        for row in impl.detection.values():
            assert all(0.0 <= p <= 1.0 for p in row)
        assert set(impl.parties) == set(scenario.seats)
    else:
        assert impl is None
        assert kinds == {"substance"}
    for delegation in scenario.delegations:
        brief = delegation.brief
        assert brief is not None
        assert math.isclose(sum(brief.weights.values()), 1.0, abs_tol=1e-12)
        for row in brief.values.values():
            for value in row:
                assert 0.0 <= value <= 1.0
                assert round(value, 3) == value
        assert 0.0 <= brief.reservation <= 1.0


@pytest.mark.parametrize("seed", range(25))
def test_reservations_are_beaten_by_some_packages_but_not_all(seed: int) -> None:
    scenario = random_scenario(seed=seed, seats=4, issues=3, options=(2, 5))
    functions = utility_functions(scenario)
    packages = [
        {issue.id: option for issue, option in zip(scenario.issues, combo, strict=True)}
        for combo in itertools.product(*(issue.options for issue in scenario.issues))
    ]
    for seat, function in functions.items():
        utilities = [function(package) for package in packages]
        beating = sum(u > function.reservation for u in utilities)
        assert 0 < beating < len(packages), seat


def test_decision_rules_vary_when_not_fixed() -> None:
    decisions = {random_scenario(seed=seed).rules.decision for seed in range(40)}
    assert decisions == {"unanimity", "consensus", "qualified"}


def test_veto_chance_extremes() -> None:
    assert not any(d.veto for d in random_scenario(seed=2, seats=6, veto_chance=0.0).delegations)
    assert all(d.veto for d in random_scenario(seed=2, seats=6, veto_chance=1.0).delegations)
    some = [d.veto for seed in range(10) for d in random_scenario(seed=seed).delegations]
    assert any(some) and not all(some)


def test_voting_weights_are_random_and_positive() -> None:
    weights = {d.weight for seed in range(10) for d in random_scenario(seed=seed).delegations}
    assert len(weights) > 1
    assert all(w > 0 for w in weights)


def test_many_issues_still_sum_weights_to_one() -> None:
    scenario = random_scenario(seed=9, seats=2, issues=60, options=2, implementation=False)
    for delegation in scenario.delegations:
        assert delegation.brief is not None
        assert math.isclose(sum(delegation.brief.weights.values()), 1.0, abs_tol=1e-9)
    assert roundtrip(scenario) == scenario


def test_scenario_of_size() -> None:
    scenario = scenario_of_size(seed=1, seats=6, issues=6, options_per_issue=10)
    assert scenario.outcome_count == 10**6
    assert len(scenario.delegations) == 6
    assert all(len(issue.options) == 10 for issue in scenario.issues)
    assert roundtrip(scenario) == scenario
    assert scenario == scenario_of_size(seed=1, seats=6, issues=6, options_per_issue=10)
    small = scenario_of_size(seed=1, seats=3, issues=2, options_per_issue=4)
    assert small.outcome_count == 16


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seats": 1},
        {"options": 1},
        {"options": (4, 3)},
        {"issues": 1},  # an implementation section needs two issues
        {"issues": 0, "implementation": False},
        {"decision": "majority"},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        random_scenario(seed=0, **kwargs)  # type: ignore[arg-type]


def test_one_issue_without_implementation() -> None:
    scenario = random_scenario(seed=4, issues=1, implementation=False)
    assert len(scenario.issues) == 1 and scenario.implementation is None


def test_fixing_the_decision_rule_changes_nothing_else() -> None:
    free = random_scenario(seed=12)
    fixed = random_scenario(seed=12, decision="qualified")
    assert fixed.rules.decision == "qualified"
    assert fixed.issues == free.issues
    assert fixed.delegations == free.delegations
