"""Serving the Slack app: an aiohttp server for HTTP mode (events, commands, interactivity and the
OAuth pages), or a Socket Mode connection. Both run until ``stop`` is set."""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import build_normalized_headers, extract_content_type, parse_body
from slack_sdk.signature import SignatureVerifier

from bot.slack.app import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, SlackChannel
from bot.slack.request_shape import wrong_shape
from bot.slack.socket_mode import CheckedSocketModeHandler

log = logging.getLogger("bot.slack")
MAX_BODY_BYTES = 1 << 20  # Slack's payloads are a few kilobytes; a megabyte is plenty
BOLT_ONLY = "x-slack-bolt-"
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds; anything else can't be signed by Slack


def refused(problem: str) -> web.StreamResponse:
    """A signed request of the wrong shape: one warning line, and a 400 that Slack shows as
    a failed request."""
    log.warning("Slack request refused: %s", problem)
    return web.json_response({"error": "malformed request"}, status=400)


def web_app(channel: SlackChannel) -> web.Application:
    """An aiohttp application serving the Slack app, with a health check."""

    async def health(_request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok"})

    server = web.Application(client_max_size=MAX_BODY_BYTES)
    server.router.add_get("/healthz", health)
    add_slack_routes(server, channel)
    return server


def add_slack_routes(server: web.Application, channel: SlackChannel) -> None:
    """Events, commands and interactivity at /slack/events; the OAuth pages with OAuth."""
    app = channel.app

    verifier = SignatureVerifier(channel.config.signing_secret)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        # Signatures first, on the raw body: an unsigned request is refused before anything
        # reads it, whatever it holds. (Bolt checks again; an HMAC costs microseconds.) Bytes
        # that are not UTF-8 become U+FFFD, so they fail the check instead of raising inside
        # slack-sdk's verifier.
        raw = (await request.read()).decode("utf-8", errors="replace")
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not TIMESTAMP.fullmatch(timestamp) or not verifier.is_valid(raw, timestamp, signature):
            return web.json_response({"error": "invalid request signature"}, status=401)
        try:
            text = await request.text()  # as Bolt's adapter will read it
        except (UnicodeDecodeError, LookupError):  # bytes that are no text in that charset
            return refused("the body is not text")
        # Signed, but is it what Slack sends? Read the body as Bolt will (JSON, a form, or a
        # form's `payload` JSON) and check its shape before Bolt's matchers index into it.
        try:
            headers = build_normalized_headers(request.headers)  # type: ignore[arg-type]
            content_type = extract_content_type(headers)
            problem = wrong_shape(parse_body(text, content_type))
        except (ValueError, RecursionError):  # not JSON (or nested past the parser's limit)
            problem = "the body is not JSON"
        if problem is None and any(name.lower().startswith(BOLT_ONLY) for name in headers):
            # Bolt's lazy-listener headers, which only Bolt sets (on FaaS hosts): Slack does not
            # send them, and with them Bolt would skip every listener (404, a warning essay).
            problem = "it carries Bolt's own X-Slack-Bolt-* headers"
        if problem is not None:
            return refused(problem)
        try:
            bolt_request: AsyncBoltRequest = await to_bolt_request(request)
        except (ValueError, AttributeError, TypeError, KeyError) as error:
            # Whatever the shape check does not know of yet: still refused, not a 500.
            return refused(f"Bolt could not read it ({type(error).__name__})")
        response = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def oauth(request: web.Request) -> web.StreamResponse:
        flow = app.oauth_flow
        assert flow is not None  # routed only with OAuth
        bolt_request = await to_bolt_request(request)
        if request.path == INSTALL_PATH:
            response = await flow.handle_installation(bolt_request)
        else:
            response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(response)

    server.router.add_post(EVENTS_PATH, dispatch)
    if channel.oauth:
        server.router.add_get(INSTALL_PATH, oauth)
        server.router.add_get(REDIRECT_PATH, oauth)


async def run_http(channel: SlackChannel, stop: asyncio.Event, *, host: str, port: int) -> None:
    await channel.prepare()
    runner = web.AppRunner(web_app(channel), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("Slack app listening on http://%s:%s%s", host, port, EVENTS_PATH)
        await stop.wait()
    finally:
        await runner.cleanup()  # no new requests; those under way are answered
        await channel.drain()


async def run_socket_mode(channel: SlackChannel, stop: asyncio.Event, *, app_token: str) -> None:
    # Ask for the first connection URL ourselves: a refused app token then raises here (one
    # error line) instead of slack-sdk retrying it every ten seconds, forever.
    opened = await channel.app.client.apps_connections_open(app_token=app_token)
    await channel.prepare()
    handler = CheckedSocketModeHandler(channel.app, app_token)
    handler.client.wss_uri = str(opened["url"])
    connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]
    stopping = asyncio.ensure_future(stop.wait())
    try:
        # SIGTERM while connecting stops it too.
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not stopping.done():
            connecting.result()
            log.info("Slack app connected through Socket Mode")
            await stopping
    finally:
        for task in (connecting, stopping):
            task.cancel()
        await handler.close_async()  # type: ignore[no-untyped-call]
        await channel.drain()
