"""Webhook mode: Telegram POSTs each update to us instead of the bot polling for it.

We register the URL with ``setWebhook`` together with a secret token and serve it ourselves
(aiohttp, as python-telegram-bot's docs show for custom webhook servers): a request without
that token in ``X-Telegram-Bot-Api-Secret-Token``, or whose body is not declared
``application/json``, gets 403 before its body is read. A body that is not an update (not
UTF-8, not JSON, JSON that is no object, an object python-telegram-bot cannot read as an
update, or one whose fields have types our handlers do not expect: update_shape.py) gets 400
and one warning line; python-telegram-bot's own handler answered some of those with a 500 and
logged a traceback. Accepted updates go into the same update queue the polling loop fills, so
the handlers in ``app.py`` cannot tell the two modes apart.

The server speaks plain HTTP: Telegram only calls HTTPS URLs, so it runs behind a reverse proxy
(or a tunnel) that terminates TLS and forwards to ``listen:port``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update
from telegram.ext import ExtBot

from bot.telegram.app import TelegramApplication
from bot.telegram.update_shape import wrong_update_shape

log = logging.getLogger("bot.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
JSON_TYPE = "application/json"
MAX_BODY_BYTES = 1 << 20  # an update is a few kilobytes; a megabyte is plenty

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


def read_update(body: bytes, bot: Bot) -> tuple[Update | None, str | None]:
    """The update a webhook body holds, or what is wrong with it (one short phrase)."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "the body is not UTF-8 text"
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's limit
        return None, "the body is not JSON"
    problem = wrong_update_shape(data)
    if problem is not None:
        return None, problem
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # de_json fails in as many ways as a shape can be wrong
        return None, f"python-telegram-bot cannot read it as an update ({type(error).__name__})"
    return update, None


def webhook_server(application: TelegramApplication, path: str, secret: str) -> web.Application:
    """The aiohttp application that takes Telegram's POSTs at ``path`` (with or without a
    trailing slash) into the application's update queue."""
    wanted = path.rstrip("/")
    expected = secret.encode()

    async def receive(request: web.Request) -> web.StreamResponse:
        if request.path.rstrip("/") != wanted:
            return web.json_response({"error": "not found"}, status=404)
        if request.method != "POST":
            return web.json_response({"error": "POST only"}, status=405, headers={"Allow": "POST"})
        # As python-telegram-bot's own handler: the exact content type, then the secret.
        token = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if request.headers.get("Content-Type") != JSON_TYPE or not hmac.compare_digest(
            token, expected
        ):
            return web.json_response({"error": "forbidden"}, status=403)
        update, problem = read_update(await request.read(), application.bot)
        if update is None:
            log.warning("Telegram webhook request refused: %s", problem)
            return web.json_response({"error": "malformed update"}, status=400)
        bot = application.bot
        if isinstance(bot, ExtBot):  # as python-telegram-bot's handler does
            bot.insert_callback_data(update)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    server = web.Application(client_max_size=MAX_BODY_BYTES)
    server.router.add_route("*", "/{tail:.*}", receive)  # any path: compared as text above
    return server


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
            runner = web.AppRunner(webhook_server(application, path, secret), access_log=None)
            await runner.setup()
            try:
                # Registered, then served: Telegram holds what comes in between and resends it.
                await application.bot.set_webhook(
                    url=url,
                    secret_token=secret,
                    allowed_updates=Update.ALL_TYPES,  # as when polling: groups need members
                )
                await web.TCPSite(runner, listen, port).start()
                log.info("Webhook registered; listening on http://%s:%s%s", listen, port, path)
                await stop.wait()
            finally:
                await runner.cleanup()  # no new requests; those under way are answered
        finally:
            await application.stop()  # handles the updates already acknowledged
