"""Broken scenario files give a clear ScenarioError: the file, the field path, the problem.

Every test starts from the valid ``tests/data/small.toml``, breaks one thing,
and checks that the loader names the field (as a ``$.``-style path) and says
what is wrong. A few positive tests pin the shorthands (ranges, linear values),
the JSON form and the public view.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from accord.protocol.errors import ScenarioError, UnknownScenario
from accord.protocol.scenario import (
    Scenario,
    bundled_names,
    load_scenario,
    parse_scenario,
    scenario_from_dict,
)
from tests.helpers import DATA

SMALL = DATA / "small.toml"
SMALL_TEXT = SMALL.read_text(encoding="utf-8")
BASE: dict[str, Any] = tomllib.loads(SMALL_TEXT)
FILE = "x.toml"


def variant(mutate: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """A deep copy of the small scenario with ``mutate`` applied to it."""

    data = copy.deepcopy(BASE)
    mutate(data)
    return data


def broken(mutate: Callable[[dict[str, Any]], object]) -> ScenarioError:
    """Load a mutated small scenario and return the ScenarioError it must raise."""

    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(variant(mutate), file=FILE)
    error = info.value
    assert error.code == "invalid_scenario"
    assert error.file == FILE
    assert FILE in str(error)
    assert error.path in str(error)
    assert error.problem in str(error)
    return error


def broken_text(text: str | bytes, fmt: str = "toml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file=FILE, fmt=fmt)
    error = info.value
    assert error.code == "invalid_scenario"
    assert error.file == FILE
    return error


def delegation(data: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return data["delegations"][n]


def brief(data: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return data["delegations"][n]["brief"]


# --- the base is valid --------------------------------------------------------------


def test_base_scenario_is_valid() -> None:
    scenario = scenario_from_dict(copy.deepcopy(BASE), file=FILE)
    assert scenario.id == "small"
    assert scenario.seats == ("north", "south", "east")
    assert parse_scenario(SMALL_TEXT, file=FILE) == scenario
    assert load_scenario(SMALL) == scenario


# --- briefs ----------------------------------------------------------------------------


def test_weights_not_summing_to_one() -> None:
    error = broken(lambda d: brief(d)["weights"].update(cut=0.5))
    assert error.path == "$.delegations[0].brief.weights"
    assert "sum" in error.problem
    assert "0.9" in error.problem
    assert "not 1" in error.problem


def test_weights_of_a_later_delegation_name_that_delegation() -> None:
    error = broken(lambda d: brief(d, 2)["weights"].update(penalty=0.5))
    assert error.path == "$.delegations[2].brief.weights"


def test_negative_weight() -> None:
    def mutate(d: dict[str, Any]) -> None:
        brief(d)["weights"].update(cut=1.0, inspections=0.2, penalty=-0.2)

    error = broken(mutate)
    assert error.path == "$.delegations[0].brief.weights.penalty"
    assert error.problem == "-0.2 is outside [0, 1]"


def test_value_above_one() -> None:
    error = broken(lambda d: brief(d, 1)["values"].update(cut=[1.0, 1.5, 0.0]))
    assert error.path == "$.delegations[1].brief.values.cut[1]"
    assert "1.5" in error.problem
    assert "outside [0, 1]" in error.problem


def test_value_below_zero() -> None:
    error = broken(lambda d: brief(d)["values"].update(inspections=[0.0, -0.1]))
    assert error.path == "$.delegations[0].brief.values.inspections[1]"
    assert "-0.1" in error.problem
    assert "outside [0, 1]" in error.problem


def test_linear_values_outside_range() -> None:
    error = broken(lambda d: brief(d)["values"].update(penalty={"low": 0.0, "high": 2.0}))
    assert error.path == "$.delegations[0].brief.values.penalty.high"
    assert error.problem == "2.0 is outside [0, 1]"


def test_wrong_number_of_values() -> None:
    error = broken(lambda d: brief(d)["values"].update(cut=[0.2, 1.0]))
    assert error.path == "$.delegations[0].brief.values.cut"
    assert "2 values for 3 options" in error.problem


def test_missing_values_for_an_issue() -> None:
    error = broken(lambda d: brief(d, 1)["values"].pop("penalty"))
    assert error.path == "$.delegations[1].brief.values.penalty"
    assert "missing values" in error.problem


def test_values_for_an_unknown_issue() -> None:
    error = broken(lambda d: brief(d)["values"].update(tariffs=[0.0, 1.0]))
    assert error.path == "$.delegations[0].brief.values.tariffs"
    assert "no issue" in error.problem


def test_missing_weight_for_an_issue() -> None:
    def mutate(d: dict[str, Any]) -> None:
        brief(d)["weights"] = {"cut": 0.8, "inspections": 0.2}

    error = broken(mutate)
    assert error.path == "$.delegations[0].brief.weights.penalty"
    assert "missing weight" in error.problem


def test_weight_for_an_unknown_issue() -> None:
    error = broken(lambda d: brief(d, 1)["weights"].update(tariffs=0.0))
    assert error.path == "$.delegations[1].brief.weights.tariffs"
    assert "no issue" in error.problem


def test_reservation_outside_range() -> None:
    error = broken(lambda d: brief(d).update(reservation=1.2))
    assert error.path == "$.delegations[0].brief.reservation"
    assert "outside [0, 1]" in error.problem


def test_missing_brief() -> None:
    error = broken(lambda d: delegation(d, 1).pop("brief"))
    assert error.path == "$.delegations[1]"
    assert "missing required field" in error.problem
    assert "brief" in error.problem


# --- ids -------------------------------------------------------------------------------


def test_duplicate_issue_id() -> None:
    error = broken(lambda d: d["issues"][2].update(id="inspections"))
    assert error.path == "$.issues[2].id"
    assert "duplicate issue id" in error.problem
    assert "'inspections'" in error.problem


def test_duplicate_delegation_id() -> None:
    error = broken(lambda d: delegation(d, 2).update(id="north"))
    assert error.path == "$.delegations[2].id"
    assert "duplicate delegation id" in error.problem
    assert "'north'" in error.problem


def test_empty_scenario_id() -> None:
    error = broken(lambda d: d.update(id="  "))
    assert error.path == "$.id"
    assert "empty" in error.problem


def test_duplicate_option() -> None:
    error = broken(lambda d: d["issues"][1].update(options=["none", "on-site", "none"]))
    assert error.path == "$.issues[1].options[2]"
    assert "duplicate option" in error.problem
    assert "'none'" in error.problem


def test_empty_option_id() -> None:
    error = broken(lambda d: d["issues"][1].update(options=["none", " "]))
    assert error.path == "$.issues[1].options[1]"
    assert "empty" in error.problem


# --- issues ----------------------------------------------------------------------------


def test_issue_with_one_option() -> None:
    error = broken(lambda d: d["issues"][2].update(options=["none"]))
    assert error.path == "$.issues[2].options"
    assert "at least two options" in error.problem


def test_issue_with_no_options() -> None:
    error = broken(lambda d: d["issues"][2].update(options=[]))
    assert error.path == "$.issues[2].options"
    assert "at least two options" in error.problem


def test_issue_with_both_options_and_range() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["issues"][0]["options"] = ["10", "30", "50"]

    error = broken(mutate)
    assert error.path == "$.issues[0]"
    assert "exactly one of `options` or `range`" in error.problem


def test_issue_with_neither_options_nor_range() -> None:
    error = broken(lambda d: d["issues"][1].pop("options"))
    assert error.path == "$.issues[1]"
    assert "exactly one of `options` or `range`" in error.problem


@pytest.mark.parametrize("step", [0, -5])
def test_range_step_not_positive(step: float) -> None:
    error = broken(lambda d: d["issues"][0]["range"].update(step=step))
    assert error.path == "$.issues[0].range.step"
    assert error.problem == f"{float(step)} is outside (0, 2e+12]"


@pytest.mark.parametrize("top", [10, 5])
def test_range_max_not_above_min(top: float) -> None:
    error = broken(lambda d: d["issues"][0]["range"].update(max=top))
    assert error.path == "$.issues[0].range.max"
    assert "greater than min" in error.problem


def test_range_with_too_many_options() -> None:
    error = broken(lambda d: d["issues"][0].update(range={"min": 0, "max": 100, "step": 0.01}))
    assert error.path == "$.issues[0].range"
    assert "10001 options" in error.problem
    assert "at most 1000" in error.problem


def test_range_with_infinite_bound() -> None:
    error = broken(lambda d: d["issues"][0]["range"].update(max=float("inf")))
    assert error.path == "$.issues[0].range.max"
    assert error.problem == "inf is outside [-1e+12, 1e+12]"


def test_range_missing_step() -> None:
    error = broken(lambda d: d["issues"][0]["range"].pop("step"))
    assert error.path == "$.issues[0].range"
    assert "step" in error.problem


def test_labels_count_mismatch() -> None:
    error = broken(lambda d: d["issues"][1].update(labels=["No inspections"]))
    assert error.path == "$.issues[1].labels"
    assert "1 labels for 2 options" in error.problem


def test_unknown_issue_kind() -> None:
    error = broken(lambda d: d["issues"][1].update(kind="monitoring"))
    assert error.path == "$.issues[1].kind"
    assert "monitoring" in error.problem or "Invalid enum value" in error.problem


def test_no_issues() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["issues"] = []

    error = broken(mutate)
    assert error.path == "$.issues"
    assert "at least one issue" in error.problem


# --- delegations -----------------------------------------------------------------------


def test_single_delegation() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["delegations"] = d["delegations"][:1]
        d.pop("implementation")

    error = broken(mutate)
    assert error.path == "$.delegations"
    assert "at least two delegations" in error.problem


@pytest.mark.parametrize("weight", [0, -1])
def test_voting_weight_not_positive(weight: float) -> None:
    error = broken(lambda d: delegation(d, 1).update(weight=weight))
    assert error.path == "$.delegations[1].weight"
    assert error.problem == f"{float(weight)} is outside (0, 1000000]"


def test_weight_of_wrong_type() -> None:
    error = broken(lambda d: delegation(d).update(weight="heavy"))
    assert error.path == "$.delegations[0].weight"
    assert "Expected `float`" in error.problem
    assert "str" in error.problem


def test_veto_of_wrong_type() -> None:
    error = broken(lambda d: delegation(d, 1).update(veto=[True]))
    assert error.path == "$.delegations[1].veto"
    assert "Expected `bool`" in error.problem


def test_value_of_wrong_type() -> None:
    error = broken(lambda d: brief(d)["values"].update(cut=[0.2, "high", 1.0]))
    assert error.path.startswith("$.delegations[0].brief.values")
    assert "Expected" in error.problem


def test_unknown_field_in_a_delegation() -> None:
    error = broken(lambda d: delegation(d, 2).update(colour="blue"))
    assert error.path == "$.delegations[2]"
    assert "unknown field `colour`" in error.problem


def test_unknown_field_in_a_brief() -> None:
    error = broken(lambda d: brief(d).update(batna=0.3))
    assert error.path == "$.delegations[0].brief"
    assert "unknown field `batna`" in error.problem


def test_unknown_field_in_rules() -> None:
    error = broken(lambda d: d["rules"].update(quorom=0.5))
    assert error.path == "$.rules"
    assert "unknown field `quorom`" in error.problem


def test_unknown_top_level_field() -> None:
    error = broken(lambda d: d.update(author="me"))
    assert error.path == "$"
    assert "unknown field `author`" in error.problem


# --- rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0, 1.5, -0.2])
def test_threshold_out_of_range(threshold: float) -> None:
    error = broken(lambda d: d["rules"].update(threshold=threshold))
    assert error.path == "$.rules.threshold"
    assert "outside (0, 1]" in error.problem


@pytest.mark.parametrize("quorum", [-0.1, 1.1])
def test_quorum_out_of_range(quorum: float) -> None:
    error = broken(lambda d: d["rules"].update(quorum=quorum))
    assert error.path == "$.rules.quorum"
    assert "outside [0, 1]" in error.problem


def test_required_names_unknown_seat() -> None:
    error = broken(lambda d: d["rules"].update(required=["north", "west"]))
    assert error.path == "$.rules.required[1]"
    assert "'west'" in error.problem
    assert "no delegation" in error.problem


@pytest.mark.parametrize("all_but", [-1, 3, 7])
def test_all_but_out_of_range(all_but: int) -> None:
    error = broken(lambda d: d["rules"].update(all_but=all_but))
    assert error.path == "$.rules.all_but"
    assert "between 0 and 2" in error.problem


def test_max_rounds_zero() -> None:
    error = broken(lambda d: d["rules"].update(max_rounds=0))
    assert error.path == "$.rules.max_rounds"
    assert error.problem == "0 is outside [1, 1000]"


def test_proposals_per_round_zero() -> None:
    error = broken(lambda d: d["rules"].update(proposals_per_round=0))
    assert error.path == "$.rules.proposals_per_round"
    assert error.problem == "0 is outside [1, 100]"


def test_unknown_decision_rule() -> None:
    error = broken(lambda d: d["rules"].update(decision="majority"))
    assert error.path == "$.rules.decision"


def test_time_limit_not_positive() -> None:
    error = broken(lambda d: d["rules"].update(time_limits={"ballot": 0}))
    assert error.path == "$.rules.time_limits.ballot"
    assert error.problem == "0.0 is outside (0, 86400]"


# --- implementation --------------------------------------------------------------------


def test_detection_for_a_substance_issue() -> None:
    error = broken(lambda d: d["implementation"]["detection"].update(cut=[0.0, 0.5, 0.9]))
    assert error.path == "$.implementation.detection.cut"
    assert "substance" in error.problem
    assert "not verification" in error.problem


def test_sanction_for_a_verification_issue() -> None:
    error = broken(lambda d: d["implementation"]["sanction"].update(inspections=[0.0, 0.5]))
    assert error.path == "$.implementation.sanction.inspections"
    assert "not enforcement" in error.problem


def test_detection_for_an_unknown_issue() -> None:
    error = broken(lambda d: d["implementation"]["detection"].update(satellites=[0.0, 0.5]))
    assert error.path == "$.implementation.detection.satellites"
    assert "no issue" in error.problem


def test_detection_row_length_mismatch() -> None:
    error = broken(lambda d: d["implementation"]["detection"].update(inspections=[0.0, 0.5, 0.9]))
    assert error.path == "$.implementation.detection.inspections"
    assert "3 entries for 2 options" in error.problem


def test_detection_probability_above_one() -> None:
    error = broken(lambda d: d["implementation"]["detection"].update(inspections=[0.0, 1.2]))
    assert error.path == "$.implementation.detection.inspections[1]"
    assert error.problem == "1.2 is outside [0, 1]"


def test_negative_sanction() -> None:
    error = broken(lambda d: d["implementation"]["sanction"].update(penalty=[-0.1, 0.5]))
    assert error.path == "$.implementation.sanction.penalty[0]"
    assert "-0.1" in error.problem
    assert "outside" in error.problem


def test_parties_naming_an_unknown_seat() -> None:
    error = broken(lambda d: d["implementation"]["parties"].update(west={"comply_cost": 0.1}))
    assert error.path == "$.implementation.parties.west"
    assert "no delegation" in error.problem


def test_negative_comply_cost() -> None:
    error = broken(lambda d: d["implementation"]["parties"]["south"].update(comply_cost=-0.05))
    assert error.path == "$.implementation.parties.south.comply_cost"
    assert error.problem == "-0.05 is outside [0, 1000]"


def test_unknown_field_in_terms() -> None:
    error = broken(lambda d: d["implementation"]["parties"]["east"].update(bribe=0.1))
    # msgspec writes dict values as `[...]` in its paths
    assert error.path.startswith("$.implementation.parties")
    assert "unknown field `bribe`" in error.problem


def test_periods_zero() -> None:
    error = broken(lambda d: d["implementation"].update(periods=0))
    assert error.path == "$.implementation.periods"
    assert error.problem == "0 is outside [1, 1000]"


def test_negative_inspection_cost() -> None:
    error = broken(lambda d: d["implementation"].update(inspection_cost=-0.01))
    assert error.path == "$.implementation.inspection_cost"
    assert error.problem == "-0.01 is outside [0, 1000]"


def test_missing_periods() -> None:
    error = broken(lambda d: d["implementation"].pop("periods"))
    assert error.path == "$.implementation"
    assert "periods" in error.problem


# --- raw text --------------------------------------------------------------------------


def test_bad_toml_syntax() -> None:
    error = broken_text(SMALL_TEXT.replace('id = "small"', 'id = "small'))
    assert error.path == "$"
    assert "not valid TOML" in error.problem
    assert "line" in error.problem


def test_bad_json_syntax() -> None:
    text = msgspec.json.encode(scenario_from_dict(copy.deepcopy(BASE))).decode()
    error = broken_text(text[:-1], fmt="json")
    assert error.path == "$"
    assert "not valid JSON" in error.problem


def test_toml_given_as_json() -> None:
    error = broken_text(SMALL_TEXT, fmt="json")
    assert "not valid JSON" in error.problem


def test_json_that_is_not_an_object() -> None:
    error = broken_text("[1, 2, 3]", fmt="json")
    assert error.path == "$"
    assert "Expected `object`" in error.problem


def test_non_utf8_bytes() -> None:
    data = SMALL_TEXT.encode("utf-8").replace(b"A small", b"A sm\xe4ll")
    error = broken_text(data)
    assert error.path == "$"
    assert "not UTF-8" in error.problem


def test_utf8_bytes_load() -> None:
    scenario = parse_scenario(SMALL_TEXT.encode("utf-8"), file=FILE)
    assert scenario.title == "A small three-seat test scenario"


def test_empty_toml_names_missing_field() -> None:
    error = broken_text("")
    assert error.path == "$"
    assert "missing required field" in error.problem


# --- names and files -------------------------------------------------------------------


def test_unknown_bundled_name_lists_bundled_names() -> None:
    with pytest.raises(UnknownScenario) as info:
        load_scenario("no-such-accord")
    error = info.value
    assert error.code == "unknown_scenario"
    assert error.file == "no-such-accord"
    assert "'no-such-accord'" in error.problem
    names = bundled_names()
    assert names
    for name in names:
        assert name in error.problem


def test_nonexistent_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(UnknownScenario) as info:
        load_scenario(missing)
    assert info.value.file == str(missing)
    assert "no such file" in info.value.problem


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(UnknownScenario):
        load_scenario(folder)


def test_broken_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(SMALL_TEXT.replace("max_rounds = 3", "max_rounds = 0"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    assert info.value.file == str(path)
    assert info.value.path == "$.rules.max_rounds"
    assert str(path) in str(info.value)


def test_json_file_loads(tmp_path: Path) -> None:
    scenario = load_scenario(SMALL)
    path = tmp_path / "small.json"
    path.write_bytes(msgspec.json.encode(scenario))
    assert load_scenario(path) == scenario


def test_bundled_name_loads() -> None:
    name = bundled_names()[0]
    assert isinstance(load_scenario(name), Scenario)


# --- shorthands and views --------------------------------------------------------------


def issue_with_range(low: float, high: float, step: float) -> dict[str, Any]:
    def mutate(d: dict[str, Any]) -> None:
        d["issues"][0]["range"] = {"min": low, "max": high, "step": step}

    return variant(mutate)


def expand(low: float, high: float, step: float) -> tuple[str, ...]:
    """The option ids a range on the first issue expands to (with linear values)."""

    data = issue_with_range(low, high, step)
    for d in data["delegations"]:
        d["brief"]["values"]["cut"] = {"low": 0.0, "high": 1.0}
    return scenario_from_dict(data, file=FILE).issues[0].options


def test_range_expands_to_numeric_options() -> None:
    scenario = scenario_from_dict(copy.deepcopy(BASE), file=FILE)
    assert scenario.issues[0].options == ("10", "30", "50")
    assert scenario.issues[0].label("30") == "30 %"


def test_range_with_decimal_steps_has_no_float_noise() -> None:
    options = expand(0, 1, 0.1)
    assert options == tuple(
        ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"]
    )
    assert "0.30000000000000004" not in options


def test_range_with_half_steps() -> None:
    assert expand(0.5, 2.5, 0.5) == ("0.5", "1", "1.5", "2", "2.5")


def test_range_stops_at_or_below_max() -> None:
    assert expand(0, 10, 3) == ("0", "3", "6", "9")


def test_range_with_negative_start() -> None:
    assert expand(-1, 1, 1) == ("-1", "0", "1")


def test_range_at_the_option_limit() -> None:
    assert len(expand(1, 1000, 1)) == 1000


def test_linear_values_rise_evenly() -> None:
    scenario = scenario_from_dict(copy.deepcopy(BASE), file=FILE)
    brief_ = scenario.delegation("north").brief
    assert brief_ is not None
    assert brief_.values["penalty"] == (0.0, 1.0)

    def mutate(d: dict[str, Any]) -> None:
        brief(d)["values"]["cut"] = {"low": 0.2, "high": 1.0}

    brief_ = scenario_from_dict(variant(mutate), file=FILE).delegations[0].brief
    assert brief_ is not None
    assert brief_.values["cut"] == pytest.approx((0.2, 0.6, 1.0))
    assert brief_.values["cut"][1] == 0.6


def test_linear_values_may_fall() -> None:
    def mutate(d: dict[str, Any]) -> None:
        brief(d, 1)["values"]["cut"] = {"low": 1.0, "high": 0.0}

    brief_ = scenario_from_dict(variant(mutate), file=FILE).delegations[1].brief
    assert brief_ is not None
    assert brief_.values["cut"] == (1.0, 0.5, 0.0)


def test_json_loads_the_same_scenario_as_toml() -> None:
    scenario = parse_scenario(SMALL_TEXT, file="small.toml")
    encoded = msgspec.json.encode(scenario)
    assert parse_scenario(encoded, file="small.json", fmt="json") == scenario
    assert parse_scenario(encoded.decode(), file="small.json", fmt="json") == scenario


def test_every_bundled_scenario_round_trips_through_json() -> None:
    for name in bundled_names():
        scenario = load_scenario(name)
        again = parse_scenario(msgspec.json.encode(scenario), file=name, fmt="json")
        assert again == scenario, name


def test_defaults_are_filled_in() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d.pop("rules")
        d.pop("implementation")
        d.pop("title")
        d["issues"][1].pop("title")
        delegation(d, 1).pop("name")

    scenario = scenario_from_dict(variant(mutate), file=FILE)
    assert scenario.title == "small"
    assert scenario.issues[1].title == "inspections"
    assert scenario.delegations[1].name == "south"
    assert scenario.rules.decision == "consensus"
    assert scenario.implementation is None


def test_parties_without_terms_get_zero_terms() -> None:
    scenario = scenario_from_dict(
        variant(lambda d: d["implementation"]["parties"].pop("east")), file=FILE
    )
    assert scenario.implementation is not None
    terms = scenario.implementation.parties["east"]
    assert (terms.comply_cost, terms.defect_gain, terms.harm) == (0.0, 0.0, 0.0)


def test_public_view_removes_other_briefs_only() -> None:
    scenario = scenario_from_dict(copy.deepcopy(BASE), file=FILE)
    view = scenario.public(seat="south")
    assert view.seats == scenario.seats
    for mine, full in zip(view.delegations, scenario.delegations, strict=True):
        if mine.id == "south":
            assert mine == full
            assert mine.brief is not None
        else:
            assert mine.brief is None
            assert msgspec.structs.replace(full, brief=None) == mine
    assert view.issues == scenario.issues
    assert view.rules == scenario.rules
    assert view.implementation == scenario.implementation
    assert all(d.brief is None for d in scenario.public().delegations)
    assert all(d.brief is not None for d in scenario.delegations)
