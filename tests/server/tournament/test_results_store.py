"""The results store: SQLite (a real file) and PostgreSQL (its own schema, when
ACCORD_TEST_POSTGRES holds a DSN): atomic series, exact round trips, checked
transcripts, the same canonical dump on both."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from accord.protocol.tournament import load_scenarios, plan, tournament_from_dict
from accord.server.store.tournaments import (
    DuplicateTalk,
    PostgresTournamentStore,
    SqliteTournamentStore,
    StoredTalk,
    TournamentExists,
    TournamentRecord,
    open_tournament_store,
)
from accord.server.tournament.runner import run_tournament
from accord.server.tournament.store import Results, dump, load_results, transcript
from accord.server.tournament.worker import Player, make_setup
from tests.server.tournament.files import BUILT_INS, accord

PG_DSN = os.environ.get("ACCORD_TEST_POSTGRES")


def small(name: str = "st") -> dict[str, object]:
    return {
        "name": name,
        "seed": 5,
        "format": "sample",
        "sample": 3,
        "series": 2,
        "entries": [{"name": e, "strategy": e} for e in BUILT_INS],
        "scenarios": [
            {"generate": {"seed": 1, "seats": 3, "issues": 2, "options": 3}},
            {"name": "climate-accord"},
        ],
    }


def played(name: str = "st") -> list[StoredTalk]:
    """The small tournament's talks, played in this process, as the runner stores them."""

    tournament = tournament_from_dict(small(name))
    scenarios = load_scenarios(tournament)
    plans = plan(tournament, scenarios)
    worker = Player.of(make_setup(tournament, scenarios))
    out = []
    for n in range(0, len(plans), 2):
        for k, talk in enumerate(worker.play(plans[n : n + 2]).talks):
            out.append(
                StoredTalk(
                    position=n + k,
                    result=talk.result,
                    transcript=talk.transcript,
                    sha256=talk.sha256,
                    size=talk.size,
                )
            )
    return out


def record(name: str = "st", planned: int = 12) -> TournamentRecord:
    return TournamentRecord(
        name=name, digest="d" * 64, spec=b"{}", status="running", planned=planned, file="x.toml"
    )


def test_urls_pick_the_backend() -> None:
    assert isinstance(open_tournament_store("results.db"), SqliteTournamentStore)
    sqlite = open_tournament_store("sqlite:////tmp/x/r.db")
    assert isinstance(sqlite, SqliteTournamentStore) and str(sqlite.path) == "/tmp/x/r.db"
    pg = open_tournament_store("postgresql://u@h:5432/db?schema=results&sslmode=disable")
    assert isinstance(pg, PostgresTournamentStore)
    assert pg.schema == "results" and pg.dsn == "postgresql://u@h:5432/db?sslmode=disable"
    assert open_tournament_store("postgres://h/db").schema == "public"  # type: ignore[attr-defined]
    for bad in ("mysql://h/db", "sqlite://", "sqlite:///"):
        with pytest.raises(ValueError):
            open_tournament_store(bad)
    with pytest.raises(ValueError, match="plain SQL identifier"):
        open_tournament_store("postgresql://h/db?schema=x;drop")


