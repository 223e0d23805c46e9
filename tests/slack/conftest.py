"""Slack fixtures: the fake Slack, and `csmm slack`'s real aiohttp server running against it.

Slack tests run on SQLite; the end-to-end journey runs on PostgreSQL too (it parametrizes
``database_url`` itself), which keeps the suite inside CI's time budget.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from tests.conftest import database_url_for
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import serving


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url_for(request.param, request, tmp_path)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        yield slack


@pytest.fixture
async def app(fake: FakeSlack, assessments: Assessments) -> AsyncIterator[SlackChannel]:
    async with serving(fake, assessments) as channel:
        yield channel
