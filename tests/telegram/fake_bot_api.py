"""A fake Telegram Bot API server for tests.

python-telegram-bot talks to it over real HTTP exactly as it talks to api.telegram.org, so a test
runs the bot's real request encoding, polling loop and error handling; only Telegram is replaced.
Replies copy Telegram's shapes and error texts (https://core.telegram.org/bots/api), because bots
branch on them (e.g. "message is not modified").
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
Method = Callable[[JSON], Awaitable[Any]]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# Without an allowed_updates setting Telegram withholds exactly these kinds (getUpdates docs).
DEFAULT_WITHHELD = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# PTB sends form fields JSON-encoded except plain strings, which go raw; so a text "123" must not
# be decoded into a number, while chat_id "123" must.
STRING_FIELDS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "url", "secret_token", "ip_address",
     "language_code", "inline_message_id", "business_connection_id", "file_id", "title"}
)  # fmt: skip
# Objects a client may send as a JSON string even inside a JSON body; Telegram accepts both.
OBJECT_FIELDS = frozenset(
    {"reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
     "link_preview_options", "reply_parameters"}
)  # fmt: skip
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_pin_messages",
)  # fmt: skip
# Telegram's flood limits (Bots FAQ), as (most messages, per seconds). Only calls that post a new
# message count; edits and callback answers don't. Group chats have negative ids.
SENDING_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "copymessage", "forwardmessage"}
)
OVERALL_LIMIT = (30, 1.0)
PRIVATE_CHAT_LIMIT = (1, 1.0)
GROUP_CHAT_LIMIT = (20, 60.0)


class ApiError(Exception):
    """An error reply, raised inside a method and sent as Telegram's JSON error object."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.code)


class RawReply(ApiError):
    """A reply that is not Telegram's JSON: a proxy's HTML error page, a cut-off body."""

    def __init__(self, code: int, body: str) -> None:
        super().__init__(code, body)
        self.body = body

    def response(self) -> web.Response:
        return web.Response(status=self.code, text=self.body, content_type="text/html")


@dataclass(frozen=True)
class UploadedFile:
    """A file as Telegram stores it: uploaded by the bot (multipart) or fetched from a URL."""

    filename: str
    mime_type: str
    data: bytes = field(repr=False)
    file_id: str
    file_unique_id: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def file_path(self) -> str:
        return f"files/{self.file_unique_id}/{self.filename}"


@dataclass
class _Queued:
    update: JSON
    # A test re-sending an old update_id simulates redelivery; it must reach the bot once even
    # though the bot's offset has moved past it.
    explicit_id: bool
    delivered: bool = False


def _utf16_len(text: str) -> int:
    # Telegram measures text and entities in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _png_size(data: bytes) -> tuple[int, int]:
    # Enough to give charts (PNG) real dimensions; anything else reports 0x0.
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 0, 0


def _wait(times: deque[float], limit: tuple[int, float], now: float) -> float:
    """Seconds until the sliding window `times` has room for one more send; 0 if it has now."""
    most, seconds = limit
    while times and times[0] <= now - seconds:
        times.popleft()
    return times[0] + seconds - now if len(times) >= most else 0.0


