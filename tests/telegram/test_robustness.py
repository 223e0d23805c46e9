"""The bot under a real Bot API's bad days: bursts of 429s, errors, garbage and timeouts, every
kind of update it was not written for, and logs read at DEBUG. The real polling loop runs against
the fake Bot API, on a real database; nothing of the bot's own is mocked."""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.assessments import Assessments
from storage.models import AnswerRow, Person, Response
from tests.telegram.fake_bot_api import JSON, FakeBotApi
from tests.telegram.helpers import TOKEN, buttons, data_for, last_text, payloads, polling

# python-telegram-bot's default read timeout (build_application sets none of its own): a call
# the fake leaves unanswered for longer than this times out in the bot.
READ_TIMEOUT_S = 5.0
STALL_S = READ_TIMEOUT_S + 2
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
HTML_502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>"
CUT_OFF = '{"ok":true,"result":{"message_id":'
CONTROLS = {"back", "skip", "why", "pause", "keep"}
TURKISH_LETTERS = re.compile("[çğışöüÇĞİŞÖÜ]")
PROGRESS = re.compile(r"(\d+)/(\d+)\b")
FAILED_UPDATE = "update failed"


# ---------------------------------------------------------------------- readers


@dataclass(frozen=True)
class Stored:
    """A person's latest response as the database holds it."""

    answers: dict[str, tuple[str, Any]]  # question id → (state, value)
    rows: int
    position: str
    status: str


async def stored(assessments: Assessments, user_id: int) -> Stored:
    async with assessments.database.reading() as session:
        response = await session.scalar(
            select(Response)
            .join(Person, Person.id == Response.person_id)
            .where(Person.platform == "telegram", Person.external_id == str(user_id))
            .order_by(Response.id.desc())
            .limit(1)
        )
        assert response is not None, f"no response stored for user {user_id}"
        rows = (
            await session.scalars(select(AnswerRow).where(AnswerRow.response_id == response.id))
        ).all()
    answers: dict[str, tuple[str, Any]] = {}
    for row in rows:
        value = next((v for v in (row.adoption, row.number, row.text) if v is not None), None)
        answers[row.question_id] = (row.state, value)
    return Stored(answers, len(rows), response.position, response.status)


async def count_responses(assessments: Assessments) -> int:
    async with assessments.database.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Response)) or 0)


def question_ids(assessments: Assessments) -> list[str]:
    return [question.id for question in assessments.sequence.questions]


def progress(message: JSON) -> int | None:
    """The question number a message asks (or echoes), from its "7/35 · …" first line."""
    matched = PROGRESS.match(str(message.get("text", "")))
    return int(matched[1]) if matched else None


def asked(api: FakeBotApi, chat_id: int, number: int, since: int = 0) -> list[JSON]:
    """The messages, as first sent, that asked question `number` (with their buttons)."""
    return [m for m in api.sent(chat_id)[since:] if progress(m) == number and buttons(m)]


def calls_of(api: FakeBotApi, method: str, since: int = 0) -> list[JSON]:
    return [params for name, params in api.calls[since:] if name == method]


def answered(api: FakeBotApi, query_id: str) -> int:
    """How many answerCallbackQuery calls named this query (refused ones included)."""
    return sum(
        1 for p in calls_of(api, "answerCallbackQuery") if str(p["callback_query_id"]) == query_id
    )


def query_id(update: JSON) -> str:
    return str(update["callback_query"]["id"])


def answer_data(message: JSON, value: str) -> str:
    """The callback data of the answer button ending in `value` (e.g. "2", "team_lead")."""
    for button in buttons(message):
        data = str(button.get("callback_data", ""))
        payload = data.rpartition("/")[2]  # question buttons carry their response's id first
        if payload.startswith("q:") and payload.rsplit(":", 1)[1] == value:
            return data
    raise AssertionError(f"no button for {value!r} in {buttons(message)}")


def assert_questions_show_themselves(api: FakeBotApi, chat_id: int) -> None:
    """Every message that asked question k still shows question k (or its answer): an edit
    meant for one question never lands on another's message."""
    now = api.messages(chat_id)
    for first in api.sent(chat_id):
        number = progress(first)
        if number is None:
            continue
        current = now[first["message_id"]]
        assert progress(current) == number, (
            f"message {first['message_id']} asked question {number} but now reads "
            f"{str(current.get('text'))[:80]!r}"
        )


