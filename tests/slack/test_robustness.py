"""The Slack app on Slack's bad days and against requests it must not trust: forged and stale
signatures, retried events, repeated presses, rate-limit storms, stale buttons, people who may
not do what they ask, unknown subcommands, malformed bodies, and logs read at DEBUG. Everything
goes over real HTTP between the app's aiohttp server and the fake Slack, on a real database;
nothing of the app's own is mocked."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from sqlalchemy import select

import bot.logs
from bot.assessments import Assessments
from bot.logs import QUIET_LOGGERS, keep_out_of_logs
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM, team_key
from bot.slack.server import run_http
from storage.models import AnswerRow, Person, Response
from tests.slack.fake_slack import JSON, FakeSlack, Message, sign
from tests.slack.helpers import (
    ADMIN,
    AYSE,
    BOB,
    CHANNEL,
    config_for,
    free_port,
    serving,
    settle,
    team_channel,
)
from tests.slack.journey import answer_everything, start

PROGRESS = re.compile(r"(\d+)/(\d+)\b")
ANSWER_VALUE = re.compile(r"^\d+/q:(?P<question>[^:]+):(?P<action>[^:]+)$")
CONTROLS = {"back", "skip", "why", "pause", "dk", "keep"}
STALE_MINUTES = 6  # Slack's signatures are good for 5 minutes either way
ONLY_ADMINS_EN = "Only workspace admins and this team's admins can start"
ONLY_ADMINS_TR = "yalnızca çalışma alanı yöneticileri"
NOT_ANSWERING_TR = "Bu düğme şu anda yanıtlamadığınız bir değerlendirmeye ait"
CLOSED_TR = "Bu değerlendirme kapandı"
EARLIER_QUESTION = "That button belongs to an earlier question"
HELP_LINE = "/maturity start"
FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
DM_WRITES = ("chat.postMessage", "chat.update", "conversations.open")


# ---------------------------------------------------------------------- readers


@dataclass(frozen=True)
class Stored:
    """A person's latest response as the database holds it."""

    answers: dict[str, tuple[str, Any]]  # question id → (state, value)
    position: str
    status: str


async def stored(assessments: Assessments, user_id: str) -> Stored | None:
    async with assessments.database.reading() as session:
        response = await session.scalar(
            select(Response)
            .join(Person, Person.id == Response.person_id)
            .where(Person.platform == PLATFORM, Person.external_id == user_id)
            .order_by(Response.id.desc())
            .limit(1)
        )
        if response is None:
            return None
        rows = (
            await session.scalars(select(AnswerRow).where(AnswerRow.response_id == response.id))
        ).all()
    answers: dict[str, tuple[str, Any]] = {}
    for row in rows:
        value = next((v for v in (row.adoption, row.number, row.text) if v is not None), None)
        answers[row.question_id] = (row.state, value)
    return Stored(answers, response.position, response.status)


def first_version(message: Message) -> Message:
    """A message as the app first posted it (before any chat.update)."""
    return message.edits[0] if message.edits else message


def answer_buttons(message: Message) -> list[JSON]:
    """The answer options of a question message (no controls like Skip or Back)."""
    return [
        b
        for b in FakeSlack.buttons(message)
        if (m := ANSWER_VALUE.match(str(b.get("value") or ""))) and m["action"] not in CONTROLS
    ]


def progress(message: Message) -> int | None:
    matched = PROGRESS.match(message.text)
    return int(matched[1]) if matched else None


def asked(fake: FakeSlack, user_id: str, number: int) -> list[Message]:
    """Every message in the person's DM that asked question ``number`` with its buttons."""
    return [
        m
        for m in fake.dm(user_id)
        if progress(first_version(m)) == number and answer_buttons(first_version(m))
    ]


def live_question(fake: FakeSlack, user_id: str) -> Message | None:
    """The newest message in the DM with answer buttons still on it."""
    return next((m for m in reversed(fake.dm(user_id)) if answer_buttons(m)), None)


def posts_to(fake: FakeSlack, channel: str) -> list[JSON]:
    return [p for p in fake.calls_to("chat.postMessage") if p.get("channel") == channel]


