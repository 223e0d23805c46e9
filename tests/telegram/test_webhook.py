"""Webhook mode: Telegram posts updates to the bot's own HTTP server.

The bot runs python-telegram-bot's real webhook server on a free local port, registered with the
fake Bot API; the tests post real update JSON to it over HTTP, as Telegram does, and read what the
bot sent back from the fake. The last tests run the real `csmm telegram` process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.error import TelegramError

from bot.assessments import Assessments
from bot.telegram.app import TelegramApplication, build_application, run_polling
from bot.telegram.webhook import is_valid_secret, run_webhook
from tests.bot.test_console import CSMM, cli_env
from tests.json_shapes import JUNK_SETTINGS, json_values, mutated
from tests.table_dump import TableDump, dump_changeable_tables
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN, data_for, last_text

URL = "https://bot.example.test/csmm-bot/hook"
PATH = "/csmm-bot/hook"
SECRET = "Webhook_secret-0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
JSON_TYPE = "application/json"
update_ids = itertools.count(1000)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until_listening(port: int, limit_s: float = 30) -> None:
    """The webhook is registered just before its server starts listening: wait for both."""
    async with asyncio.timeout(limit_s):
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


def text_update(api: FakeBotApi, user: dict[str, Any], text: str) -> dict[str, Any]:
    """An update as Telegram posts it to a webhook: the same JSON getUpdates returns."""
    fields: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        fields["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
        ]
    return {"update_id": next(update_ids), "message": api.message(user, **fields)}


@dataclass
class Hook:
    """The bot in webhook mode, and a client that posts to it as Telegram would."""

    api: FakeBotApi
    port: int
    session: aiohttp.ClientSession
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    application: TelegramApplication | None = None

    async def idle(self) -> None:
        """Wait until every accepted update has been handled (seen idle twice in a row: an
        update is briefly neither queued nor counted as it moves between the two)."""
        assert self.application is not None
        quiet = 0
        async with asyncio.timeout(30):
            while quiet < 2:
                busy = self.application.update_processor.current_concurrent_updates
                quiet = quiet + 1 if self.application.update_queue.empty() and not busy else 0
                await asyncio.sleep(0.01)

    async def post(
        self,
        body: dict[str, Any] | bytes,
        *,
        secret: str | None = SECRET,
        content_type: str = JSON_TYPE,
        path: str = PATH,
    ) -> int:
        headers = {"Content-Type": content_type}
        if secret is not None:
            headers[HEADER] = secret
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        url = f"http://127.0.0.1:{self.port}{path}"
        async with self.session.post(url, data=data, headers=headers) as response:
            await response.read()
            return response.status

    async def stopped(self) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)


@pytest.fixture
async def hook(fake: FakeBotApi, assessments: Assessments) -> AsyncIterator[Hook]:
    async with aiohttp.ClientSession() as session:
        hook = Hook(fake, free_port(), session)
        application = build_application(assessments, TOKEN, fake.base_url)
        hook.application = application
        hook.task = asyncio.create_task(
            run_webhook(
                application, hook.stop, url=URL, secret=SECRET, listen="127.0.0.1", port=hook.port
            )
        )
        await until_listening(hook.port)
        yield hook
        if not hook.task.done():
            await hook.stopped()


async def test_the_webhook_is_registered_with_its_secret_and_updates_are_answered(
    hook: Hook,
) -> None:
    api = hook.api
    assert api.webhook is not None
    assert api.webhook["url"] == URL
    assert api.webhook["secret_token"] == SECRET
    assert "chat_member" in api.webhook["allowed_updates"]  # as when polling
    assert None in api.commands and "tr" in api.commands  # the command menu, as when polling

    ayse = api.user(801, "Ayşe", language_code="tr")
    assert await hook.post(text_update(api, ayse, "/start")) == 200
    await api.wait_for(lambda: "1/35" in last_text(api, 801))
    question = api.sent(801)[-1]
    # A button press arrives the same way, and edits the question into its answer. (The fake
    # also queues the press for getUpdates, where nobody asks for it.)
    press = api.press(ayse, question, data_for(question, "q:role:team_lead"))
    assert await hook.post(press) == 200
    await api.wait_for(lambda: "2/35" in last_text(api, 801))
    assert "Ekip lideri" in str(api.messages(801)[question["message_id"]]["text"])


async def test_requests_without_the_right_secret_are_refused(hook: Hook) -> None:
    api = hook.api
    mallory = api.user(802, "Mallory", language_code="en")
    assert await hook.post(text_update(api, mallory, "/start"), secret=None) == 403
    assert await hook.post(text_update(api, mallory, "/start"), secret="wrong-secret") == 403
    assert await hook.post(text_update(api, mallory, "/start"), secret=SECRET[:-1]) == 403
    assert await hook.post(text_update(api, mallory, "/start"), secret="") == 403
    # Only the registered path is served.
    assert await hook.post(text_update(api, mallory, "/start"), path="/other") == 404
    # Updates are handled in order: once a later, accepted one is answered, the refused ones
    # would have been too, had they got in.
    bob = api.user(803, "Bob", language_code="en")
    assert await hook.post(text_update(api, bob, "/start")) == 200
    await api.wait_for(lambda: "1/35" in last_text(api, 803))
    assert api.sent(802) == []


async def test_an_update_posted_again_changes_nothing(hook: Hook) -> None:
    """Telegram posts an update again when it did not get our 200 in time."""
    api = hook.api
    eda = api.user(807, "Eda", language_code="en")
    assert await hook.post(text_update(api, eda, "/start")) == 200
    await api.wait_for(lambda: "1/35" in last_text(api, 807))
    answer = text_update(api, eda, "2")
    assert await hook.post(answer) == 200
    await api.wait_for(lambda: "2/35" in last_text(api, 807))
    before = len(api.sent(807))
    assert await hook.post(answer) == 200
    assert await hook.post(text_update(api, eda, "pause")) == 200
    await api.wait_for(lambda: last_text(api, 807).startswith("Paused"))
    assert len(api.sent(807)) == before + 1  # only the pause was answered


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf-8"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 100_000, id="nested-past-the-parser"),
        pytest.param(b"[1, 2]", id="list"),
        pytest.param(b"null", id="null"),
        pytest.param(b'"hello"', id="text"),
        pytest.param(b"7", id="number"),
        pytest.param({"message": "no update_id"}, id="no-update-id"),
        pytest.param({"update_id": "7"}, id="update-id-text"),
        pytest.param({"update_id": True}, id="update-id-true"),
        pytest.param({"update_id": 7, "message": "hello"}, id="message-text"),
        pytest.param({"update_id": 7, "message": {"text": "/start"}}, id="message-without-chat"),
        pytest.param({"update_id": 7, "callback_query": [1]}, id="callback-list"),
    ],
)
async def test_a_body_that_is_not_an_update_gets_400_and_one_warning(
    hook: Hook,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    body: dict[str, Any] | bytes,
) -> None:
    before = await dump_changeable_tables(database_url)
    caplog.set_level(logging.DEBUG)
    assert await hook.post(body) == 400
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 1, [f"{r.name}: {r.getMessage()}" for r in warned]
    assert "Telegram webhook request refused" in warned[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert await dump_changeable_tables(database_url) == before
    # The bot keeps working.
    cem = hook.api.user(808, "Cem", language_code="en")
    assert await hook.post(text_update(hook.api, cem, "/start")) == 200
    await hook.api.wait_for(lambda: "1/35" in last_text(hook.api, 808))


async def test_a_body_over_a_megabyte_is_refused_unread(
    hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert await hook.post(b"[" + b"1," * (1 << 20) + b"1]") == 413
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_malformed_requests_are_turned_away_and_the_bot_keeps_working(hook: Hook) -> None:
    api = hook.api
    cem = api.user(804, "Cem", language_code="en")
    good = text_update(api, cem, "/start")
    # Not JSON, or JSON but no update: 400.
    assert await hook.post(b"{not json") == 400
    assert await hook.post(b"\xff\xfe") == 400
    assert await hook.post(b"[1, 2]") == 400
    assert await hook.post({"message": "no update_id"}) == 400
    # Declared as JSON with a charset: python-telegram-bot refused it too (the exact type only).
    assert await hook.post(json.dumps(good).encode(), content_type=JSON_TYPE + "; x=y") == 403
    # Not declared as JSON: refused like a missing secret.
    assert await hook.post(json.dumps(good).encode(), content_type="text/plain") == 403
    async with hook.session.get(f"http://127.0.0.1:{hook.port}{PATH}") as response:
        assert response.status == 405
    assert api.sent(804) == []

    assert await hook.post(good) == 200
    await api.wait_for(lambda: "1/35" in last_text(api, 804))
    assert len([m for m in api.sent(804) if "1/35" in str(m["text"])]) == 1


ZED = {"id": 809, "is_bot": False, "first_name": "Zed", "language_code": "en"}
ZED_CHAT = {"id": 809, "type": "private", "first_name": "Zed"}
GROUP = {"id": -4242, "type": "group", "title": "Support"}
SAID = {"message_id": 1, "from": ZED, "chat": GROUP, "date": 1_700_000_000, "text": "hello"}
# Real updates of kinds whose well-formed handling changes no table, whatever a generated
# variant holds: an edit in a private chat (the bot says it does not read edits), a word in a
# group (not for the bot), and a press of a button under a group message that is not a
# questionnaire's.
UPDATE_TEMPLATES: list[dict[str, Any]] = [
    {"update_id": 1, "edited_message": {**SAID, "chat": ZED_CHAT, "edit_date": 1_700_000_001}},
    {"update_id": 1, "message": SAID},
    {
        "update_id": 1,
        "callback_query": {
            "id": "4711",
            "from": ZED,
            "chat_instance": "1",
            "data": "q:role:team_lead",
            "message": {**SAID, "from": {**ZED, "id": 1, "is_bot": True, "first_name": "Bot"}},
        },
    },
]

webhook_junk = st.one_of(
    *(mutated(template) for template in UPDATE_TEMPLATES), json_values, st.binary(max_size=40)
)
baselines: dict[str, TableDump] = {}  # per database: each test has its own


@JUNK_SETTINGS
@given(body=webhook_junk)
async def test_generated_junk_never_gets_a_5xx_or_changes_a_table(
    hook: Hook, database_url: str, caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    """Bodies of every shape with the right secret: real updates with a part replaced or
    removed, any JSON, any bytes."""
    if database_url not in baselines:  # the tables as every example must leave them
        baselines[database_url] = await dump_changeable_tables(database_url)
    if isinstance(body, dict) and type(body.get("update_id")) is int:
        body = {**body, "update_id": next(update_ids)}  # each a new update, not a redelivery
    caplog.clear()
    status = await hook.post(body if isinstance(body, bytes) else json.dumps(body).encode())
    await hook.idle()
    assert status < 500
    refused = [r for r in caplog.records if "Telegram webhook request refused" in r.getMessage()]
    assert len(refused) == (1 if status == 400 else 0)
    # The Bot API may refuse a reply to a made-up chat ("Chat not found"): an outside failure,
    # logged by design. Any other traceback is a handler tripping over the shape.
    tripped = [
        f"{r.name}: {r.getMessage()[:200]} ({r.exc_info[1]!r})"
        for r in caplog.records
        if r.exc_info and not isinstance(r.exc_info[1], TelegramError)
    ]
    assert not tripped, tripped
    assert await dump_changeable_tables(database_url) == baselines[database_url]


async def test_stopping_keeps_the_webhook_and_polling_removes_it(
    hook: Hook, assessments: Assessments
) -> None:
    api = hook.api
    deniz = api.user(805, "Deniz", language_code="en")
    assert await hook.post(text_update(api, deniz, "/start")) == 200
    await hook.stopped()
    # Every acknowledged update was handled before the bot stopped.
    assert "1/35" in last_text(api, 805)
    # The port is closed, but Telegram keeps the webhook, and holds new updates for it until
    # the bot is back.
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", hook.port)
    assert api.webhook is not None and api.webhook["url"] == URL

    # Polling mode deletes the webhook before it polls (getUpdates is refused while one is set).
    stop = asyncio.Event()
    polling = asyncio.create_task(
        run_polling(build_application(assessments, TOKEN, api.base_url), stop)
    )
    try:
        await api.wait_for(lambda: api.webhook is None)
        api.send_text(deniz, "2")
        await api.wait_for(lambda: "2/35" in last_text(api, 805))
    finally:
        stop.set()
        await asyncio.wait_for(polling, 30)


# ---------------------------------------------------------------------------- the csmm command


def telegram_env(database_url: str, **extra: str) -> dict[str, str]:
    env = cli_env(database_url)
    env.pop("TELEGRAM_WEBHOOK_SECRET", None)
    return {**env, "TELEGRAM_BOT_TOKEN": TOKEN, **extra}


def run_telegram(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CSMM, "telegram", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "secret", "expected"),
    [
        (["--webhook-url", "not-a-url"], None, "--webhook-url needs a full URL"),
        (["--webhook-url", "ftp://bot.example.com/hook"], None, "--webhook-url needs a full URL"),
        (["--webhook-url", "https://"], None, "--webhook-url needs a full URL"),
        (["--webhook-url", "https://bot example.com/"], None, "--webhook-url needs a full URL"),
        (["--webhook-url", "https://bot.example.com:99999/"], None, "needs a full URL"),
        (["--webhook-url", URL], "has spaces and !", "TELEGRAM_WEBHOOK_SECRET must be"),
        (["--webhook-url", URL], "x" * 257, "TELEGRAM_WEBHOOK_SECRET must be"),
    ],
)
def test_bad_webhook_settings_get_one_line(
    tmp_path: Path, args: list[str], secret: str | None, expected: str
) -> None:
    extra = {"TELEGRAM_WEBHOOK_SECRET": secret} if secret is not None else {}
    done = run_telegram(telegram_env(f"sqlite+aiosqlite:///{tmp_path}/csmm.db", **extra), *args)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ") and expected in lines[0]
    if secret is not None:
        assert secret not in done.stderr
    assert not (tmp_path / "csmm.db").exists()  # refused before touching anything


def test_the_errors_speak_the_environments_language(tmp_path: Path) -> None:
    env = {**telegram_env(f"sqlite+aiosqlite:///{tmp_path}/csmm.db"), "LANG": "tr_TR.UTF-8"}
    done = run_telegram(env, "--webhook-url", "not-a-url")
    assert done.returncode == 1
    assert "tam bir adres gerekir" in done.stderr and "not-a-url" in done.stderr
    secret = {**env, "TELEGRAM_WEBHOOK_SECRET": "boşluk var"}
    assert "karakter arasında" in run_telegram(secret, "--webhook-url", URL).stderr


def test_webhook_options_need_the_webhook_url(tmp_path: Path) -> None:
    done = run_telegram(telegram_env(f"sqlite+aiosqlite:///{tmp_path}/csmm.db"), "--port", "8443")
    assert done.returncode == 2
    assert "--listen, --port and --url-path go with --webhook-url." in done.stderr


@pytest.mark.parametrize(
    ("token", "url", "expected"),
    [
        # Telegram calls only HTTPS URLs; the fake refuses others as Telegram does.
        (TOKEN, "http://bot.example.test/hook", "Error: Telegram refused: Bad webhook: an https"),
        ("654321:NOT-the-token", URL, "Error: Telegram did not accept TELEGRAM_BOT_TOKEN"),
    ],
)
async def test_what_telegram_refuses_gets_one_line(
    fake: FakeBotApi, database_url: str, token: str, url: str, expected: str
) -> None:
    env = {
        **telegram_env(database_url, TELEGRAM_API_URL=fake.base_url),
        "TELEGRAM_BOT_TOKEN": token,
    }
    process = await asyncio.create_subprocess_exec(
        *CSMM,
        "telegram",
        "--webhook-url",
        url,
        "--port",
        str(free_port()),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), err.decode()
    assert token not in err.decode()
    assert fake.webhook is None


# The real command, with every logger at DEBUG as an operator chasing a problem would run it.
DEBUG_CSMM = [
    sys.executable,
    "-c",
    "import logging; logging.basicConfig(level=logging.DEBUG); from bot.cli import main; main()",
]


@contextlib.asynccontextmanager
async def csmm_telegram(
    env: dict[str, str], log: Path, *args: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *DEBUG_CSMM, "telegram", *args, env=env, stdout=stderr, stderr=stderr
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)


async def test_the_command_serves_the_webhook_and_logs_no_token(
    fake: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "csmm.log"
    env = telegram_env(database_url, TELEGRAM_API_URL=fake.base_url, TELEGRAM_WEBHOOK_SECRET=SECRET)
    args = ["--webhook-url", URL, "--port", str(port)]
    async with (
        csmm_telegram(env, log, *args) as process,
        aiohttp.ClientSession() as session,
    ):
        await until_listening(port, limit_s=60)
        assert fake.webhook is not None and fake.webhook["secret_token"] == SECRET
        hook = Hook(fake, port, session)
        ece = fake.user(806, "Ece", language_code="en")
        assert await hook.post(text_update(fake, ece, "/start"), secret="wrong") == 403
        assert await hook.post(text_update(fake, ece, "/start")) == 200
        await fake.wait_for(lambda: "1/35" in last_text(fake, 806), timeout=30)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 60) == 0

    logged = log.read_text()
    assert "Webhook" in logged and "DEBUG" in logged  # debug logging really was on
    assert TOKEN not in logged
    assert TOKEN.split(":", 1)[1] not in logged
    assert SECRET not in logged
    assert "ERROR:" not in logged and "CRITICAL:" not in logged


async def test_without_a_configured_secret_each_start_makes_a_new_one(
    fake: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    env = telegram_env(database_url, TELEGRAM_API_URL=fake.base_url)
    secrets: list[str] = []
    for run in range(2):
        port = free_port()
        async with csmm_telegram(
            env, tmp_path / f"{run}.log", "--webhook-url", URL, "--port", str(port)
        ):
            await until_listening(port, limit_s=60)
            assert fake.webhook is not None
            secrets.append(str(fake.webhook["secret_token"]))
    assert all(is_valid_secret(s) and len(s) >= 32 for s in secrets)
    assert secrets[0] != secrets[1]
    assert not any(s in (tmp_path / "0.log").read_text() for s in secrets)
