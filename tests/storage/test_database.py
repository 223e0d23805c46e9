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

from storage.database import Database
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