def told(fake: FakeSlack, user_id: str, channel: str = CHANNEL) -> list[str]:
    """What only ``user_id`` was shown in ``channel`` (by chat.postEphemeral or a response
    URL): by default, the answers to their /maturity commands there."""
    return [e.text for e in fake.ephemerals if e.user == user_id and e.channel == channel]


def noted(fake: FakeSlack, user_id: str) -> list[str]:
    """The notes only ``user_id`` was shown in their DM with the app."""
    return [
        e.text
        for e in fake.ephemerals
        if e.user == user_id
        and e.channel == fake.dm_id(user_id)
        and e.source == "chat.postEphemeral"
    ]


async def wait_asked(
    fake: FakeSlack,
    user_id: str,
    number: int,
    timeout: float = 10,  # noqa: ASYNC109
) -> Message:
    await fake.wait_for(lambda: asked(fake, user_id, number), timeout)
    return asked(fake, user_id, number)[-1]


def invited(fake: FakeSlack, user_id: str) -> bool:
    return any(fake.buttons(m) for m in fake.dm(user_id))


async def invited_and_started(fake: FakeSlack, *people: str) -> None:
    """The admin starts the channel's assessment; each of ``people`` presses Start and sees
    question 1."""
    status, _ack = await fake.command(ADMIN, CHANNEL, "start 10")
    assert status == 200
    await fake.wait_for(lambda: all(invited(fake, p) for p in (ADMIN, AYSE, BOB)))
    # The channel's announcement and the admin's summary too: nothing of the start may still
    # be under way when a test makes Slack misbehave.
    await fake.wait_for(lambda: any("Admin Ada started" in m.text for m in fake.messages(CHANNEL)))
    await fake.wait_for(lambda: told(fake, ADMIN))
    await settle()
    for person in people:
        await start(fake, person, "Başla" if person == AYSE else "Start")
        await wait_asked(fake, person, 1)


async def press_option(
    fake: FakeSlack, user_id: str, message: Message, index: int = 0
) -> tuple[int, Any]:
    """Press the ``index``-th answer option of ``message``."""
    options = answer_buttons(message)
    assert options, f"no answer buttons in {message.text!r}"
    value = options[min(index, len(options) - 1)]["value"]
    return await fake.press(user_id, lambda b: b["value"] == value, message=message)


# ---------------------------------------------------------------------- tampering with requests


@contextmanager
def delivering(fake: FakeSlack, **forged: Any) -> Iterator[list[tuple[str, str, Any]]]:
    """Requests the fake sends into the app while inside, signed with ``forged`` (``secret``,
    ``timestamp``) instead of the real secret and the current time; yields the bodies sent,
    so a test can resend one as it was."""
    real = fake.post_to_app
    sent: list[tuple[str, str, Any]] = []

    async def post(
        body: str, content_type: str, *, headers_extra: dict[str, str] | None = None, **_: Any
    ) -> tuple[int, str]:
        sent.append((body, content_type, headers_extra))
        return await real(body, content_type, headers_extra=headers_extra, **forged)

    fake.post_to_app = post  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        del fake.post_to_app  # the class's method again


@contextmanager
def capturing_interactions(fake: FakeSlack) -> Iterator[list[JSON]]:
    """Every interactive payload the fake sends while inside, as sent."""
    real = fake.interactive
    captured: list[JSON] = []

    async def interactive(payload: JSON) -> tuple[int, Any]:
        captured.append(json.loads(json.dumps(payload)))
        return await real(payload)

    fake.interactive = interactive  # type: ignore[method-assign]
    try:
        yield captured
    finally:
        del fake.interactive


async def post_raw(fake: FakeSlack, body: str, headers: dict[str, str]) -> tuple[int, str]:
    assert fake.app_url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.app_url, data=body.encode(), headers=headers) as response,
    ):
        return response.status, await response.text()


def home_opened_event(fake: FakeSlack, user_id: str) -> JSON:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": fake.dm_id(user_id),
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


