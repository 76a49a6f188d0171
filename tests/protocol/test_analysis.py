"""protocol.analysis against a brute-force reference written here.

The reference enumerates every package, evaluates it with
``UtilityFunction`` (so it uses the engine's own float utilities), finds the
Pareto frontier by comparing every pair, and counts passing packages with
``rules.passes``. ``analyze`` must agree exactly, including on float ties.
"""

from __future__ import annotations

import itertools
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accord.protocol.analysis as analysis_module
from accord.protocol.analysis import Analysis, analyze, counting, skyline
from accord.protocol.engine.rules import passes
from accord.protocol.scenario import (
    bundled_names,
    load_scenario,
    scenario_from_dict,
    utility_functions,
)
from accord.protocol.scenario.generate import random_scenario
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import detection_probability, sanction_size
from accord.report_text import format_analysis
from tests.helpers import DATA

SMALL = DATA / "small.toml"


# --- the reference ------------------------------------------------------------------


@dataclass
class Reference:
    packages: list[tuple[str, ...]]
    utilities: dict[tuple[str, ...], tuple[float, ...]]
    frontier: set[tuple[str, ...]]
    utilitarian_sum: float
    nash_product: float | None
    passing: int
    all_yes: int
    above: list[int]


def product_of_gains(vector: tuple[float, ...], reservations: list[float]) -> float:
    product = 1.0
    for u, r in zip(vector, reservations, strict=True):
        product *= u - r
    return product


def reference(scenario: Scenario, *, quadratic: bool = True) -> Reference:
    functions = utility_functions(scenario)
    seats = scenario.seats
    reservations = [functions[seat].reservation for seat in seats]
    packages = list(itertools.product(*(issue.options for issue in scenario.issues)))
    utilities = {}
    for combo in packages:
        package = {issue.id: option for issue, option in zip(scenario.issues, combo, strict=True)}
        utilities[combo] = tuple(functions[seat](package) for seat in seats)

    def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x >= y for x, y in zip(a, b, strict=True)) and a != b

    vectors = list(utilities.values())
    if quadratic:
        frontier = {
            combo
            for combo, vector in utilities.items()
            if not any(dominates(other, vector) for other in vectors)
        }
    else:
        # Sort-filter, for sizes where comparing every pair is too slow: a
        # dominator has a sum at least as large and a larger vector, so it
        # comes first, and every dominated vector has a frontier dominator.
        order = sorted(utilities.items(), key=lambda kv: (math.fsum(kv[1]), kv[1]), reverse=True)
        kept: list[tuple[float, ...]] = []
        frontier = set()
        for combo, vector in order:
            if not any(dominates(other, vector) for other in kept):
                kept.append(vector)
                frontier.add(combo)

    feasible = [v for v in vectors if all(u >= r for u, r in zip(v, reservations, strict=True))]
    weights = {d.id: d.weight for d in scenario.delegations}
    passing = all_yes = 0
    above = [0] * len(seats)
    for vector in vectors:
        yes = [u > r for u, r in zip(vector, reservations, strict=True)]
        for s, flag in enumerate(yes):
            above[s] += flag
        all_yes += all(yes)
        if scenario.rules.vetoes and any(
            d.veto and u < r
            for d, u, r in zip(scenario.delegations, vector, reservations, strict=True)
        ):
            continue
        votes: dict[str, Any] = {
            seat: "yes" if flag else "no" for seat, flag in zip(seats, yes, strict=True)
        }
        passing += passes(scenario.rules, weights, votes)
    return Reference(
        packages=packages,
        utilities=utilities,
        frontier=frontier,
        utilitarian_sum=max(math.fsum(v) for v in vectors),
        nash_product=max(product_of_gains(v, reservations) for v in feasible) if feasible else None,
        passing=passing,
        all_yes=all_yes,
        above=above,
    )


