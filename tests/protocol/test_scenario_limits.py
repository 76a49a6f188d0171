"""Every number, count and text of a scenario is bounded, and nesting is too.

Each bounded field is set, in a copy of ``tests/data/small.toml``, to the
values at the edge of its range (accepted) and just outside it (refused with
a ScenarioError naming the exact field). Deeply nested files are refused with
one clear line, also through the real command line.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from accord.protocol.errors import ScenarioError
from accord.protocol.scenario import (
    Scenario,
    bundled_names,
    load_scenario,
    parse_scenario,
    scenario_from_dict,
)
from accord.protocol.scenario import limits as L
from accord.protocol.scenario.generate import random_scenario
from tests.helpers import DATA, ROOT

SMALL = DATA / "small.toml"
SMALL_TEXT = SMALL.read_text(encoding="utf-8")
BASE: dict[str, Any] = tomllib.loads(SMALL_TEXT)
FILE = "x.toml"
INF = math.inf
NAN = math.nan
TINY = 5e-324  # the smallest positive float


def above(x: float) -> float:
    return math.nextafter(x, INF)


def below(x: float) -> float:
    return math.nextafter(x, -INF)


Setter = Callable[[dict[str, Any], Any], object]


def load(setter: Setter, value: Any) -> Scenario:
    data = copy.deepcopy(BASE)
    setter(data, value)
    return scenario_from_dict(data, file=FILE)


def refused(setter: Setter, value: Any) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(setter, value)
    error = info.value
    assert error.code == "invalid_scenario"
    assert error.file == FILE
    assert "\n" not in str(error)
    return error


def brief(data: dict[str, Any], n: int = 0) -> dict[str, Any]:
    return data["delegations"][n]["brief"]


def terms(field: str) -> Setter:
    return lambda d, v: d["implementation"]["parties"]["east"].update({field: v})


def time_limit(name: str) -> Setter:
    return lambda d, v: d["rules"].update(time_limits={name: v})


def rule(name: str) -> Setter:
    return lambda d, v: d["rules"].update({name: v})


def linear_cut(data: dict[str, Any]) -> None:
    """Value rows of the first issue that fit any number of options."""

    for delegation in data["delegations"]:
        delegation["brief"]["values"]["cut"] = {"low": 0.0, "high": 1.0}


def set_range(data: dict[str, Any], **spec: float) -> None:
    linear_cut(data)
    data["issues"][0]["range"] = {"min": -1e12, "max": 1e12, "step": 2e12, **spec}


def set_brief_weight(data: dict[str, Any], value: float) -> None:
    rest = 1.0 - value if 0.0 <= value <= 1.0 else 0.0
    brief(data)["weights"].update(cut=value, inspections=rest, penalty=0.0)


# (field path, setter, values at the edge inside the range, values just outside)
NUMBERS: list[tuple[str, Setter, list[Any], list[Any]]] = [
    (
        "$.delegations[1].weight",
        lambda d, v: d["delegations"][1].update(weight=v),
        [1e6, TINY, 1],
        [0.0, -0.0, above(1e6), 1e308, INF, NAN, 2**60],
    ),
    (
        "$.delegations[0].brief.weights.cut",
        set_brief_weight,
        [1.0, 0.0, -0.0],
        [above(1.0), -TINY, INF, NAN],
    ),
    (
        "$.delegations[1].brief.values.inspections[0]",
        lambda d, v: brief(d, 1)["values"].update(inspections=[v, 0.2]),
        [0.0, 1.0, -0.0],
        [above(1.0), -TINY, INF, -INF, NAN],
    ),
    (
        "$.delegations[0].brief.values.penalty.high",
        lambda d, v: brief(d)["values"].update(penalty={"low": 0.0, "high": v}),
        [0.0, 1.0],
        [above(1.0), -TINY, NAN],
    ),
    (
        "$.delegations[0].brief.values.penalty.low",
        lambda d, v: brief(d)["values"].update(penalty={"low": v, "high": 0.5}),
        [0.0, 1.0],
        [above(1.0), -TINY, -INF],
    ),
    (
        "$.delegations[2].brief.reservation",
        lambda d, v: brief(d, 2).update(reservation=v),
        [0.0, 1.0, -0.0],
        [above(1.0), -TINY, NAN],
    ),
    ("$.rules.threshold", rule("threshold"), [1.0, TINY], [0.0, -0.0, above(1.0), NAN]),
    ("$.rules.quorum", rule("quorum"), [0.0, 1.0, -0.0], [-TINY, above(1.0), NAN]),
    ("$.rules.max_rounds", rule("max_rounds"), [1, 1000], [0, 1001, 2**53, 2**60, -(2**60)]),
    ("$.rules.proposals_per_round", rule("proposals_per_round"), [1, 100], [0, 101]),
    ("$.rules.statement_limit", rule("statement_limit"), [1, 10_000], [0, 10_001, 2**60]),
    *(
        (
            f"$.rules.time_limits.{name}",
            time_limit(name),
            [86_400.0, TINY],
            [0.0, -0.0, above(86_400.0), INF, NAN, -1.0],
        )
        for name in ("tabling", "ballot", "action", "verification")
    ),
    (
        "$.implementation.periods",
        lambda d, v: d["implementation"].update(periods=v),
        [1, 1000],
        [0, 1001, 2**60],
    ),
    (
        "$.implementation.inspection_cost",
        lambda d, v: d["implementation"].update(inspection_cost=v),
        [0.0, 1000.0, -0.0],
        [-TINY, above(1000.0), 1e308, INF, NAN],
    ),
    (
        "$.implementation.challenge_quota",
        lambda d, v: d["implementation"].update(challenge_quota=v),
        [0, 100],
        [-1, 101, 2**60],
    ),
    (
        "$.implementation.detection.inspections[1]",
        lambda d, v: d["implementation"]["detection"].update(inspections=[0.0, v]),
        [0.0, 1.0, -0.0],
        [above(1.0), -TINY, INF, NAN],
    ),
    (
        "$.implementation.sanction.penalty[1]",
        lambda d, v: d["implementation"]["sanction"].update(penalty=[0.0, v]),
        [0.0, 1000.0],
        [above(1000.0), -TINY, 1e308, INF, NAN],
    ),
    *(
        (
            f"$.implementation.parties.east.{field}",
            terms(field),
            [0.0, 1000.0, -0.0],
            [above(1000.0), -TINY, 1e308, INF, NAN],
        )
        for field in ("comply_cost", "defect_gain", "harm")
    ),
    (
        "$.issues[0].range.min",
        lambda d, v: set_range(d, min=v),
        [-1e12],
        [below(-1e12), -INF, NAN],
    ),
    (
        "$.issues[0].range.max",
        lambda d, v: set_range(d, max=v),
        [1e12],
        [above(1e12), INF, NAN],
    ),
    (
        "$.issues[0].range.step",
        lambda d, v: set_range(d, step=v),
        [2e12],
        [above(2e12), 0.0, -0.0, -1.0, INF, NAN],
    ),
    (
        "$.issues[1].options[0]",
        lambda d, v: d["issues"][1].update(options=[v, "on-site"]),
        [1e12, -1e12, 2**39, -0.0],
        [above(1e12), below(-1e12), 2**60, INF, -INF, NAN],
    ),
]

INSIDE = [
    pytest.param(path, setter, value, id=f"{path}={value!r}")
    for path, setter, values, _ in NUMBERS
    for value in values
]
OUTSIDE = [
    pytest.param(path, setter, value, id=f"{path}={value!r}")
    for path, setter, _, values in NUMBERS
    for value in values
]


@pytest.mark.parametrize(("path", "setter", "value"), OUTSIDE)
def test_a_number_just_outside_its_range_is_refused_with_its_path(
    path: str, setter: Setter, value: Any
) -> None:
    error = refused(setter, value)
    assert error.path == path
    assert "is outside" in error.problem


@pytest.mark.parametrize(("path", "setter", "value"), INSIDE)
def test_a_number_at_the_edge_of_its_range_is_accepted(
    path: str, setter: Setter, value: Any
) -> None:
    scenario = load(setter, value)
    # what was written is what the scenario holds
    encoded = msgspec.json.encode(scenario)
    assert b"Infinity" not in encoded and b"NaN" not in encoded
    assert parse_scenario(encoded, file="again.json", fmt="json") == scenario


def test_the_problem_names_the_value_and_the_range() -> None:
    error = refused(lambda d, v: d["delegations"][0].update(weight=v), 1e308)
    assert error.path == "$.delegations[0].weight"
    assert error.problem == "1e+308 is outside (0, 1000000]"
    error = refused(rule("max_rounds"), 2**60)
    assert error.problem == f"{2**60} is outside [1, 1000]"
    error = refused(rule("max_rounds"), 2**100)
    assert error.problem == "an integer of 101 bits is outside [1, 1000]"


def walk_floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [x for v in value.values() for x in walk_floats(v)]
    if isinstance(value, list):
        return [x for v in value for x in walk_floats(v)]
    return []


@pytest.mark.parametrize(
    "setter",
    [
        lambda d, v: brief(d)["values"].update(inspections=[v, 1.0]),
        lambda d, v: d["rules"].update(quorum=v),
        lambda d, v: d["implementation"].update(inspection_cost=v),
        lambda d, v: d["implementation"]["detection"].update(inspections=[v, 0.9]),
        terms("harm"),
        lambda d, v: d["issues"][1].update(options=[v, "on-site"]),
    ],
)
def test_negative_zero_is_stored_as_zero(setter: Setter) -> None:
    scenario = load(setter, -0.0)
    floats = walk_floats(msgspec.to_builtins(scenario))
    assert floats
    assert all(math.copysign(1.0, x) == 1.0 for x in floats if x == 0.0)
    assert scenario.issues[1].options[0] in {"none", "0"}


def test_a_tiny_range_step_is_refused_without_overflow() -> None:
    def setter(d: dict[str, Any], v: float) -> None:
        set_range(d, min=0.0, max=1.0, step=v)

    error = refused(setter, TINY)
    assert error.path == "$.issues[0].range"
    assert error.problem == "expands to more than 1000 options"


# --- infinities and huge numbers as the file formats write them -------------------------


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("weight = 2", "weight = inf", "$.delegations[0].weight"),
        ("weight = 2", "weight = +inf", "$.delegations[0].weight"),
        ("weight = 2", "weight = nan", "$.delegations[0].weight"),
        ("weight = 2", "weight = 1e308", "$.delegations[0].weight"),
        ("weight = 2", "weight = 1_000_001", "$.delegations[0].weight"),
        ("reservation = 0.4", "reservation = nan", "$.delegations[0].brief.reservation"),
        ("reservation = 0.4", "reservation = -0.0", None),
        ("harm = 0.03", "harm = -inf", "$.implementation.parties.north.harm"),
        ("periods = 3", "periods = 1152921504606846976", "$.implementation.periods"),
        ("max_rounds = 3", "max_rounds = 0x7fffffffffffffff", "$.rules.max_rounds"),
        ("threshold = 0.6", "threshold = -0.0", "$.rules.threshold"),
    ],
)
def test_toml_infinities_and_huge_numbers(old: str, new: str, path: str | None) -> None:
    text = SMALL_TEXT.replace(old, new, 1)
    assert text != SMALL_TEXT
    if path is None:
        scenario = parse_scenario(text, file=FILE)
        assert math.copysign(1.0, scenario.delegations[0].brief.reservation) == 1.0  # type: ignore[union-attr]
        return
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file=FILE)
    assert info.value.path == path
    assert "is outside" in info.value.problem


@pytest.mark.parametrize(
    ("literal", "shown"),
    [("Infinity", "inf"), ("-Infinity", "-inf"), ("NaN", "nan"), ("1e400", "inf")],
)
def test_json_infinities(literal: str, shown: str) -> None:
    data = copy.deepcopy(BASE)
    data["delegations"][1]["weight"] = "@"
    text = json.dumps(data).replace('"@"', literal)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file="x.json", fmt="json")
    assert info.value.path == "$.delegations[1].weight"
    assert info.value.problem == f"{shown} is outside (0, 1000000]"


def test_an_integer_too_long_to_read_is_a_scenario_error() -> None:
    for fmt, text in (
        ("toml", SMALL_TEXT.replace("periods = 3", "periods = " + "9" * 5000)),
        ("json", '{"id": ' + "9" * 5000 + "}"),
    ):
        with pytest.raises(ScenarioError) as info:
            parse_scenario(text, file=FILE, fmt=fmt)
        assert info.value.path == "$"
        assert f"not valid {fmt.upper()}" in info.value.problem
        assert len(str(info.value)) < 400


# --- counts ----------------------------------------------------------------------------


def with_delegations(count: int) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.pop("implementation")
    east = data["delegations"][2]
    data["delegations"] = [{**copy.deepcopy(east), "id": f"d{n}"} for n in range(count)]
    return data


def test_a_thousand_delegations_load() -> None:
    scenario = scenario_from_dict(with_delegations(1000), file=FILE)
    assert len(scenario.delegations) == 1000


def test_a_thousand_and_one_delegations_are_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(with_delegations(1001), file=FILE)
    assert info.value.path == "$.delegations"
    assert info.value.problem == "has 1001 delegations (at most 1000)"


def with_issues(count: int) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.pop("implementation")
    ids = [f"i{n}" for n in range(count)]
    data["issues"] = [{"id": i, "options": ["a", "b"]} for i in ids]
    for delegation in data["delegations"]:
        delegation["brief"]["weights"] = dict.fromkeys(ids, 1 / count)
        delegation["brief"]["values"] = dict.fromkeys(ids, [0.0, 1.0])
    return data


def test_a_hundred_issues_load() -> None:
    assert len(scenario_from_dict(with_issues(100), file=FILE).issues) == 100


def test_a_hundred_and_one_issues_are_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(with_issues(101), file=FILE)
    assert info.value.path == "$.issues"
    assert info.value.problem == "has 101 issues (at most 100)"


def with_options(count: int) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    linear_cut(data)
    data["issues"][0].pop("range")
    data["issues"][0]["options"] = [f"o{n}" for n in range(count)]
    return data


def test_a_thousand_listed_options_load() -> None:
    assert len(scenario_from_dict(with_options(1000), file=FILE).issues[0].options) == 1000


def test_a_thousand_and_one_listed_options_are_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(with_options(1001), file=FILE)
    assert info.value.path == "$.issues[0].options"
    assert info.value.problem == "has 1001 options (at most 1000)"


# --- ids and texts ---------------------------------------------------------------------


def rename_issue(data: dict[str, Any], new: str) -> None:
    data["issues"][0]["id"] = new
    for delegation in data["delegations"]:
        for table in ("weights", "values"):
            delegation["brief"][table][new] = delegation["brief"][table].pop("cut")


def rename_delegation(data: dict[str, Any], new: str) -> None:
    data["delegations"][2]["id"] = new
    parties = data["implementation"]["parties"]
    parties[new] = parties.pop("east")


def rename_option(data: dict[str, Any], new: str) -> None:
    data["issues"][1]["options"][1] = new


IDS: list[tuple[str, Setter]] = [
    ("$.id", lambda d, v: d.update(id=v)),
    ("$.issues[0].id", rename_issue),
    ("$.issues[1].options[1]", rename_option),
    ("$.delegations[2].id", rename_delegation),
]


@pytest.mark.parametrize(("path", "setter"), IDS)
def test_ids_of_64_characters_load_and_longer_ones_are_refused(path: str, setter: Setter) -> None:
    load(setter, "x" * 64)
    error = refused(setter, "x" * 65)
    assert error.path == path
    assert error.problem == "is 65 characters long (at most 64)"


@pytest.mark.parametrize(("path", "setter"), IDS)
@pytest.mark.parametrize("char", ["\n", "\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u200b"])
def test_ids_with_control_characters_are_refused(path: str, setter: Setter, char: str) -> None:
    error = refused(setter, f"a{char}b")
    assert error.path == path
    assert error.problem == f"contains a control character (U+{ord(char):04X})"


def test_ids_may_hold_spaces_and_letters_of_any_script() -> None:
    load(rename_delegation, "côte d'ivoire")
    load(rename_issue, "財政")


TEXTS: list[tuple[str, Setter, int]] = [
    ("$.title", lambda d, v: d.update(title=v), 200),
    ("$.description", lambda d, v: d.update(description=v), 20_000),
    ("$.issues[0].title", lambda d, v: d["issues"][0].update(title=v), 200),
    ("$.issues[0].unit", lambda d, v: d["issues"][0].update(unit=v), 200),
    ("$.issues[1].labels[1]", lambda d, v: d["issues"][1].update(labels=["none", v]), 200),
    ("$.delegations[0].name", lambda d, v: d["delegations"][0].update(name=v), 200),
    ("$.delegations[1].brief.notes", lambda d, v: brief(d, 1).update(notes=v), 20_000),
]


@pytest.mark.parametrize(("path", "setter", "limit"), TEXTS)
def test_texts_are_bounded(path: str, setter: Setter, limit: int) -> None:
    load(setter, "é" * limit)
    error = refused(setter, "é" * (limit + 1))
    assert error.path == path
    assert error.problem == f"is {limit + 1} characters long (at most {limit})"


@pytest.mark.parametrize(("path", "setter", "limit"), TEXTS)
def test_texts_with_lone_surrogates_are_refused(path: str, setter: Setter, limit: int) -> None:
    error = refused(setter, "a\ud800")
    assert error.path == path
    assert "lone surrogate U+D800" in error.problem


def test_descriptions_and_notes_may_span_lines() -> None:
    scenario = load(lambda d, v: d.update(description=v), "one\ntwo\n")
    assert scenario.description == "one\ntwo\n"


def test_a_lone_surrogate_in_a_json_file_is_refused() -> None:
    data = copy.deepcopy(BASE)
    data["title"] = "@"
    text = json.dumps(data).replace('"@"', '"\\ud800"')
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file="x.json", fmt="json")
    assert info.value.path == "$.title"


def test_unknown_keys_are_quoted_in_paths_and_messages() -> None:
    key = "x\n" + "y" * 1000
    error = refused(lambda d, v: brief(d)["weights"].update({v: 0.0}), key)
    assert error.path.startswith("$.delegations[0].brief.weights.'x\\n")
    assert len(error.path) < 120
    error = refused(lambda d, v: d.update({v: 1}), key)
    assert error.path == "$"
    assert "unknown field" in error.problem
    assert len(error.problem) <= 300
    error = refused(lambda d, v: d["rules"].update(required=[v]), key)
    assert error.path == "$.rules.required[0]"
    assert len(error.problem) < 120


# --- nesting ---------------------------------------------------------------------------

DEEP = 50_000


def nested_dict(depth: int) -> dict[str, Any]:
    top: dict[str, Any] = {}
    inner = top
    for _ in range(depth - 1):
        inner["a"] = {}
        inner = inner["a"]
    return top


def nested_list(depth: int) -> list[Any]:
    top: list[Any] = []
    inner = top
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return top


def test_a_deeply_nested_dict_is_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(nested_dict(DEEP), file=FILE)
    assert info.value.path == "$"
    assert info.value.problem == "nested too deeply (more than 32 levels)"


def test_a_deeply_nested_list_inside_a_scenario_is_refused() -> None:
    data = copy.deepcopy(BASE)
    data["issues"][0]["options"] = nested_list(DEEP)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, file=FILE)
    assert info.value.problem == "nested too deeply (more than 32 levels)"


def test_a_cyclic_value_is_refused() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"id": "x", "issues": cycle}, file=FILE)
    assert "nested too deeply" in info.value.problem


def test_the_depth_limit_is_32_levels() -> None:
    # the top-level table is level 1; 31 lists inside it reach level 32
    at_limit = {**copy.deepcopy(BASE), "extra": nested_list(31)}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(at_limit, file=FILE)
    assert "unknown field `extra`" in info.value.problem
    too_deep = {**copy.deepcopy(BASE), "extra": nested_list(32)}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(too_deep, file=FILE)
    assert info.value.problem == "nested too deeply (more than 32 levels)"


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("toml", "x = " + "[" * DEEP + "]" * DEEP + "\n"),
        ("json", '{"id": "deep", "issues": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("toml", "x = " + "[" * 40 + "]" * 40 + "\n"),
        ("json", '{"id": "deep", "issues": ' + "[" * 40 + "]" * 40 + "}"),
    ],
    ids=["toml-50000", "json-50000", "toml-40", "json-40"],
)
def test_deeply_nested_text_is_refused(fmt: str, text: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file=FILE, fmt=fmt)
    assert info.value.path == "$"
    assert info.value.problem == "nested too deeply (more than 32 levels)"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"id": "deep", "issues": ' + "[" * DEEP + "]" * DEEP + "}"),
        ("deep.toml", "x = " + "[" * DEEP + "]" * DEEP + "\n"),
    ],
)
def test_the_command_line_reports_deep_nesting_in_one_line(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "accord", "scenario", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1
    assert "nested" in lines[0]
    assert str(path) in lines[0]


# --- the limits themselves -------------------------------------------------------------


def test_no_sum_of_bounded_numbers_leaves_the_exact_integers() -> None:
    # the largest totals the engine and the scoring compute
    total_weight = L.MAX_DELEGATIONS * L.MAX_VOTING_WEIGHT
    worst_loss = L.MAX_PERIODS * (
        L.MAX_ISSUES * L.MAX_AMOUNT  # sanctions of every enforcement issue
        + L.MAX_DELEGATIONS * L.MAX_AMOUNT  # harm from every other seat, and own costs
        + L.MAX_CHALLENGE_QUOTA * L.MAX_AMOUNT  # inspections
    )
    for total in (total_weight, worst_loss, L.MAX_MAGNITUDE, L.MAX_STEP):
        assert total < L.MAX_SAFE_INTEGER
    for bound in (
        L.MAX_DELEGATIONS,
        L.MAX_ISSUES,
        L.MAX_OPTIONS,
        L.MAX_ROUNDS,
        L.MAX_PROPOSALS_PER_ROUND,
        L.MAX_STATEMENT_LIMIT,
        L.MAX_PERIODS,
        L.MAX_CHALLENGE_QUOTA,
    ):
        assert isinstance(bound, int) and 0 < bound < L.MAX_SAFE_INTEGER


def test_bundled_and_generated_scenarios_respect_the_limits() -> None:
    for name in bundled_names():
        load_scenario(name)
    load_scenario(SMALL)
    for seed in range(200):
        random_scenario(seed=seed, seats=2 + seed % 9, issues=2 + seed % 5)
    big = random_scenario(seed=3, seats=L.MAX_DELEGATIONS, issues=4, options=3)
    assert len(big.delegations) == L.MAX_DELEGATIONS


@pytest.mark.parametrize(
    "seed", [2**64, 10**57, -(10**70), 2**20_000], ids=["2^64", "10^57", "-10^70", "2^20000"]
)
def test_generated_ids_stay_short_for_any_seed(seed: int) -> None:
    scenario = random_scenario(seed=seed)
    assert len(scenario.id) <= L.MAX_ID_LENGTH
    assert scenario == random_scenario(seed=seed)


def test_the_generator_refuses_sizes_beyond_the_limits() -> None:
    with pytest.raises(ValueError, match="1000"):
        random_scenario(seed=1, seats=L.MAX_DELEGATIONS + 1)
    with pytest.raises(ValueError, match="100"):
        random_scenario(seed=1, issues=L.MAX_ISSUES + 1)
    with pytest.raises(ValueError, match="1000"):
        random_scenario(seed=1, options=(2, L.MAX_OPTIONS + 1))
