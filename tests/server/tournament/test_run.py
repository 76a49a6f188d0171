"""``accord tournament run``: a whole tournament through the command line, the same
results whatever the executor, transcripts that verify, and what is refused."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from accord.protocol.engine.transcript import read
from accord.protocol.tournament import (
    load_scenarios,
    load_tournament,
    plan,
    plan_round,
    scenario_bounds,
    talk_result,
)
from accord.server.tournament.ratings import ratings
from accord.server.tournament.runner import Refused, ranking, run_tournament
from accord.server.tournament.standings import standings
from accord.server.tournament.store import (
    Results,
    UnknownTournament,
    dump,
    list_tournaments,
    load_results,
    transcript,
)
from tests.server.tournament.files import accord, status, stored_talks, tournament_toml, write


def test_six_entries_on_two_scenarios_run_to_completion_through_the_cli(tmp_path: Path) -> None:
    file = write(tmp_path, tournament_toml("six"))
    done = accord("tournament", "run", file, "--workers", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    db = tmp_path / "t.db"  # the default store: beside the file
    assert f"results: {db}" in done.stdout
    assert "mean score" in done.stdout and "played 150 talks" in done.stdout

    tournament = load_tournament(file)
    scenarios = load_scenarios(tournament)
    planned = plan(tournament, scenarios)
    assert len(planned) == 6 * 5 * 4 + 6 * 5  # every seating of 3 seats, then of 2
    talks = stored_talks(db, "six")
    assert [t[0] for t in talks] == [p.id for p in planned]
    assert status(db, "six") == "complete"
    assert list_tournaments(str(db)) == ["six"]

    # every stored result is what its stored transcript says
    stored, results = load_results(str(db), "six")
    assert stored.digest == tournament.digest and stored.spec.store == str(db)
    bounds = [scenario_bounds(s) for s in scenarios]
    rebuilt_all = []
    for p, result in zip(planned, results, strict=True):
        lines = read(transcript(str(db), "six", p.id).splitlines())
        log = [line.event for line in lines]
        assert lines[-1].hash == result.head
        rebuilt = talk_result(
            p,
            scenarios[p.scenario],
            log,  # type: ignore[arg-type]
            bounds[p.scenario],
            head=lines[-1].hash,
            failures={s.seat: s.failures for s in result.seats},
            problems=result.problems,
        )
        assert rebuilt == result
        rebuilt_all.append(rebuilt)
    # so the standings and ratings are a recomputation from the stored transcripts
    assert standings(rebuilt_all, stored) == standings(results, tournament)
    assert ratings(rebuilt_all) == ratings(results)
    assert len(ratings(results)) == 6
    with Results(str(db)) as r:
        (run,) = r.runs("six")
    assert (run.talks, run.outcome, run.executor, run.workers) == (150, "complete", "local", 2)


def test_a_stored_transcript_passes_accord_verify(tmp_path: Path) -> None:
    file = write(tmp_path, tournament_toml("v", format="sample", sample=3))
    db = tmp_path / "v.db"
    run_tournament(load_tournament(file), str(db), workers=1)
    _, results = load_results(str(db), "v")
    chosen = results[-1]
    path = tmp_path / "talk.jsonl"
    path.write_bytes(transcript(str(db), "v", chosen.talk))
    done = accord("verify", path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified" in done.stdout and chosen.head in done.stdout
    with pytest.raises(UnknownTournament):
        transcript(str(db), "v", "no-such-talk")
    with pytest.raises(UnknownTournament):
        load_results(str(db), "nobody")


def _dump_and_blobs(db: Path, name: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    with closing(sqlite3.connect(db)) as conn:
        blobs = conn.execute(
            'SELECT "talk_id", "data" FROM tournament_transcripts ORDER BY "talk_id"'
        ).fetchall()
    return dump(str(db), name), blobs


def test_the_same_seed_gives_byte_identical_results_whatever_the_executor(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    # series of two with reputation: the second talk of each depends on the first
    file = write(
        tmp_path, tournament_toml("same", format="sample", sample=10, series=2, reputation=True)
    )
    tournament = load_tournament(file)
    runs = {
        "local-1": ("local", 1),
        "local-2": ("local", 2),
        "dask-2": ("dask-local", 2),
    }
    dumps = {}
    for label, (executor, workers) in runs.items():
        db = tmp_path / f"{label}.db"
        summary = run_tournament(tournament, str(db), executor=executor, workers=workers)
        assert summary.played == summary.total == 2 * 10 * 2
        dumps[label] = _dump_and_blobs(db, "same")
    first = dumps["local-1"]
    assert first[0].count(b'["tournament_talks"') == 40
    for label, other in dumps.items():
        assert other[0] == first[0], f"{label} stored other results"
        assert other[1] == first[1], f"{label} stored other transcript bytes"
    # and the stored rows carry no trace of how they were played
    assert b"dask" not in first[0] and b"local" not in first[0]


def test_rounds_with_swiss_pairing_are_the_same_with_one_or_two_workers(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        tournament_toml(
            "swiss",
            format="rounds",
            rounds=3,
            pairing="swiss",
            scenarios=("generate = { seed = 4, seats = 2, issues = 2, options = 3 }",),
        ),
    )
    tournament = load_tournament(file)
    per_round = len(plan_round(tournament, load_scenarios(tournament), 1))
    assert per_round == 3  # six entries at tables of two
    dumps = []
    for workers in (1, 2):
        db = tmp_path / f"swiss-{workers}.db"
        summary = run_tournament(tournament, str(db), workers=workers)
        assert summary.total == 3 * per_round
        _, results = load_results(str(db), "swiss")
        assert [r.round for r in results] == [1] * 3 + [2] * 3 + [3] * 3
        # round 2 seats neighbours in the ranking after round 1 together
        order = ranking(results[:3], tournament.entry_names)
        tables = [set(r.seating) for r in results[3:6]]
        assert tables == [set(order[0:2]), set(order[2:4]), set(order[4:6])]
        dumps.append(dump(str(db), "swiss"))
    assert dumps[0] == dumps[1]


def test_ranking_falls_back_to_file_order_for_entries_without_results() -> None:
    assert ranking([], ["b", "a", "c"]) == ["b", "a", "c"]


def test_what_the_command_refuses(tmp_path: Path) -> None:
    file = write(tmp_path, tournament_toml("r", format="sample", sample=2))
    assert accord("tournament", "run", file, "--quiet", "--workers", "1").returncode == 0
    again = accord("tournament", "run", file, "--quiet")
    assert again.returncode == 2
    assert "already holds tournament 'r' (complete: 4 of 4 talks)" in again.stderr
    assert "--resume" in again.stderr
    resumed = accord("tournament", "run", file, "--quiet", "--resume")
    assert resumed.returncode == 0 and "nothing left to play" in resumed.stdout
    # the same name from a changed file: refused, with or without --resume
    write(tmp_path, tournament_toml("r", seed=8, format="sample", sample=2))
    for extra in ((), ("--resume",)):
        changed = accord("tournament", "run", file, "--quiet", *extra)
        assert changed.returncode == 2
        assert "made from another file" in changed.stderr
    assert status(tmp_path / "t.db", "r") == "complete"
    # another store takes it
    other = accord("tournament", "run", file, "--quiet", "--store", tmp_path / "other.db")
    assert other.returncode == 0, other.stderr
    # a strategy that does not load is an error of its field
    bad = tournament_toml("r").replace('strategy = "random"', 'strategy = "no-such"')
    broken = accord("tournament", "run", write(tmp_path, bad, "bad.toml"), "--quiet")
    assert broken.returncode == 2
    assert "$.entries[4].strategy" in broken.stderr
    options = tournament_toml("r").replace(
        'strategy = "random"', 'strategy = "random"\noptions = { nonsense = 1 }'
    )
    broken = accord("tournament", "run", write(tmp_path, options, "opts.toml"), "--quiet")
    assert broken.returncode == 2 and "$.entries[4].options" in broken.stderr
    with pytest.raises(Refused):
        run_tournament(load_tournament(file), str(tmp_path / "other.db"))


def test_an_unknown_executor_or_no_workers_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    file = write(tmp_path, tournament_toml("x", format="sample", sample=1))
    done = accord("tournament", "run", file, "--quiet", "--executor", "yarn")
    assert done.returncode == 2 and "unknown executor 'yarn'" in done.stderr
    done = accord("tournament", "run", file, "--quiet", "--workers", "0")
    assert done.returncode == 2 and "--workers must be at least 1" in done.stderr
    assert not (tmp_path / "t.db").exists()
