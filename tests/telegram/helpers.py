"""Small readers of what the bot sent to the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.assessments import Assessments
from bot.telegram.app import build_application, run_polling
from tests.telegram.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token"


@contextlib.asynccontextmanager
async def polling(api: FakeBotApi, assessments: Assessments) -> AsyncIterator[FakeBotApi]:
    """The bot's real polling loop against the fake, for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_polling(build_application(assessments, TOKEN, api.base_url), stop)
    )
    try:
        yield api
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def last_text(api: FakeBotApi, chat_id: int) -> str:
    sent = api.sent(chat_id)
    return str(sent[-1]["text"]) if sent else ""


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def data_for(message: dict[str, Any], payload: str) -> str:
    """The callback data of the message's button that carries the engine's ``payload``
    (question buttons prefix it with their response: ``<response id>/q:role:agent``)."""
    for button in buttons(message):
        data = str(button.get("callback_data", ""))
        if data == payload or data.partition("/")[2] == payload:
            return data
    raise AssertionError(
        f"no button {payload!r} in {[b.get('callback_data') for b in buttons(message)]}"
    )


def payloads(message: dict[str, Any]) -> list[str]:
    """The engine payloads of the message's buttons, without their response prefix."""
    return [
        str(b.get("callback_data", "")).rpartition("/")[2]
        for b in buttons(message)
        if "callback_data" in b
    ]