def assert_matches(scenario: Scenario, result: Analysis, ref: Reference) -> None:
    seats = scenario.seats
    reservations = [scenario.delegation(seat).brief.reservation for seat in seats]  # type: ignore[union-attr]

    def combo(point: analysis_module.Point) -> tuple[str, ...]:
        assert list(point.package) == [issue.id for issue in scenario.issues]
        return tuple(point.package[issue.id] for issue in scenario.issues)

    def vector(point: analysis_module.Point) -> tuple[float, ...]:
        assert list(point.utilities) == list(seats)
        values = tuple(point.utilities[seat] for seat in seats)
        assert values == ref.utilities[combo(point)]
        return values

    assert result.scenario == scenario.id
    assert result.seats == seats
    assert result.packages == len(ref.packages) == scenario.outcome_count
    assert result.pareto_size == len(ref.frontier)
    assert 1 <= len(result.pareto_sample) <= 5
    sums = [math.fsum(vector(p)) for p in result.pareto_sample]
    assert sums == sorted(sums, reverse=True)
    for point in result.pareto_sample:
        assert combo(point) in ref.frontier
    assert result.utilitarian_sum == ref.utilitarian_sum
    assert math.fsum(vector(result.utilitarian)) == ref.utilitarian_sum
    if ref.nash_product is None:
        assert result.nash is None and result.nash_product is None
    else:
        assert result.nash is not None
        assert result.nash_product == ref.nash_product
        assert product_of_gains(vector(result.nash), reservations) == ref.nash_product
        assert all(u >= r for u, r in zip(vector(result.nash), reservations, strict=True))
    assert result.passing == ref.passing
    assert result.acceptable_to_all == ref.all_yes
    assert [r.seat for r in result.seat_reports] == list(seats)
    for s, report in enumerate(result.seat_reports):
        assert report.above_reservation == ref.above[s]
        assert report.share_above_reservation == ref.above[s] / len(ref.packages)
        assert report.reservation == reservations[s]
        assert report.best == max(v[s] for v in ref.utilities.values())
        assert report.worst == min(v[s] for v in ref.utilities.values())


@contextmanager
def tiny_index() -> Any:
    """Shrink the skyline's blocks and buckets and the scan's chunks so that
    small scenarios exercise block merging, crowded buckets and chunking."""

    saved = (skyline._BLOCK, skyline._BUCKETS, counting._CHUNK)
    skyline._BLOCK, skyline._BUCKETS, counting._CHUNK = 2, 3, 4
    try:
        yield
    finally:
        skyline._BLOCK, skyline._BUCKETS, counting._CHUNK = saved


# --- the small scenario ---------------------------------------------------------------


def test_small_scenario_matches_the_reference() -> None:
    scenario = load_scenario(SMALL)
    result = analyze(scenario)
    assert_matches(scenario, result, reference(scenario))
    # Figures worked out by hand for tests/data/small.toml.
    assert result.packages == 12
    assert result.pareto_size == 8
    assert result.passing == 7
    assert result.nash is not None
    assert result.nash.package == {"cut": "30", "inspections": "none", "penalty": "heavy"}
    assert result.utilitarian.package == {
        "cut": "30",
        "inspections": "on-site",
        "penalty": "heavy",
    }


def test_small_scenario_implementation_regimes() -> None:
    scenario = load_scenario(SMALL)
    report = analyze(scenario).implementation
    assert report is not None
    assert report.issues == ("inspections", "penalty")
    assert report.temptation == pytest.approx({"north": 0.10, "south": 0.13, "east": 0.08})
    assert report.regime_count == len(report.regimes) == 4
    assert report.self_enforcing_count == 1
    by_options = {tuple(r.options.values()): r for r in report.regimes}
    strongest = by_options[("on-site", "heavy")]
    assert strongest.detection == pytest.approx(0.9)
    assert strongest.sanction == 0.5
    assert strongest.self_enforcing
    assert not any(strongest.defection_pays.values())
    for regime in report.regimes:
        assert regime.detection == detection_probability(scenario, regime.options)
        assert regime.sanction == sanction_size(scenario, regime.options)
        assert regime.expected_sanction == regime.detection * regime.sanction
        for seat, pays in regime.defection_pays.items():
            assert pays == (report.temptation[seat] > regime.expected_sanction)
        assert regime.self_enforcing == (not any(regime.defection_pays.values()))


