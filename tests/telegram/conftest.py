"""Telegram fixtures: the fake Bot API, and the bot's real polling loop running against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.assessments import Assessments
from bot.telegram.app import build_application, run_polling
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def running(fake: FakeBotApi, assessments: Assessments) -> AsyncIterator[FakeBotApi]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_polling(build_application(assessments, TOKEN, fake.base_url), stop)
    )
    yield fake
    stop.set()
    await asyncio.wait_for(task, 30)
