"""/schedule in a Telegram group: the schedule and its next dates, with inline choices that
only the group's administrators may press, words for the rest (`/schedule go-live 2027-03-01`,
`timezone Europe/Istanbul`, …), clear refusals of bad input, and Turkish for Turkish speakers.
What is checked is what reached the fake Bot API and what the database holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from bot.assessments import Assessments
from bot.rosters import Rosters, Schedule
from bot.scheduling.cycle import Cycle
from conversations.cadence import Kind
from storage import team_settings
from storage.models import Team, TeamSchedule
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons

GROUP = -1001230000042
ADMIN, MEMBER, AYSE, CAN = 801, 802, 803, 804
UTC = dt.UTC
JSON = dict[str, Any]
CHOICES = {
    "sch:deadline_days:7", "sch:deadline_days:14", "sch:deadline_days:21",
    "sch:send_at:09:00", "sch:send_at:10:00", "sch:send_at:14:00",
    "sch:working_days:12345", "sch:working_days:71234", "sch:working_days:1234567",
    "sch:go_live:today",
}  # fmt: skip


def setup(api: FakeBotApi) -> dict[str, JSON]:
    """The Support group: its administrators Ada and Ayşe (Turkish), and the members Bob
    and Can (Turkish); the group and the people by name."""
    group = api.group(GROUP, "Support")
    people = {
        "group": group,
        "ada": api.user(ADMIN, "Ada"),
        "bob": api.user(MEMBER, "Bob"),
        "ayse": api.user(AYSE, "Ayşe", language_code="tr"),
        "can": api.user(CAN, "Can", language_code="tr"),
    }
    api.set_admins(GROUP, {ADMIN, AYSE})
    return people


async def reply(api: FakeBotApi, user: JSON, text: str) -> JSON:
    """Send ``text`` in the group as ``user``; the bot's next message there."""
    count = len(api.sent(GROUP))
    api.send_text(user, text, chat=api.group(GROUP, "Support"))
    await api.wait_for(lambda: len(api.sent(GROUP)) > count)
    return api.sent(GROUP)[count]


async def press(api: FakeBotApi, user: JSON, message: JSON, data: str) -> JSON:
    """Press a button of the schedule message; the bot's answer to the press."""
    update = api.press(user, message, data)
    query = str(update["callback_query"]["id"])

    def answered() -> bool:
        return any(
            name == "answerCallbackQuery" and str(params.get("callback_query_id")) == query
            for name, params in api.calls
        )

    await api.wait_for(answered)
    return next(
        params
        for name, params in api.calls
        if name == "answerCallbackQuery" and str(params.get("callback_query_id")) == query
    )


def edits(api: FakeBotApi) -> int:
    return sum(1 for name, _ in api.calls if name == "editMessageText")


async def choose(api: FakeBotApi, user: JSON, message: JSON, data: str) -> JSON:
    """An administrator's press: answered, then the message redrawn (an edit is asked for
    even when nothing on it changed; Telegram then refuses it as not modified)."""
    before = edits(api)
    answer = await press(api, user, message, data)
    await api.wait_for(lambda: edits(api) > before)
    return answer


def plain(message: JSON) -> str:
    """The message's text, Babel's narrow no-break space (10:00 AM) as a plain one."""
    return str(message.get("text") or "").replace("\u202f", " ")


def shown(api: FakeBotApi, message: JSON) -> str:
    """The message's text as it stands now, after any edits."""
    return plain(api.messages(GROUP)[message["message_id"]])


async def stored(assessments: Assessments) -> tuple[Team, TeamSchedule | None]:
    team = await assessments.team_at("telegram", str(GROUP))
    assert team is not None
    async with assessments.database.reading() as session:
        return team, await team_settings.team_schedule(session, team.id)


