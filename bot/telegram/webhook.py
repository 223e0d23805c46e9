"""Webhook mode: Telegram POSTs each update to us instead of the bot polling for it.

python-telegram-bot's own webhook server (tornado) does the HTTP side: it registers the URL with
``setWebhook`` together with a secret token, and answers 403 to any request that does not carry
that token in ``X-Telegram-Bot-Api-Secret-Token`` (and to any body that is not
``application/json``), before reading the body. Accepted updates go into the same update queue
the polling loop fills, so the handlers in ``app.py`` cannot tell the two modes apart.

The server speaks plain HTTP: Telegram only calls HTTPS URLs, so it runs behind a reverse proxy
(or a tunnel) that terminates TLS and forwards to ``listen:port``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from urllib.parse import urlsplit

from telegram import Update

from bot.telegram.app import TelegramApplication

# Telegram's rule for setWebhook's secret_token.
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")


def new_secret() -> str:
    """A fresh secret for one run: 43 URL-safe characters, well inside Telegram's rule."""
    return secrets.token_urlsafe(32)


def is_valid_secret(secret: str) -> bool:
    return SECRET_FORMAT.fullmatch(secret) is not None


def is_webhook_url(url: str) -> bool:
    """An absolute http(s) URL with a host. Telegram itself only accepts HTTPS; plain HTTP is
    for a local Bot API server."""
    if not url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or too big
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def webhook_path(url: str) -> str:
    """The path the webhook server answers on by default: the public URL's own path."""
    return urlsplit(url).path or "/"


async def run_webhook(
    application: TelegramApplication,
    stop: asyncio.Event,
    *,
    url: str,
    secret: str,
    listen: str,
    port: int,
    url_path: str | None = None,
) -> None:
    """Register ``url`` as the webhook and serve it on ``listen:port`` until ``stop`` is set.

    Requests reach the bot only with ``secret`` in their header; everything else gets 403. An
    update is acknowledged (200) once it is queued; stopping handles every queued update before
    returning. The webhook stays registered when the bot stops, so Telegram keeps new updates
    until it is back (each start registers it again, with that run's secret); polling mode
    removes it.
    """
    path = url_path if url_path is not None else webhook_path(url)
    if not path.startswith("/"):
        path = "/" + path
    async with application:
        await application.bot_data["channel"].prepare()
        await application.start()
        try:
            updater = application.updater
            assert updater is not None
            await updater.start_webhook(
                listen=listen,
                port=port,
                url_path=re.escape(path),  # PTB hands it to tornado as a pattern
                webhook_url=url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,  # as when polling: groups need member updates
            )
            try:
                await stop.wait()
            finally:
                await updater.stop()
        finally:
            await application.stop()  # handles the updates already acknowledged