# ---------------------------------------------------------------------- 1. signatures


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param({"secret": "not-the-signing-secret"}, id="wrong-secret"),
        pytest.param({"age": STALE_MINUTES * 60}, id="stale"),
        pytest.param({"age": -STALE_MINUTES * 60}, id="from-the-future"),
    ],
)
async def test_badly_signed_requests_are_refused_and_change_nothing(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel, forged: dict[str, Any]
) -> None:
    if "age" in forged:  # timed now, not when the tests were collected
        forged = {"timestamp": int(time.time()) - forged["age"]}
    team_channel(fake)
    with delivering(fake, **forged) as sent:
        replies = [
            await fake.command(ADMIN, CHANNEL, "start 10"),
            await fake.send_dm(BOB, "hello"),
            await fake.home_opened(BOB),
        ]
    assert [status for status, _body in replies] == [401, 401, 401]
    await settle()
    assert fake.calls == [], "a refused request made Web API calls"
    assert fake.ephemerals == [] and fake.published == {} and fake.responses == []
    assert await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL)) is None
    assert await assessments.current(PLATFORM, BOB) is None
    assert await stored(assessments, BOB) is None

    # The very same command, signed as Slack signs it, is accepted: the signature was the reason.
    command_body, content_type, _ = sent[0]
    status, _ack = await fake.post_to_app(command_body, content_type)
    assert status == 200
    await fake.wait_for(lambda: invited(fake, BOB) and invited(fake, AYSE))
    assert await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL)) is not None

    # A forged press of Bob's Start button starts nothing either.
    updates = len(fake.calls_to("chat.update"))
    with delivering(fake, **forged):
        status, _body = await fake.press(BOB, "Start")
    assert status == 401
    await settle()
    assert await assessments.current(PLATFORM, BOB) is None
    assert len(fake.calls_to("chat.update")) == updates
    assert [b["text"] for m in fake.dm(BOB) for b in fake.buttons(m)] == ["Start"]


def unsigned_event(fake: FakeSlack) -> str:
    """An event Bob's DM message would cause, as JSON, for sending with headers of one's own."""
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": fake.team_id,
            "api_app_id": fake.app_id,
            "event_id": "EvUNSIGNED1",
            "event_time": int(time.time()),
            "event": fake.message_event(BOB, "hello"),
        }
    )


async def test_requests_without_signature_headers_are_refused(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel
) -> None:
    team_channel(fake)
    body = unsigned_event(fake)
    signed = sign(body, secret=fake.signing_secret)
    for headers in (
        {},
        {"X-Slack-Request-Timestamp": signed["X-Slack-Request-Timestamp"]},
        {"X-Slack-Signature": signed["X-Slack-Signature"]},
    ):
        status, _text = await post_raw(fake, body, {"Content-Type": JSON_TYPE, **headers})
        assert status == 401, f"{sorted(headers)}: {status}"
    await settle()
    assert fake.calls == []
    assert await stored(assessments, BOB) is None

    # Control: with both headers the same body is handled (Bob is greeted in his DM).
    status, _text = await post_raw(fake, body, {"Content-Type": JSON_TYPE, **signed})
    assert status == 200
    await fake.wait_for(lambda: asked(fake, BOB, 1))