async def test_schedule_shows_the_defaults_with_choices_for_administrators(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    people = setup(api)
    message = await reply(api, people["bob"], "/schedule")  # anyone may look
    text = plain(message)
    assert text.startswith("🗓 Schedule of Support (time zone UTC):")
    assert "Go-live: not set (no snapshots are opened by the schedule)" in text
    assert "14 days to answer" in text
    assert "Messages at 10:00 AM on Monday, Tuesday, Wednesday, Thursday, Friday" in text
    assert "within 9:00 AM–6:00 PM. Nudges: 2 days after opening, 1 day before" in text
    assert "Next" not in text and "closes" not in text  # no go-live, no snapshot: no dates
    assert {str(b.get("callback_data")) for b in buttons(message)} == CHOICES
    labels = [str(b["text"]) for b in buttons(message)]
    assert labels[:3] == ["7 days to answer", "14 days to answer", "21 days to answer"]
    assert labels[-4:] == ["Mon–Fri", "Sun–Thu", "Every day", "Go live today"]
    # Looking creates the team but stores no schedule.
    _team, schedule = await stored(assessments)
    assert schedule is None


async def test_a_member_pressing_a_choice_is_told_off_and_nothing_changes(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    people = setup(api)
    message = await reply(api, people["bob"], "/schedule")
    before = shown(api, message)
    for data in ("sch:deadline_days:7", "sch:go_live:today", "sch:working_days:1234567"):
        answer = await press(api, people["bob"], message, data)
        assert answer.get("text") == "Only the group's administrators can change the schedule."
        assert answer.get("show_alert") in (True, "true")
    answer = await press(api, people["can"], message, "sch:send_at:14:00")
    assert answer.get("text") == "Takvimi yalnızca grubun yöneticileri değiştirebilir."
    assert shown(api, message) == before
    assert edits(api) == 0
    team, schedule = await stored(assessments)
    assert schedule is None
    assert await Rosters(assessments.database, "telegram").schedule(team.id) == Schedule()


async def test_an_administrator_presses_choices_and_the_message_follows(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    people = setup(api)
    ada = people["ada"]
    # Late evening in London is already tomorrow in Istanbul: "today" is the team's today.
    with time_machine.travel(dt.datetime(2027, 3, 1, 22, 30, tzinfo=UTC), tick=True):
        await reply(api, ada, "/schedule timezone Europe/Istanbul")
        message = await reply(api, ada, "/schedule")
        rosters = Rosters(assessments.database, "telegram")

        await choose(api, ada, message, "sch:deadline_days:21")
        assert "21 days to answer." in shown(api, message)
        await choose(api, ada, message, "sch:send_at:14:00")
        assert "Messages at 2:00 PM" in shown(api, message)
        await choose(api, ada, message, "sch:working_days:71234")
        assert "on Monday, Tuesday, Wednesday, Thursday, Sunday," in shown(api, message)
        team, _ = await stored(assessments)
        schedule = await rosters.schedule(team.id)
        assert schedule.deadline_days == 21
        assert schedule.send_at == dt.time(14, 0)
        assert schedule.working_days == frozenset({7, 1, 2, 3, 4})
        assert schedule.go_live is None
        assert "Next" not in shown(api, message)

        # The defaults again: stored, and the message says so.
        await choose(api, ada, message, "sch:deadline_days:14")
        await choose(api, ada, message, "sch:send_at:10:00")
        assert "14 days to answer." in shown(api, message)
        assert "Messages at 10:00 AM" in shown(api, message)
        answer = await choose(api, ada, message, "sch:go_live:today")
        assert not answer.get("text") and not answer.get("show_alert")
        text = shown(api, message)
        assert "Go-live: March 2, 2027" in text
        # Go-live + 14 days is Tuesday 16 March, a working day, at 10:00 in Istanbul.
        assert "Next snapshot opens: March 16, 2027 10:00 AM" in text
        assert "(time zone Europe/Istanbul)" in text
        schedule = await rosters.schedule(team.id)
        assert schedule.go_live == dt.date(2027, 3, 2)
        assert (schedule.deadline_days, schedule.send_at) == (14, dt.time(10, 0))

        # The same choice again: answered, and the message as it was.
        await choose(api, ada, message, "sch:go_live:today")
        assert shown(api, message) == text


async def test_words_set_what_buttons_cannot(running: FakeBotApi, assessments: Assessments) -> None:
    api = running
    people = setup(api)
    ada = people["ada"]
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, 0, tzinfo=UTC), tick=True):
        said = plain(await reply(api, ada, "/schedule go-live 2027-03-01"))
        assert "Go-live: March 1, 2027" in said
        # Go-live + 14 days: Monday 15 March, 10:00 in UTC until the zone changes.
        assert "Next snapshot opens: March 15, 2027 10:00 AM" in said
        said = plain(await reply(api, ada, "/schedule timezone Europe/Istanbul"))
        assert "(time zone Europe/Istanbul)" in said
        assert "Next snapshot opens: March 15, 2027 10:00 AM" in said  # local wall-clock time
        said = plain(await reply(api, ada, "/schedule hours 08:30-17:30"))
        assert "within 8:30 AM–5:30 PM" in said
        said = plain(await reply(api, ada, "/schedule nudges 3,-2"))
        assert "Nudges: 3 days after opening, 2 days before the deadline." in said
        said = plain(await reply(api, ada, "/schedule deadline 10"))
        assert "10 days to answer." in said
        assert {str(b.get("callback_data")) for b in buttons(api.sent(GROUP)[-1])} == CHOICES

    team, schedule = await stored(assessments)
    assert team.timezone == "Europe/Istanbul"
    assert schedule is not None
    assert schedule.go_live == dt.date(2027, 3, 1)
    assert (schedule.work_start, schedule.work_end) == ("08:30", "17:30")
    assert schedule.nudge_days == "3,-2"
    assert schedule.deadline_days == 10
    # What the scheduler plans from it: the opening at 10:00 in Istanbul, 07:00 UTC.
    planned = await Cycle(assessments, frozenset({"telegram"})).plan(
        dt.datetime(2027, 1, 10, 12, 0, tzinfo=UTC), team.id
    )
    assert [(p.kind, p.at) for p in planned] == [
        (Kind.OPEN, dt.datetime(2027, 3, 15, 7, 0, tzinfo=UTC))
    ]


async def test_bad_values_get_a_clear_answer_and_change_nothing(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    people = setup(api)
    ada = people["ada"]
    refusals = {
        "/schedule go-live tomorrow": "⚠️ Give dates as YYYY-MM-DD, for example 2027-01-15.",
        "/schedule timezone Mars/Base": (
            "⚠️ Unknown time zone “Mars/Base”: use a name like Europe/Istanbul."
        ),
        "/schedule hours 18:00-09:00": "⚠️ Working hours must end after they start.",
        "/schedule hours 9-5": "⚠️ Give times as HH:MM, for example 10:00.",
        "/schedule days 89": ("⚠️ Working days are digits 1 (Monday) to 7 (Sunday), e.g. 12345."),
        "/schedule nudges soon": (
            "⚠️ Nudge days are whole numbers: 2 is two days in, -1 the day before the "
            "deadline; e.g. 2,-1."
        ),
        "/schedule deadline 0": "⚠️ deadline-days must be 1 to 90.",
        "/schedule deadline ten": "⚠️ deadline-days must be 1 to 90.",
        "/schedule nudges 2,99999999": "⚠️ nudge-days must be -90 to 90.",
    }
    for command, expected in refusals.items():
        said = await reply(api, ada, command)
        assert said["text"] == expected, command
        assert not buttons(said)
    team, schedule = await stored(assessments)
    assert schedule is None
    assert team.timezone == "UTC"


async def test_unknown_words_get_the_usage_and_members_are_refused(
    running: FakeBotApi, assessments: Assessments
) -> None:
    # Apart from the test above: the bot's rate limiter allows a group 20 requests a minute.
    api = running
    people = setup(api)
    ada = people["ada"]
    usage = (
        "Change the schedule with the buttons, or with words: /schedule go-live 2027-03-01, "
        "/schedule timezone Europe/Istanbul, /schedule hours 09:00-18:00, "
        "/schedule nudges 2,-1."
    )
    for command in ("/schedule fortnightly 3", "/schedule go-live"):
        assert (await reply(api, ada, command))["text"] == usage
    # A member can't change it, even with good words.
    said = await reply(api, people["bob"], "/schedule go-live 2027-03-01")
    assert said["text"] == "Only the group's administrators can change the schedule."

    team, schedule = await stored(assessments)
    assert schedule is None
    assert team.timezone == "UTC"


async def test_turkish_speakers_get_turkish(running: FakeBotApi, assessments: Assessments) -> None:
    api = running
    people = setup(api)
    ayse = people["ayse"]
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, 0, tzinfo=UTC), tick=True):
        message = await reply(api, ayse, "/schedule")
        text = plain(message)
        assert text.startswith("🗓 Support için takvim (saat dilimi: UTC):")
        assert "Canlıya geçiş: belirlenmedi" in text
        labels = [str(b["text"]) for b in buttons(message)]
        assert "Yanıt için 14 gün" in labels and "Paz–Per" in labels
        assert "Bugün canlıya geç" in labels

        said = plain(await reply(api, ayse, "/schedule başlangıç 2027-03-01"))
        assert "Canlıya geçiş: 1 Mart 2027" in said
        assert "Sonraki değerlendirme turunun açılışı: 15 Mart 2027 10:00" in said
        said = plain(await reply(api, ayse, "/schedule saat-dilimi Mars/Base"))
        assert (
            said == "⚠️ Bilinmeyen saat dilimi: “Mars/Base”. Europe/Istanbul gibi bir ad kullanın."
        )
        said = plain(await reply(api, ayse, "/schedule mesai 18:00-09:00"))
        assert said == "⚠️ Mesai bitişi başlangıçtan sonra olmalı."
        said = plain(await reply(api, ayse, "/schedule ne"))
        assert said.startswith("Takvimi düğmelerle ya da yazarak değiştirin")

        # The same message in English for Bob, and his press refused in English.
        answer = await press(api, people["bob"], message, "sch:deadline_days:7")
        assert answer.get("text") == "Only the group's administrators can change the schedule."
        await choose(api, ayse, message, "sch:deadline_days:7")
        assert "yanıt süresi 7 gün" in shown(api, message)

    team, schedule = await stored(assessments)
    assert schedule is not None and schedule.deadline_days == 7
    assert schedule.go_live == dt.date(2027, 3, 1)
    assert team.timezone == "UTC"
