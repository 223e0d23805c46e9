"""The Slack channel's composition: a Bolt `AsyncApp` whose listeners drive the assessment
service. One workspace with a bot token, or many through OAuth with installations stored in our
database by slack-sdk's SQLAlchemy stores."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.assessments import Assessments
from bot.slack.blocks import ANSWER_ACTION, PLAN_ACTION
from bot.slack.commands import Commands
from bot.slack.common import PLATFORM, Body, Shared, log
from bot.slack.deliveries import dedupe_key
from bot.slack.dm import DirectMessages
from bot.slack.home import ENTER_ACTION, SCHEDULE_ACTION, SCHEDULE_VIEW, Home
from bot.slack.invitation import START_ACTION
from bot.slack.reminders import SNOOZE_ACTION, SlackCourier
from bot.slack.results import Results

COMMAND = "/maturity"
# What the app asks of a workspace; the manifest lists the same.
SCOPES = (
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:read",
    "im:history",
    "im:write",
    "users:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"
AUTHORIZE_PATH = "/oauth/v2/authorize"  # on the Web API's host
RATE_LIMIT_RETRIES = 5
OAUTH_STATE_SECONDS = 600
SEEN_KEPT = dt.timedelta(days=2)  # Slack retries an event for about an hour at most
DRAIN_SECONDS = 30.0  # a stop waits this long at most for listeners still at work
PRUNE_EVERY = 1000  # requests between clean-ups of the seen-updates table
# A person's DM messages that carry no answer. (Not message_changed: Slack sends one for each
# of the app's own chat.update calls too.)
UNREADABLE = ("file_share",)

Next = Callable[[], Awaitable[BoltResponse]]


@dataclass(frozen=True)
class SlackConfig:
    signing_secret: str
    api_url: str
    bot_token: str | None = None  # one workspace
    client_id: str | None = None  # OAuth: many workspaces
    client_secret: str | None = None


def web_client(api_url: str, token: str | None = None) -> AsyncWebClient:
    """A Web API client that waits out 429s (Retry-After) and retries brief outages."""
    return AsyncWebClient(
        token=token,
        base_url=api_url if api_url.endswith("/") else api_url + "/",
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client (which carries that same
    token, and our base URL and retry handlers) wins over it: true, and nothing to act on."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_not_token_skipped)


class SlackChannel:
    def __init__(self, assessments: Assessments, config: SlackConfig) -> None:
        self.assessments = assessments
        self.config = config
        self.shared = Shared(assessments)
        self.results = Results(self.shared)
        self.dm = DirectMessages(self.shared, self.results.when_everyone_submitted)
        self.home = Home(self.shared)
        self.commands = Commands(self.shared, self.dm, self.results, self.home)
        self.courier = SlackCourier(self.shared, self.dm, self.results, self.client_for)
        self.oauth = bool(config.client_id and config.client_secret)
        self.app = AsyncApp(
            signing_secret=config.signing_secret,
            client=web_client(config.api_url, None if self.oauth else config.bot_token),
            oauth_flow=self._oauth_flow() if self.oauth else None,
            process_before_response=False,
            # A request no listener takes is refused in one line (see _error), not with
            # Bolt's page of advice on writing the missing listener.
            raise_error_for_unhandled_request=True,
        )
        self._since_pruned = 0
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[int]] = set()
        self._register()

    @contextlib.asynccontextmanager
    async def _busy(self) -> AsyncIterator[None]:
        """Count a listener as in flight: Bolt runs it on after acknowledging the request,
        where stopping the server would not wait for it."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def drain(self, grace: float = DRAIN_SECONDS) -> None:
        """Wait for the listeners still at work, up to ``grace`` seconds: what a person was
        told is on its way gets there."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=grace)

    async def client_for(self, workspace: str) -> AsyncWebClient | None:
        """A client with the workspace's bot token, for messages no request asked for (the
        scheduler's); None when the app is not installed there."""
        if not self.oauth:
            return self.app.client
        store = self.app.installation_store
        assert store is not None
        found = await store.async_find_installation(enterprise_id=None, team_id=workspace)
        if found is None or not found.bot_token:
            return None
        return web_client(self.config.api_url, found.bot_token)

    async def prepare(self) -> None:
        """Before taking requests: forget deliveries too old to be retried."""
        await self.assessments.forget_old_updates(PLATFORM, SEEN_KEPT)

    def _oauth_flow(self) -> AsyncOAuthFlow:
        engine = self.assessments.database.engine
        client_id = str(self.config.client_id)
        settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=self.config.client_secret,
            scopes=list(SCOPES),
            installation_store=AsyncSQLAlchemyInstallationStore(client_id, engine),
            state_store=AsyncSQLAlchemyOAuthStateStore(OAUTH_STATE_SECONDS, engine),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # People authorize on the same Slack the Web API is (GovSlack's, say).
            authorization_url=urljoin(self.config.api_url, AUTHORIZE_PATH),
        )
        return AsyncOAuthFlow(client=web_client(self.config.api_url), settings=settings)

    def _register(self) -> None:
        app = self.app
        app.middleware(self._once_per_event)
        app.command(COMMAND)(self._command)
        app.action(START_ACTION)(self._start_pressed)
        app.action(re.compile(rf"^{ANSWER_ACTION}-\d+$"))(self._answer_pressed)
        app.action(re.compile(rf"^{PLAN_ACTION}:"))(self._ticked)
        app.action(re.compile(r"^forget:"))(self._forget)
        app.action(ENTER_ACTION)(self._enter)
        app.action(SNOOZE_ACTION)(self._snoozed)
        app.action(SCHEDULE_ACTION)(self._schedule_pressed)
        app.view(SCHEDULE_VIEW)(self._schedule_submitted)
        app.event("message")(self._message)
        app.event("app_home_opened")(self._home_opened)
        app.error(self._error)
        if self.oauth:  # an uninstalled workspace's installation and tokens are deleted
            app.enable_token_revocation_listeners()
        else:  # one workspace, its token from the environment: nothing stored to delete
            app.event("app_uninstalled")(_nothing_to_do)
            app.event("tokens_revoked")(_nothing_to_do)

    # ------------------------------------------------------------------ middleware

    async def _once_per_event(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse:
        """An event Slack sends again (a retry after a slow or lost acknowledgement) is
        acknowledged and not handled twice. A DM answer is deduplicated in the same
        transaction that stores it instead, so a crash in between cannot lose it."""
        self._since_pruned += 1
        if self._since_pruned >= PRUNE_EVERY:
            self._since_pruned = 0
            task = asyncio.create_task(self.assessments.forget_old_updates(PLATFORM, SEEN_KEPT))
            self._background.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._background.discard)
        body: Body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if (
            event_id
            and not _is_dm_message(body.get("event") or {})
            and not await self.assessments.first_time(PLATFORM, dedupe_key("e", event_id))
        ):
            log.info("event %s seen before: skipped", event_id)
            return BoltResponse(status=200, body="")
        return await next()

    # ------------------------------------------------------------------ listeners

    async def _command(
        self, ack: AsyncAck, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        async with self._busy():
            await self.commands.handle(body, client, respond)

    async def _start_pressed(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        async with self._busy():
            await self.dm.start_pressed(body, client)

    async def _answer_pressed(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        async with self._busy():
            await self.dm.pressed(body, client)

    async def _ticked(
        self, ack: AsyncAck, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        async with self._busy():
            await self.results.ticked(body, client, respond)

    async def _forget(
        self, ack: AsyncAck, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        async with self._busy():
            await self.commands.personal.confirm_forget(body, client, respond)

    async def _enter(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        async with self._busy():
            await self.dm.enter_from_home(body, client)

    async def _snoozed(
        self, ack: AsyncAck, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        async with self._busy():
            await self.courier.snoozed(body, client, respond)

    async def _schedule_pressed(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        async with self._busy():
            await self.home.schedule_pressed(body, client)

    async def _schedule_submitted(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        async with self._busy():
            await self.home.schedule_submitted(ack, body, client)

    async def _message(self, body: Body, event: Body, client: AsyncWebClient) -> None:
        async with self._busy():
            if _is_dm_message(event):
                await self.dm.typed(event, client, str(body.get("event_id", event.get("ts", ""))))
            elif (
                event.get("channel_type") == "im"
                and event.get("subtype") in UNREADABLE
                and event.get("user")
                and not event.get("bot_id")
            ):
                await self.dm.unreadable(event, client)

    async def _home_opened(self, event: Body, client: AsyncWebClient) -> None:
        async with self._busy():
            if event.get("tab", "home") == "home":
                await self.home.publish(client, str(event["user"]))

    async def _error(self, error: Exception, body: Body) -> None:
        if isinstance(error, BoltUnhandledRequestError):  # answered 404 by Bolt
            log.warning("Slack request refused: no listener for %s", _what(body))
            return
        # Tokens and secrets never reach the log: bot.logs scrubs every record.
        log.error("Slack %s failed", body.get("type") or body.get("command"), exc_info=error)


def _what(body: Body) -> str:
    """The kind of request and its listener key, cut short: enough to find it, no content."""
    kind = body.get("type") or body.get("command") or "?"
    inner = body.get("view") or body.get("event")
    key = inner.get("callback_id") or inner.get("type") if isinstance(inner, dict) else ""
    return repr(f"{kind} {key}".strip()[:80])


async def _nothing_to_do() -> None:
    """Acknowledged (Bolt acknowledges events itself), so Slack does not retry it."""


def _is_dm_message(event: Body) -> bool:
    """A person's own new message in their DM with the app (not an edit, a bot, or a join)."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )
