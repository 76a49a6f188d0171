"""Shared fixtures: the storage backends server tests run against."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

POSTGRES = os.environ.get("ACCORD_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[dict[str, Any]]:
    """Keyword arguments for RunningServer: a real SQLite file, or a real PostgreSQL schema."""

    if request.param == "sqlite":
        yield {"db": tmp_path / "accord.db"}
        return
    if not POSTGRES:
        pytest.skip("ACCORD_TEST_POSTGRES is not set: no PostgreSQL to test against")
    from accord.server.store.postgres import PostgresStore

    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield {"db": POSTGRES, "store": PostgresStore(POSTGRES, schema=schema)}
    cleanup = PostgresStore(POSTGRES, schema=schema)
    await cleanup.open()
    await cleanup.drop()
    await cleanup.close()
