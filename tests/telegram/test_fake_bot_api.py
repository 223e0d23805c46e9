"""The fake Bot API as python-telegram-bot sees it: a real `Bot` (and a real polling
`Application`) talks HTTP to it, so each check here is one the bot's own tests will rely on."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.telegram.fake_bot_api import FakeBotApi

ALICE = 1001
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="yes"),
            InlineKeyboardButton("No", callback_data="no"),
        ]
    ]
)


def png(width: int, height: int) -> bytes:
    """A real (black) PNG image of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    pixels = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    api.user(ALICE, "Alice", username="alice")
    yield api
    await api.stop()


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        yield bot


def names(fake: FakeBotApi) -> list[str]:
    return [name for name, _ in fake.calls]


async def test_get_me_describes_the_bot(fake: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "csmm_test_bot")
    assert bot.username == "csmm_test_bot"  # `async with` already asked, as PTB always does
    assert names(fake) == ["getMe", "getMe"]


async def test_wrong_token_is_rejected(fake: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("654321:WRONG", base_url=fake.base_url):
            pass
    assert fake.calls == []


async def test_sent_message_keeps_keyboard_and_edits_update_it(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "Ready?", reply_markup=KEYBOARD)
    assert sent.reply_markup == KEYBOARD
    assert (sent.chat.id, sent.chat.type, sent.from_user and sent.from_user.id) == (
        ALICE,
        "private",
        123456,
    )

    edited = await bot.edit_message_text(
        "Ready? Yes", chat_id=ALICE, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert not isinstance(edited, bool) and edited.text == "Ready? Yes"
    now = fake.messages(ALICE)[sent.message_id]
    assert now["text"] == "Ready? Yes"
    assert now["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "no"
    assert [m["text"] for m in fake.sent(ALICE)] == ["Ready?"]  # as created, before the edit

    # As on Telegram, editing the text without reply_markup takes the keyboard away ...
    await bot.edit_message_text("Done", chat_id=ALICE, message_id=sent.message_id)
    assert "reply_markup" not in fake.messages(ALICE)[sent.message_id]
    # ... and editMessageReplyMarkup puts one back.
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=KEYBOARD)
    assert fake.messages(ALICE)[sent.message_id]["reply_markup"] == KEYBOARD.to_dict()


async def test_edits_fail_like_telegram(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "Ready?", reply_markup=KEYBOARD)
    # PTB strips "Bad Request: " from Telegram's description and capitalizes the rest.
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Ready?", chat_id=ALICE, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Hello", chat_id=ALICE, message_id=sent.message_id + 99)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "nobody here")
    assert fake.messages(ALICE)[sent.message_id]["text"] == "Ready?"


