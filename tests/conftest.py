"""Shared fixtures: the real questionnaire and catalogs, and a migrated database per test.

Database tests run on SQLite (a real file) and on PostgreSQL when CSMM_TEST_POSTGRES_URL names a
server (.ci/run starts one). Without it the PostgreSQL variants are skipped — except under CI,
where a missing server is an error, so a green run always means both databases were tested.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.assessments import Assessments
from bot.i18n import localizers as load_localizers
from conversations.engine import Conversation
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire, load_questionnaire
from conversations.questions import QuestionSequence
from storage.database import Database
from storage.models import Base

POSTGRES_URL = os.environ.get("CSMM_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture(scope="session")
def localizers() -> dict[str, Localizer]:
    return load_localizers()


@pytest.fixture(scope="session")
def sequence(questionnaire: Questionnaire) -> QuestionSequence:
    return QuestionSequence(questionnaire)


@pytest.fixture(scope="session")
def conversation(sequence: QuestionSequence, localizers: dict[str, Localizer]) -> Conversation:
    return Conversation(sequence, localizers)


# ---------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite+aiosqlite:///{path}")

    async def migrate() -> None:
        await database.upgrade()
        await database.dispose()

    asyncio.run(migrate())
    return path


def require_postgres() -> str:
    """The PostgreSQL server to test on; skips without one, except under CI where it fails."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CSMM_TEST_POSTGRES_URL is not set: CI must test on PostgreSQL too")
        pytest.skip("PostgreSQL not configured (set CSMM_TEST_POSTGRES_URL)")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    admin_url = require_postgres()
    name = f"csmm_test_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    database = Database(url)

    async def migrate() -> None:
        await database.upgrade()
        await database.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def database_url_for(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of ``kind`` ("sqlite" or "postgresql") for one test."""
    if kind == "sqlite":
        path = tmp_path / "csmm.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    # slack-sdk's installation tables live outside our models' metadata
    names = [t.name for t in Base.metadata.sorted_tables] + list(SLACK_TABLES)
    tables = ", ".join(f'"{name}"' for name in names)

    async def truncate() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # APScheduler's job store creates its table when a scheduler starts: a job left
            # there would name a team id the next test reuses.
            await connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
        await engine.dispose()

    asyncio.run(truncate())


SLACK_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url_for(request.param, request, tmp_path)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def assessments(
    database: Database, questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> Assessments:
    """The service as the channels use it (not the operator's). Its new teams show results
    from one response on: most tests look at the results of one or two people. The
    anonymity threshold's own tests (tests/*/test_anonymity.py) use the default, 3."""
    return Assessments(database, questionnaire, localizers, anonymity_threshold=1)
