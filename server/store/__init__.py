"""Storage: the :class:`Store` interface, its records, and :func:`open_store` to pick a backend.

``open_store`` takes a URL: ``postgresql://…`` or ``postgres://…`` gives a
:class:`~accord.server.store.postgres.PostgresStore`; ``sqlite:///relative/path``,
``sqlite:////absolute/path`` (the SQLAlchemy convention: the path is what
follows the third slash) or a plain file path gives a
:class:`~accord.server.store.sqlite.SqliteStore`. The caller awaits ``.open()``.

asyncpg is imported only when a PostgreSQL store is asked for, so the embedded
SQLite store needs nothing beyond the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord.server.store.base import (
    CommandRef,
    RoomRecord,
    RoomStatus,
    SeqConflict,
    Store,
    StoredEvent,
    TokenKind,
    TokenRecord,
)
from accord.server.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from accord.server.store.postgres import PostgresStore

__all__ = [
    "CommandRef",
    "PostgresStore",
    "RoomRecord",
    "RoomStatus",
    "SeqConflict",
    "SqliteStore",
    "Store",
    "StoredEvent",
    "TokenKind",
    "TokenRecord",
    "open_store",
]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SQLITE_PREFIX = "sqlite:///"


def open_store(url: str) -> Store:
    """The store a URL or path names (not yet opened: the caller awaits ``.open()``)."""

    if url.startswith(_POSTGRES_SCHEMES):
        from accord.server.store.postgres import PostgresStore

        return PostgresStore(url)
    if url.startswith(_SQLITE_PREFIX):
        path = url[len(_SQLITE_PREFIX) :]
        if not path:
            raise ValueError(f"no file path in {url!r} (use sqlite:///accord.db)")
        return SqliteStore(path)
    if "://" in url or url.startswith("sqlite:"):
        raise ValueError(f"unsupported store URL {url!r}: use postgresql://… or sqlite:///path")
    return SqliteStore(url)


def __getattr__(name: str) -> Any:
    # PostgresStore on demand, so importing this package does not require asyncpg.
    if name == "PostgresStore":
        from accord.server.store.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
