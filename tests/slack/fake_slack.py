"""A fake Slack for tests: the Web API, Socket Mode, response URLs and signed requests to the app.

slack_sdk and slack_bolt talk to it over real HTTP and WebSocket exactly as they talk to
slack.com, so a test runs the app's real request encoding, retries, signature checks and Socket
Mode client; only Slack is replaced. Replies copy Slack's shapes and error codes
(https://docs.slack.dev/reference/methods), because apps branch on them, and the fake rejects what
Slack rejects (bad tokens, unknown channels, invalid Block Kit), so a test against it can fail
for the reasons production would.

Slack → app traffic (slash commands, events, button presses, view submissions) is built here with
Slack's field names and sent to ``app_url`` signed with the signing secret, or through the Socket
Mode connection when ``transport == "socket"``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hashlib
import hmac
import itertools
import json
import mimetypes
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from aiohttp import web

JSON = dict[str, Any]
Handler = Callable[[JSON, "Workspace | None", web.Request], Awaitable[JSON]]
Transport = Literal["http", "socket"]
Reply = tuple[int, Any]  # HTTP status (200 over Socket Mode) and the parsed JSON, or the text

# Fields Slack takes as JSON; form-encoded calls (slack_sdk's ``params=``) send them as strings.
JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "view": "invalid_arguments",
    "files": "invalid_arguments",
    "metadata": "invalid_metadata_format",
}
TS = re.compile(r"\d{10}\.\d{6}")
BLOCK_TYPES = frozenset(
    {"actions", "context", "divider", "file", "header", "image", "input", "markdown",
     "rich_text", "section", "video", "table", "context_actions"}
)  # fmt: skip
# Elements Slack gives an action_id when the app leaves it out (they send block_actions).
INTERACTIVE = frozenset(
    {"button", "checkboxes", "radio_buttons", "static_select", "external_select",
     "users_select", "conversations_select", "channels_select", "multi_static_select",
     "multi_users_select", "multi_conversations_select", "multi_channels_select",
     "multi_external_select", "overflow", "datepicker", "timepicker", "datetimepicker",
     "plain_text_input", "email_text_input", "url_text_input", "number_input",
     "rich_text_input", "file_input"}
)  # fmt: skip
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
# Retired methods answer with an error rather than unknown_method.
RETIRED = {"files.upload": "method_deprecated"}
RESPONSE_URL_USES = 5  # Slack: "up to 5 times within 30 minutes"


class ApiError(Exception):
    """An error reply, raised inside a method: HTTP 200 with {"ok": false, "error": ...}."""

    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error, self.messages = error, messages

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error": self.error}
        if self.messages:
            # Slack lists Block Kit problems with JSON pointers; invalid_blocks also as "errors".
            if self.error == "invalid_blocks":
                body["errors"] = self.messages
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return web.json_response(body)


@dataclass(frozen=True)
class Call:
    """One Web API call as the fake received it (including the ones it refused)."""

    method: str
    params: JSON
    token: str | None


@dataclass
class Workspace:
    """A team the app is installed in; every bot token belongs to exactly one."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    domain: str


@dataclass
class Message:
    """A message the app posted, as it stands now; ``edits`` holds the earlier versions."""

    ts: str
    channel: str
    text: str
    blocks: list[JSON]
    thread_ts: str | None = None
    edits: list[Message] = field(default_factory=list)
    user: str = ""
    bot_id: str = ""
    team: str = ""
    attachments: list[JSON] = field(default_factory=list)
    files: list[JSON] = field(default_factory=list)
    metadata: JSON | None = None
    deleted: bool = False

    def as_slack(self) -> JSON:
        """The message object Slack returns (chat.postMessage) and sends (block_actions)."""
        message: JSON = {
            "type": "message",
            "user": self.user,
            "bot_id": self.bot_id,
            "team": self.team,
            "text": self.text,
            "ts": self.ts,
        }
        for name in ("blocks", "attachments", "files"):
            if getattr(self, name):
                message[name] = copy.deepcopy(getattr(self, name))
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.metadata:
            message["metadata"] = copy.deepcopy(self.metadata)
        if self.edits:
            message["edited"] = {"user": self.user, "ts": self.edits[-1].ts}
        return message

    def _snapshot(self) -> Message:
        return Message(
            ts=self.ts,
            channel=self.channel,
            text=self.text,
            blocks=copy.deepcopy(self.blocks),
            thread_ts=self.thread_ts,
            user=self.user,
            bot_id=self.bot_id,
            team=self.team,
            attachments=copy.deepcopy(self.attachments),
        )


@dataclass
class Ephemeral:
    """A message only ``user`` sees: chat.postEphemeral, or a response_url reply (``source``)."""

    channel: str
    user: str
    text: str
    blocks: list[JSON]
    message_ts: str = ""
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"
    deleted: bool = False


@dataclass
class Upload:
    """A file the app uploaded (files.getUploadURLExternal → POST → completeUploadExternal)."""

    file_id: str
    filename: str
    title: str
    content: bytes = field(repr=False)
    channel_id: str | None
    thread_ts: str | None
    initial_comment: str | None
    length: int = 0  # what the app declared; ``len(content)`` is what it sent


@dataclass
class _Channel:
    id: str
    name: str
    members: list[str]
    team_id: str
    is_private: bool = False
    im_user: str | None = None  # set for a DM with that user
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def is_im(self) -> bool:
        return self.im_user is not None


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int


@dataclass
class _PendingFile:
    file_id: str
    filename: str
    length: int
    team_id: str
    alt_txt: str | None
    content: bytes | None = None


@dataclass
class _ResponseUrl:
    """Where a response_url reply lands: the message (or ephemeral) the payload came from."""

    channel: str
    user: str
    team_id: str
    message_ts: str | None = None
    ephemeral: Ephemeral | None = None
    thread_ts: str | None = None
    uses: int = 0


