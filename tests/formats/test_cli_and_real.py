"""The command line, the rules overlay, and the real files in /work/shared/formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.cli import main
from accord.formats import import_scenario
from accord.formats.toml_out import dumps
from accord.protocol.scenario import load_scenario, parse_scenario

from .helpers import FIXTURES, REAL


def test_cli_import_writes_a_file_validate_accepts(tmp_path: Path, capsys) -> None:
    out = tmp_path / "trip.toml"
    assert main(["scenario", "import", "genius", str(FIXTURES / "genius"), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "repair: carol.xml: weights sum to 0.8" in captured.err
    assert "wrote" in captured.out
    assert main(["scenario", "validate", str(out)]) == 0
    assert load_scenario(out).rules.decision == "unanimity"


def test_overlay_then_flags_override_the_defaults(tmp_path: Path) -> None:
    overlay = tmp_path / "rules.toml"
    overlay.write_text('[rules]\ndecision = "qualified"\nthreshold = 0.5\nmax_rounds = 3\n')
    out = tmp_path / "s.toml"
    args = ["scenario", "import", "geniusweb", str(FIXTURES / "geniusweb"), "-o", str(out)]
    assert main([*args, "--rules", str(overlay), "--rounds", "7", "--vetoes"]) == 0
    rules = load_scenario(out).rules
    assert (rules.decision, rules.threshold, rules.max_rounds, rules.vetoes) == (
        "qualified",
        0.5,
        7,
        True,
    )


def test_bad_overlay_is_refused(tmp_path: Path, capsys) -> None:
    overlay = tmp_path / "rules.toml"
    overlay.write_text("[rules]\nmax_rounds = 0\n")
    out = tmp_path / "s.toml"
    code = main(
        [
            "scenario",
            "import",
            "genius",
            str(FIXTURES / "genius"),
            "-o",
            str(out),
            "--rules",
            str(overlay),
        ]
    )
    assert code == 2 and "max_rounds" in capsys.readouterr().err
    overlay.write_text("[rules]\n[other]\nx = 1\n")
    code = main(
        [
            "scenario",
            "import",
            "genius",
            str(FIXTURES / "genius"),
            "-o",
            str(out),
            "--rules",
            str(overlay),
        ]
    )
    assert code == 2 and "only a [rules] table" in capsys.readouterr().err


def test_cli_export_refuses_accord_only_features(tmp_path: Path, capsys) -> None:
    assert main(["scenario", "export", "genius", "climate-accord", "-o", str(tmp_path)]) == 2
    assert "implementation phase" in capsys.readouterr().err


def test_cli_export_writes_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "trip.toml"
    main(["scenario", "import", "genius", str(FIXTURES / "genius"), "-o", str(out)])
    assert main(["scenario", "export", "geniusweb", str(out), "-o", str(tmp_path / "gw")]) == 0
    assert sorted(p.name for p in (tmp_path / "gw").iterdir()) == [
        "alice.json",
        "bob.json",
        "carol.json",
        "trip.json",
    ]


REAL_CASES = [
    ("genius", "genius/group12-symposium", ["bare '&'"]),
    ("genius", "genius/group2-dinner", []),
    ("genius", "genius/group2-new_sporthal", ["read as Windows-1252"]),
    (
        "genius",
        "genius/group3-bank_robbery",
        ["Bank_Robbery_util2.xml: weights sum to 0.9892786421"],
    ),
    ("genius", "genius/group4-zoning_plan", ["bare '&'"]),
    ("geniusweb", "geniusweb/party", []),
    ("geniusweb", "geniusweb/jobs", []),
    ("llm-deliberation", "llm-deliberation/base", ["trailing spaces"]),
]


@pytest.mark.parametrize(("fmt", "folder", "expected"), REAL_CASES)
def test_real_files_import(fmt: str, folder: str, expected: list[str]) -> None:
    path = REAL / folder
    if not path.is_dir():
        pytest.skip(f"{path} is absent (the shared real-format files are not on this machine)")
    imported = import_scenario(fmt, [path])
    scenario = parse_scenario(dumps(imported.scenario), file=f"{folder}.toml")
    assert len(scenario.delegations) >= 2
    for phrase in expected:
        assert any(phrase in r for r in imported.repairs), (phrase, imported.repairs)
    if not expected:
        assert imported.repairs == []


def test_real_bank_robbery_reservation_is_scaled_with_the_weights() -> None:
    path = REAL / "genius/group3-bank_robbery"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    scenario = parse_scenario(dumps(import_scenario("genius", [path]).scenario))
    brief = scenario.delegation("bank-robbery-util2").brief
    assert brief.reservation == pytest.approx(0.2 / 0.9892786421, abs=1e-9)
    assert sum(brief.weights.values()) == pytest.approx(1, abs=1e-12)


def test_real_jobs_reservation_is_the_utility_of_the_bid() -> None:
    path = REAL / "geniusweb/jobs"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    scenario = parse_scenario(dumps(import_scenario("geniusweb", [path]).scenario))
    # jobs1: 0.24*0.75 + 0.32*0.5 + 0.18*0.5 + 0.06*0 + 0.16*1 + 0.04*0.5
    assert scenario.delegation("jobs1").brief.reservation == pytest.approx(0.61, abs=1e-12)
