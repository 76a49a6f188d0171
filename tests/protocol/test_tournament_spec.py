"""Tournament files: what parses, and every check's error naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accord.protocol.errors import TournamentError
from accord.protocol.tournament import (
    default_store,
    load_scenarios,
    load_tournament,
    parse_tournament,
    tournament_from_dict,
)
from accord.protocol.tournament.spec import MAX_DEPTH, MAX_ENTRIES, MAX_NAME, MAX_SCENARIOS

SMALLEST = """
name = "first"
seed = 1

[[entries]]
name = "adaptive"
strategy = "adaptive"

[[entries]]
name = "random"
strategy = "random"

[[scenarios]]
name = "climate-accord"
"""


def base() -> dict[str, Any]:
    """A valid tournament as a mapping, for the checks to break one field at a time."""

    return {
        "name": "t",
        "entries": [{"name": "a", "strategy": "random"}, {"name": "b", "strategy": "hardliner"}],
        "scenarios": [{"name": "climate-accord"}],
    }


def error(raw: Any) -> TournamentError:
    with pytest.raises(TournamentError) as caught:
        tournament_from_dict(raw, file="t.toml")
    return caught.value


def test_the_smallest_file_parses_with_its_defaults() -> None:
    t = parse_tournament(SMALLEST, file="first.toml")
    spec = t.spec
    assert t.name == "first" and t.entry_names == ("adaptive", "random")
    assert (spec.format, spec.repetitions, spec.series, spec.reputation) == (
        "all-seatings",
        1,
        1,
        False,
    )
    assert t.entry("random").kind == "strategy" and t.entry("random").trusted
    assert len(t.digest) == 64
    assert default_store(t) == "first.db"


def test_entry_kinds_and_trust() -> None:
    raw = base()
    raw["entries"] = [
        {"name": "s", "strategy": "random", "options": {"exponent": 2}},
        {"name": "p", "package": "pkg", "class": "mod:Cls"},
        {"name": "w", "wheel": "x.whl", "class": "mod:Cls"},
        {"name": "c", "command": ["node", "bot.js", "{url}"]},
        {"name": "r", "remote": "entry-1"},
    ]
    t = tournament_from_dict(raw)
    assert [e.kind for e in t.spec.entries] == ["strategy", "package", "wheel", "command", "remote"]
    assert [e.trusted for e in t.spec.entries] == [True, False, False, False, False]
    assert t.entry("p").class_ == "mod:Cls"
    with pytest.raises(KeyError):
        t.entry("nobody")


def test_the_digest_ignores_the_store_and_follows_everything_else() -> None:
    one = tournament_from_dict(base())
    raw = base()
    raw["store"] = "elsewhere.db"
    assert tournament_from_dict(raw).digest == one.digest
    raw["seed"] = 2
    assert tournament_from_dict(raw).digest != one.digest


def test_paths_resolve_against_the_files_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    file = tmp_path / "sub" / "t.toml"
    file.write_text(
        'store = "results/r.db"\n'
        + SMALLEST
        + '\n[[entries]]\nname = "p"\npackage = "../pkg"\nclass = "m:C"\n'
        + '\n[[scenarios]]\nfile = "s.toml"\n'
    )
    t = load_tournament(file)
    assert t.spec.store == str(tmp_path / "sub" / "results" / "r.db")
    assert t.entry("p").package == str(tmp_path / "pkg")
    assert t.spec.scenarios[1].file == str(tmp_path / "sub" / "s.toml")
    assert default_store(t) == t.spec.store
    # a URL store stays as written
    file.write_text('store = "postgresql://localhost/x"\n' + SMALLEST)
    assert load_tournament(file).spec.store == "postgresql://localhost/x"
    # without a store: beside the file
    file.write_text(SMALLEST)
    assert default_store(load_tournament(file)) == str(file.with_suffix(".db"))


def test_json_files_load_too(tmp_path: Path) -> None:
    file = tmp_path / "t.json"
    file.write_text(json.dumps(base()))
    assert load_tournament(file).name == "t"


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(TournamentError, match="cannot be read|No such file") as caught:
        load_tournament(tmp_path / "missing.toml")
    assert caught.value.path == "$"
    with pytest.raises(TournamentError, match="not UTF-8"):
        parse_tournament(b"name = '\xff'", file="t.toml")
    with pytest.raises(TournamentError, match="not valid TOML"):
        parse_tournament("name = ", file="t.toml")
    with pytest.raises(TournamentError, match="not valid JSON"):
        parse_tournament("{", file="t.json", fmt="json")
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(MAX_DEPTH + 1):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(TournamentError, match="nested too deeply"):
        tournament_from_dict(deep)
    nested = "[" * 2000 + "]" * 2000
    with pytest.raises(TournamentError, match="nested too deeply"):
        parse_tournament(nested, fmt="json")


def mutate(path: str, value: Any) -> dict[str, Any]:
    """``base()`` with the field at a dotted path (``entries.0.name``) set to ``value``."""

    raw = base()
    *parents, last = path.split(".")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return raw


# (change, the field path of the error, a piece of its message): every check of spec.py
CASES: list[tuple[dict[str, Any], str, str]] = [
    # decoding: types and unknown fields, with their paths
    (mutate("seed", "x"), "$.seed", "Expected `int`"),
    (mutate("surprise", 1), "$", "unknown field `surprise`"),
    (mutate("entries.0.nme", "x"), "$.entries[0]", "unknown field `nme`"),
    (mutate("format", "knockout"), "$.format", "Invalid enum value"),
    (mutate("scenarios.0.generate", {"seats": 3}), "$.scenarios[0].generate", "`seed`"),
    # names
    (mutate("name", ""), "$.name", f"must be 1 to {MAX_NAME} characters"),
    (mutate("name", "x" * (MAX_NAME + 1)), "$.name", f"must be 1 to {MAX_NAME}"),
    (mutate("name", "a b"), "$.name", "may hold only letters"),
    # bounds of the top level
    (mutate("seed", -1), "$.seed", "outside"),
    (mutate("seed", 2**53), "$.seed", "outside"),  # canonical JSON holds it exactly no more
    (mutate("repetitions", 0), "$.repetitions", "outside"),
    (mutate("series", 0), "$.series", "outside"),
    (mutate("budget", 0.0), "$.budget", "outside"),
    (mutate("entries", []), "$.entries", "needs at least one entry"),
    (
        mutate(
            "entries", [{"name": f"e{n}", "strategy": "random"} for n in range(MAX_ENTRIES + 1)]
        ),
        "$.entries",
        f"(at most {MAX_ENTRIES})",
    ),
    (mutate("scenarios", []), "$.scenarios", "needs at least one scenario"),
    (
        mutate("scenarios", [{"name": "climate-accord"}] * (MAX_SCENARIOS + 1)),
        "$.scenarios",
        f"(at most {MAX_SCENARIOS})",
    ),
    # entries
    (mutate("entries.1.name", "a!"), "$.entries[1].name", "may hold only"),
    (mutate("entries.1.name", "a"), "$.entries[1].name", "'a' names two entries"),
    (mutate("entries.0", {"name": "a"}), "$.entries[0]", "(given: none)"),
    (
        mutate("entries.0", {"name": "a", "strategy": "random", "command": ["x"]}),
        "$.entries[0]",
        "(given: strategy, command)",
    ),
    (mutate("entries.0", {"name": "a", "package": "p"}), "$.entries[0].class", "module:Class"),
    (
        mutate("entries.0", {"name": "a", "wheel": "w.whl", "class": "NoColon"}),
        "$.entries[0].class",
        "a wheel entry names its class as module:Class",
    ),
    (
        mutate("entries.0", {"name": "a", "strategy": "random", "class": "m:C"}),
        "$.entries[0].class",
        "only package and wheel entries take a class",
    ),
    (
        mutate("entries.0", {"name": "a", "command": []}),
        "$.entries[0].command",
        "needs the program",
    ),
    (
        mutate("entries.0", {"name": "a", "remote": "e", "options": {"x": 1}}),
        "$.entries[0].options",
        "a remote entry takes no options",
    ),
    (mutate("entries.0", {"name": "a", "strategy": ""}), "$.entries[0].strategy", "needs a name"),
    # scenarios
    (mutate("scenarios.0", {}), "$.scenarios[0]", "exactly one of name, file or generate"),
    (
        mutate("scenarios.0", {"name": "climate-accord", "file": "x.toml"}),
        "$.scenarios[0]",
        "exactly one of name, file or generate",
    ),
    (
        mutate("scenarios.0", {"generate": {"seed": 1, "seats": 1}}),
        "$.scenarios[0].generate.seats",
        "outside [2, 64]",
    ),
    (
        mutate("scenarios.0", {"generate": {"seed": 1, "issues": 13}}),
        "$.scenarios[0].generate.issues",
        "outside [1, 12]",
    ),
    (
        mutate("scenarios.0", {"generate": {"seed": 1, "options": 1}}),
        "$.scenarios[0].generate.options",
        "outside [2, 16]",
    ),
    (
        mutate("scenarios.0", {"generate": {"seed": 1, "veto_chance": 1.5}}),
        "$.scenarios[0].generate.veto_chance",
        "outside [0, 1]",
    ),
    (
        mutate("scenarios.0", {"generate": {"seed": -1}}),
        "$.scenarios[0].generate.seed",
        "outside",
    ),
    # formats and their settings
    (mutate("format", "sample"), "$.sample", "needs sample"),
    ({**mutate("format", "sample"), "sample": 0}, "$.sample", "outside"),
    (mutate("sample", 5), "$.sample", 'only format = "sample" takes sample'),
    (mutate("format", "rounds"), "$.rounds", "needs rounds"),
    ({**mutate("format", "rounds"), "rounds": 0}, "$.rounds", "outside"),
    (mutate("rounds", 3), "$.rounds", 'only format = "rounds" takes rounds'),
    (mutate("pairing", "swiss"), "$.pairing", 'only format = "rounds" pairs entries'),
    # limits
    (mutate("limits", {"cpu_seconds": 0.0}), "$.limits.cpu_seconds", "outside"),
    (mutate("limits", {"memory_mb": 1}), "$.limits.memory_mb", "outside"),
    (mutate("limits", {"wall_seconds": 0.0}), "$.limits.wall_seconds", "outside"),
    (mutate("time_limits", {"tabling": 0.0}), "$.time_limits.tabling", "outside"),
    (mutate("time_limits", {"ballot": 1e9}), "$.time_limits.ballot", "outside"),
    (mutate("time_limits", {"action": 0.001}), "$.time_limits.action", "outside"),
    (mutate("time_limits", {"verification": -1.0}), "$.time_limits.verification", "outside"),
    (mutate("budget", float("nan")), "$.budget", "outside"),
]


@pytest.mark.parametrize(("raw", "path", "problem"), CASES, ids=[c[1] for c in CASES])
def test_every_check_names_the_file_and_the_field(
    raw: dict[str, Any], path: str, problem: str
) -> None:
    exc = error(raw)
    assert exc.file == "t.toml"
    assert exc.path == path, exc
    assert problem in exc.problem, exc.problem
    assert str(exc).startswith(f"t.toml: {path}: ")


def test_rounds_and_sample_formats_with_their_settings_are_valid() -> None:
    raw = base()
    raw.update(format="rounds", rounds=3, pairing="swiss")
    assert tournament_from_dict(raw).spec.rounds == 3
    raw = base()
    raw.update(format="sample", sample=7)
    assert tournament_from_dict(raw).spec.sample == 7


def test_an_unknown_scenario_is_an_error_of_its_field(tmp_path: Path) -> None:
    raw = base()
    raw["scenarios"] = [{"name": "climate-accord"}, {"name": "no-such-scenario"}]
    t = tournament_from_dict(raw, file="t.toml")
    with pytest.raises(TournamentError) as caught:
        load_scenarios(t)
    assert caught.value.path == "$.scenarios[1]"
    raw["scenarios"] = [{"file": str(tmp_path / "missing.toml")}]
    with pytest.raises(TournamentError) as caught:
        load_scenarios(tournament_from_dict(raw, file="t.toml"))
    assert caught.value.path == "$.scenarios[0]"


def test_scenarios_load_in_file_order(tmp_path: Path) -> None:
    raw = base()
    raw["scenarios"] = [
        {"generate": {"seed": 3, "seats": 3, "issues": 2, "options": 3}},
        {"name": "trade-round"},
    ]
    scenarios = load_scenarios(tournament_from_dict(raw))
    assert [len(s.seats) for s in scenarios] == [3, 6]
    assert scenarios[0].id == "generated-3x2x3-3"
    assert scenarios[1].id == "trade-round"