def sign(body: str, *, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers for ``body`` (https://docs.slack.dev/authentication)."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def _truthy(value: Any) -> bool:
    # slack_sdk turns booleans in query params into "1"/"0"; other clients send "true".
    return str(value).lower() in ("1", "true", "yes")


def _plain(text_object: Any) -> str:
    return str(text_object.get("text", "")) if isinstance(text_object, dict) else str(text_object)


def _elements(blocks: list[JSON]) -> Iterator[tuple[JSON, JSON]]:
    """(block, element) for every interactive element of a block list, in display order."""
    for block in blocks:
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements", []):
                yield block, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def _option_key(option: JSON) -> tuple[str, str]:
    return str(option.get("value")), _plain(option.get("text"))


class _BlockChecker:
    """Block Kit's documented limits, reported the way Slack words them (with JSON pointers)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def text(self, obj: Any, pointer: str, limit: int, *, plain: bool = False) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            self.fail("must provide an object", pointer)
            return
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.fail(f"must be one of {list(kinds)}", f"{pointer}/type")
        if not obj["text"]:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        elif len(obj["text"]) > limit:
            self.fail(f"must be less than {limit + 1} characters", f"{pointer}/text")

    def blocks(self, blocks: Any, pointer: str, limit: int) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            here = f"{pointer}/{i}"
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                self.fail("missing required field: type", here)
                continue
            block_id = block.get("block_id")
            if block_id is not None:
                if not isinstance(block_id, str) or not 0 < len(block_id) <= 255:
                    self.fail("must be a string of 1 to 255 characters", f"{here}/block_id")
                elif block_id in block_ids:
                    self.fail("duplicate block_id", f"{here}/block_id")
                block_ids.add(str(block_id))
            self.block(block, here)

    def block(self, block: JSON, here: str) -> None:
        kind = block["type"]
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported type: {kind}", f"{here}/type")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail("must provide text or fields", here)
            if "text" in block:
                self.text(block["text"], f"{here}/text", 3000)
            for j, item in enumerate(block.get("fields", [])[:10]):
                self.text(item, f"{here}/fields/{j}", 2000)
            if len(block.get("fields", [])) > 10:
                self.fail("no more than 10 items allowed", f"{here}/fields")
            if "accessory" in block:
                self.element(block["accessory"], f"{here}/accessory")
        elif kind == "header":
            self.text(block.get("text"), f"{here}/text", 150, plain=True)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 25:
                self.fail("must provide 1 to 25 elements", f"{here}/elements")
                return
            action_ids: set[str] = set()
            for j, element in enumerate(elements):
                self.element(element, f"{here}/elements/{j}")
                action_id = element.get("action_id") if isinstance(element, dict) else None
                if action_id is not None and action_id in action_ids:
                    self.fail("duplicate action_id", f"{here}/elements/{j}/action_id")
                action_ids.add(str(action_id))
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 10:
                self.fail("must provide 1 to 10 elements", f"{here}/elements")
                return
            for j, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") != "image":
                    self.text(element, f"{here}/elements/{j}", 3000)
        elif kind == "input":
            self.text(block.get("label"), f"{here}/label", 2000, plain=True)
            if not isinstance(block.get("element"), dict):
                self.fail("missing required field: element", here)
            else:
                self.element(block["element"], f"{here}/element")
        elif kind == "image":
            if "image_url" not in block and "slack_file" not in block:
                self.fail("missing required field: image_url", here)
            if not block.get("alt_text"):
                self.fail("missing required field: alt_text", here)

    def element(self, element: Any, here: str) -> None:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            self.fail("missing required field: type", here)
            return
        kind = element["type"]
        action_id = element.get("action_id")
        if action_id is not None and not 0 < len(str(action_id)) <= 255:
            self.fail("must be a string of 1 to 255 characters", f"{here}/action_id")
        if kind == "button":
            self.text(element.get("text"), f"{here}/text", 75, plain=True)
            if len(str(element.get("value", ""))) > 2000:
                self.fail("must be less than 2001 characters", f"{here}/value")
            if len(str(element.get("url", ""))) > 3000:
                self.fail("must be less than 3001 characters", f"{here}/url")
            if element.get("style") not in (None, "primary", "danger"):
                self.fail("must be one of ['primary', 'danger']", f"{here}/style")
        elif kind in ("checkboxes", "radio_buttons", "static_select", "multi_static_select"):
            self.options(element, here, 10 if kind in ("checkboxes", "radio_buttons") else 100)

    def options(self, element: JSON, here: str, limit: int) -> None:
        options = element.get("options")
        if not isinstance(options, list) or not 0 < len(options) <= limit:
            self.fail(f"must provide 1 to {limit} options", f"{here}/options")
            return
        for j, option in enumerate(options):
            self.text(
                option.get("text") if isinstance(option, dict) else None,
                f"{here}/options/{j}/text",
                75,
            )
            if not isinstance(option, dict) or not 0 < len(str(option.get("value", ""))) <= 150:
                self.fail("must be a string of 1 to 150 characters", f"{here}/options/{j}/value")
        keys = {_option_key(o) for o in options if isinstance(o, dict)}
        initial = element.get("initial_options") or (
            [element["initial_option"]] if element.get("initial_option") else []
        )
        for j, option in enumerate(initial):
            # A common mistake: an initial option that differs from its option (e.g. its text).
            if not isinstance(option, dict) or _option_key(option) not in keys:
                self.fail("must match one of the provided options", f"{here}/initial_options/{j}")


class FakeSlack:
    """An in-process Slack: a test drives the app through it and inspects what the app did."""

    def __init__(
        self,
        *,
        signing_secret: str = "test-signing-secret",
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_id: str = "T0001",
        team_name: str = "CSMM Test",
        bot_user_id: str = "UBOT",
        bot_id: str = "B0001",
        app_id: str = "A0001",
        client_id: str = "1111.2222",
        client_secret: str = "test-client-secret",
        verification_token: str = "test-verification-token",
        members_page_size: int = 2,
        app_url: str | None = None,
        transport: Transport = "http",
    ) -> None:
        self.signing_secret = signing_secret
        self.app_token = app_token
        self.app_id = app_id
        self.client_id, self.client_secret = client_id, client_secret
        # Slack still puts this deprecated token in every payload; apps should ignore it.
        self.verification_token = verification_token
        # Small on purpose: conversations.members answers at most this many per page, so the
        # app's cursor loop really runs (Slack, too, may return fewer than ``limit``).
        self.members_page_size = members_page_size
        self.app_url = app_url
        self.transport: Transport = transport

        self.calls: list[Call] = []
        self.rate_limited = 0  # 429 replies sent
        self.ephemerals: list[Ephemeral] = []
        self.published: dict[str, JSON] = {}  # user id → their App Home view
        self.opened_views: list[JSON] = []  # views.open, oldest first
        self.uploads: list[Upload] = []
        self.responses: list[JSON] = []  # bodies POSTed to response URLs
        self.socket_acks: list[JSON] = []  # every Socket Mode ack, as received
        self.socket_connections = 0  # Socket Mode connections accepted so far

        self._workspaces: dict[str, Workspace] = {}
        self._tokens: dict[str, Workspace] = {}
        self._revoked: set[str] = set()
        self._users: dict[str, JSON] = {}
        self._channels: dict[str, _Channel] = {}
        self._messages: dict[str, list[Message]] = {}
        self._views: dict[str, JSON] = {}
        self._files: dict[str, _PendingFile] = {}
        self._oauth_codes: dict[str, JSON] = {}
        self._triggers: dict[str, bool] = {}  # issued trigger id → used
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._ticked: dict[tuple[str, str, str], dict[tuple[str, str], list[JSON]]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[JSON]] = {}
        self._ids = itertools.count(1)
        self._last_us = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None

        self._default = self.add_workspace(
            team_id, team_name, bot_token, bot_user_id, bot_id=bot_id
        )
        self._methods: dict[str, tuple[Handler, Literal["bot", "app", "none"], bool]] = {
            # name: (handler, token kind, read method: GET allowed and JSON bodies ignored)
            "auth.test": (self._auth_test, "bot", True),
            "team.info": (self._team_info, "bot", True),
            "chat.postMessage": (self._post_message, "bot", False),
            "chat.update": (self._update_message, "bot", False),
            "chat.delete": (self._delete_message, "bot", False),
            "chat.postEphemeral": (self._post_ephemeral, "bot", False),
            "conversations.open": (self._open_conversation, "bot", False),
            "conversations.info": (self._conversation_info, "bot", True),
            "conversations.members": (self._members, "bot", True),
            "users.info": (self._user_info, "bot", True),
            "views.publish": (self._views_publish, "bot", False),
            "views.open": (self._views_open, "bot", False),
            "views.update": (self._views_update, "bot", False),
            "files.getUploadURLExternal": (self._upload_url, "bot", False),
            "files.completeUploadExternal": (self._complete_upload, "bot", False),
            "apps.connections.open": (self._connections_open, "app", False),
            "oauth.v2.access": (self._oauth_access, "none", True),
        }

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=1024**3)  # files.slack.com takes up to 1 GB
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{response_id}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        for future in self._acks.values():
            future.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def origin(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``AsyncWebClient(base_url=...)``; the trailing slash matters (urljoin)."""
        return f"{self.origin}/api/"

    # -- the default workspace ------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self._default.team_id

    @property
    def bot_user_id(self) -> str:
        return self._default.bot_user_id

    @property
    def bot_token(self) -> str:
        return self._default.bot_token

    @property
    def bot_tokens(self) -> set[str]:
        return set(self._tokens) - self._revoked

    # -- directory ------------------------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str,
        team_name: str,
        bot_token: str,
        bot_user_id: str,
        *,
        bot_id: str | None = None,
        domain: str | None = None,
    ) -> Workspace:
        """Install the app in a team: ``bot_token`` becomes valid there (multi-workspace)."""
        workspace = Workspace(
            team_id=team_id,
            team_name=team_name,
            bot_token=bot_token,
            bot_user_id=bot_user_id,
            bot_id=bot_id or f"B{team_id}",
            domain=domain or re.sub(r"[^a-z0-9]+", "-", team_name.lower()).strip("-"),
        )
        self._workspaces[team_id] = workspace
        self._tokens[bot_token] = workspace
        self._revoked.discard(bot_token)
        if bot_user_id not in self._users:
            self.add_user(bot_user_id, "csmm", real_name="CSMM", is_bot=True, team_id=team_id)
        return workspace

    def revoke(self, token: str) -> None:
        """The token stops working (uninstall): its calls answer "token_revoked"."""
        self._revoked.add(token)

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        locale: str = "en-US",
        tz: str = "Europe/London",
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
        email: str | None = None,
    ) -> JSON:
        """A person (or bot) in a workspace; returns their users.info object (without locale)."""
        team = team_id or self.team_id
        real = real_name if real_name is not None else name
        profile: JSON = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": display_name if display_name is not None else name,
            "display_name_normalized": display_name if display_name is not None else name,
            "team": team,
        }
        if email is not None:
            profile["email"] = email
        try:
            zone = ZoneInfo(tz)
        except ZoneInfoNotFoundError:
            raise ValueError(f"unknown time zone {tz!r}") from None
        now = datetime.now(zone)
        offset = now.utcoffset()
        self._users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "locale": locale,
        }
        return self._user_object(user_id, include_locale=False)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: list[str],
        *,
        team_id: str | None = None,
        is_private: bool = False,
    ) -> None:
        """A channel with exactly these members; add the bot user to let the app post there."""
        self._channels[channel_id] = _Channel(
            channel_id, name, list(members), team_id or self.team_id, is_private
        )

    def dm_id(self, user_id: str) -> str:
        """The id of the app's DM with a user (deterministic here: "D" + user id)."""
        return f"D{user_id}"

    def add_oauth_code(
        self,
        code: str,
        *,
        team_id: str,
        team_name: str,
        bot_token: str,
        bot_user_id: str,
        installer_user_id: str,
        app_id: str | None = None,
        scope: str = "commands,chat:write,im:history,im:write,users:read,files:write",
        redirect_uri: str | None = None,
    ) -> None:
        """A code Slack's OAuth redirect would carry; oauth.v2.access exchanges it once."""
        self._oauth_codes[code] = {
            "team_id": team_id,
            "team_name": team_name,
            "bot_token": bot_token,
            "bot_user_id": bot_user_id,
            "installer_user_id": installer_user_id,
            "app_id": app_id or self.app_id,
            "scope": scope,
            "redirect_uri": redirect_uri,
        }

    # -- failures on demand ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``method`` fail: 429 + Retry-After (Slack's rate limit),
        200 + {"ok": false, "error"}, or another HTTP status (e.g. 500, 503)."""
        default = "ratelimited" if status == 429 else "fatal_error"
        failure = _Failure(status, error or default, retry_after)
        self._failures.setdefault(method, []).extend([failure] * count)

    # -- what the app did -----------------------------------------------------------------------

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        """The app's messages in a channel (thread replies included), oldest first."""
        found = self._messages.get(channel, [])
        return [m for m in found if include_deleted or not m.deleted]

    def dm(self, user_id: str) -> list[Message]:
        """The app's messages in its DM with a user, oldest first."""
        return self.messages(self.dm_id(user_id))

    def latest(self, channel: str) -> Message | None:
        found = self.messages(channel)
        return found[-1] if found else None

    def calls_to(self, method: str) -> list[JSON]:
        return [call.params for call in self.calls if call.method == method]

    @staticmethod
    def buttons(message: Message | Ephemeral | JSON | list[JSON]) -> list[JSON]:
        """Every button in a message: {text, action_id, value, block_id, style, url, element}."""
        found = []
        for block, element in _elements(FakeSlack._blocks_of(message)):
            if element.get("type") == "button":
                found.append(
                    {
                        "text": _plain(element.get("text")),
                        "action_id": element.get("action_id"),
                        "value": element.get("value"),
                        "block_id": block.get("block_id"),
                        "style": element.get("style"),
                        "url": element.get("url"),
                        "element": element,
                    }
                )
        return found

    @staticmethod
    def checkboxes(message: Message | Ephemeral | JSON | list[JSON]) -> list[JSON]:
        """Every checkboxes element: {action_id, block_id, options, initial_options, element}."""
        return [
            {
                "action_id": element.get("action_id"),
                "block_id": block.get("block_id"),
                "options": element.get("options", []),
                "initial_options": element.get("initial_options", []),
                "element": element,
            }
            for block, element in _elements(FakeSlack._blocks_of(message))
            if element.get("type") == "checkboxes"
        ]

    @staticmethod
    def _blocks_of(message: Message | Ephemeral | JSON | list[JSON]) -> list[JSON]:
        if isinstance(message, list):
            return message
        if isinstance(message, dict):
            return list(message.get("blocks") or [])
        return message.blocks

    # A plain `timeout` argument reads best in tests (ASYNC109 prefers asyncio.timeout()).
    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10,  # noqa: ASYNC109
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value; else fail with what the
        app did meanwhile."""
        try:
            async with asyncio.timeout(timeout):
                # Polling, not an Event: the predicate may watch state outside the fake (a DB).
                while not (result := predicate()):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                return result
        except TimeoutError:
            raise AssertionError(f"not true within {timeout}s; {self._summary()}") from None

    def _summary(self) -> str:
        lines = [
            f"  {c.method} {json.dumps(c.params, default=repr, ensure_ascii=False)[:200]}"
            for c in self.calls[-10:]
        ]
        return "last Web API calls:\n" + ("\n".join(lines) or "  (none)")

    # -- Web API plumbing -----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        spec = self._methods.get(name)
        read = spec is not None and spec[2]
        token: str | None = None
        try:
            params, token = await self._params(request, json_allowed=not read)
        except ApiError as error:
            self.calls.append(Call(name, {}, token))
            return error.response()
        self.calls.append(Call(name, params, token))
        failures = self._failures.get(name)
        if failures:
            return self._fail(failures.pop(0))
        try:
            if spec is None:
                raise ApiError(RETIRED.get(name, "unknown_method"))
            handler, kind, _ = spec
            if request.method not in ("POST", "GET") or (request.method == "GET" and not read):
                return web.Response(status=405, text="Method Not Allowed")
            workspace = self._authorize(kind, token)
            result = await handler(params, workspace, request)
        except ApiError as error:
            return error.response()
        except Exception as exc:
            # A bug in the fake must still reach the app as an API error, not an HTML page.
            return web.json_response(
                {"ok": False, "error": "fatal_error", "fake_slack_bug": repr(exc)}, status=500
            )
        return web.json_response({"ok": True, **result})

    def _fail(self, failure: _Failure) -> web.Response:
        body = {"ok": False, "error": failure.error}
        if failure.status == 429:
            self.rate_limited += 1
            headers = {"Retry-After": str(failure.retry_after)}
            return web.json_response(body, status=429, headers=headers)
        return web.json_response(body, status=failure.status)

    async def _params(self, request: web.Request, *, json_allowed: bool) -> tuple[JSON, str | None]:
        # slack_sdk sends some methods' arguments in the query string even on POST.
        params: JSON = dict(request.query)
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = json.loads(await request.text())
            except ValueError:
                raise ApiError("invalid_json") from None
            if not isinstance(body, dict):
                raise ApiError("invalid_json")
            # Slack reads JSON bodies only for write methods, and never a token inside them.
            if json_allowed:
                params.update({k: v for k, v in body.items() if k != "token"})
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, str):
                    params[key] = value
        token = params.pop("token", None)
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header.removeprefix("Bearer ").strip()
        for name, error in JSON_FIELDS.items():
            value = params.get(name)
            if value == "":
                del params[name]
            elif isinstance(value, str):
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    raise ApiError(error) from None
        return params, token

    def _authorize(self, kind: str, token: str | None) -> Workspace | None:
        if kind == "none":
            return None
        if not token:
            raise ApiError("not_authed")
        if token in self._revoked:
            raise ApiError("token_revoked")
        if kind == "app":
            if token == self.app_token:
                return None
            raise ApiError("not_allowed_token_type" if token in self._tokens else "invalid_auth")
        if token in self._tokens:
            return self._tokens[token]
        raise ApiError("not_allowed_token_type" if token == self.app_token else "invalid_auth")

    def _next_ts(self) -> str:
        # Real time, but strictly increasing, in Slack's "seconds.micros" form.
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _short_id(self) -> str:
        # Slack invents short opaque block_id / action_id values where the app gave none.
        return base64.b32encode(secrets.token_bytes(5)).decode()[:5]

    def _conversation(self, value: Any, ws: Workspace, *, allow_user: bool = False) -> _Channel:
        """A channel, DM or (``allow_user``) user id, as Slack resolves it for ``ws``'s bot."""
        channel_id = str(value or "")
        channel = self._channels.get(channel_id)
        if channel is not None:
            if channel.team_id != ws.team_id:
                raise ApiError("channel_not_found")
            if channel.is_private and ws.bot_user_id not in channel.members:
                raise ApiError("channel_not_found")  # private channels are invisible outside
            return channel
        user_id = channel_id[1:] if channel_id.startswith("D") else None
        if allow_user and channel_id in self._users:
            user_id = channel_id
        user = self._users.get(user_id or "")
        if user is None or user["team_id"] != ws.team_id or user_id == ws.bot_user_id:
            raise ApiError("channel_not_found")
        return self._open_dm(str(user_id), ws)

    def _open_dm(self, user_id: str, ws: Workspace) -> _Channel:
        dm = self._channels.get(self.dm_id(user_id))
        if dm is None:
            dm = _Channel(self.dm_id(user_id), user_id, [user_id, ws.bot_user_id], ws.team_id)
            dm.im_user = user_id
            self._channels[dm.id] = dm
        return dm

    def _postable(self, channel: _Channel, ws: Workspace) -> None:
        if not channel.is_im and ws.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")

    def _user(self, value: Any, ws: Workspace) -> JSON:
        user = self._users.get(str(value or ""))
        if user is None or user["team_id"] != ws.team_id:
            raise ApiError("user_not_found")
        return user

    def _user_object(self, user_id: str, *, include_locale: bool) -> JSON:
        user = copy.deepcopy(self._users[user_id])
        if not include_locale:
            user.pop("locale")
        return user

    def _check_blocks(self, blocks: Any, *, limit: int = MESSAGE_BLOCK_LIMIT) -> list[JSON]:
        checker = _BlockChecker()
        checker.blocks(blocks, "/blocks", limit)
        if checker.errors:
            raise ApiError("invalid_blocks", messages=checker.errors)
        return self._fill_ids(blocks)

    def _fill_ids(self, blocks: list[JSON]) -> list[JSON]:
        # Slack stores (and returns) a block_id for every block and an action_id for every
        # interactive element; payloads carry them even when the app set none.
        filled = copy.deepcopy(blocks)
        for block in filled:
            block.setdefault("block_id", self._short_id())
        for _, element in _elements(filled):
            if element.get("type") in INTERACTIVE:
                element.setdefault("action_id", self._short_id())
        return filled

    def _content(self, p: JSON) -> tuple[str, list[JSON] | None, list[JSON] | None]:
        """text, blocks and attachments of a message call; None where the call left one out."""
        text = "" if p.get("text") is None else str(p["text"])
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise ApiError("msg_too_long")
        blocks = self._check_blocks(p["blocks"]) if "blocks" in p else None
        attachments = p.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            raise ApiError("invalid_attachments")
        return text, blocks, attachments

    # -- methods --------------------------------------------------------------------------------

    async def _auth_test(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.team_name,
            "user": self._users[ws.bot_user_id]["name"],
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    async def _team_info(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        return {"team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain}}

    async def _post_message(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        channel = self._conversation(p.get("channel"), ws, allow_user=True)
        self._postable(channel, ws)
        text, blocks, attachments = self._content(p)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        thread_ts = p.get("thread_ts") or None
        if thread_ts is not None and not TS.fullmatch(str(thread_ts)):
            raise ApiError("invalid_thread_ts")
        message = Message(
            ts=self._next_ts(),
            channel=channel.id,
            text=text,
            blocks=blocks or [],
            thread_ts=str(thread_ts) if thread_ts else None,
            user=ws.bot_user_id,
            bot_id=ws.bot_id,
            team=ws.team_id,
            attachments=attachments or [],
            metadata=p.get("metadata"),
        )
        self._messages.setdefault(channel.id, []).append(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.as_slack()}

    def _own_message(self, p: JSON, ws: Workspace, error: str) -> Message:
        channel = self._conversation(p.get("channel"), ws)
        ts = str(p.get("ts") or "")
        for message in self._messages.get(channel.id, []):
            if message.ts == ts and not message.deleted:
                if message.bot_id != ws.bot_id:
                    raise ApiError(error)
                return message
        raise ApiError("message_not_found")

    async def _update_message(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        message = self._own_message(p, ws, "cant_update_message")
        text, blocks, attachments = self._content(p)
        if "text" not in p and blocks is None and attachments is None:
            raise ApiError("no_text")
        self._replace(message, text if "text" in p else None, blocks, attachments)
        return {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.as_slack(),
        }

    def _replace(
        self,
        message: Message,
        text: str | None,
        blocks: list[JSON] | None,
        attachments: list[JSON] | None = None,
    ) -> None:
        # Left-out blocks/attachments are kept (chat.update docs); thread_ts never changes.
        message.edits.append(message._snapshot())
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        if attachments is not None:
            message.attachments = attachments
        # The client re-renders the message, so what people ticked in it is forgotten.
        for key in [k for k in self._ticked if k[1:] == (message.channel, message.ts)]:
            del self._ticked[key]

    async def _delete_message(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        message = self._own_message(p, ws, "cant_delete_message")
        message.deleted = True
        return {"channel": message.channel, "ts": message.ts}

    async def _post_ephemeral(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        channel = self._conversation(p.get("channel"), ws)
        user = self._user(p.get("user"), ws)
        self._postable(channel, ws)
        if user["id"] not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks, attachments = self._content(p)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        ephemeral = Ephemeral(
            channel=channel.id,
            user=user["id"],
            text=text,
            blocks=blocks or [],
            message_ts=self._next_ts(),
            thread_ts=p.get("thread_ts") or None,
        )
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.message_ts}

    async def _open_conversation(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        if p.get("channel"):
            channel = self._conversation(p["channel"], ws)
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
        users = [u.strip() for u in str(p.get("users") or "").split(",") if u.strip()]
        if len(users) != 1:
            # Group DMs (2-8 users) are not modelled: the app only talks to people one to one.
            raise ApiError("users_list_not_supplied" if not users else "not_implemented")
        user = self._user(users[0], ws)
        if user["id"] == ws.bot_user_id:
            raise ApiError("cannot_dm_bot")
        already = self.dm_id(user["id"]) in self._channels
        dm = self._open_dm(user["id"], ws)
        channel: JSON = {"id": dm.id}
        if _truthy(p.get("return_im")):
            channel.update({"created": dm.created, "is_im": True, "user": user["id"]})
        return {"channel": channel, "no_op": already, "already_open": already}

    def _channel_object(self, channel: _Channel) -> JSON:
        if channel.is_im:
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "user": channel.im_user,
                "is_user_deleted": False,
            }
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "created": channel.created,
            "is_archived": False,
            "is_general": False,
            "is_member": self._workspaces[channel.team_id].bot_user_id in channel.members,
            "context_team_id": channel.team_id,
            "num_members": len(channel.members),
        }

    async def _conversation_info(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        return {"channel": self._channel_object(self._conversation(p.get("channel"), ws))}

    async def _members(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        channel = self._conversation(p.get("channel"), ws)
        start = 0
        if p.get("cursor"):
            try:
                start = int(base64.b64decode(str(p["cursor"])).decode().removeprefix("offset:"))
            except (ValueError, binascii.Error):
                raise ApiError("invalid_cursor") from None
        limit = int(p.get("limit") or 100)
        if not 0 < limit <= 1000:
            raise ApiError("invalid_limit")
        end = start + min(limit, self.members_page_size)
        page = channel.members[start:end]
        more = end < len(channel.members)
        cursor = base64.b64encode(f"offset:{end}".encode()).decode() if more else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    async def _user_info(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        if not p.get("user"):
            raise ApiError("invalid_arguments")
        user = self._user(p["user"], ws)
        include = _truthy(p.get("include_locale"))
        return {"user": self._user_object(user["id"], include_locale=include)}

    def _check_view(self, view: Any, kind: str) -> JSON:
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments", messages=["missing required field: view"])
        checker = _BlockChecker()
        if view.get("type") != kind:
            checker.fail(f"must be '{kind}'", "/view/type")
        checker.blocks(view.get("blocks", []), "/view/blocks", VIEW_BLOCK_LIMIT)
        if kind == "modal":
            checker.text(view.get("title"), "/view/title", 24, plain=True)
            for name in ("submit", "close"):
                if name in view:
                    checker.text(view[name], f"/view/{name}", 24, plain=True)
            inputs = any(b.get("type") == "input" for b in view.get("blocks", []) if b)
            if inputs and "submit" not in view:
                checker.fail("must provide submit when input blocks are present", "/view")
        if len(str(view.get("private_metadata", ""))) > 3000:
            checker.fail("must be less than 3001 characters", "/view/private_metadata")
        if len(str(view.get("callback_id", ""))) > 255:
            checker.fail("must be less than 256 characters", "/view/callback_id")
        if checker.errors:
            raise ApiError("invalid_arguments", messages=checker.errors)
        return view

    def _store_view(self, view: JSON, ws: Workspace, view_id: str | None = None) -> JSON:
        view_id = view_id or self._new_id("V")
        stored: JSON = {
            "id": view_id,
            "team_id": ws.team_id,
            "type": view["type"],
            "blocks": self._fill_ids(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
        }
        self._views[view_id] = stored
        return stored

    async def _views_publish(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        if not p.get("user_id"):
            raise ApiError("invalid_arguments", messages=["missing required field: user_id"])
        user = self._user(p["user_id"], ws)
        view = self._check_view(p.get("view"), "home")
        current = self.published.get(user["id"])
        if p.get("hash") and (current is None or current["hash"] != p["hash"]):
            raise ApiError("hash_conflict")
        stored = self._store_view(view, ws, current["id"] if current else None)
        self.published[user["id"]] = stored
        return {"view": copy.deepcopy(stored)}

    def new_trigger_id(self) -> str:
        """A trigger id as Slack puts in payloads; views.open accepts each one once."""
        trigger = f"{next(self._ids)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        self._triggers[trigger] = False
        return trigger

    async def _views_open(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        trigger = str(p.get("trigger_id") or "")
        if trigger not in self._triggers:
            raise ApiError("invalid_trigger_id")
        if self._triggers[trigger]:
            raise ApiError("exchanged_trigger_id")
        view = self._check_view(p.get("view"), "modal")
        self._triggers[trigger] = True
        stored = self._store_view(view, ws)
        self.opened_views.append(stored)
        return {"view": copy.deepcopy(stored)}

    async def _views_update(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        current = self._views.get(str(p.get("view_id") or ""))
        if current is None and p.get("external_id"):
            matches = [v for v in self._views.values() if v["external_id"] == p["external_id"]]
            current = matches[-1] if matches else None
        if current is None or current["team_id"] != ws.team_id:
            raise ApiError("not_found")
        if p.get("hash") and current["hash"] != p["hash"]:
            raise ApiError("hash_conflict")
        view = self._check_view(p.get("view"), current["type"])
        stored = self._store_view(view, ws, current["id"])
        for user_id, published in self.published.items():
            if published["id"] == stored["id"]:
                self.published[user_id] = stored
        self.opened_views[:] = [stored if v["id"] == stored["id"] else v for v in self.opened_views]
        return {"view": copy.deepcopy(stored)}

    async def _upload_url(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        if not p.get("filename"):
            raise ApiError("invalid_arguments", messages=["missing required field: filename"])
        try:
            length = int(p.get("length", ""))
        except ValueError:
            raise ApiError(
                "invalid_arguments", messages=["missing required field: length"]
            ) from None
        if length < 1:
            raise ApiError("invalid_arguments", messages=["length must be at least 1"])
        file_id = self._new_id("F")
        self._files[file_id] = _PendingFile(
            file_id, str(p["filename"]), length, ws.team_id, p.get("alt_txt")
        )
        return {"upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        pending = self._files.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="Not Found")
        if request.content_type == "multipart/form-data":
            parts = [v for v in (await request.post()).values() if isinstance(v, web.FileField)]
            data = parts[0].file.read() if parts else b""
        else:
            data = await request.read()
        pending.content = data
        # text/plain, as files.slack.com answers: slack_sdk reads it as text.
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _complete_upload(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        assert ws is not None
        files = p.get("files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", messages=["missing required field: files"])
        pending: list[tuple[_PendingFile, str]] = []
        for item in files:
            found = self._files.get(str(item.get("id") if isinstance(item, dict) else ""))
            if found is None or found.team_id != ws.team_id or found.content is None:
                raise ApiError("file_not_found")
            pending.append((found, str(item.get("title") or found.filename)))
        targets = [c for c in str(p.get("channels") or "").split(",") if c]
        if p.get("channel_id"):
            targets.insert(0, str(p["channel_id"]))
        channels = [self._conversation(c, ws) for c in targets]
        for channel in channels:
            self._postable(channel, ws)
        thread_ts = p.get("thread_ts") or None
        if thread_ts and not channels:
            raise ApiError("invalid_arguments", messages=["thread_ts requires a channel"])
        shared: list[JSON] = []
        for found, title in pending:
            del self._files[found.file_id]
            mimetype = mimetypes.guess_type(found.filename)[0] or "application/octet-stream"
            info = {
                "id": found.file_id,
                "name": found.filename,
                "title": title,
                "mimetype": mimetype,
                "size": len(found.content or b""),
                "user": ws.bot_user_id,
                "created": int(time.time()),
            }
            shared.append(info)
            for channel in channels or [None]:
                self.uploads.append(
                    Upload(
                        file_id=found.file_id,
                        filename=found.filename,
                        title=title,
                        content=found.content or b"",
                        channel_id=channel.id if channel else None,
                        thread_ts=str(thread_ts) if thread_ts else None,
                        initial_comment=p.get("initial_comment"),
                        length=found.length,
                    )
                )
        for channel in channels:
            # Sharing files posts a message with them (and the comment) into the channel.
            self._messages.setdefault(channel.id, []).append(
                Message(
                    ts=self._next_ts(),
                    channel=channel.id,
                    text=str(p.get("initial_comment") or ""),
                    blocks=[],
                    thread_ts=str(thread_ts) if thread_ts else None,
                    user=ws.bot_user_id,
                    bot_id=ws.bot_id,
                    team=ws.team_id,
                    files=copy.deepcopy(shared),
                )
            )
        return {"files": shared}

    async def _connections_open(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"url": f"ws://127.0.0.1:{self._port}/socket?ticket={ticket}"}

    async def _oauth_access(self, p: JSON, ws: Workspace | None, r: web.Request) -> JSON:
        client_id, client_secret = p.get("client_id"), p.get("client_secret")
        header = r.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
            except (ValueError, binascii.Error):
                raise ApiError("invalid_client_id") from None
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise ApiError("bad_client_secret")
        grant = self._oauth_codes.get(str(p.get("code") or ""))
        if grant is None:
            raise ApiError("invalid_code")
        if grant["redirect_uri"] and p.get("redirect_uri") != grant["redirect_uri"]:
            raise ApiError("bad_redirect_uri")
        del self._oauth_codes[str(p["code"])]  # a code is good for one exchange
        self.add_workspace(
            grant["team_id"], grant["team_name"], grant["bot_token"], grant["bot_user_id"]
        )
        if grant["installer_user_id"] not in self._users:
            self.add_user(grant["installer_user_id"], "installer", team_id=grant["team_id"])
        return {
            "app_id": grant["app_id"],
            "authed_user": {"id": grant["installer_user_id"]},
            "scope": grant["scope"],
            "token_type": "bot",
            "access_token": grant["bot_token"],
            "bot_user_id": grant["bot_user_id"],
            "team": {"id": grant["team_id"], "name": grant["team_name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # -- response URLs --------------------------------------------------------------------------

    def _new_response_url(self, origin: _ResponseUrl) -> str:
        response_id = uuid.uuid4().hex
        self._response_urls[response_id] = origin
        return f"{self.origin}/response/{response_id}"

    async def _response(self, request: web.Request) -> web.Response:
        origin = self._response_urls.get(request.match_info["response_id"])
        if origin is None:
            return web.json_response({"ok": False, "error": "no_service"}, status=404)
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        self.responses.append(body)
        if origin.uses >= RESPONSE_URL_USES:
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        origin.uses += 1
        try:
            self._apply_response(origin, body)
        except ApiError as error:
            return web.json_response({"ok": False, "error": error.error}, status=400)
        return web.json_response({"ok": True})

    def _apply_response(
        self, origin: _ResponseUrl, body: JSON, source: str = "response_url"
    ) -> None:
        # What the person sees after a response_url reply, as Slack's clients show it.
        ws = self._workspaces[origin.team_id]
        original = next(
            (m for m in self.messages(origin.channel) if m.ts == origin.message_ts), None
        )
        if _truthy(body.get("delete_original")):
            if origin.ephemeral is not None:
                origin.ephemeral.deleted = True
            elif original is not None:
                original.deleted = True
            return
        text = "" if body.get("text") is None else str(body["text"])
        blocks = self._check_blocks(body["blocks"]) if body.get("blocks") is not None else None
        if not text and not blocks:
            raise ApiError("no_text")
        if _truthy(body.get("replace_original")):
            if origin.ephemeral is not None:
                origin.ephemeral.text, origin.ephemeral.blocks = text, blocks or []
                return
            if original is not None:
                self._replace(original, text, blocks or [])
                return
        if body.get("response_type") == "in_channel":
            message = Message(
                ts=self._next_ts(),
                channel=origin.channel,
                text=text,
                blocks=blocks or [],
                thread_ts=body.get("thread_ts") or origin.thread_ts,
                user=ws.bot_user_id,
                bot_id=ws.bot_id,
                team=ws.team_id,
            )
            self._messages.setdefault(origin.channel, []).append(message)
            return
        self.ephemerals.append(
            Ephemeral(
                channel=origin.channel,
                user=origin.user,
                text=text,
                blocks=blocks or [],
                message_ts=self._next_ts(),
                thread_ts=origin.thread_ts,
                source=source,
            )
        )

    # -- Socket Mode ----------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)  # Socket Mode URLs are single-use
        # autoping answers slack_sdk's pings, which it uses to detect stale connections.
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket_connections += 1
        self._sockets.append(ws)
        try:
            await ws.send_json(
                {
                    "type": "hello",
                    "num_connections": len(self._sockets),
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self._on_socket_text(msg.data)
        finally:
            self._sockets.remove(ws)
        return ws

    def _on_socket_text(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except ValueError:
            return
        if not isinstance(ack, dict):
            return
        self.socket_acks.append(ack)
        future = self._acks.get(str(ack.get("envelope_id")))
        if future is not None and not future.done():
            future.set_result(ack)

    def _live_socket(self) -> web.WebSocketResponse | None:
        live = [ws for ws in self._sockets if not ws.closed]
        return live[-1] if live else None

    async def wait_socket_connected(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until the app holds an open Socket Mode connection."""
        try:
            async with asyncio.timeout(timeout):
                while self._live_socket() is None:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(
                f"no Socket Mode connection within {timeout}s "
                f"({self.socket_connections} accepted so far); {self._summary()}"
            ) from None

    async def drop_socket(self, *, graceful: bool = False) -> None:
        """End the app's connection: a close frame, or (``graceful``) Slack's "disconnect"
        message, after which the app should reconnect by itself."""
        ws = self._live_socket()
        if ws is None:
            raise AssertionError("no Socket Mode connection to drop")
        if graceful:
            await ws.send_json(
                {
                    "type": "disconnect",
                    "reason": "refresh_requested",
                    "debug_info": {"host": "applink-fake"},
                }
            )
        else:
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)

    async def socket_send(
        self,
        kind: str,
        payload: JSON,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10,  # noqa: ASYNC109
    ) -> JSON:
        """Send one envelope ("events_api", "slash_commands", "interactive") and wait for the
        app's ack; returns the ack's payload ({} when it has none)."""
        await self.wait_socket_connected(timeout)
        ws = self._live_socket()
        assert ws is not None
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        try:
            await ws.send_json(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": retry_attempt,
                    "retry_reason": retry_reason,
                }
            )
            async with asyncio.timeout(timeout):
                ack = await future
        except TimeoutError:
            raise AssertionError(
                f"no ack for {kind} envelope {envelope_id} within {timeout}s; {self._summary()}"
            ) from None
        finally:
            self._acks.pop(envelope_id, None)
        result = ack.get("payload")
        return result if isinstance(result, dict) else {}

    # -- requests into the app ------------------------------------------------------------------

    async def post_to_app(
        self,
        body: str,
        content_type: str,
        *,
        headers_extra: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, str]:
        """POST a signed body to ``app_url``; ``secret``/``timestamp`` forge bad signatures."""
        if self.app_url is None:
            raise RuntimeError("set fake.app_url (or fake.transport = 'socket') first")
        if self._session is None:
            raise RuntimeError("FakeSlack is not started")
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **sign(body, secret=secret or self.signing_secret, timestamp=timestamp),
            **(headers_extra or {}),
        }
        async with self._session.post(self.app_url, data=body.encode(), headers=headers) as r:
            return r.status, await r.text()

    async def _deliver(
        self,
        kind: str,
        payload: JSON,
        *,
        form: str,
        headers_extra: dict[str, str] | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Reply:
        if self.transport == "socket":
            ack = await self.socket_send(
                kind, payload, retry_attempt=retry_attempt, retry_reason=retry_reason
            )
            return 200, ack
        if kind == "events_api":
            body, content_type = json.dumps(payload), "application/json"
        else:
            body, content_type = form, "application/x-www-form-urlencoded"
        status, text = await self.post_to_app(body, content_type, headers_extra=headers_extra)
        try:
            return status, json.loads(text) if text.strip() else text
        except ValueError:
            return status, text

    def _person(self, user_id: str) -> JSON:
        user = self._users.get(user_id)
        if user is None:
            raise AssertionError(f"unknown user {user_id!r}: fake.add_user() them first")
        return user

    def _channel_name(self, channel_id: str) -> str:
        channel = self._channels.get(channel_id)
        if (channel is not None and channel.is_im) or channel_id.startswith("D"):
            return "directmessage"
        # What Slack sends for a private channel the app is not in.
        return channel.name if channel is not None else "privategroup"

    async def command(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        command: str = "/maturity",
    ) -> Reply:
        """A slash command typed by ``user_id`` in ``channel_id``; returns the app's ack."""
        user = self._person(user_id)
        ws = self._workspaces[user["team_id"]]
        fields = {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "trigger_id": self.new_trigger_id(),
        }
        origin = _ResponseUrl(channel=channel_id, user=user_id, team_id=ws.team_id)
        fields["response_url"] = self._new_response_url(origin)
        status, body = await self._deliver("slash_commands", fields, form=urlencode(fields))
        # A command's ack may carry the reply itself: Slack shows it as a response_url reply
        # (ephemeral unless response_type is in_channel); recorded with source "ack".
        shown = {"text": body} if isinstance(body, str) else body
        if status == 200 and isinstance(shown, dict) and (shown.get("text") or shown.get("blocks")):
            self._apply_response(origin, shown, source="ack")
        return status, body

    async def event(
        self,
        event: JSON,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        team_id: str | None = None,
    ) -> Reply:
        """An Events API delivery (event_callback); ``retry_num`` makes it one of Slack's
        redeliveries of ``event_id``."""
        ws = self._workspaces[team_id or self.team_id]
        envelope = {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "context_team_id": ws.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(24)}",
        }
        headers = None
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return await self._deliver(
            "events_api",
            envelope,
            form="",
            headers_extra=headers,
            retry_attempt=retry_num or 0,
            retry_reason=retry_reason if retry_num is not None else "",
        )

    def message_event(self, user_id: str, text: str, *, channel: str | None = None) -> JSON:
        """A "message" event from a person: in their DM with the app unless ``channel``."""
        user = self._person(user_id)
        ts = self._next_ts()
        in_dm = channel is None or channel.startswith("D")
        known = self._channels.get(channel or "")
        channel_type = "im" if in_dm else "group" if known and known.is_private else "channel"
        return {
            "type": "message",
            "client_msg_id": str(uuid.uuid4()),
            "text": text,
            "user": user_id,
            "ts": ts,
            "team": user["team_id"],
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": self._short_id(),
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                }
            ],
            "channel": channel or self.dm_id(user_id),
            "event_ts": ts,
            "channel_type": channel_type,
        }

    async def send_dm(self, user_id: str, text: str) -> Reply:
        """``user_id`` writes ``text`` to the app in their DM (a message event)."""
        user = self._person(user_id)
        return await self.event(self.message_event(user_id, text), team_id=user["team_id"])

    async def home_opened(self, user_id: str) -> Reply:
        """``user_id`` opens the app's Home tab (app_home_opened)."""
        user = self._person(user_id)
        event: JSON = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.dm_id(user_id),
            "tab": "home",
            "event_ts": self._next_ts(),
        }
        if user_id in self.published:
            event["view"] = copy.deepcopy(self.published[user_id])
        return await self.event(event, team_id=user["team_id"])

    async def url_verification(self, challenge: str = "fake-challenge") -> Reply:
        """The handshake Slack sends when the Request URL is saved."""
        payload = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        if self.transport == "socket":
            raise RuntimeError("url_verification is an HTTP-only request")
        return await self._deliver("events_api", payload, form="")

    async def interactive(self, payload: JSON) -> Reply:
        """Send a raw interactive payload (form field ``payload=`` or a Socket Mode envelope)."""
        return await self._deliver(
            "interactive", payload, form=urlencode({"payload": json.dumps(payload)})
        )

    def _actor(self, user_id: str) -> tuple[JSON, Workspace]:
        user = self._person(user_id)
        ws = self._workspaces[user["team_id"]]
        return {
            "id": user_id,
            "username": user["name"],
            "name": user["name"],
            "team_id": ws.team_id,
        }, ws

    def _find_message(self, channel: str, ts: str) -> Message:
        for message in self.messages(channel):
            if message.ts == ts:
                return message
        raise AssertionError(f"the app has no message {ts} in {channel}")

    def _state(self, user_id: str, message: Message | Ephemeral) -> JSON:
        # Slack sends the current value of every stateful element in the message; checkboxes
        # start at initial_options and follow the person's ticks until the message changes.
        ts = message.ts if isinstance(message, Message) else message.message_ts
        ticked = self._ticked.get((user_id, message.channel, ts), {})
        values: JSON = {}
        for box in self.checkboxes(message):
            key = (str(box["block_id"]), str(box["action_id"]))
            selected = ticked.get(key, box["initial_options"])
            values.setdefault(key[0], {})[key[1]] = {
                "type": "checkboxes",
                "selected_options": copy.deepcopy(selected),
            }
        return {"values": values}

    def _block_actions(self, user_id: str, message: Message | Ephemeral, action: JSON) -> JSON:
        user, ws = self._actor(user_id)
        # A person can only click what they can see.
        channel = self._channels.get(message.channel)
        if channel is not None and user_id not in channel.members:
            raise AssertionError(f"{user_id} is not in {message.channel}; they can't see it")
        if isinstance(message, Ephemeral) and message.user != user_id:
            raise AssertionError(f"that ephemeral message is {message.user}'s, not {user_id}'s")
        ephemeral = isinstance(message, Ephemeral)
        ts = message.message_ts if isinstance(message, Ephemeral) else message.ts
        container: JSON = {
            "type": "message",
            "message_ts": ts,
            "channel_id": message.channel,
            "is_ephemeral": ephemeral,
        }
        if message.thread_ts:
            container["thread_ts"] = message.thread_ts
        origin = _ResponseUrl(
            channel=message.channel,
            user=user_id,
            team_id=ws.team_id,
            message_ts=None if ephemeral else ts,
            ephemeral=message if isinstance(message, Ephemeral) else None,
            thread_ts=message.thread_ts,
        )
        payload: JSON = {
            "type": "block_actions",
            "user": user,
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "container": container,
            "trigger_id": self.new_trigger_id(),
            "team": {"id": ws.team_id, "domain": ws.domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": message.channel, "name": self._channel_name(message.channel)},
        }
        if isinstance(message, Message):  # ephemeral messages are not sent back
            payload["message"] = message.as_slack()
        payload["state"] = self._state(user_id, message)
        payload["response_url"] = self._new_response_url(origin)
        payload["actions"] = [{**action, "action_ts": self._next_ts()}]
        return payload

    async def press(
        self,
        user_id: str,
        label_or_predicate: str | Callable[[JSON], bool],
        *,
        channel: str | None = None,
        message: Message | Ephemeral | None = None,
    ) -> Reply:
        """``user_id`` presses a button: the one matching ``label_or_predicate`` (its exact text,
        or a test on the dicts ``buttons()`` returns) in ``message``, else in the newest message
        of their DM (or ``channel``) that has such a button."""

        def matches(button: JSON) -> bool:
            if callable(label_or_predicate):
                return bool(label_or_predicate(button))
            return bool(button["text"] == label_or_predicate)

        candidates: list[Message | Ephemeral] = []
        if message is not None:
            candidates = [message]
        else:
            candidates = list(reversed(self.messages(channel or self.dm_id(user_id))))
        for candidate in candidates:
            found = [b for b in self.buttons(candidate) if matches(b)]
            if found:
                button = found[0]
                action: JSON = {
                    "action_id": button["action_id"],
                    "block_id": button["block_id"],
                    "text": copy.deepcopy(button["element"]["text"]),
                    "type": "button",
                }
                for name in ("value", "style"):
                    if button[name] is not None:
                        action[name] = button[name]
                payload = self._block_actions(user_id, candidate, action)
                return await self.interactive(payload)
        shown = [
            (getattr(c, "ts", None) or getattr(c, "message_ts", None), b["text"], b["action_id"])
            for c in candidates
            for b in self.buttons(c)
        ]
        where = "the given message" if message is not None else (channel or self.dm_id(user_id))
        raise AssertionError(
            f"no button {label_or_predicate!r} in {where}; buttons there (ts, text, action_id), "
            f"newest first: {shown}"
        )

    def replayed_press(self, user_id: str, message: Message, action: JSON) -> JSON:
        """The block_actions payload of ``user_id`` pressing ``action`` on ``message``, even
        where Slack would never show it to them (a channel they are not in): what a replayed
        or forged request carries, signed as Slack signs it. Send it with ``interactive``."""
        channel = self._channels.get(message.channel)
        if channel is None or user_id in channel.members:
            return self._block_actions(user_id, message, action)
        channel.members.append(user_id)
        try:
            return self._block_actions(user_id, message, action)
        finally:
            channel.members.remove(user_id)

    async def tick(
        self,
        user_id: str,
        channel: str,
        message_ts: str,
        action_id: str,
        selected_values: list[str],
    ) -> Reply:
        """``user_id`` changes a checkboxes element so that exactly ``selected_values`` are
        ticked (Slack sends the whole selection each time)."""
        message = self._find_message(channel, message_ts)
        boxes = [b for b in self.checkboxes(message) if b["action_id"] == action_id]
        if not boxes:
            raise AssertionError(
                f"message {message_ts} has no checkboxes {action_id!r}: "
                f"{[b['action_id'] for b in self.checkboxes(message)]}"
            )
        box = boxes[0]
        by_value = {str(o.get("value")): o for o in box["options"]}
        unknown = [v for v in selected_values if v not in by_value]
        if unknown:
            raise AssertionError(
                f"checkboxes {action_id!r} have no options {unknown}: {list(by_value)}"
            )
        selected = [copy.deepcopy(by_value[v]) for v in by_value if v in selected_values]
        key = (user_id, channel, message_ts)
        self._ticked.setdefault(key, {})[(str(box["block_id"]), action_id)] = selected
        action = {
            "type": "checkboxes",
            "action_id": action_id,
            "block_id": box["block_id"],
            "selected_options": selected,
        }
        return await self.interactive(self._block_actions(user_id, message, action))

    async def submit_view(self, user_id: str, view: JSON, values: JSON) -> Reply:
        """``user_id`` submits a modal with ``values`` as its state ({block_id: {action_id:
        {"type": ..., "value"/"selected_options": ...}}}); returns the app's ack, and applies a
        ``response_action: update`` to the stored view."""
        user, ws = self._actor(user_id)
        stored = copy.deepcopy(self._views.get(str(view.get("id")), view))
        stored.setdefault("id", self._new_id("V"))
        stored.update({"team_id": ws.team_id, "state": {"values": copy.deepcopy(values)}})
        payload = {
            "type": "view_submission",
            "team": {"id": ws.team_id, "domain": ws.domain},
            "user": user,
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "trigger_id": self.new_trigger_id(),
            "view": stored,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        status, body = await self.interactive(payload)
        updated = isinstance(body, dict) and body.get("response_action") == "update"
        if updated and stored["id"] in self._views:
            checked = self._check_view(body.get("view"), stored.get("type", "modal"))
            self._store_view(checked, ws, stored["id"])
        return status, body
