"""Tournament results for synchronous code: the runner, the command line, scripts.

:class:`Results` wraps a :class:`~accord.server.store.tournaments.TournamentStore`
(SQLite or PostgreSQL, by URL) with an event loop of its own. The functions
below are the simple read API (each opens the store, reads, closes):

- :func:`list_tournaments` — the names in a store;
- :func:`load_results` — a tournament as run (the file's content) and every
  stored talk's :class:`~accord.protocol.tournament.TalkResult`, in plan order;
- :func:`transcript` — one talk's organizer transcript (``accord verify`` reads it);
- :func:`dump` — every stored result as canonical JSON lines (equal for equal results).

Code that already runs an event loop (the HTTP server) uses the async store
itself (:func:`~accord.server.store.tournaments.open_tournament_store`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from types import TracebackType
from typing import Any, TypeVar

import msgspec

from accord.protocol.tournament import TalkResult, Tournament, TournamentFile
from accord.server.store.tournaments import (
    EntryRecord,
    RunRecord,
    StoredTalk,
    TournamentRecord,
    TournamentStatus,
    TournamentStore,
    open_tournament_store,
)

__all__ = [
    "Results",
    "UnknownTournament",
    "dump",
    "list_tournaments",
    "load_results",
    "transcript",
]

T = TypeVar("T")


class UnknownTournament(LookupError):
    """No tournament of that name (or no such talk) in the store."""


class Results:
    """A tournament store used synchronously (one event loop of its own).

    Each method is the :class:`~accord.server.store.tournaments.TournamentStore`
    method of the same name, awaited. Use it as a context manager, or call
    :meth:`close`.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: TournamentStore = open_tournament_store(url)
        self._loop = asyncio.Runner()
        try:
            self._run(self._store.open())
        except BaseException:
            self._loop.close()
            raise

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coroutine)

    def close(self) -> None:
        try:
            self._run(self._store.close())
        finally:
            self._loop.close()

    def __enter__(self) -> Results:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the store's calls, synchronously

    def create(self, record: TournamentRecord, entries: Sequence[EntryRecord]) -> None:
        self._run(self._store.create(record, entries))

    def tournament(self, name: str) -> TournamentRecord | None:
        return self._run(self._store.tournament(name))

    def tournaments(self) -> list[str]:
        return self._run(self._store.tournaments())

    def set_status(self, name: str, status: TournamentStatus) -> None:
        self._run(self._store.set_status(name, status))

    def add_talks(self, name: str, talks: Sequence[StoredTalk]) -> None:
        self._run(self._store.add_talks(name, talks))

    def series(self, name: str) -> dict[str, int]:
        return self._run(self._store.series(name))

    def count(self, name: str) -> int:
        return self._run(self._store.count(name))

    def results(self, name: str) -> list[TalkResult]:
        return self._run(self._store.results(name))

    def placed(self, name: str) -> list[tuple[int, TalkResult]]:
        return self._run(self._store.placed(name))

    def transcript(self, name: str, talk: str) -> bytes | None:
        return self._run(self._store.transcript(name, talk))

    def add_run(self, name: str, run: RunRecord) -> int:
        return self._run(self._store.add_run(name, run))

    def runs(self, name: str) -> list[RunRecord]:
        return self._run(self._store.runs(name))

    def dump(self, name: str) -> bytes:
        return self._run(self._store.dump(name))

    def load(self, name: str) -> tuple[Tournament, list[TalkResult]]:
        """The tournament as stored and its results in plan order."""

        record = self.tournament(name)
        if record is None:
            raise UnknownTournament(f"no tournament {name!r} in {self.url}")
        return tournament_of(record, self.url), self.results(name)


def tournament_of(record: TournamentRecord, url: str) -> Tournament:
    """The :class:`~accord.protocol.tournament.Tournament` a stored record was run from
    (its ``store`` set to ``url``, where it was found)."""

    spec = msgspec.json.decode(record.spec, type=TournamentFile)
    spec = msgspec.structs.replace(spec, store=url)
    return Tournament(spec=spec, file=record.file or f"{record.name}.toml", digest=record.digest)


def list_tournaments(url: str) -> list[str]:
    """The names of the tournaments stored at ``url``, sorted."""

    with Results(url) as results:
        return results.tournaments()


def load_results(url: str, name: str) -> tuple[Tournament, list[TalkResult]]:
    """Tournament ``name`` as stored at ``url`` and every stored talk's result, in plan
    order (a tournament still running, or interrupted, has only some)."""

    with Results(url) as results:
        return results.load(name)


def transcript(url: str, name: str, talk_id: str) -> bytes:
    """The organizer transcript of one talk (JSON lines; ``accord verify`` checks it)."""

    with Results(url) as results:
        data = results.transcript(name, talk_id)
    if data is None:
        raise UnknownTournament(f"no talk {talk_id!r} of tournament {name!r} in {url}")
    return data


def dump(url: str, name: str) -> bytes:
    """Every stored result of tournament ``name`` as canonical JSON lines (no timing)."""

    with Results(url) as results:
        if results.tournament(name) is None:
            raise UnknownTournament(f"no tournament {name!r} in {url}")
        return results.dump(name)
