"""Schema set-up when several processes start at once on a brand-new database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import Database, SchemaError, UnsupportedDatabase
from tests.conftest import require_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server = require_postgres()
    name = f"csmm_empty_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_first_runs_racing_on_an_empty_database(empty_database_url: str) -> None:
    databases = [Database(empty_database_url) for _ in range(4)]
    try:
        racing = asyncio.gather(*(d.check_schema(create_if_empty=True) for d in databases))
        await asyncio.wait_for(racing, timeout=60)  # without serialisation they can deadlock
        for database in databases:
            await database.check_schema()  # every one of them sees the finished schema
    finally:
        for database in databases:
            await database.dispose()


async def test_a_foreign_database_is_not_migrated_into(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "invoices.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    database = Database(f"sqlite+aiosqlite:///{path}")
    with pytest.raises(SchemaError, match="no CSMM schema yet"):
        await database.check_schema(create_if_empty=True)
    await database.dispose()
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"invoices"}


async def test_home_relative_paths_and_double_dispose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    database = Database("sqlite+aiosqlite:///~/data/csmm.db")
    await database.check_schema(create_if_empty=True)
    assert (tmp_path / "data" / "csmm.db").exists()
    await database.dispose()
    await database.dispose()  # a second call is harmless


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://"])
def test_in_memory_sqlite_is_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabase, match="CSMM_DATABASE_URL"):
        Database(url)
