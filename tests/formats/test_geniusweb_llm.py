"""GeniusWeb JSON and LLM-Deliberation: utilities as written in the fixtures, errors."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

from accord.formats import FormatError, export_scenario, import_scenario
from accord.formats.toml_out import dumps
from accord.protocol.scenario import parse_scenario, utility_functions

from .helpers import FIXTURES, GENIUSWEB_PARTIES, LLM_PARTIES, sample

GW = [FIXTURES / "geniusweb" / n for n in ("picnic.json", "ann.json", "ben.json")]
ISSUES = {"Food": "food", "Drinks": "drinks", "Size": "size"}


def load(fmt: str, paths: list[Path]):
    imported = import_scenario(fmt, paths)
    return parse_scenario(dumps(imported.scenario), file="imported.toml"), imported.repairs


def gw_utility(party: str, bid: dict[str, str]) -> float:
    p = GENIUSWEB_PARTIES[party]
    return sum(p["w"][i] * p[i][v] for i, v in bid.items())


def test_geniusweb_utilities_equal_the_fixture() -> None:
    scenario, repairs = load("geniusweb", GW)
    assert repairs == []
    # numeric-looking string values stay option ids verbatim
    assert scenario.issue("size").options == ("1.0", "2000")
    functions = utility_functions(scenario)
    combos = list(itertools.product(*(GENIUSWEB_PARTIES["ann"][i] for i in ISSUES)))
    for party, p in GENIUSWEB_PARTIES.items():
        f = functions[party]
        expected_r = gw_utility(party, p["bid"]) if p["bid"] else 0.0
        assert f.reservation == pytest.approx(expected_r, abs=1e-12)
        for combo in sample(combos, 8):
            bid = dict(zip(ISSUES, combo, strict=True))
            package = {ISSUES[i]: v for i, v in bid.items()}
            assert f(package) == pytest.approx(gw_utility(party, bid), abs=1e-12)


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "ben.json",
            lambda s: s["issueUtilities"]["Food"]["DiscreteValueSetUtilities"][
                "valueUtilities"
            ].pop("Catering"),
            "ben.json: issue 'Food': value 'Catering' has no utility",
        ),
        (
            "ben.json",
            lambda s: s["issueWeights"].pop("Size"),
            "ben.json: issueWeights: issue 'Size' has no weight",
        ),
        (
            "ann.json",
            lambda s: s["reservationBid"]["issuevalues"].update(Food="Pizza"),
            "ann.json: reservationBid: issue 'Food': 'Pizza' is not a value",
        ),
        (
            "ben.json",
            lambda s: s["issueUtilities"]["Drinks"]["DiscreteValueSetUtilities"][
                "valueUtilities"
            ].update(Water=1.5),
            "ben.json: issue 'Drinks': value 'Water': 1.5 is not in [0, 1]",
        ),
        (
            "ben.json",
            lambda s: s["domain"]["issuesValues"].pop("Size"),
            "ben.json: the embedded 'domain' differs from the domain file",
        ),
    ],
)
def test_geniusweb_malformed_input(tmp_path: Path, file: str, change, message: str) -> None:
    for source in GW:
        shutil.copy(source, tmp_path / source.name)
    path = tmp_path / file
    data = json.loads(path.read_text())
    change(data["LinearAdditiveUtilitySpace"])
    path.write_text(json.dumps(data))
    with pytest.raises(FormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        import_scenario("geniusweb", [tmp_path / p.name for p in GW])


def test_geniusweb_bad_json_and_number_issue(tmp_path: Path) -> None:
    bad = tmp_path / "picnic.json"
    bad.write_text('{"name": "x", "issuesValues": {')
    with pytest.raises(FormatError, match="picnic.json: not valid JSON"):
        import_scenario("geniusweb", [bad, *GW[1:]])
    bad.write_text('{"name": "x", "issuesValues": {"n": {"range": {"low": 0, "high": 1}}}}')
    with pytest.raises(FormatError, match="issue 'n': a number range"):
        import_scenario("geniusweb", [bad, *GW[1:]])


def test_geniusweb_weights_not_summing_to_one_are_reported(tmp_path: Path) -> None:
    for source in GW:
        shutil.copy(source, tmp_path / source.name)
    path = tmp_path / "ben.json"
    path.write_text(path.read_text().replace("0.71", "0.61"))
    _, repairs = load("geniusweb", [tmp_path / p.name for p in GW])
    assert repairs == ["ben.json: issueWeights sum to 0.90, not 1: divided by the sum"]


def test_geniusweb_round_trip(tmp_path: Path) -> None:
    first, _ = load("geniusweb", GW)
    written, _ = export_scenario("geniusweb", first, tmp_path)
    second, _ = load("geniusweb", written)
    a, b = utility_functions(first), utility_functions(second)
    for seat in first.seats:
        assert b[seat].reservation == pytest.approx(a[seat].reservation, abs=1e-12)
        for combo in itertools.product(*(i.options for i in first.issues)):
            package = {i.id: o for i, o in zip(first.issues, combo, strict=True)}
            assert b[seat](package) == pytest.approx(a[seat](package), abs=1e-12)


LLM = FIXTURES / "llm"


def test_llm_deliberation_scores_and_rules() -> None:
    scenario, repairs = load("llm-deliberation", [LLM])
    assert "city.txt: trailing spaces on 2 line(s) ignored" in repairs
    assert scenario.rules.decision == "unanimity" and scenario.rules.all_but == 1
    assert scenario.rules.required == ("builder", "city-hall")
    assert [i.title for i in scenario.issues] == ["Issue A: Height", "Issue B: Budget"]
    assert scenario.issues[0].labels == ("A1: tall", "A2: low")
    assert scenario.issues[1].labels[0] == "B1: $2 billion."
    functions = utility_functions(scenario)
    for seat, (rows, threshold) in LLM_PARTIES.items():
        total = sum(max(r) for r in rows)
        f = functions[seat]
        assert f.reservation == pytest.approx(threshold / total)
        for a, b in itertools.product(range(2), range(3)):
            score = rows[0][a] + rows[1][b]
            package = {"height": f"A{a + 1}", "budget": f"B{b + 1}"}
            assert f(package) == pytest.approx(score / total, abs=1e-12)
    notes = scenario.delegation("builder").brief.notes
    assert "A1 (30), A2(0)" in notes and "max score 30" in notes


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("scores_files/greens.txt", "0, x\n0, 50, 100\n50", "greens.txt: issue A: option 2: 'x'"),
        ("scores_files/greens.txt", "0, 0, 1\n0, 50, 100\n50", "greens.txt: options per issue"),
        ("scores_files/greens.txt", "0, 1\n0, 50, 100\nhalf", "greens.txt: threshold (last line)"),
        ("scores_files/greens.txt", "0, 1\n0, 50, 100\n500", "greens.txt: threshold 500"),
        (
            "config.txt",
            "Builder,builder,boss,greedy,m\nGreens,greens,player,greedy,m",
            "role 'boss'",
        ),
    ],
)
def test_llm_deliberation_malformed_input(
    tmp_path: Path, file: str, text: str, message: str
) -> None:
    game = tmp_path / "game"
    shutil.copytree(LLM, game)
    (game / file).write_text(text)
    with pytest.raises(
        FormatError, match=message.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")
    ):
        import_scenario("llm-deliberation", [game])


def test_llm_deliberation_cannot_be_exported() -> None:
    scenario, _ = load("llm-deliberation", [LLM])
    with pytest.raises(ValueError, match=r"required seats \(rules.required: builder, city-hall\)"):
        export_scenario("genius", scenario, "/nonexistent")