async def test_get_updates_honours_offset_and_limit(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(ALICE, "Alice")
    first = fake.send_text(alice, "/start")
    second = fake.send_text(alice, "hello")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    start = updates[0].effective_message
    assert start is not None and start.text == "/start" and start.entities[0].type == "bot_command"
    assert len(await bot.get_updates()) == 2  # fetched but not confirmed: delivered again
    assert len(await bot.get_updates(limit=1)) == 1

    remaining = await bot.get_updates(offset=second["update_id"])
    assert [u.effective_message and u.effective_message.text for u in remaining] == ["hello"]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()
    assert await bot.get_updates() == ()  # confirmed ones are gone for good

    # A test can replay an update_id the bot has already seen (redelivery).
    fake.send_update(first)
    replayed = await bot.get_updates(offset=second["update_id"] + 1)
    assert [u.update_id for u in replayed] == [first["update_id"]]


async def test_get_updates_long_polls_until_an_update_arrives(fake: FakeBotApi, bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == ()  # nothing came: an empty answer, no error

    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: names(fake).count("getUpdates") == 2)
    await asyncio.sleep(0.2)
    assert not poll.done()  # the request is held open, not answered with []
    fake.send_text(fake.user(ALICE, "Alice"), "hi")
    updates = await poll
    assert [u.message and u.message.text for u in updates] == ["hi"]


async def test_a_second_poll_ends_the_first(fake: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: "getUpdates" in names(fake))
    # A second instance of the bot polling: Telegram ends the older request.
    async with Bot(fake.token, base_url=fake.base_url) as twin:
        assert await twin.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_default_allowed_updates_withhold_reactions(fake: FakeBotApi, bot: Bot) -> None:
    alice = fake.user(ALICE, "Alice")
    reaction = {
        "chat": {"id": ALICE, "type": "private", "first_name": "Alice"},
        "message_id": 1,
        "user": alice,
        "date": 0,
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    fake.send_update({"message_reaction": reaction})
    assert await bot.get_updates() == ()
    updates = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert updates[0].message_reaction is not None


async def test_fail_next_answers_429_with_retry_after(
    fake: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as timedelta, without a warning
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "hi")
    assert caught.value.retry_after == dt.timedelta(seconds=7)

    await bot.send_message(ALICE, "hi")  # only the next call failed
    assert [m["text"] for m in fake.sent(ALICE)] == ["hi"]
    assert names(fake).count("sendMessage") == 2

    fake.fail_next("sendMessage", status=500, count=2)
    fake.fail_next("editMessageText", status=400, description="Bad Request: simulated")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(ALICE, "again")
    with pytest.raises(BadRequest, match="Simulated"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=1)
    assert len(fake.sent(ALICE)) == 1


async def test_uploads_round_trip(fake: FakeBotApi, bot: Bot) -> None:
    report = b"%PDF-1.4 a small report"
    message = await bot.send_document(
        ALICE, document=report, filename="report.pdf", caption="Your report"
    )
    assert message.document is not None and message.caption == "Your report"
    assert (message.document.file_name, message.document.file_size) == ("report.pdf", len(report))
    upload = fake.uploads[-1]
    assert (upload.filename, upload.mime_type, upload.data) == (
        "report.pdf",
        "application/pdf",
        report,
    )
    assert fake.calls[-1] == (
        "sendDocument",
        {"chat_id": ALICE, "caption": "Your report", "document": upload},
    )
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == report

    chart = png(3, 2)
    photo = await bot.send_photo(ALICE, photo=chart, filename="chart.png")
    size = photo.photo[-1]
    assert (size.width, size.height, size.file_size) == (3, 2, len(chart))
    assert fake.uploads[-1].filename == "chart.png" and fake.uploads[-1].data == chart
    again = await bot.send_photo(ALICE, photo=size.file_id)  # resent by file_id: no upload
    assert again.photo[-1].file_id == size.file_id and len(fake.uploads) == 2
    assert [("photo" in m, "document" in m) for m in fake.sent(ALICE)] == [
        (False, True),
        (True, False),
        (True, False),
    ]


async def test_get_chat_member_reflects_admins(fake: FakeBotApi, bot: Bot) -> None:
    team = fake.group(-1001234567890, "Service team")
    fake.user(2, "Bob")
    fake.set_admins(team["id"], {ALICE}, creator=2)
    alice = await bot.get_chat_member(team["id"], ALICE)
    bob = await bot.get_chat_member(team["id"], 2)
    carol = await bot.get_chat_member(team["id"], 3)
    assert [m.status for m in (alice, bob, carol)] == [
        ChatMember.ADMINISTRATOR,
        ChatMember.OWNER,
        ChatMember.MEMBER,
    ]
    assert alice.user.first_name == "Alice"
    chat = await bot.send_message(team["id"], "hello team")
    assert chat.chat.type == "supergroup" and chat.chat.title == "Service team"


async def test_commands_per_language(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin the assessment")])
    await bot.set_my_commands([BotCommand("start", "Bewertung beginnen")], language_code="de")
    assert fake.commands == {
        None: [{"command": "start", "description": "Begin the assessment"}],
        "de": [{"command": "start", "description": "Bewertung beginnen"}],
    }
    german = await bot.get_my_commands(language_code="de")
    assert [c.description for c in german] == ["Bewertung beginnen"]
    assert await bot.get_my_commands(language_code="fr") == ()
    await bot.delete_my_commands(language_code="de")
    assert list(fake.commands) == [None]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("/Start", "slash and capital")])


async def test_webhook_blocks_polling(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_webhook("https://bot.example/hook", secret_token="s3cret", allowed_updates=[])
    assert fake.webhook is not None
    assert (fake.webhook["url"], fake.webhook["secret_token"]) == (
        "https://bot.example/hook",
        "s3cret",
    )
    assert (await bot.get_webhook_info()).url == "https://bot.example/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(BadRequest, match="https url must be provided"):
        await bot.set_webhook("http://bot.example/hook")
    await bot.delete_webhook()
    assert fake.webhook is None and (await bot.get_webhook_info()).url == ""
    assert await bot.close() is True


async def test_raw_http_shapes(fake: FakeBotApi, bot: Bot) -> None:
    url = f"{fake.base_url}{fake.token}"
    keyboard = json.dumps(KEYBOARD.to_dict())  # nested objects may arrive as JSON strings
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/noSuchMethod", json={}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.post(f"{fake.base_url}1:bad/getMe") as response:
            assert (response.status, await response.json()) == (
                401,
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
            )
        payload = {"chat_id": ALICE, "text": "123", "reply_markup": keyboard}
        async with http.post(f"{url}/sendmessage", json=payload) as response:
            body = await response.json()
        form = {"chat_id": str(ALICE), "text": "true", "reply_markup": keyboard}
        async with http.post(f"{url}/sendMessage", data=form) as response:
            form_body = await response.json()
    assert body["ok"] and body["result"]["text"] == "123"
    assert body["result"]["reply_markup"] == KEYBOARD.to_dict()
    assert form_body["result"]["text"] == "true" and form_body["result"]["chat"]["id"] == ALICE
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_application_polls_and_answers(fake: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Welcome!", reply_markup=KEYBOARD)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You said {query.data}")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    alice = fake.user(ALICE, "Alice")
    fake.send_text(alice, "/start")

    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await fake.wait_for(lambda: len(fake.sent(ALICE)) == 1)
        welcome = fake.sent(ALICE)[0]
        assert welcome["text"] == "Welcome!" and welcome["reply_markup"] == KEYBOARD.to_dict()

        press = fake.press(alice, welcome, "yes")
        mid = welcome["message_id"]
        await fake.wait_for(lambda: fake.messages(ALICE)[mid]["text"] == "You said yes")
        answered = [p for n, p in fake.calls if n == "answerCallbackQuery"]
        assert answered == [{"callback_query_id": press["callback_query"]["id"]}]
        with pytest.raises(AssertionError, match="no button 'yes'"):
            fake.press(alice, welcome, "yes")  # the edit removed the keyboard
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    # Stopping confirms what was fetched: nothing is left to be delivered again.
    assert fake.calls[-1][0] == "getUpdates"
    assert fake.calls[-1][1]["offset"] == press["update_id"] + 1


# -- flood limits (enforce_limits=True) ---------------------------------------------------------


@pytest.fixture
async def limited(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotApi]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as timedelta, without a warning
    api = FakeBotApi(enforce_limits=True)
    await api.start()
    yield api
    await api.stop()


def bot_for(fake: FakeBotApi) -> Bot:
    return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)


def seconds(error: RetryAfter) -> float:
    wait = error.retry_after  # a timedelta under PTB_TIMEDELTA; typed as either
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


async def test_limits_allow_30_messages_a_second_overall(limited: FakeBotApi) -> None:
    chats = list(range(1, 32))  # 31 private chats
    for chat_id in chats:
        limited.user(chat_id, f"User {chat_id}")
    async with bot_for(limited) as bot:
        for chat_id in chats[:30]:
            await bot.send_message(chat_id, "reminder")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(chats[30], "reminder")
    assert seconds(caught.value) >= 1
    assert (limited.accepted_sends, limited.refused_429) == (30, 1)
    assert limited.sent(chats[30]) == []  # a refused call posts nothing


async def test_limits_allow_one_message_a_second_per_private_chat(limited: FakeBotApi) -> None:
    limited.user(ALICE, "Alice")
    url = f"{limited.base_url}{limited.token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"chat_id": ALICE, "text": "first"}) as response:
            assert response.status == 200
        async with http.post(url, json={"chat_id": ALICE, "text": "second"}) as response:
            status, body = response.status, await response.json()
        # Telegram's exact reply, which PTB turns into RetryAfter.
        assert (status, body) == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            },
        )
        await asyncio.sleep(body["parameters"]["retry_after"])
        async with http.post(url, json={"chat_id": ALICE, "text": "third"}) as response:
            assert response.status == 200
    assert [m["text"] for m in limited.sent(ALICE)] == ["first", "third"]
    assert (limited.accepted_sends, limited.refused_429) == (2, 1)


async def test_limits_allow_20_messages_a_minute_per_group(limited: FakeBotApi) -> None:
    team = limited.group(-1001234567890, "Service team")
    async with bot_for(limited) as bot:
        for n in range(20):
            await bot.send_message(team["id"], f"reminder {n}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(team["id"], "one too many")
        # Another chat still gets through: the group's window is its own.
        limited.user(ALICE, "Alice")
        await bot.send_message(ALICE, "hello")
    # The group's oldest message leaves the window a minute after it was sent.
    assert 55 <= seconds(caught.value) <= 60
    assert len(limited.sent(team["id"])) == 20
    assert (limited.accepted_sends, limited.refused_429) == (21, 1)


async def test_without_enforce_limits_nothing_is_refused(fake: FakeBotApi, bot: Bot) -> None:
    team = fake.group(-1001234567890, "Service team")
    for _ in range(35):
        await bot.send_message(ALICE, "burst")
        await bot.send_message(team["id"], "burst")
    assert len(fake.sent()) == 70
    assert (fake.accepted_sends, fake.refused_429) == (70, 0)