@pytest.mark.parametrize(
    "timestamp",
    ["", " ", "yesterday", "1.5e9", "²"],
    ids=["empty", "blank", "word", "float", "superscript"],
)
async def test_a_garbled_timestamp_header_is_refused_not_a_server_error(
    fake: FakeSlack,
    assessments: Assessments,
    app: SlackChannel,
    caplog: pytest.LogCaptureFixture,
    timestamp: str,
) -> None:
    """Anyone can reach the Request URL: what they send is refused as unsigned (401), not
    answered with a 500 and an ERROR log with a traceback."""
    team_channel(fake)
    body = unsigned_event(fake)
    signature = sign(body, secret=fake.signing_secret)["X-Slack-Signature"]
    headers = {
        "Content-Type": JSON_TYPE,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    status, text = await post_raw(fake, body, headers)
    await settle()
    assert fake.calls == []
    assert await stored(assessments, BOB) is None
    assert status == 401, f"{status}: {text[:200]}"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------------- 2. retried events


@pytest.mark.parametrize("together", [False, True], ids=["retry-after-ack", "retry-in-flight"])
async def test_a_retried_dm_answer_is_stored_once(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel, together: bool
) -> None:
    team_channel(fake)
    await invited_and_started(fake, BOB)
    dm = fake.dm_id(BOB)
    before = len(posts_to(fake, dm))
    event = fake.message_event(BOB, "2")
    first = fake.event(event, event_id="EvTYPED0001")
    retry = fake.event(event, event_id="EvTYPED0001", retry_num=1)
    if together:
        replies = list(await asyncio.gather(first, retry))
    else:
        replies = [await first]
        await wait_asked(fake, BOB, 2)
        replies.append(await retry)
    assert [status for status, _body in replies] == [200, 200]  # a retry is acknowledged too
    await wait_asked(fake, BOB, 2)
    await settle()

    now = await stored(assessments, BOB)
    assert now is not None and list(now.answers) == ["role"], now
    opened = await assessments.current(PLATFORM, BOB)
    assert opened is not None and opened.turn.state.position == now.position != "role"
    assert len(asked(fake, BOB, 2)) == 1
    assert len(posts_to(fake, dm)) - before == 1, "the retry sent another message"

    # A new message (another event id) is still answered: Bob moves on to question 3.
    await fake.send_dm(BOB, "3")
    await wait_asked(fake, BOB, 3)
    after = await stored(assessments, BOB)
    assert after is not None and len(after.answers) == 2
    assert len(asked(fake, BOB, 2)) == 1 and len(asked(fake, BOB, 3)) == 1


async def test_a_retried_app_home_opened_publishes_once(fake: FakeSlack, app: SlackChannel) -> None:
    team_channel(fake)
    event = home_opened_event(fake, BOB)
    status, _ = await fake.event(event, event_id="EvHOME00001")
    assert status == 200
    await fake.wait_for(lambda: BOB in fake.published)
    status, _ = await fake.event(event, event_id="EvHOME00001", retry_num=1)
    assert status == 200
    status, _ = await fake.event(event, event_id="EvHOME00001", retry_num=2)
    assert status == 200
    await settle()
    assert len(fake.calls_to("views.publish")) == 1

    # Opening the tab again (a new event) publishes again: it is the event that counts once.
    status, _ = await fake.event(home_opened_event(fake, BOB), event_id="EvHOME00002")
    assert status == 200
    await fake.wait_for(lambda: len(fake.calls_to("views.publish")) == 2)


# ---------------------------------------------------------------------- 3. repeated presses


@pytest.mark.parametrize(
    "at_once", [False, True], ids=["after-the-next-question", "while-the-first-is-handled"]
)
async def test_the_same_press_twice_answers_once(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel, at_once: bool
) -> None:
    team_channel(fake)
    await invited_and_started(fake, BOB)
    question_1 = asked(fake, BOB, 1)[0]
    await press_option(fake, BOB, question_1, 1)
    question_2 = await wait_asked(fake, BOB, 2)
    dm = fake.dm_id(BOB)
    posted = len(posts_to(fake, dm))

    with capturing_interactions(fake) as captured:
        status, _ = await press_option(fake, BOB, question_2, 2)
    assert status == 200 and len(captured) == 1
    if not at_once:
        await wait_asked(fake, BOB, 3)
    status, _ = await fake.interactive(captured[0])  # the very same payload again
    assert status == 200
    question_3 = await wait_asked(fake, BOB, 3)
    await settle()

    now = await stored(assessments, BOB)
    assert now is not None and sorted(now.answers) == sorted(["role", question_id(question_2)])
    assert now.position == question_id(question_3)
    assert len(asked(fake, BOB, 3)) == 1, "the repeated press asked the next question again"
    assert len(posts_to(fake, dm)) - posted == 1
    # The pressed question was turned into its answer once, and keeps it.
    assert len(question_2.edits) == 1 and not fake.buttons(question_2)
    assert "✔️" in question_2.text

    # The next press goes on as usual.
    await press_option(fake, BOB, question_3, 2)
    await wait_asked(fake, BOB, 4)


def question_id(message: Message) -> str:
    matched = ANSWER_VALUE.match(str(answer_buttons(first_version(message))[0]["value"]))
    assert matched is not None
    return matched["question"]


# ---------------------------------------------------------------------- 4. rate limits


async def test_a_429_storm_mid_questionnaire_loses_nothing(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel
) -> None:
    team_channel(fake)
    await invited_and_started(fake, BOB)
    question_1 = asked(fake, BOB, 1)[0]
    dm = fake.dm_id(BOB)
    posted = len(posts_to(fake, dm))
    updated = len(fake.calls_to("chat.update"))
    assert fake.rate_limited == 0

    # Pressing an answer edits the question (chat.update) and posts the next (chat.postMessage).
    fake.fail_next("chat.update", count=1, retry_after=1)
    fake.fail_next("chat.postMessage", count=2, retry_after=1)
    status, _ = await press_option(fake, BOB, question_1, 1)
    assert status == 200
    question_2 = await wait_asked(fake, BOB, 2, timeout=30)  # up to 2 s per Retry-After
    await fake.wait_for(lambda: question_1.edits)
    await settle()

    assert fake.rate_limited == 3
    # Each call was retried until it went through: 1 + 2 refused, then one accepted each.
    assert len(fake.calls_to("chat.update")) - updated == 2
    assert len(posts_to(fake, dm)) - posted == 3
    assert len(fake.dm(BOB)) == len(set(m.ts for m in fake.dm(BOB)))
    assert len(asked(fake, BOB, 2)) == 1  # retried, not duplicated
    assert not fake.buttons(question_1) and "✔️" in question_1.text
    now = await stored(assessments, BOB)
    assert now is not None and list(now.answers) == ["role"]
    assert now.position == question_id(question_2)

    # After the storm the questionnaire goes on.
    await press_option(fake, BOB, question_2, 2)
    await wait_asked(fake, BOB, 3)
    assert fake.rate_limited == 3


async def test_invitations_all_arrive_through_429s(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel
) -> None:
    team_channel(fake)
    fake.fail_next("chat.postMessage", count=3, retry_after=1)
    fake.fail_next("users.info", count=1, retry_after=1)
    status, _ = await fake.command(ADMIN, CHANNEL, "start 10")
    assert status == 200
    await fake.wait_for(lambda: told(fake, ADMIN), timeout=30)
    await settle()
    assert fake.rate_limited == 4
    for person in (ADMIN, AYSE, BOB):
        assert len([m for m in fake.dm(person) if fake.buttons(m)]) == 1, person
    announcements = [m for m in fake.messages(CHANNEL) if "Admin Ada started" in m.text]
    assert len(announcements) == 1
    assert "Invited 3 people" in told(fake, ADMIN)[-1]


# ---------------------------------------------------------------------- 5. admins only


@pytest.mark.parametrize(
    ("person", "refusal"), [(BOB, ONLY_ADMINS_EN), (AYSE, ONLY_ADMINS_TR)], ids=["en", "tr"]
)
async def test_a_non_admin_cannot_start_an_assessment(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel, person: str, refusal: str
) -> None:
    team_channel(fake)
    status, _ = await fake.command(person, CHANNEL, "start 10")
    assert status == 200
    said = await fake.wait_for(lambda: told(fake, person))
    await settle()
    assert len(said) == 1 and refusal in said[0], said
    assert [(e.user, e.channel) for e in fake.ephemerals] == [(person, CHANNEL)]
    for someone in (ADMIN, AYSE, BOB):
        assert fake.dm(someone) == []
    assert fake.messages(CHANNEL) == []
    for method in (*DM_WRITES, "conversations.members"):
        assert fake.calls_to(method) == [], method
    assert await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL)) is None


# ---------------------------------------------------------------------- 6. stale buttons


async def test_an_answered_questions_old_button_changes_nothing(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel
) -> None:
    team_channel(fake)
    await invited_and_started(fake, BOB)
    question_1 = asked(fake, BOB, 1)[0]
    await press_option(fake, BOB, question_1, 0)
    await wait_asked(fake, BOB, 2)
    await fake.wait_for(lambda: question_1.edits)
    assert not fake.buttons(question_1)  # the app took the buttons away …
    before = await stored(assessments, BOB)
    assert before is not None and list(before.answers) == ["role"]

    # … but Bob's client still showed them: he presses another role on the old question.
    status, _ = await press_option(fake, BOB, question_1.edits[0], 2)
    assert status == 200
    notes = await fake.wait_for(lambda: noted(fake, BOB))
    await settle()
    assert len(notes) == 1 and EARLIER_QUESTION in notes[0], notes
    assert fake.ephemerals[-1].channel == fake.dm_id(BOB)
    assert await stored(assessments, BOB) == before
    assert not fake.buttons(question_1)
    assert not asked(fake, BOB, 3)
    # Where he is now: question 2, with live buttons (shown again or still shown).
    live = live_question(fake, BOB)
    assert live is not None and progress(live) == 2


async def test_a_button_pressed_after_the_snapshot_closed_changes_nothing(
    fake: FakeSlack, assessments: Assessments, app: SlackChannel
) -> None:
    team_channel(fake)
    await invited_and_started(fake, BOB, AYSE)
    await answer_everything(fake, BOB)
    ayse_question = asked(fake, AYSE, 1)[0]
    await press_option(fake, AYSE, ayse_question, 1)
    ayse_question = await wait_asked(fake, AYSE, 2)
    await settle()

    status, _ = await fake.command(ADMIN, CHANNEL, "close")
    assert status == 200
    await fake.wait_for(lambda: any("is closed" in text for text in told(fake, ADMIN)))
    await settle()
    before = await stored(assessments, AYSE)
    assert before is not None and list(before.answers) == ["role"]
    messages = [(m.ts, m.text, len(m.edits)) for m in fake.dm(AYSE)]
    updates = len(fake.calls_to("chat.update"))

    assert fake.buttons(ayse_question), "her question still shows its buttons"
    status, _ = await press_option(fake, AYSE, ayse_question, 3)
    assert status == 200
    notes = await fake.wait_for(lambda: noted(fake, AYSE))
    await settle()
    # Said to her alone, in Turkish (her Slack's language): the assessment has closed.
    assert len(notes) == 1 and CLOSED_TR in notes[0], notes
    assert await stored(assessments, AYSE) == before
    # Nothing new in her DM; the dead question only loses its buttons.
    assert [(m.ts, m.text) for m in fake.dm(AYSE)] == [(ts, text) for ts, text, _ in messages]
    assert not fake.buttons(next(m for m in fake.dm(AYSE) if m.ts == ayse_question.ts))
    assert len(fake.calls_to("chat.update")) == updates + 1


# ---------------------------------------------------------------------- 7. help


@pytest.mark.parametrize(
    ("person", "unknown", "listed"),
    [
        (BOB, "I don't know “frobnicate”", (HELP_LINE, "/maturity forget-me")),
        (AYSE, "“frobnicate” komutunu tanımıyorum", ("/maturity başlat", "/maturity beni-unut")),
    ],
    ids=["en", "tr"],
)
async def test_an_unknown_subcommand_gets_the_help(
    fake: FakeSlack, app: SlackChannel, person: str, unknown: str, listed: tuple[str, ...]
) -> None:
    team_channel(fake)
    status, _ = await fake.command(person, CHANNEL, "frobnicate now")
    assert status == 200
    said = await fake.wait_for(lambda: told(fake, person))
    assert len(said) == 1 and unknown in said[0], said
    assert all(subcommand in said[0] for subcommand in listed), said[0]


async def test_a_bare_command_gets_the_help(fake: FakeSlack, app: SlackChannel) -> None:
    team_channel(fake)
    for text in ("", "   "):
        fake.ephemerals.clear()
        status, _ = await fake.command(BOB, CHANNEL, text)
        assert status == 200
        said = await fake.wait_for(lambda: told(fake, BOB))
        assert len(said) == 1 and HELP_LINE in said[0] and "/maturity status" in said[0]
        assert "know" not in said[0]
    assert fake.calls_to("chat.postMessage") == []


# ---------------------------------------------------------------------- 8. malformed bodies


