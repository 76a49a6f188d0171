"""CSV and JSON exports round-trip; the reading commands read through the store API."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from accord.protocol.tournament import TalkResult, Tournament, default_store, load_tournament
from accord.server.tournament import reading
from accord.server.tournament.export import COLUMNS, TABLES, export, tables
from accord.server.tournament.runner import run_tournament
from accord.server.tournament.standings import Standings, standings
from accord.server.tournament.store import Results, load_results
from tests.server.tournament.played import play_tournament, six_entries

FLOATS = {
    "mean_score",
    "ci_low",
    "ci_high",
    "mean_raw",
    "mean_normalised",
    "mean_rank",
    "agreement_rate",
    "mean_rounds_to_agreement",
    "mean_pareto_distance",
    "mean_nash_distance",
    "hit_rate",
    "rating",
    "mu",
    "sigma",
    "score",
    "raw",
    "normalised",
    "utility",
    "rank",
    "pareto_distance",
    "nash_distance",
    "opponent_mean_score",
    "mean_difference",
    "spread_score",
    "spread_raw",
    "spread_normalised",
    "confidence",
    "compliance_costs",
    "defection_gains",
    "harm_suffered",
    "sanctions",
    "inspection_costs",
}


def _cell(column: str, text: str) -> Any:
    """A CSV cell read back into the value it was written from."""

    if text == "":
        return None
    if column in ("package", "problems"):
        return json.loads(text)
    if text in ("true", "false"):
        return text == "true"
    if column in FLOATS:
        return float(text)
    try:
        return int(text)
    except ValueError:
        return text


def test_csv_and_json_round_trip(tmp_path: Path) -> None:
    played = play_tournament(six_entries())
    results, tournament = played.results, played.tournament
    expected = tables(results, tournament)
    assert list(expected) == list(TABLES)

    written = export(results, tmp_path / "csv", "csv", tournament)
    assert [p.name for p in written] == [f"{t}.csv" for t in TABLES]
    written = export(results, tmp_path / "json", "json", tournament)
    assert [p.name for p in written] == [f"{t}.json" for t in TABLES]

    seats = sum(len(r.seats) for r in results)
    counts = {
        "summary": 1,
        "standings": 6,
        "scenario_standings": 6 * len(tournament.spec.scenarios),
        "talks": seats,
        "head_to_head": len(
            {
                (a.entry, b.entry)
                for r in results
                for a in r.seats
                for b in r.seats
                if a.entry != b.entry
            }
        ),
        "ratings_history": sum(len({s.entry for s in r.seats}) for r in results),
    }
    for name in TABLES:
        with open(tmp_path / "csv" / f"{name}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert tuple(rows[0]) == COLUMNS[name]
        assert len(rows) - 1 == counts[name] == len(expected[name])
        back = [{c: _cell(c, v) for c, v in zip(rows[0], row, strict=True)} for row in rows[1:]]
        assert back == expected[name], name

        loaded = json.loads((tmp_path / "json" / f"{name}.json").read_text(encoding="utf-8"))
        assert loaded == expected[name], name
        assert all(tuple(row) == COLUMNS[name] for row in loaded)


def test_talk_rows_carry_the_talk_and_the_seat() -> None:
    played = play_tournament(six_entries())
    rows = tables(played.results, played.tournament)["talks"]
    agreed = next(r for r in played.results if r.outcome == "agreement")
    mine = [row for row in rows if row["talk"] == agreed.talk]
    assert [row["seat"] for row in mine] == [s.seat for s in agreed.seats]
    for row, seat in zip(mine, agreed.seats, strict=True):
        assert row["entry"] == seat.entry and row["score"] == seat.score
        assert row["head"] == agreed.head and row["package"] == agreed.package
        assert row["pareto_distance"] == agreed.pareto_distance


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or json"):
        export([], tmp_path, "xml", None)  # type: ignore[arg-type]


# --- the commands, over the results store a run fills ------------------------------------


def _file(tmp_path: Path, name: str = "six") -> Path:
    path = tmp_path / f"{name}.toml"
    spec = six_entries()
    lines = [
        f'name = "{name}"',
        f"seed = {spec['seed']}",
        'format = "sample"',
        f"sample = {spec['sample']}",
    ]
    for entry in spec["entries"]:
        lines += ["[[entries]]", f'name = "{entry["name"]}"', f'strategy = "{entry["strategy"]}"']
    for scenario in spec["scenarios"]:
        lines += ["[[scenarios]]", f'name = "{scenario["name"]}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(path: Path, url: str | None = None) -> tuple[Tournament, list[TalkResult]]:
    """Run the tournament file into its store (or ``url``) and read it back."""

    tournament = load_tournament(path)
    run_tournament(tournament, url, workers=1)
    return load_results(url or default_store(tournament), tournament.name)


def test_standings_command_reads_a_tournament_file_through_its_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    tournament, results = _run(path)
    played = play_tournament(six_entries())
    # the stored talks are the same talks played in-process (under other room ids)
    assert [r.seats for r in results] == [r.seats for r in played.results]

    args = argparse.Namespace(file=str(path), name=None, scenario=None, json=True)
    assert reading.standings_command(args) == 0
    board = msgspec.json.decode(capsys.readouterr().out, type=Standings)
    assert board == standings(results, tournament)

    args = argparse.Namespace(file=str(path), name=None, scenario=None, json=False)
    assert reading.standings_command(args) == 0
    out = capsys.readouterr().out
    for entry in tournament.entry_names:
        assert entry in out
    assert "spread of mean scores" in out

    args = argparse.Namespace(
        file=str(path), name=None, scenario="nonproliferation-deal", json=True
    )
    assert reading.standings_command(args) == 0
    board = msgspec.json.decode(capsys.readouterr().out, type=Standings)
    assert [s.scenario_id for s in board.scenarios] == ["nonproliferation-deal"]
    assert board.talks == sum(r.scenario_id == "nonproliferation-deal" for r in results)

    args = argparse.Namespace(file=str(path), name=None, scenario="nowhere", json=True)
    with pytest.raises(ValueError, match="no talks on scenario 'nowhere'"):
        reading.standings_command(args)


def test_export_and_report_commands_read_a_store_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(tmp_path / "results.db")
    _run(_file(tmp_path), url)

    args = argparse.Namespace(
        file=url, name=None, csv=True, json=False, output=str(tmp_path / "out")
    )
    assert reading.export_command(args) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{t}.csv" for t in TABLES
    )

    args = argparse.Namespace(file=url, name="six", output=str(tmp_path / "report.html"))
    assert reading.report_command(args) == 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    capsys.readouterr()

    # a second tournament in the same store: which one must be said
    _run(_file(tmp_path, "other"), url)
    args = argparse.Namespace(file=url, name=None, scenario=None, json=True)
    with pytest.raises(ValueError, match="say which with --name"):
        reading.standings_command(args)
    empty = str(tmp_path / "empty.db")
    with Results(empty):
        pass  # an opened store: its tables, no tournament
    with pytest.raises(ValueError, match="holds no tournament"):
        reading.standings_command(
            argparse.Namespace(file=empty, name=None, scenario=None, json=True)
        )
    # a store that is not there is not made (opening SQLite would create it)
    missing = tmp_path / "missing.db"
    with pytest.raises(ValueError, match="no such results store"):
        reading.standings_command(
            argparse.Namespace(file=str(missing), name=None, scenario=None, json=True)
        )
    assert not missing.exists()