@pytest.mark.parametrize("indifferent", [0, 1, 2], ids=["2-seat", "3-seat", "4-seat"])
def test_exact_when_rounding_makes_distinct_prefixes_equal(indifferent: int) -> None:
    # Seat one: 0.1 + 0.2 = 0.30000000000000004 > 0.3 + 0.0 after two issues,
    # yet both become 0.55 once 0.25 is added. So (low, some, x) and
    # (high, none, x) end with equal vectors and both are Pareto-optimal,
    # though the second's prefix is (barely) dominated: pruning prefixes
    # without a rounding margin would lose it.
    raw: dict[str, Any] = {
        "id": "collapse",
        "issues": [
            {"id": "a", "options": ["low", "high"]},
            {"id": "b", "options": ["some", "none"]},
            {"id": "c", "options": ["x", "y"]},
        ],
        "delegations": [
            {
                "id": "one",
                "brief": {
                    "weights": {"a": 0.5, "b": 0.25, "c": 0.25},
                    "values": {"a": [0.2, 0.6], "b": [0.8, 0.0], "c": [1.0, 0.0]},
                    "reservation": 0.5,
                },
            },
            {
                "id": "two",
                "brief": {
                    "weights": {"a": 0.25, "b": 0.25, "c": 0.5},
                    "values": {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [0.0, 1.0]},
                    "reservation": 0.5,
                },
            },
        ],
    }
    # Seats that like every package the same do not change the frontier, but
    # send it through the three-seat sweep or the general bitset skyline.
    for k in range(indifferent):
        raw["delegations"].append(
            {
                "id": f"indifferent{k}",
                "brief": {
                    "weights": {"a": 1.0, "b": 0.0, "c": 0.0},
                    "values": {"a": [k / 2, k / 2], "b": [0.0, 0.0], "c": [0.0, 0.0]},
                    "reservation": 0.0,
                },
            }
        )
    scenario = scenario_from_dict(raw)
    ref = reference(scenario)
    assert ("high", "none", "x") in ref.frontier and ("low", "some", "x") in ref.frontier
    # ... while (high, none, y) = (0.3, 0.75) is dominated by
    # (low, some, y) = (0.30000000000000004, 0.75).
    assert ("high", "none", "y") not in ref.frontier
    result = analyze(scenario)
    assert result.pareto_size == 6
    assert_matches(scenario, result, ref)


def test_analysis_encodes_to_json_and_back() -> None:
    scenario = load_scenario(SMALL)
    result = analyze(scenario)
    data = msgspec.json.encode(result)
    assert msgspec.json.decode(data, type=Analysis) == result
    assert msgspec.json.decode(data)["pareto_size"] == 8


def test_format_analysis_reads_well() -> None:
    scenario = load_scenario(SMALL)
    text = format_analysis(analyze(scenario), scenario)
    assert "12 packages" in text
    assert "Pareto frontier" in text and "8 packages" in text
    assert "Nash bargaining point" in text
    assert "Utilitarian optimum" in text
    assert "Would pass        7 packages" in text
    assert "1 of 4 regimes deter every seat" in text
    assert "Inspections: on-site; Penalty: heavy: detection 0.900" in text
    assert "deters every seat" in text


def test_no_implementation_section_means_no_regimes() -> None:
    scenario = random_scenario(seed=3, issues=2, implementation=False)
    result = analyze(scenario)
    assert result.implementation is None
    assert "Implementation" not in format_analysis(result, scenario)


def test_no_nash_point_when_no_package_satisfies_everyone() -> None:
    raw = msgspec.to_builtins(load_scenario(SMALL))
    for delegation in raw["delegations"]:
        delegation["brief"]["reservation"] = 0.95
    scenario = scenario_from_dict(raw)
    result = analyze(scenario)
    assert result.nash is None and result.nash_product is None
    assert "none: no package" in format_analysis(result, scenario)
    assert_matches(scenario, result, reference(scenario))


def test_analysis_needs_every_brief() -> None:
    scenario = load_scenario(SMALL).public(seat="north")
    with pytest.raises(ValueError):
        analyze(scenario)


def test_regime_listing_is_capped_but_every_regime_counted() -> None:
    scenario = load_scenario(SMALL)
    full = analyze(scenario).implementation
    capped = analyze(scenario, max_regimes=2).implementation
    assert full is not None and capped is not None
    assert len(capped.regimes) == 2 and capped.regime_count == 4
    assert capped.self_enforcing_count == full.self_enforcing_count
    assert "2 more regimes not listed" in format_analysis(
        analyze(scenario, max_regimes=2), scenario
    )


def test_medium_scenario_exercises_the_bitset_blocks() -> None:
    # 4 seats, 1296 packages: hundreds of frontier members, so several
    # frozen blocks are built and merged.
    scenario = random_scenario(seed=11, seats=4, issues=4, options=6)
    result = analyze(scenario)
    assert result.pareto_size > 2 * skyline._BLOCK
    assert_matches(scenario, result, reference(scenario, quadratic=False))


@pytest.mark.parametrize("seats", [7, 9, 17])
def test_many_seats(seats: int) -> None:
    # Past 7 seats a package's vote code no longer fits one byte.
    scenario = random_scenario(seed=seats, seats=seats, issues=3, options=(2, 4), veto_chance=0.5)
    result = analyze(scenario)
    assert_matches(scenario, result, reference(scenario))
    with tiny_index():
        assert analyze(scenario) == result


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenarios_match_the_reference(name: str) -> None:
    scenario = load_scenario(name)
    assert_matches(scenario, analyze(scenario), reference(scenario, quadratic=False))


