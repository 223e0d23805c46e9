"""Scheduling fixtures: the fake platforms, and SQLite unless a test asks for PostgreSQL too
with ``@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)``
(each of these tests runs the whole service for seconds; CI's time budget is finite)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import database_url_for
from tests.slack.fake_slack import FakeSlack
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url_for(request.param, request, tmp_path)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake
