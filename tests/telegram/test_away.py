"""/away in a private chat: the last day someone is away, answered with the date as Babel
writes it in their language and stored on their person; `/away off` ends it early; anything
else (words, a past date, a date more than a year ahead) is refused and stores nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from bot.assessments import Assessments
from storage import teams_and_people
from tests.telegram.fake_bot_api import FakeBotApi

JSON = dict[str, Any]
BOB, AYSE = 901, 902
# Tuesday 1 December 2026, midday: "today" for every test here.
TODAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ENGLISH_REFUSAL = (
    "Give the last day you are away as a date like 2026-12-15, or “off” when you are back."
)
TOO_FAR = "Give a date from today to a year from now."


async def reply(api: FakeBotApi, user: JSON, text: str) -> str:
    """Send ``text`` in the person's private chat; the bot's answer."""
    count = len(api.sent(user["id"]))
    api.send_text(user, text)
    await api.wait_for(lambda: len(api.sent(user["id"])) > count)
    return str(api.sent(user["id"])[count]["text"])


async def away_until(assessments: Assessments, user_id: int) -> dt.date | str | None:
    """The person's stored away_until; "no person" when none was ever stored."""
    async with assessments.database.reading() as session:
        person = await teams_and_people.find_person(session, "telegram", str(user_id))
    return "no person" if person is None else person.away_until


async def test_away_until_a_date_then_back(running: FakeBotApi, assessments: Assessments) -> None:
    api = running
    bob = api.user(BOB, "Bob")
    ayse = api.user(AYSE, "Ayşe", language_code="tr")
    with time_machine.travel(TODAY, tick=True):
        said = await reply(api, bob, "/away 2027-01-15")
        assert said == (
            "Got it: no reminders until January 15, 2027, and you won't be counted as "
            "missing meanwhile. Back earlier? Send /away off."
        )
        assert await away_until(assessments, BOB) == dt.date(2027, 1, 15)
        said = await reply(api, ayse, "/away 2027-01-15")
        assert said.startswith("Tamam: 15 Ocak 2027 tarihine kadar hatırlatma gelmeyecek")
        assert await away_until(assessments, AYSE) == dt.date(2027, 1, 15)

        # A new date replaces the old one; today itself and a year from today are fine.
        assert "December 1, 2026" in await reply(api, bob, "/away 2026-12-01")
        assert await away_until(assessments, BOB) == dt.date(2026, 12, 1)
        assert "December 2, 2027" in await reply(api, bob, "/away 2027-12-02")
        assert await away_until(assessments, BOB) == dt.date(2027, 12, 2)

        said = await reply(api, bob, "/away off")
        assert said == "Welcome back: your reminders are on again."
        assert await away_until(assessments, BOB) is None
        said = await reply(api, ayse, "/away döndüm")
        assert said == "Tekrar hoş geldiniz: hatırlatmalarınız yeniden açık."
        assert await away_until(assessments, AYSE) is None


async def test_what_is_not_a_date_to_come_is_refused(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    bob = api.user(BOB, "Bob")
    ayse = api.user(AYSE, "Ayşe", language_code="tr")
    with time_machine.travel(TODAY, tick=True):
        refusals = {
            "/away yesterday-ish garbage": ENGLISH_REFUSAL,
            "/away": ENGLISH_REFUSAL,
            "/away 15.01.2027": ENGLISH_REFUSAL,
            "/away 2027-02-30": ENGLISH_REFUSAL,
            "/away 2026-11-30": TOO_FAR,  # yesterday
            "/away 2027-12-03": TOO_FAR,  # a year and a day from today
        }
        for command, expected in refusals.items():
            assert await reply(api, bob, command) == expected, command
        assert await away_until(assessments, BOB) == "no person"  # nothing stored at all

        said = await reply(api, ayse, "/away yarın")
        assert said == (
            "Uzakta olacağınız son günü 2026-12-15 gibi bir tarihle verin; döndüğünüzde “off” "
            "yazın."
        )
        said = await reply(api, ayse, "/away 2020-01-01")
        assert said == "Bugünden itibaren en fazla bir yıl sonrasına kadar bir tarih verin."
        assert await away_until(assessments, AYSE) == "no person"

        # Someone already away keeps their date when they mistype the next one.
        await reply(api, bob, "/away 2027-01-15")
        assert await reply(api, bob, "/away 2030-01-01") == TOO_FAR
        assert await reply(api, bob, "/away offf") == ENGLISH_REFUSAL
        assert await away_until(assessments, BOB) == dt.date(2027, 1, 15)
