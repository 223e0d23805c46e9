"""Socket Mode with HTTP mode's shape check.

Over the WebSocket there is no status code to refuse with: an envelope whose payload is of the
wrong shape (bot/slack/request_shape.py) is acknowledged, so Slack does not send it again,
logged as one warning line, and dropped before slack-sdk or Bolt index into it (they would
log a traceback and leave it unacknowledged). A frame that is not a JSON object is dropped the
same way. The connection stays up either way.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack.request_shape import wrong_shape

log = logging.getLogger("bot.slack")


def envelope_problem(message: dict[str, Any]) -> str | None:
    """What is wrong with a Socket Mode envelope that carries a request, or None."""
    if not isinstance(message.get("type"), str) or not isinstance(message.get("envelope_id"), str):
        return "a Socket Mode envelope without a type or envelope id"
    if not isinstance(message.get("retry_reason"), str | None):
        return "retry_reason is not text"  # Bolt turns it into a header
    return wrong_shape(message["payload"])


class CheckedSocketModeClient(SocketModeClient):
    async def enqueue_message(self, message: str) -> None:
        try:
            parsed = json.loads(message)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict):
            log.warning("Slack request refused: a Socket Mode message that is not a JSON object")
            return
        await super().enqueue_message(message)

    async def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        # Only envelopes carry a payload ("hello" and "disconnect" do not).
        problem = envelope_problem(message) if "payload" in message else None
        if problem is None:
            await super().run_message_listeners(message, raw_message)
            return
        log.warning("Slack request refused: %s", problem)
        envelope_id = message.get("envelope_id")
        if isinstance(envelope_id, str):
            await self.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, on the checked client."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        # As Bolt's own __init__, with our client class.
        self.app = app
        self.app_token = app_token
        self.client = CheckedSocketModeClient(
            app_token=app_token, logger=app.logger, web_client=app.client, ping_interval=10
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
