"""Small readers of what the bot sent to the fake Bot API."""

from __future__ import annotations

from typing import Any

from tests.telegram.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token"


def last_text(api: FakeBotApi, chat_id: int) -> str:
    sent = api.sent(chat_id)
    return str(sent[-1]["text"]) if sent else ""


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]