def _loads(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None


def _form_value(name: str, raw: str) -> Any:
    if name in STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # e.g. chat_id "@channel"


class FakeBotApi:
    """An in-process Bot API: a test injects updates and inspects what the bot sent."""

    def __init__(self, token: str = "123456:TEST-token", *, enforce_limits: bool = False) -> None:
        self.token = token
        # Off by default: most tests send in bursts Telegram would throttle, and aren't about that.
        self.enforce_limits = enforce_limits
        self.refused_429 = 0  # sends refused by the flood limits (not those from fail_next)
        self.accepted_sends = 0  # sends that posted a message, limits enforced or not
        self.bot_user: JSON = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "CSMM Test Bot",
            "username": "csmm_test_bot",
        }
        self.calls: list[tuple[str, JSON]] = []  # including calls answered by fail_next
        self.webhook: JSON | None = None
        # By language code, for the default scope; every scope in ``scoped_commands``.
        self.commands: dict[str | None, list[JSON]] = {}
        self.scoped_commands: dict[tuple[str, str | None], list[JSON]] = {}
        self.uploads: list[UploadedFile] = []  # every file the bot sent as multipart
        self._queue: list[_Queued] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []  # [] means Telegram's default
        self._wakeup = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._admins: dict[int, set[int]] = {}
        self._creators: dict[int, int] = {}
        self._left: dict[int, set[int]] = {}  # chat id → people who are not (or no longer) in it
        self._last_message_id: dict[int, int] = {}
        self._sent: list[JSON] = []
        self._messages: dict[int, dict[int, JSON]] = {}
        self._open_queries: set[str] = set()
        self._failures: dict[str, list[ApiError]] = {}
        self._stalls: dict[str, list[float]] = {}
        self._send_times: deque[float] = deque()  # accepted sends, for OVERALL_LIMIT
        self._chat_send_times: dict[int, deque[float]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        methods: dict[str, Method] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "getChatMember": self._get_chat_member,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": self._ok,
            "logOut": self._ok,
        }
        # Telegram matches method names case-insensitively.
        self._methods = {name.lower(): (name, method) for name, method in methods.items()}

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's bot upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # handler_cancellation: a client that gives up on a long poll really leaves it, as on
        # Telegram, instead of the handler lingering until its timeout.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self._closing = True
        self._wake()  # release long polls so shutdown doesn't wait for their timeouts
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._origin}/file/bot"

    @property
    def _origin(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://127.0.0.1:{self._port}"

    # -- injecting updates ----------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "en",
        username: str | None = None,
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def group(self, chat_id: int, title: str) -> JSON:
        # Supergroup ids carry Telegram's -100 prefix.
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        chat: JSON = {"id": chat_id, "type": kind, "title": title}
        self._chats[chat_id] = chat
        return chat

    def set_admins(self, chat_id: int, user_ids: set[int], *, creator: int | None = None) -> None:
        self._admins[chat_id] = set(user_ids)
        if creator is not None:
            self._creators[chat_id] = creator

    def set_members(self, chat_id: int, *, left: set[int]) -> None:
        """Everyone is a member of a group unless listed here as having left it."""
        self._left[chat_id] = set(left)

    def message(self, user: JSON, chat: JSON | None = None, **fields: Any) -> JSON:
        """A Message from `user` (private chat by default), for send_update."""
        chat = chat if chat is not None else self._private_chat(user)
        self._chats.setdefault(chat["id"], chat)
        return {
            "message_id": self._next_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **fields,
        }

    def send_text(self, user: JSON, text: str, chat: JSON | None = None) -> JSON:
        fields: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self.send_update({"message": self.message(user, chat, **fields)})

    def press(self, user: JSON, message: JSON, data: str) -> JSON:
        """A callback_query, as if `user` pressed the button with callback_data `data`."""
        chat_id = message["chat"]["id"]
        current = self._messages.get(chat_id, {}).get(message["message_id"])
        if current is None:
            raise AssertionError(f"the bot sent no message {message['message_id']} in {chat_id}")
        rows = current.get("reply_markup", {}).get("inline_keyboard", [])
        buttons = [button.get("callback_data") for row in rows for button in row]
        if data not in buttons:
            # A person can only press a button the message shows right now.
            raise AssertionError(
                f"message {message['message_id']} has no button {data!r}: {buttons}"
            )
        query_id = str(next(self._ids))
        self._open_queries.add(query_id)
        query: JSON = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(current),
            "chat_instance": f"instance{chat_id}",
            "data": data,
        }
        return self.send_update({"callback_query": query})

    def send_update(self, update: JSON) -> JSON:
        """Queue a raw update; one carrying an update_id already is delivered as given."""
        explicit = "update_id" in update
        if explicit:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        else:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        for value in update.values():
            if isinstance(value, dict) and isinstance(value.get("chat"), dict):
                chat_id = value["chat"]["id"]
                self._chats.setdefault(chat_id, value["chat"])
                if "message_id" in value:
                    last = self._last_message_id.get(chat_id, 0)
                    self._last_message_id[chat_id] = max(last, int(value["message_id"]))
        self._queue.append(_Queued(update, explicit))
        self._wake()
        return update

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        if status == 429:
            error = ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        elif status == 403:
            error = ApiError(403, description or "Forbidden: bot was blocked by the user")
        else:
            error = ApiError(status, description or HTTPStatus(status).phrase)
        self._failures.setdefault(method.lower(), []).extend([error] * count)

    def fail_next_raw(self, method: str, body: str, *, status: int = 502, count: int = 1) -> None:
        """The next `count` calls of `method` get `body` as it is, not Telegram's JSON."""
        self._failures.setdefault(method.lower(), []).extend([RawReply(status, body)] * count)

    def stall_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """The next `count` calls of `method` get no reply for `seconds`; a client that gives up
        before then leaves the call undone (the handler is cancelled)."""
        self._stalls.setdefault(method.lower(), []).extend([seconds] * count)

    def callback_query(self, user: JSON, data: str, **fields: Any) -> JSON:
        """A callback_query the bot may answer, shaped by `fields` (e.g. inline_message_id, or
        a `message` Telegram no longer shows: {"chat", "message_id", "date": 0})."""
        query_id = str(next(self._ids))
        self._open_queries.add(query_id)
        query: JSON = {"id": query_id, "from": user, "chat_instance": "instance", "data": data}
        return self.send_update({"callback_query": {**query, **fields}})

    # -- inspection -----------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot created, as created (before any edits), oldest first."""
        return [m for m in self._sent if chat_id is None or m["chat"]["id"] == chat_id]

    def messages(self, chat_id: int) -> dict[int, JSON]:
        """The bot's messages in a chat as they stand now, after edits."""
        return copy.deepcopy(self._messages.get(chat_id, {}))

    # A plain `timeout` argument reads best in tests (ASYNC109 prefers asyncio.timeout()).
    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10,  # noqa: ASYNC109
    ) -> None:
        """Wait until `predicate()` holds; else fail with what the bot did meanwhile."""
        try:
            async with asyncio.timeout(timeout):
                # Polling, not an Event: the predicate may watch state outside the fake (a DB).
                while not predicate():  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(f"not true within {timeout}s; {self._summary()}") from None

    def _summary(self) -> str:
        polls = sum(1 for name, _ in self.calls if name == "getUpdates")
        recent = [(n, p) for n, p in self.calls if n != "getUpdates"][-10:]
        lines = [f"  {name} {json.dumps(params, default=repr)[:160]}" for name, params in recent]
        return f"{polls} getUpdates polls; last calls:\n" + ("\n".join(lines) or "  (none)")

    # -- HTTP -----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        requested = request.match_info["method"]
        name, method = self._methods.get(requested.lower(), (requested, None))
        try:
            params = await self._params(request)
            self.calls.append((name, params))
            if method is None:
                raise ApiError(404, "Not Found: method not found")
            failures = self._failures.get(name.lower())
            if failures:
                raise failures.pop(0)
            stalls = self._stalls.get(name.lower())
            if stalls:
                await asyncio.sleep(stalls.pop(0))
            sending = name.lower() in SENDING_METHODS
            windows = self._flood_windows(params) if sending and self.enforce_limits else []
            # No await between the check and the record: concurrent sends can't both take the
            # last slot, as the send methods themselves never suspend.
            result = await method(params)
            if sending:
                self.accepted_sends += 1
                now = time.monotonic()
                for times in windows:
                    times.append(now)
        except ApiError as error:
            return error.response()
        except web.HTTPRequestEntityTooLarge:
            return ApiError(413, "Request Entity Too Large").response()
        except Exception as exc:
            # A bug in the fake must still reach the bot as an API error, not an HTML page.
            return ApiError(500, f"Internal Server Error: fake Bot API: {exc!r}").response()
        return web.json_response({"ok": True, "result": result})

    def _flood_windows(self, params: JSON) -> list[deque[float]]:
        """The sliding windows this send falls in; raises Telegram's 429 if one is full."""
        now = time.monotonic()
        windows = [(self._send_times, OVERALL_LIMIT)]
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int):  # "@channel" usernames get only the overall limit
            limit = PRIVATE_CHAT_LIMIT if chat_id > 0 else GROUP_CHAT_LIMIT
            windows.append((self._chat_send_times.setdefault(chat_id, deque()), limit))
        wait = max(_wait(times, limit, now) for times, limit in windows)
        if wait > 0:
            self.refused_429 += 1
            # Telegram names whole seconds; rounding down would invite a retry that fails again.
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        return [times for times, _ in windows]

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        found = [f for f in self._files.values() if f.file_path == path]
        if request.match_info["token"] != self.token or not found:
            return ApiError(404, "Not Found").response()
        return web.Response(body=found[0].data, content_type=found[0].mime_type)

    async def _params(self, request: web.Request) -> JSON:
        params: JSON = {k: _form_value(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            body = _loads("request", await request.text())
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: request body must be a JSON object")
            params.update(body)
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    upload = self._store(value.filename, value.content_type, value.file.read())
                    self.uploads.append(upload)
                    params[key] = upload
                else:
                    text = value if isinstance(value, str) else bytes(value).decode()
                    params[key] = _form_value(key, text)
        for key in OBJECT_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = _loads(key, params[key])
        return params

    def _store(self, filename: str, mime_type: str, data: bytes) -> UploadedFile:
        n = next(self._ids)
        upload = UploadedFile(filename, mime_type, data, f"fake-file-{n}", f"fake-unique-{n}")
        self._files[upload.file_id] = upload
        return upload

    # -- updates --------------------------------------------------------------------------------

    def _wake(self) -> None:
        # Every waiter holds the event it saw; setting it wakes them all, the fresh one waits.
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _confirm(self, offset: int) -> None:
        self._queue.sort(key=lambda q: int(q.update["update_id"]))
        if offset < 0:  # "the last -offset updates; all previous updates will be forgotten"
            self._queue = self._queue[offset:]
            return
        self._queue = [
            q
            for q in self._queue
            if q.update["update_id"] >= offset or (q.explicit_id and not q.delivered)
        ]

    def _take(self, limit: int) -> list[JSON]:
        allowed = self._allowed_updates
        batch: list[_Queued] = []
        for queued in sorted(self._queue, key=lambda q: int(q.update["update_id"])):
            kind = next((k for k in queued.update if k != "update_id"), "")
            wanted = kind in allowed if allowed else kind not in DEFAULT_WITHHELD
            if wanted:
                batch.append(queued)
            if len(batch) == limit:
                break
        for queued in batch:
            queued.delivered = True
        return [q.update for q in batch]

    async def _get_updates(self, p: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # As on Telegram, a newer getUpdates ends an older one still waiting.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"])
        limit = min(max(int(p.get("limit", 100)), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(p.get("timeout", 0))
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if p.get("offset") is not None:
                self._confirm(int(p["offset"]))
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            wakeup = self._wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), remaining)

    # -- messages -------------------------------------------------------------------------------

    def _private_chat(self, user: JSON) -> JSON:
        chat: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _chat(self, p: JSON) -> JSON:
        if p.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            chat_id = int(p["chat_id"])
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id in self._users:
            return self._private_chat(self._users[chat_id])
        raise ApiError(400, "Bad Request: chat not found")

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _create(self, chat: JSON, fields: JSON) -> JSON:
        message: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            **fields,
        }
        self._sent.append(copy.deepcopy(message))
        self._messages.setdefault(chat["id"], {})[message["message_id"]] = message
        return message

    def _inline_markup(self, p: JSON) -> JSON | None:
        # Only inline keyboards belong to a message; reply keyboards live on the client.
        markup = p.get("reply_markup")
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _text(self, p: JSON) -> str:
        text = str(p.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        # Formatting markup doesn't count towards the limit, so only plain text is checked.
        if p.get("parse_mode") is None and _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _with_markup(self, fields: JSON, p: JSON) -> JSON:
        markup = self._inline_markup(p)
        return {**fields, "reply_markup": markup} if markup else fields

    async def _send_message(self, p: JSON) -> JSON:
        chat = self._chat(p)
        return self._create(chat, self._with_markup({"text": self._text(p)}, p))

    def _editable(self, p: JSON) -> JSON:
        if p.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat = self._chat(p)
        message = self._messages.get(chat["id"], {}).get(int(p.get("message_id") or 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _apply_edit(self, message: JSON, fields: JSON, markup: JSON | None) -> JSON:
        unchanged = all(message.get(k) == v for k, v in fields.items())
        if unchanged and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message.update(fields)
        # An edit without reply_markup removes the inline keyboard, as on Telegram.
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def _edit_message_text(self, p: JSON) -> JSON:
        message = self._editable(p)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(message, {"text": self._text(p)}, self._inline_markup(p))

    async def _edit_message_reply_markup(self, p: JSON) -> JSON:
        return self._apply_edit(self._editable(p), {}, self._inline_markup(p))

    async def _answer_callback_query(self, p: JSON) -> bool:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)  # a query is answered once
        return True

    # -- files ----------------------------------------------------------------------------------

    def _file(self, p: JSON, name: str) -> UploadedFile:
        value = p.get(name)
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value in self._files:  # resending by file_id
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._store(value.rsplit("/", 1)[-1] or "file", "application/octet-stream", b"")
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _caption(self, p: JSON) -> JSON:
        caption = p.get("caption")
        if caption is None:
            return {}
        if p.get("parse_mode") is None and _utf16_len(str(caption)) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": str(caption)}

    async def _send_photo(self, p: JSON) -> JSON:
        chat = self._chat(p)
        photo = self._file(p, "photo")
        width, height = _png_size(photo.data)
        size: JSON = {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "width": width,
            "height": height,
            "file_size": photo.size,
        }
        return self._create(chat, self._with_markup({"photo": [size], **self._caption(p)}, p))

    async def _send_document(self, p: JSON) -> JSON:
        chat = self._chat(p)
        doc = self._file(p, "document")
        document: JSON = {
            "file_id": doc.file_id,
            "file_unique_id": doc.file_unique_id,
            "file_name": doc.filename,
            "mime_type": doc.mime_type,
            "file_size": doc.size,
        }
        return self._create(chat, self._with_markup({"document": document, **self._caption(p)}, p))

    async def _get_file(self, p: JSON) -> JSON:
        found = self._files.get(str(p.get("file_id")))
        if found is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": found.file_id,
            "file_unique_id": found.file_unique_id,
            "file_size": found.size,
            "file_path": found.file_path,
        }

    # -- chats, commands, webhook ---------------------------------------------------------------

    async def _get_me(self, p: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_chat_member(self, p: JSON) -> JSON:
        chat_id = self._chat(p)["id"]
        user_id = int(p["user_id"])
        user = self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self._admins.get(chat_id, set()):
            rights = dict.fromkeys(ADMIN_RIGHTS, True)
            return {"status": "administrator", "user": user, "can_be_edited": False,
                    "is_anonymous": False, **rights}  # fmt: skip
        if user_id in self._left.get(chat_id, set()):
            return {"status": "left", "user": user}
        return {"status": "member", "user": user}

    async def _set_my_commands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands is empty")
        for command in commands:
            if not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope, language = self._command_scope(p), p.get("language_code") or None
        self.scoped_commands[(scope, language)] = commands
        if scope == "default":
            self.commands[language] = commands
        return True

    @staticmethod
    def _command_scope(p: JSON) -> str:
        scope = p.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = _loads("scope", scope)
        return str(scope.get("type", "default"))

    async def _delete_my_commands(self, p: JSON) -> bool:
        scope, language = self._command_scope(p), p.get("language_code") or None
        self.scoped_commands.pop((scope, language), None)
        if scope == "default":
            self.commands.pop(language, None)
        return True

    async def _get_my_commands(self, p: JSON) -> list[JSON]:
        key = (self._command_scope(p), p.get("language_code") or None)
        return self.scoped_commands.get(key, [])

    async def _set_webhook(self, p: JSON) -> bool:
        url = str(p.get("url") or "")
        if url and not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"])
        if p.get("drop_pending_updates"):
            self._queue.clear()
        # An empty url removes the webhook (Bot API setWebhook).
        self.webhook = {k: v for k, v in p.items() if k != "certificate"} if url else None
        return True

    async def _delete_webhook(self, p: JSON) -> bool:
        if p.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = None
        return True

    async def _get_webhook_info(self, p: JSON) -> JSON:
        hook = self.webhook or {}
        info: JSON = {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        info.update({k: hook[k] for k in ("max_connections", "ip_address") if k in hook})
        if self._allowed_updates:
            info["allowed_updates"] = self._allowed_updates
        return info

    async def _ok(self, p: JSON) -> bool:
        return True
