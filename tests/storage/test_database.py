"""Schema set-up when several processes start at once on a brand-new database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
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


OLD_ROWS = [
    "INSERT INTO teams (id, platform, external_id, name, locale, timezone, anonymity_threshold,"
    " created_at) VALUES (1, 'console', 't', 't', 'tr', 'UTC', 3, '2026-01-01 00:00:00')",
    "INSERT INTO people (id, platform, external_id, display_name, created_at)"
    " VALUES (1, 'console', 'ayse', 'ayse', '2026-01-01 00:00:00')",
    "INSERT INTO snapshots (id, team_id, number, questionnaire_id, questionnaire_version, status,"
    " opened_at) VALUES (1, 1, 1, 'csmm', '2026.1', 'open', '2026-01-01 00:00:00')",
    "INSERT INTO responses (id, snapshot_id, person_id, locale, status, position,"
    " returning_to_review, started_at, updated_at) VALUES (1, 1, 1, 'tr', 'submitted', '@review',"
    " false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO answers (response_id, question_id, state, adoption, answered_at)"
    " VALUES (1, 'ch_omni', 'answered', 2, '2026-01-01 00:00:00')",
    "INSERT INTO action_items (snapshot_id, key, position, kind, text, state)"
    " VALUES (1, 'step:x', 1, 'step', 'Do it', 'done')",
]


async def test_upgrading_a_database_with_answers_keeps_every_row(empty_database_url: str) -> None:
    """Migrations that rebuild tables (SQLite's way to add a constraint) must not cascade."""
    from alembic import command

    from storage.database import alembic_config

    database = Database(empty_database_url)
    config = alembic_config(database.url)

    def to_first_revision(connection: object) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")

    async with database.engine.begin() as connection:
        await connection.run_sync(to_first_revision)
        for statement in OLD_ROWS:
            await connection.execute(text(statement))
    await database.upgrade()
    async with database.reading() as session:
        counts = {
            table: await session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("teams", "people", "snapshots", "responses", "answers", "action_items")
        }
        names = await session.scalar(text("SELECT export_names FROM teams"))
    revision, _ = await database.current_revision()
    await database.dispose()
    assert counts == dict.fromkeys(counts, 1)
    assert names in (False, 0)
    assert revision == ScriptDirectory.from_config(config).get_current_head()
