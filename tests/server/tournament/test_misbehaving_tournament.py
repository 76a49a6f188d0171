"""A whole tournament with submitted entries that loop, hog memory or crash: each is
stopped by its limits and its seat scored by the defaults, and the tournament completes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from accord.protocol.scenario.samples import six_seat_scenario
from accord.protocol.tournament import load_scenarios, plan, tournament_from_dict
from accord.server.tournament.runner import run_tournament
from accord.server.tournament.standings import standings
from accord.server.tournament.store import load_results

ENTRIES = Path(__file__).parent / "entries"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the sandbox needs Linux (resource limits, /proc)"
)


def package(name: str, cls: str) -> dict[str, str]:
    return {"name": name, "package": str(ENTRIES / name), "class": f"{name}:{cls}"}


def test_a_tournament_with_misbehaving_entries_completes(tmp_path: Path) -> None:
    scenario = tmp_path / "six.json"
    scenario.write_text(json.dumps(six_seat_scenario()))
    tournament = tournament_from_dict(
        {
            "name": "rowdy",
            "seed": 5,
            "format": "sample",
            "sample": 2,
            "store": str(tmp_path / "rowdy.db"),
            "entries": [
                package("looper", "Looper"),
                package("hog", "Hog"),
                package("crasher", "Crasher"),
                {"name": "conceder", "strategy": "conceder"},
                {"name": "hardliner", "strategy": "hardliner"},
                {"name": "adaptive", "strategy": "adaptive"},
            ],
            "scenarios": [{"file": str(scenario)}],
            "time_limits": {"tabling": 0.3, "ballot": 0.3, "action": 0.3, "verification": 0.3},
            "limits": {"cpu_seconds": 1.5, "memory_mb": 128, "wall_seconds": 60.0},
        }
    )
    summary = run_tournament(tournament, workers=1)
    assert summary is not None
    stored, results = load_results(str(tmp_path / "rowdy.db"), "rowdy")
    planned = plan(tournament, load_scenarios(tournament))
    assert [r.talk for r in results] == [p.id for p in planned]  # every talk, concluded
    for result in results:
        by_entry = {s.entry: s for s in result.seats}
        for bad in ("looper", "hog", "crasher"):
            assert by_entry[bad].failures >= 1, result
        assert not any(by_entry[good].failures for good in ("conceder", "hardliner", "adaptive"))
        named = " ".join(result.problems)
        assert "entry 'looper'" in named and "of CPU (limit)" in named
        assert "entry 'hog'" in named and "memory limit" in named
        assert "entry 'crasher'" in named and "crashed at import" in named
    board = {row.entry: row for row in standings(results, stored).entries}
    assert board["looper"].failures == len(results) and board["conceder"].failures == 0
    assert all(row.talks == len(results) for row in board.values())