async def start(api: FakeBotApi, user: JSON) -> JSON:
    """/start, and the first question once it is shown."""
    chat_id = int(user["id"])
    api.send_text(user, "/start")
    await api.wait_for(lambda: bool(asked(api, chat_id, 1)))
    return asked(api, chat_id, 1)[-1]


async def press_and_wait(api: FakeBotApi, user: JSON, message: JSON, data: str) -> JSON:
    """Press `data` on `message`; returns the next question the bot asks."""
    chat_id = int(user["id"])
    number = progress(message)
    assert number is not None
    since = len(api.sent(chat_id))
    api.press(user, message, data_for(message, data))
    await api.wait_for(lambda: bool(asked(api, chat_id, number + 1, since)))
    return asked(api, chat_id, number + 1, since)[-1]


# ---------------------------------------------------------------------- 1. a burst of 429s


async def test_a_burst_of_429s_loses_and_doubles_no_answer(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api, q = running, question_ids(assessments)
    ada = api.user(701, "Ada", language_code="en")
    first = await start(api, ada)
    started = time.monotonic()

    # The press: its acknowledgement and its edit are each refused once.
    api.fail_next("answerCallbackQuery", retry_after=1)
    api.fail_next("editMessageText", retry_after=1)
    press = api.press(ada, first, data_for(first, "q:role:team_lead"))
    await api.wait_for(lambda: bool(asked(api, 701, 2)), timeout=30)

    # Typed answers while the next question and the edit are refused: Telegram says "retry
    # after 1 s" twice in a row for one message. The first typed update arrives twice.
    api.fail_next("sendMessage", retry_after=1, count=2)
    api.fail_next("editMessageText", retry_after=1)
    typed = api.send_text(ada, "3")  # question 2: Repeatable
    api.send_update(typed)  # redelivered by Telegram
    api.send_text(ada, "2")  # question 3: Ad hoc
    await api.wait_for(lambda: bool(asked(api, 701, 4)), timeout=30)
    refused = 5

    # Each refused call was retried after Telegram's retry_after, not straight away.
    assert time.monotonic() - started >= refused * 1
    # Every answer is stored once, for its own question, and the person is at question 4.
    now = await stored(assessments, 701)
    assert now.answers == {
        q[0]: ("answered", "team_lead"),
        q[1]: ("answered", 2),
        q[2]: ("answered", 1),
    }
    assert now.rows == 3
    assert now.position == q[3]
    # Each question was asked once, and each answered one shows its answer, without buttons.
    for number in (1, 2, 3, 4):
        times = len(asked(api, 701, number))
        assert times == 1, f"question {number} asked {times} times"
    messages = api.messages(701)
    for number in (1, 2, 3):
        message = messages[asked(api, 701, number)[0]["message_id"]]
        assert "✔" in str(message["text"]) and not buttons(message)
    assert_questions_show_themselves(api, 701)
    # The press was acknowledged: once refused (429), then once more.
    assert answered(api, query_id(press)) == 2


# ---------------------------------------------------------------------- 2. errors and timeouts


Failure = Callable[[FakeBotApi], None]
FAILURES: dict[str, tuple[str, Failure]] = {
    "sendMessage-500": ("sendMessage", lambda api: api.fail_next("sendMessage", status=500)),
    "sendMessage-502-html": (
        "sendMessage",
        lambda api: api.fail_next_raw("sendMessage", HTML_502, status=502),
    ),
    "sendMessage-200-cut-off": (
        "sendMessage",
        lambda api: api.fail_next_raw("sendMessage", CUT_OFF, status=200),
    ),
    "sendMessage-timeout": ("sendMessage", lambda api: api.stall_next("sendMessage", STALL_S)),
    "editMessageText-400": (
        "editMessageText",
        lambda api: api.fail_next(
            "editMessageText", status=400, description="Bad Request: message to edit not found"
        ),
    ),
    "editMessageText-500": (
        "editMessageText",
        lambda api: api.fail_next("editMessageText", status=500),
    ),
    "answerCallbackQuery-too-old": (
        "answerCallbackQuery",
        lambda api: api.fail_next("answerCallbackQuery", status=400, description=TOO_OLD),
    ),
    "getUpdates-502-html": (
        "getUpdates",
        lambda api: api.fail_next_raw("getUpdates", HTML_502, status=502),
    ),
    "getUpdates-500": ("getUpdates", lambda api: api.fail_next("getUpdates", status=500)),
}


@pytest.mark.parametrize("case", list(FAILURES))
async def test_the_bot_keeps_working_after_an_api_error_or_timeout(
    running: FakeBotApi, assessments: Assessments, case: str
) -> None:
    api, q = running, question_ids(assessments)
    method, fail = FAILURES[case]
    bea = api.user(702, "Bea", language_code="en")
    second = await press_and_wait(api, bea, await start(api, bea), "q:role:team_lead")

    mark = len(api.calls)
    fail(api)
    api.press(bea, second, answer_data(second, "2"))  # question 2: Repeatable
    await api.wait_for(lambda: bool(calls_of(api, method, mark)))

    # Whatever the person saw, their next message is handled: /start shows question 3 ...
    since = len(api.sent(702))
    api.send_text(bea, "/start")
    await api.wait_for(lambda: bool(asked(api, 702, 3, since)), timeout=READ_TIMEOUT_S + 10)
    # ... and answering it moves on to question 4.
    api.send_text(bea, "2")  # question 3: Ad hoc
    await api.wait_for(lambda: bool(asked(api, 702, 4, since)))

    now = await stored(assessments, 702)
    assert now.answers == {
        q[0]: ("answered", "team_lead"),
        q[1]: ("answered", 2),
        q[2]: ("answered", 1),
    }
    assert now.rows == 3
    assert now.position == q[3]
    assert_questions_show_themselves(api, 702)


@pytest.mark.parametrize(
    "fail",
    [
        lambda api: api.fail_next("answerCallbackQuery", status=400, description=TOO_OLD),
        lambda api: api.fail_next_raw("answerCallbackQuery", HTML_502, status=502),
    ],
    ids=["too-old", "502-html"],
)
async def test_a_failed_acknowledgement_still_shows_the_answer_and_the_next_question(
    running: FakeBotApi, assessments: Assessments, fail: Failure
) -> None:
    """Telegram refuses to acknowledge a press that waited too long (e.g. behind a burst of
    429s). The answer is stored all the same, so the person must see it and the next question;
    otherwise they press again and get "stale button"."""
    api, q = running, question_ids(assessments)
    cem = api.user(703, "Cem", language_code="en")
    second = await press_and_wait(api, cem, await start(api, cem), "q:role:team_lead")
    fail(api)
    third = await press_and_wait(api, cem, second, answer_data(second, "2"))
    assert progress(third) == 3
    answered_second = api.messages(703)[second["message_id"]]
    assert "✔" in str(answered_second["text"]) and not buttons(answered_second)
    assert (await stored(assessments, 703)).answers[q[1]] == ("answered", 2)


async def test_a_press_on_a_message_telegram_no_longer_shows_still_moves_on(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """A button on a question sent days ago arrives with an InaccessibleMessage (date 0): the
    chat is known, the message's content is not. The answer counts and the next question
    comes."""
    api, q = running, question_ids(assessments)
    dan = api.user(704, "Dan", language_code="en")
    second = await press_and_wait(api, dan, await start(api, dan), "q:role:team_lead")
    since = len(api.sent(704))
    press = api.callback_query(
        dan,
        answer_data(second, "2"),
        message={"chat": second["chat"], "message_id": second["message_id"], "date": 0},
    )
    await api.wait_for(lambda: answered(api, query_id(press)) > 0)
    await api.wait_for(lambda: bool(asked(api, 704, 3, since)))
    assert (await stored(assessments, 704)).answers[q[1]] == ("answered", 2)


# ---------------------------------------------------------------------- 3. unexpected updates


def _file(**fields: Any) -> JSON:
    return {"file_id": "fake-file", "file_unique_id": "fake-unique", **fields}


MEDIA: dict[str, JSON] = {
    "photo": {"photo": [_file(width=90, height=60)]},
    "sticker": {
        "sticker": _file(type="regular", width=512, height=512, is_animated=False, is_video=False)
    },
    "animation": {
        "animation": _file(width=320, height=240, duration=3),
        "document": _file(file_name="cat.mp4", mime_type="video/mp4"),
    },
    "voice": {"voice": _file(duration=4, mime_type="audio/ogg")},
    "video": {"video": _file(width=640, height=480, duration=5)},
    "video_note": {"video_note": _file(length=240, duration=5)},
    "audio": {"audio": _file(duration=200, title="Song")},
    "document": {"document": _file(file_name="notes.pdf", mime_type="application/pdf")},
    "location": {"location": {"latitude": 41.0082, "longitude": 28.9784}},
    "venue": {
        "location": {"latitude": 41.0082, "longitude": 28.9784},
        "venue": {
            "location": {"latitude": 41.0082, "longitude": 28.9784},
            "title": "Ofis",
            "address": "İstiklal Cd. 1",
        },
    },
    "contact": {"contact": {"phone_number": "+905551112233", "first_name": "Ece"}},
    "poll": {
        "poll": {
            "id": "poll-1",
            "question": "Çay mı kahve mi?",
            "options": [
                {"persistent_id": "1", "text": "Çay", "voter_count": 0},
                {"persistent_id": "2", "text": "Kahve", "voter_count": 0},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,  # required since Bot API 9.6
            "members_only": False,  # required since Bot API 10.0
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
}


def other_updates(api: FakeBotApi, person: JSON, answer_message: JSON, data: str) -> list[JSON]:
    """Every update kind besides a private chat's new messages, each from or about `person`
    where Telegram has a sender, and each carrying an answer-like "4" where it has text."""
    now = int(time.time())
    bot_user = api.bot_user
    stranger = api.user(891, "Ece", language_code="tr")
    blocker = api.user(892, "Can", language_code="tr")
    customer = api.user(893, "Efe", language_code="tr")
    group = api.group(-4001, "Destek ekibi")
    channel: JSON = {"id": -1001234567890, "type": "channel", "title": "Duyurular"}
    in_channel: JSON = {
        "message_id": 1,
        "chat": channel,
        "sender_chat": channel,
        "date": now,
        "text": "4",
    }
    private = answer_message["chat"]
    edited = {**answer_message, "text": "4", "edit_date": now}
    business = {
        **api.message(customer, business_connection_id="bc-1", text="4"),
        "chat": {"id": customer["id"], "type": "private", "first_name": customer["first_name"]},
    }
    premium = {"source": "premium", "user": person}
    member = {"status": "member", "user": bot_user}
    return [
        {"edited_message": edited},
        {"channel_post": in_channel},
        {"edited_channel_post": {**in_channel, "text": "3", "edit_date": now}},
        {"inline_query": {"id": "iq-1", "from": person, "query": "4", "offset": ""}},
        {"chosen_inline_result": {"result_id": "r-1", "from": person, "query": "4"}},
        {
            "shipping_query": {
                "id": "sq-1",
                "from": person,
                "invoice_payload": "csmm",
                "shipping_address": {
                    "country_code": "TR",
                    "state": "",
                    "city": "İstanbul",
                    "street_line1": "İstiklal Cd. 1",
                    "street_line2": "",
                    "post_code": "34000",
                },
            }
        },
        {
            "pre_checkout_query": {
                "id": "pq-1",
                "from": person,
                "currency": "TRY",
                "total_amount": 100,
                "invoice_payload": "csmm",
            }
        },
        {"poll": MEDIA["poll"]["poll"]},
        {
            "poll_answer": {
                "poll_id": "poll-1",
                "user": person,
                "option_ids": [0],
                "option_persistent_ids": ["1"],
            }
        },
        {  # a person blocks the bot
            "my_chat_member": {
                "chat": {"id": blocker["id"], "type": "private", "first_name": "Can"},
                "from": blocker,
                "date": now,
                "old_chat_member": member,
                "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
            }
        },
        {  # the person adds the bot to a group
            "my_chat_member": {
                "chat": group,
                "from": person,
                "date": now,
                "old_chat_member": {"status": "left", "user": bot_user},
                "new_chat_member": member,
            }
        },
        {
            "chat_member": {
                "chat": group,
                "from": stranger,
                "date": now,
                "old_chat_member": {"status": "left", "user": stranger},
                "new_chat_member": {"status": "member", "user": stranger},
            }
        },
        {
            "chat_join_request": {
                "chat": group,
                "from": stranger,
                "user_chat_id": stranger["id"],
                "date": now,
            }
        },
        {
            "chat_boost": {
                "chat": group,
                "boost": {
                    "boost_id": "boost-1",
                    "add_date": now,
                    "expiration_date": now + 86_400,
                    "source": premium,
                },
            }
        },
        {
            "removed_chat_boost": {
                "chat": group,
                "boost_id": "boost-1",
                "remove_date": now,
                "source": premium,
            }
        },
        {
            "message_reaction": {
                "chat": private,
                "message_id": answer_message["message_id"],
                "user": person,
                "date": now,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        },
        {
            "message_reaction_count": {
                "chat": group,
                "message_id": 1,
                "date": now,
                "reactions": [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 2}],
            }
        },
        {
            "business_connection": {  # a business account (another person's) connects the bot
                "id": "bc-1",
                "user": stranger,
                "user_chat_id": stranger["id"],
                "date": now,
                "is_enabled": True,
            }
        },
        {"business_message": business},
        {"edited_business_message": {**business, "text": "3", "edit_date": now}},
        {
            "deleted_business_messages": {
                "business_connection_id": "bc-1",
                "chat": business["chat"],
                "message_ids": [business["message_id"]],
            }
        },
        {"purchased_paid_media": {"from": person, "paid_media_payload": "csmm"}},
        {
            "managed_bot": {
                "user": person,
                "bot": {"id": 987654, "is_bot": True, "first_name": "Managed"},
            }
        },
        {  # the bot summoned as a guest into a chat of the person's with someone else
            "guest_message": {
                **api.message(person, text="4"),
                "chat": {"id": stranger["id"], "type": "private", "first_name": "Ece"},
                "guest_query_id": "gq-1",
            }
        },
        {  # a button under an inline-mode message: no chat, no message
            "callback_query": {
                "id": "placeholder",
                "from": person,
                "chat_instance": "inline",
                "inline_message_id": "inline-1",
                "data": data,
            }
        },
    ]


def kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


async def test_every_unexpected_update_gets_a_hint_or_is_ignored(
    running: FakeBotApi, assessments: Assessments, caplog: pytest.LogCaptureFixture
) -> None:
    api, q = running, question_ids(assessments)
    deniz = api.user(801, "Deniz", language_code="tr")
    await start(api, deniz)
    typed = api.send_text(deniz, "2")  # question 1: Ekip lideri
    await api.wait_for(lambda: bool(asked(api, 801, 2)))
    second = asked(api, 801, 2)[-1]
    before = await stored(assessments, 801)
    responses = await count_responses(assessments)

    others = other_updates(api, deniz, typed["message"], answer_data(second, "3"))
    covered = {"message", *(kind(update) for update in others)}
    assert covered >= set(Update.ALL_TYPES), f"not tried: {set(Update.ALL_TYPES) - covered}"
    for update in others:  # each one as Telegram would send it
        Update.de_json(copy.deepcopy({"update_id": 1, **update}), None)

    sent_before = {chat: len(api.sent(chat)) for chat in (801, -4001)}
    all_before = len(api.sent())
    caplog.clear()
    for fields in MEDIA.values():
        api.send_update({"message": api.message(deniz, **fields)})
    inline_press: JSON = {}
    for update in others:
        if kind(update) == "callback_query":
            query = update["callback_query"]
            fields = {k: v for k, v in query.items() if k not in ("id", "from", "data")}
            inline_press = api.callback_query(deniz, query["data"], **fields)
        else:
            api.send_update(update)
    # Updates are handled in order: once this answer's question 3 is out, all came through.
    api.send_text(deniz, "2")  # question 2: Geçici
    await api.wait_for(
        lambda: any(progress(m) and buttons(m) for m in api.sent(801)[sent_before[801] :]),
        timeout=20,
    )

    # Nothing changed but the answer typed after them all: not the edit, not the inline button.
    after = await stored(assessments, 801)
    assert after.answers == {**before.answers, q[1]: ("answered", 1)}
    assert after.rows == before.rows + 1
    assert after.position == q[2]
    assert await count_responses(assessments) == responses
    # Each photo, sticker, … got a short hint in Turkish, and nothing else came before question 3.
    new = api.sent(801)[sent_before[801] :]
    assert progress(new[-1]) == 3
    hints = [str(m["text"]) for m in new[:-1]]
    assert len(MEDIA) <= len(hints) <= len(MEDIA) + 1  # the edit may get one too
    assert not any(buttons(m) for m in new[:-1])
    most_common, times = Counter(hints).most_common(1)[0]
    assert times >= len(MEDIA)
    assert len(most_common) <= 300
    assert TURKISH_LETTERS.search(most_common), most_common
    # Nothing went to anyone else: not the person who blocked the bot, not the channel, not a
    # business customer, not the chat the bot was a guest in (a group it joined may be greeted).
    elsewhere = {m["chat"]["id"] for m in api.sent()[all_before:]} - {801, -4001}
    assert not elsewhere
    # The button under an inline message was answered, and no handler failed.
    assert answered(api, query_id(inline_press)) == 1
    failures = [
        r for r in caplog.records if r.levelno >= logging.ERROR or FAILED_UPDATE in r.getMessage()
    ]
    assert not failures, [r.getMessage() for r in failures]


# ---------------------------------------------------------------------- 4. callback data


def _choose(data: list[str], change: bool) -> str:
    """The button a person presses: a note's skip, submit, keep (unless changing), else an
    answer (Repeatable, or Ad hoc when changing), else skip."""
    for prefix in ("n:", "r:submit"):
        found = [d for d in data if d.startswith(prefix)]
        if found:
            return found[0]
    keep = [d for d in data if d.endswith(":keep")]
    if keep and not change:
        return keep[0]
    options = [d for d in data if d.startswith("q:") and d.rsplit(":", 1)[1] not in CONTROLS]
    practice = [d for d in options if d.rsplit(":", 1)[1] in ("1", "2")]
    if practice:
        return practice[0] if change else practice[-1]
    if options:
        return options[1] if change and len(options) > 1 else options[0]
    return next(d for d in data if d.endswith(":skip"))


async def _live_keyboard(api: FakeBotApi, chat_id: int, since: int) -> JSON:
    def live() -> list[JSON]:
        now = api.messages(chat_id)
        return [now[m["message_id"]] for m in api.sent(chat_id)[since:]]

    await api.wait_for(lambda: any(buttons(m) for m in live()))
    return [m for m in live() if buttons(m)][-1]


async def until_sent(api: FakeBotApi, chat_id: int, count: int) -> None:
    await api.wait_for(lambda: len(api.sent(chat_id)) >= count)


async def answer_everything(
    api: FakeBotApi, user: JSON, *, detours: dict[int, str] | None = None, change_odd: bool = False
) -> list[str]:
    """Answer the whole questionnaire by buttons, from /start to submit; `detours` presses a
    control (why, back, pause) once at the given question first. Returns the queries' ids."""
    chat_id = int(user["id"])
    detours = dict(detours or {})
    pressed: list[str] = []
    since = len(api.sent(chat_id))
    api.send_text(user, "/start")
    while True:
        message = await _live_keyboard(api, chat_id, since)
        data = payloads(message)
        number = progress(message)
        control = detours.pop(number, None) if number is not None else None
        if control is not None:
            choice = next(d for d in data if d.endswith(f":{control}"))
        else:
            choice = _choose(data, change_odd and number is not None and number % 2 == 1)
        since = len(api.sent(chat_id))
        pressed.append(query_id(api.press(user, message, data_for(message, choice))))
        if control == "pause":
            await until_sent(api, chat_id, since + 1)
            since = len(api.sent(chat_id))
            api.send_text(user, "/start")
        if choice == "r:submit":
            # The thanks, then the report.
            await until_sent(api, chat_id, since + 2)
            return pressed


async def press_other_keyboards(api: FakeBotApi, user: JSON) -> list[str]:
    """/plan's checklist and /forget_me's question: one press on each."""
    chat_id = int(user["id"])
    pressed: list[str] = []
    for command, pick in (("/plan", 0), ("/forget_me", -1)):
        since = len(api.sent(chat_id))
        api.send_text(user, command)
        message = await _live_keyboard(api, chat_id, since)
        data = str(buttons(message)[pick]["callback_data"])
        pressed.append(query_id(api.press(user, message, data)))
        await api.wait_for(lambda: answered(api, pressed[-1]) > 0)
    return pressed


async def test_every_callback_data_fits_and_every_press_is_answered(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    eve = api.user(901, "Eve Robustness", language_code="en")
    zeynep = api.user(902, "Zeynep Sağlamlık", language_code="tr")
    # Two people at once, in English and in Turkish.
    in_english, in_turkish = await asyncio.gather(
        answer_everything(api, eve, detours={3: "why", 4: "back", 5: "pause"}),
        answer_everything(api, zeynep, detours={2: "why"}),
    )
    pressed = in_english + in_turkish
    pressed += await press_other_keyboards(api, eve)
    # A second snapshot: "Keep" buttons, and a note asked for each changed practice.
    team = await assessments.find_team("Zeynep Sağlamlık")
    await assessments.new_snapshot(team, by="test")
    pressed += await answer_everything(api, zeynep, change_odd=True)
    pressed += await press_other_keyboards(api, zeynep)

    sent_data = [
        str(button["callback_data"])
        for name, params in api.calls
        if isinstance(params.get("reply_markup"), dict)
        for row in params["reply_markup"].get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]
    assert any(d.endswith(":keep") for d in sent_data)
    assert any(d.rpartition("/")[2].startswith("n:") for d in sent_data)
    too_long = {d for d in sent_data if not 1 <= len(d.encode("utf-8")) <= 64}
    assert not too_long
    unanswered = [q for q in pressed if answered(api, q) != 1]
    assert not unanswered, f"{len(unanswered)} of {len(pressed)} presses not answered once"


# ---------------------------------------------------------------------- 5. logs


async def test_no_log_record_carries_the_token(
    fake: FakeBotApi, assessments: Assessments, caplog: pytest.LogCaptureFixture
) -> None:
    """Logging at DEBUG everywhere, including the HTTP client's loggers (which name every
    request URL, and Bot API URLs carry the token), through a session full of errors."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "telegram", "telegram.ext", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    api = fake
    fay = api.user(950, "Fay", language_code="en")
    async with polling(api, assessments):
        first = await start(api, fay)
        api.fail_next("answerCallbackQuery", retry_after=1)
        api.fail_next_raw("editMessageText", HTML_502, status=502)
        api.fail_next_raw("getUpdates", CUT_OFF, status=200)
        api.press(fay, first, data_for(first, "q:role:team_lead"))
        api.fail_next("sendMessage", status=500)
        api.send_text(fay, "3")
        api.stall_next("sendMessage", STALL_S)
        api.send_text(fay, "/start")
        api.fail_next("editMessageText", status=400, description="Bad Request: simulated")
        api.send_text(fay, "4")
        # Updates are handled in order: once /help is answered, all of the above were handled.
        api.send_text(fay, "/help")
        await api.wait_for(lambda: "/language" in last_text(api, 950), timeout=READ_TIMEOUT_S + 15)

    secret = TOKEN.split(":", 1)[1]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = caplog.records
    assert any(r.name.startswith("telegram") for r in records)  # the capture works
    assert any(FAILED_UPDATE in r.getMessage() for r in records)  # errors did happen
    leaks = [
        f"{r.name}: {formatter.format(r)[:200]}"
        for r in records
        if TOKEN in formatter.format(r) or secret in formatter.format(r)
    ]
    assert not leaks, f"{len(leaks)} log records carry the token, e.g. {leaks[:3]}"