@pytest.mark.parametrize(
    ("seats", "copies"),
    [(2, [0, 0]), (3, [0, 0, 0]), (3, [0, 1, 0]), (4, [0, 1, 1, 0]), (5, [0, 1, 2, 2, 1])],
)
def test_seats_with_identical_briefs(seats: int, copies: list[int]) -> None:
    # copies[s]: whose brief seat s gets; identical seats are analysed once.
    raw = msgspec.to_builtins(random_scenario(seed=seats, seats=seats, issues=3, options=(3, 5)))
    briefs = [d["brief"] for d in raw["delegations"]]
    for delegation, source in zip(raw["delegations"], copies, strict=True):
        delegation["brief"] = dict(briefs[source])
    scenario = scenario_from_dict(raw)
    result = analyze(scenario)
    assert_matches(scenario, result, reference(scenario))
    with tiny_index():
        assert analyze(scenario) == result


def test_chunked_scan_and_tiny_index_agree_with_defaults() -> None:
    scenario = random_scenario(seed=5, seats=5, issues=4, options=(2, 5))
    expected = analyze(scenario)
    with tiny_index():
        assert analyze(scenario) == expected


# --- property tests ---------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    seats=st.integers(2, 4),
    issues=st.integers(1, 4),
    decision=st.sampled_from([None, "unanimity", "consensus", "qualified"]),
)
def test_random_scenarios_match_the_reference(
    seed: int, seats: int, issues: int, decision: Any
) -> None:
    scenario = random_scenario(
        seed=seed,
        seats=seats,
        issues=issues,
        options=(2, 4),
        implementation=issues >= 2,
        decision=decision,
    )
    result = analyze(scenario)
    assert_matches(scenario, result, reference(scenario))
    with tiny_index():
        assert analyze(scenario) == result


# Coarse numbers make many float ties: equal utility vectors, utilities equal
# to a reservation, sums like 0.1 + 0.2 that differ from 0.3 in the last bit.
_coarse = st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 0.75, 1.0])


@st.composite
def tied_scenarios(draw: st.DrawFn) -> Scenario:
    n_issues = draw(st.integers(1, 4))
    n_seats = draw(st.integers(2, 4))
    sizes = [draw(st.integers(2, 4)) for _ in range(n_issues)]
    issues = [
        {"id": f"i{k}", "options": [f"o{j}" for j in range(size)]} for k, size in enumerate(sizes)
    ]
    delegations = []
    for s in range(n_seats):
        # Weights in tenths that sum to 1 (exactly, as decimals).
        cuts = sorted(
            draw(st.lists(st.integers(0, 10), min_size=n_issues - 1, max_size=n_issues - 1))
        )
        bounds = [0, *cuts, 10]
        weights = {f"i{k}": (bounds[k + 1] - bounds[k]) / 10 for k in range(n_issues)}
        values = {f"i{k}": [draw(_coarse) for _ in range(size)] for k, size in enumerate(sizes)}
        delegations.append(
            {
                "id": f"s{s}",
                "weight": draw(st.sampled_from([1, 2, 3])),
                "veto": draw(st.booleans()),
                "brief": {
                    "weights": weights,
                    "values": values,
                    "reservation": draw(_coarse),
                },
            }
        )
    decision = draw(st.sampled_from(["unanimity", "consensus", "qualified"]))
    rules: dict[str, Any] = {"decision": decision, "vetoes": draw(st.booleans())}
    if decision == "qualified":
        rules["threshold"] = draw(st.sampled_from([0.5, 2 / 3, 0.75]))
    return scenario_from_dict(
        {"id": "tied", "issues": issues, "delegations": delegations, "rules": rules}
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=tied_scenarios())
def test_tie_heavy_scenarios_match_the_reference(scenario: Scenario) -> None:
    result = analyze(scenario)
    assert_matches(scenario, result, reference(scenario))
    with tiny_index():
        assert analyze(scenario) == result


def test_least_float_threshold_is_exact() -> None:
    least = counting._least
    for x, r in [(0.1, 0.3), (0.2, 0.3), (0.0, 0.0), (0.7, 0.1), (0.3, 1.0)]:
        t = least(lambda a, x=x, r=r: a + x > r)
        assert t + x > r
        assert not (math.nextafter(t, -math.inf) + x > r)