@pytest.mark.parametrize(
    ("body", "content_type", "refused"),
    [
        pytest.param("payload=%7Bnot%20json", FORM, True, id="payload-not-json"),
        pytest.param("payload=" + quote('{"type": "block_actions"'), FORM, True, id="cut-off"),
        pytest.param("payload=" + quote('{"type": "frobnicate"}'), FORM, True, id="unknown-type"),
        pytest.param('{"type": "frobnicate"}', JSON_TYPE, True, id="unknown-json-type"),
        pytest.param(
            json.dumps({"type": "event_callback", "event_id": "EvODD", "event": {"type": "odd"}}),
            JSON_TYPE,
            True,
            id="unknown-event",
        ),
        pytest.param("", FORM, True, id="empty"),
        # JSON, but not an object: nothing Slack sends, nothing to handle.
        pytest.param("payload=" + quote("[1]"), FORM, True, id="payload-array"),
        pytest.param("payload=null", FORM, True, id="payload-null"),
        pytest.param("[1, 2]", JSON_TYPE, True, id="json-array"),
    ],
)
async def test_a_malformed_body_is_refused_without_a_crash(
    fake: FakeSlack,
    assessments: Assessments,
    app: SlackChannel,
    body: str,
    content_type: str,
    refused: bool,
) -> None:
    team_channel(fake)
    status, text = await fake.post_to_app(body, content_type)
    assert status < 500, f"{status}: {text[:200]}"
    if refused:
        assert 400 <= status < 500, f"{status}: {text[:200]}"
    await settle()
    assert [c.method for c in fake.calls if c.method in DM_WRITES] == []

    # The app keeps working: the next command is answered.
    status, _ = await fake.command(BOB, CHANNEL, "help")
    assert status == 200
    said = await fake.wait_for(lambda: told(fake, BOB))
    assert HELP_LINE in said[-1]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("[1, 2]", JSON_TYPE, id="json-array"),
        pytest.param("null", JSON_TYPE, id="json-null"),
        pytest.param('"hello"', JSON_TYPE, id="json-string"),
        pytest.param("payload=" + quote("[1]"), FORM, id="payload-array"),
    ],
)
async def test_unsigned_garbage_is_refused_not_a_server_error(
    fake: FakeSlack,
    app: SlackChannel,
    caplog: pytest.LogCaptureFixture,
    body: str,
    content_type: str,
) -> None:
    """Anyone can POST to the Request URL: without a signature, whatever the body, the answer
    is a refusal (4xx), never a 500 with a traceback in the log."""
    team_channel(fake)
    status, text = await post_raw(fake, body, {"Content-Type": content_type})
    await settle()
    assert fake.calls == []
    assert 400 <= status < 500, f"{status}: {text[:200]}"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------------- 9. logs


@pytest.fixture
def scrubbed_logs(fake: FakeSlack) -> Iterator[None]:
    """What `csmm slack` does at startup (keep_out_of_logs), undone afterwards."""
    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    registered = set(bot.logs._secrets)
    keep_out_of_logs(fake.bot_token, fake.signing_secret)
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        bot.logs._secrets.intersection_update(registered)


