"""Telegram fixtures: the fake Bot API, and the bot's real polling loop running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.assessments import Assessments
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN, polling


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def running(fake: FakeBotApi, assessments: Assessments) -> AsyncIterator[FakeBotApi]:
    async with polling(fake, assessments):
        yield fake
