"""The bundled scenarios load, and their briefs make the talks worth having.

For every scenario shipped with accord the outcome space is enumerated in
full: the trade-offs must be real (no package pleases everyone for free), an
agreement must be possible and able to pass the decision rule, and the
implementation phase must reproduce the inspection game (free riding pays
without verification, and does not pay under the strongest regime).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest

from accord.protocol.engine.rules import passes
from accord.protocol.scenario import Scenario, bundled_names, load_scenario, utility_functions
from accord.protocol.scenario.utility import detection_probability, sanction_size

EXPECTED = {
    "climate-accord",
    "nonproliferation-deal",
    "six-party-talks",
    "trade-round",
    "security-council",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")

NAMES = bundled_names()


def packages(scenario: Scenario) -> Iterator[dict[str, str]]:
    """Every package of the scenario: one option per issue."""

    ids = [issue.id for issue in scenario.issues]
    for combo in itertools.product(*(issue.options for issue in scenario.issues)):
        yield dict(zip(ids, combo, strict=True))


def regime(scenario: Scenario, *, strongest: bool) -> dict[str, str]:
    """A package adopting the strongest (or weakest) verification and enforcement options."""

    impl = scenario.implementation
    assert impl is not None
    package = {issue.id: issue.options[0] for issue in scenario.issues}
    pick = max if strongest else min
    for table in (impl.detection, impl.sanction):
        for issue_id, row in table.items():
            best = pick(range(len(row)), key=row.__getitem__)
            package[issue_id] = scenario.issue(issue_id).options[best]
    return package


@pytest.fixture(scope="module", params=NAMES)
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return load_scenario(request.param)


def test_at_least_five_bundled_scenarios() -> None:
    assert len(NAMES) >= 5
    assert EXPECTED.issubset(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_bundled_scenario_loads_by_name(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.id == name
    assert scenario.title
    assert scenario.description


def test_agenda_shape(scenario: Scenario) -> None:
    assert 3 <= len(scenario.issues) <= 6
    assert 50 <= scenario.outcome_count <= 5000
    for issue in scenario.issues:
        assert SLUG.match(issue.id), issue.id
        assert issue.title
        for option in issue.options:
            assert SLUG.match(option), f"{issue.id}: {option}"
    for delegation in scenario.delegations:
        assert SLUG.match(delegation.id), delegation.id
        assert delegation.brief is not None
        assert delegation.brief.notes.strip(), f"{delegation.id} has no notes"


def test_rules_are_playable_by_humans(scenario: Scenario) -> None:
    rules = scenario.rules
    assert 4 <= rules.max_rounds <= 8
    assert 1 <= rules.proposals_per_round <= 2
    limits = rules.time_limits
    for phase in ("tabling", "ballot", "action", "verification"):
        assert 20 <= getattr(limits, phase) <= 300


def test_some_scenario_uses_a_secret_ballot() -> None:
    assert any(load_scenario(name).rules.ballot == "secret" for name in NAMES)


def test_trade_offs_are_real(scenario: Scenario) -> None:
    """Some package pleases one seat and not another; not every package beats every BATNA."""

    utility = utility_functions(scenario)
    divisive = False
    for package in packages(scenario):
        above = [utility[seat](package) > utility[seat].reservation for seat in scenario.seats]
        if any(above) and not all(above):
            divisive = True
            break
    assert divisive


def test_an_agreement_is_possible(scenario: Scenario) -> None:
    """At least one package beats no deal for every seat, but not all do."""

    utility = utility_functions(scenario)
    agreeable = [
        package
        for package in packages(scenario)
        if all(utility[seat](package) > utility[seat].reservation for seat in scenario.seats)
    ]
    assert agreeable
    assert len(agreeable) < scenario.outcome_count


def test_some_package_passes_with_sincere_votes(scenario: Scenario) -> None:
    """Yes when a package beats the reservation, no otherwise; unhappy veto holders veto."""

    utility = utility_functions(scenario)
    weights = {d.id: d.weight for d in scenario.delegations}
    veto_holders = [d.id for d in scenario.delegations if d.veto and scenario.rules.vetoes]
    passing = 0
    for package in packages(scenario):
        votes = {
            seat: "yes" if utility[seat](package) > utility[seat].reservation else "no"
            for seat in scenario.seats
        }
        vetoed = any(votes[seat] == "no" for seat in veto_holders)
        if passes(scenario.rules, weights, votes) and not vetoed:
            passing += 1
    assert passing > 0
    assert passing < scenario.outcome_count


def test_implementation_has_verification_and_enforcement(scenario: Scenario) -> None:
    impl = scenario.implementation
    assert impl is not None
    assert 3 <= impl.periods <= 6
    assert impl.challenge_quota == 1
    assert impl.inspection_cost > 0
    assert set(impl.parties) == set(scenario.seats)
    assert impl.detection and impl.sanction
    for issue_id, row in impl.detection.items():
        issue = scenario.issue(issue_id)
        assert issue.kind == "verification"
        assert len(issue.options) >= 2
        assert min(row) == 0.0, f"{issue_id}: the weakest option must detect nothing"
    for issue_id in impl.sanction:
        issue = scenario.issue(issue_id)
        assert issue.kind == "enforcement"
        assert len(issue.options) >= 2
    verification = [i.id for i in scenario.issues if i.kind == "verification"]
    enforcement = [i.id for i in scenario.issues if i.kind == "enforcement"]
    assert set(verification) == set(impl.detection)
    assert set(enforcement) == set(impl.sanction)


def test_free_riding_pays_without_verification(scenario: Scenario) -> None:
    impl = scenario.implementation
    assert impl is not None
    weakest = regime(scenario, strongest=False)
    assert detection_probability(scenario, weakest) == 0.0
    for seat, terms in impl.parties.items():
        assert terms.defect_gain > 0, seat
        assert terms.comply_cost >= 0, seat
        assert terms.harm > 0, seat


def test_defection_does_not_pay_under_the_strongest_regime(scenario: Scenario) -> None:
    impl = scenario.implementation
    assert impl is not None
    strongest = regime(scenario, strongest=True)
    expected_sanction = detection_probability(scenario, strongest) * sanction_size(
        scenario, strongest
    )
    for seat, terms in impl.parties.items():
        temptation = terms.defect_gain + terms.comply_cost
        assert expected_sanction > temptation, seat


def test_an_intermediate_regime_deters_some_but_not_all(scenario: Scenario) -> None:
    """Between the extremes the inspection game bites: some package deters one seat only."""

    impl = scenario.implementation
    assert impl is not None
    temptations = [t.defect_gain + t.comply_cost for t in impl.parties.values()]
    found = False
    for package in packages(scenario):
        pressure = detection_probability(scenario, package) * sanction_size(scenario, package)
        deterred = [pressure > t for t in temptations]
        if any(deterred) and not all(deterred):
            found = True
            break
    assert found