def test_sqlite_round_trip_atomic_adds_and_checked_transcripts(tmp_path: Path) -> None:
    talks = played()
    db = tmp_path / "r.db"
    with Results(str(db)) as r:
        r.create(record(), [])
        with pytest.raises(TournamentExists):
            r.create(record(), [])
        r.add_talks("st", talks[:4])
        # a series already stored, with a new one: neither goes in
        with pytest.raises(DuplicateTalk):
            r.add_talks("st", talks[4:6] + talks[2:4])
        assert r.count("st") == 4 and r.series("st") == {
            talks[0].result.series: 2,
            talks[2].result.series: 2,
        }
        r.add_talks("st", talks[4:])
        assert r.results("st") == [t.result for t in talks]  # exact, floats included
        assert r.placed("st") == [(t.position, t.result) for t in talks]
        r.set_status("st", "complete")
        stored = r.tournament("st")
        assert stored is not None and stored.status == "complete" and stored.planned == 12
        with pytest.raises(KeyError):
            r.set_status("nobody", "complete")
        with pytest.raises(ValueError, match="status must be one of"):
            r.set_status("st", "finished")  # type: ignore[arg-type]
        assert r.tournament("nobody") is None and r.tournaments() == ["st"]
        raw = r.transcript("st", talks[0].result.talk)
        assert raw is not None and raw.startswith(b'{"hash":')
        assert r.transcript("st", "none") is None
    # a transcript whose stored bytes were swapped is refused, by name
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(
            "UPDATE tournament_transcripts SET data = ? WHERE talk_id = ?",
            (talks[0].transcript, talks[1].result.talk),
        )
        conn.commit()
    with pytest.raises(ValueError, match=f"transcript of st/{talks[1].result.talk}: stored bytes"):
        transcript(str(db), "st", talks[1].result.talk)
    with pytest.raises(ValueError, match="do not match"):
        dump(str(db), "st")


def test_a_field_added_to_the_results_becomes_a_column_of_older_files(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Results(str(db)) as r:
        r.create(record(), [])
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("ALTER TABLE tournament_seats DROP COLUMN rank")  # as an older version made it
        conn.commit()
    with Results(str(db)) as r:  # opening adds it back, with its default
        r.add_talks("st", played()[:2])
        assert r.count("st") == 2


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not PG_DSN:
        pytest.skip("ACCORD_TEST_POSTGRES is not set: no PostgreSQL to test against")
    schema = f"tournament_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in PG_DSN else "?"
    yield f"{PG_DSN}{separator}schema={schema}"

    async def drop() -> None:
        store = PostgresTournamentStore(PG_DSN, schema=schema)
        await store.open()
        await store.drop()
        await store.close()

    asyncio.run(drop())


def test_postgresql_round_trip_equals_sqlite(tmp_path: Path, pg_url: str) -> None:
    tournament = tournament_from_dict(small("pg"), file=str(tmp_path / "pg.toml"))
    sqlite = str(tmp_path / "pg.db")
    run_tournament(tournament, sqlite, workers=1)
    run_tournament(tournament, pg_url, workers=2)
    assert dump(pg_url, "pg") == dump(sqlite, "pg")
    stored, results = load_results(pg_url, "pg")
    assert stored.digest == tournament.digest
    assert results == load_results(sqlite, "pg")[1]
    with Results(pg_url) as r:
        assert r.tournaments() == ["pg"] and r.tournament("pg").status == "complete"  # type: ignore[union-attr]
        with pytest.raises(DuplicateTalk):
            r.add_talks("pg", played("pg")[:2])
        assert [run.talks for run in r.runs("pg")] == [12]
    path = tmp_path / "talk.jsonl"
    path.write_bytes(transcript(pg_url, "pg", results[0].talk))
    done = accord("verify", path)
    assert done.returncode == 0 and "verified" in done.stdout
    # through the command line too: a resume of a complete tournament plays nothing
    (tmp_path / "pg.toml").write_text(
        'name = "pg"\nseed = 5\nformat = "sample"\nsample = 3\nseries = 2\n'
        + "".join(f'\n[[entries]]\nname = "{e}"\nstrategy = "{e}"\n' for e in BUILT_INS)
        + "\n[[scenarios]]\ngenerate = { seed = 1, seats = 3, issues = 2, options = 3 }\n"
        + '\n[[scenarios]]\nname = "climate-accord"\n'
    )
    again = accord(
        "tournament", "run", tmp_path / "pg.toml", "--resume", "--quiet", "--store", pg_url
    )
    assert again.returncode == 0, again.stderr
    assert "nothing left to play" in again.stdout