async def test_no_log_record_carries_the_token_or_the_signing_secret(
    fake: FakeSlack,
    assessments: Assessments,
    scrubbed_logs: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At DEBUG everywhere, through a questionnaire with rate limits, failed edits, a forged
    request and a listener that raises."""
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "aiohttp", "bot", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    team_channel(fake)
    fake.add_user("UCAROL", "Carol Newcomer")
    async with serving(fake, assessments):
        await invited_and_started(fake, BOB)
        # Some bad luck on the way, so that retries and errors are logged too.
        fake.fail_next("chat.postMessage", count=1, retry_after=1)
        fake.fail_next("chat.update", status=200, error="message_not_found")
        await press_option(fake, BOB, asked(fake, BOB, 1)[0], 1)
        await wait_asked(fake, BOB, 2)
        await fake.send_dm(BOB, "3")
        await wait_asked(fake, BOB, 3)
        with delivering(fake, secret="wrong-secret"):
            assert (await fake.send_dm(BOB, "4"))[0] == 401
        # Carol is new to the app: users.info fails, and the command says so.
        fake.fail_next("users.info", status=200, error="fatal_error")
        await fake.command("UCAROL", CHANNEL, "status")
        await fake.wait_for(
            lambda: any(
                r.name == "bot.slack" and "fatal_error" in r.getMessage() for r in caplog.records
            ),
            timeout=5,
        )
    # A canary: had any library logged them, the records would carry them like this.
    logging.getLogger("slack_sdk.web").debug("headers: Bearer %s", fake.bot_token)
    try:
        raise RuntimeError(f"bad signature with {fake.signing_secret}")
    except RuntimeError:
        logging.getLogger("bot.slack").exception("canary")

    records = caplog.records
    assert any(r.name.startswith("slack_sdk") and r.levelno == logging.DEBUG for r in records)
    assert any(r.name.startswith("slack_bolt") for r in records)
    canaries = [r for r in records if "Bearer" in r.getMessage() or r.getMessage() == "canary"]
    assert len(canaries) == 2 and "[redacted]" in canaries[0].getMessage()
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    secrets = (fake.bot_token, fake.signing_secret)
    leaks = []
    for record in records:
        texts = [record.getMessage(), formatter.format(record), record.exc_text or ""]
        if any(secret in text for secret in secrets for text in texts):
            leaks.append(f"{record.name}: {formatter.format(record)[:300]}")
    assert not leaks, f"{len(leaks)} log records carry a secret, e.g. {leaks[:3]}"


async def test_presses_without_time_stamps_or_trigger_ids_still_each_count(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    """Some senders leave out ``action_ts`` and ``trigger_id``: then nothing tells one press
    from its retry, and every press must count rather than all but the first being dropped."""
    team_channel(fake)
    await invited_and_started(fake, BOB)
    for number in (1, 2):
        question = live_question(fake, BOB)
        assert question is not None
        with capturing_interactions(fake) as captured:
            real = fake.interactive

            async def bare(payload: JSON, send: Any = real) -> tuple[int, Any]:
                payload.pop("trigger_id", None)
                for action in payload.get("actions", []):
                    action.pop("action_ts", None)
                return await send(payload)

            fake.interactive = bare  # type: ignore[method-assign]
            try:
                status, _body = await press_option(fake, BOB, question)
            finally:
                fake.interactive = real  # type: ignore[method-assign]
        assert status == 200 and captured
        await wait_asked(fake, BOB, number + 1)
    found = await stored(assessments, BOB)
    assert found is not None and len(found.answers) == 2


async def test_a_retried_first_message_greets_once(fake: FakeSlack, app: SlackChannel) -> None:
    """With nothing in progress a message opens a questionnaire; its retry must not then be
    read as the first answer."""
    team_channel(fake)
    event = fake.message_event(BOB, "hello")
    status, _body = await fake.event(event, event_id="EvHELLO")
    assert status == 200
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)))
    posted = len(fake.dm(BOB))
    status, _body = await fake.event(event, event_id="EvHELLO", retry_num=1)
    assert status == 200
    await settle()
    assert len(fake.dm(BOB)) == posted
    assert not any("⚠️" in m.text for m in fake.dm(BOB))


async def test_a_stop_waits_for_listeners_still_at_work(
    fake: FakeSlack, assessments: Assessments
) -> None:
    """Bolt answers Slack before its listener is done; stopping the server right after must
    still let the listener finish: every invitation the admin was promised goes out."""
    team_channel(fake)
    people = [f"UMEMBER{n:02d}" for n in range(12)]
    for person in people:
        fake.add_user(person, f"Member {person[-2:]}")
    fake.add_channel(CHANNEL, "support", [ADMIN, *people, fake.bot_user_id])
    channel = SlackChannel(assessments, config_for(fake))
    port = free_port()
    stop = asyncio.Event()
    server = asyncio.create_task(run_http(channel, stop, host="127.0.0.1", port=port))
    fake.app_url = f"http://127.0.0.1:{port}/slack/events"
    for _ in range(200):  # until it listens
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            await asyncio.sleep(0.01)
    status, _body = await fake.command(ADMIN, CHANNEL, "start")
    assert status == 200  # acknowledged; the invitations are still being sent
    stop.set()
    await server
    # Nothing awaited since the server stopped: what is here was done before it returned.
    assert all(invited(fake, person) for person in people)
    assert told(fake, ADMIN)
