"""`/maturity away YYYY-MM-DD | off` (and its Turkish `izin`): a signed slash command into the
running app, answered to the caller alone and stored on their person; bad dates refused. Someone
away is listed apart by `/maturity status`, and the snapshot closes with its report once
everyone else has submitted."""

from __future__ import annotations

import datetime as dt

import time_machine

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM, team_key
from storage import teams_and_people
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, team_channel
from tests.slack.journey import answer_everything, start
from tests.slack.test_commands import said_to, started

# Tuesday 1 December 2026, midday in London (Bob's and the admin's zone) and in UTC.
TODAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


async def away_until(assessments: Assessments, user_id: str) -> dt.date | str | None:
    """The person's stored away_until; "no person" when nothing was ever stored for them."""
    async with assessments.database.reading() as session:
        person = await teams_and_people.find_person(session, PLATFORM, user_id)
    return "no person" if person is None else person.away_until


def notes(fake: FakeSlack, user: str) -> int:
    return len([e for e in fake.ephemerals if e.user == user])


async def told(fake: FakeSlack, user: str, text: str, channel: str = CHANNEL) -> str:
    """``/maturity <text>`` typed by ``user``; the note only they see in answer."""
    count = notes(fake, user)
    status, _ack = await fake.command(user, channel, text)
    assert status == 200
    note = await said_to(fake, user, count + 1)
    assert note.channel == channel
    return note.text


async def test_away_then_back_in_english_and_turkish(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    team_channel(fake)
    with time_machine.travel(TODAY, tick=True):
        said = await told(fake, BOB, "away 2027-01-15")
        assert said == (
            "Got it: no reminders until January 15, 2027, and you won't be counted as missing "
            "meanwhile. Back earlier? Send /maturity away off."
        )
        assert await away_until(assessments, BOB) == dt.date(2027, 1, 15)
        said = await told(fake, AYSE, "izin 2027-01-15")  # her Slack is in Turkish
        assert said.startswith("Tamam: 15 Ocak 2027 tarihine kadar hatırlatma gelmeyecek")
        assert await away_until(assessments, AYSE) == dt.date(2027, 1, 15)

        said = await told(fake, BOB, "izin off")
        assert said == "Welcome back: your reminders are on again."
        assert await away_until(assessments, BOB) is None
        # From the DM with the app too, with any spelling of the word.
        said = await told(fake, AYSE, "İzin kapat", channel=fake.dm_id(AYSE))
        assert said == "Tekrar hoş geldiniz: hatırlatmalarınız yeniden açık."
        assert await away_until(assessments, AYSE) is None


async def test_bad_dates_are_refused_and_nothing_is_stored(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    team_channel(fake)
    with time_machine.travel(TODAY, tick=True):
        refusals = {
            "away next-week": (
                "⚠️ Give the last day you are away as a date like 2026-12-15, or “off” when "
                "you are back."
            ),
            "away": (
                "⚠️ Give the last day you are away as a date like 2026-12-15, or “off” when "
                "you are back."
            ),
            "away 2026-11-30": "⚠️ Give a date from today to a year from now.",
            "away 2027-12-03": "⚠️ Give a date from today to a year from now.",
        }
        for command, expected in refusals.items():
            assert await told(fake, BOB, command) == expected, command
        assert await away_until(assessments, BOB) == "no person"
        said = await told(fake, AYSE, "izin 2020-01-01")
        assert said == "⚠️ Bugünden itibaren en fazla bir yıl sonrasına kadar bir tarih verin."
        assert await away_until(assessments, AYSE) == "no person"

    # "Today" is the caller's own: 22:30 in London is already tomorrow in Istanbul.
    with time_machine.travel(dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC), tick=True):
        said = await told(fake, AYSE, "izin 2026-12-31")
        assert said == "⚠️ Bugünden itibaren en fazla bir yıl sonrasına kadar bir tarih verin."
        assert await away_until(assessments, AYSE) == "no person"
        said = await told(fake, BOB, "away 2026-12-31")
        assert "December 31, 2026" in said
        assert await away_until(assessments, BOB) == dt.date(2026, 12, 31)


async def test_someone_away_is_not_missing_and_the_rest_close_the_snapshot(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    with time_machine.travel(TODAY, tick=True):
        await started(fake)  # the admin invites Ada, Ayşe and Bob
        assert "Got it" in await told(fake, BOB, "away 2027-01-15")
        await start(fake, ADMIN)
        await answer_everything(fake, ADMIN)

        status = (await told(fake, ADMIN, "status")).splitlines()
        assert "Submitted (1): Admin Ada" in status
        assert "Not started (1): Ayşe Yılmaz" in status  # not Bob: he is away
        assert "Away (1): Bob Stone" in status
        team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
        assert team is not None
        assert (await assessments.status(team)).is_open  # Ayşe is still missing
        assert not any("Level" in m.text for m in fake.messages(CHANNEL))

        # Ayşe submits: everyone not away has, so the snapshot closes and its report is posted.
        await start(fake, AYSE, "Başla")
        await answer_everything(fake, AYSE)
        await fake.wait_for(
            lambda: any(m.thread_ts is None and "Level" in m.text for m in fake.messages(CHANNEL))
        )
        await fake.wait_for(lambda: any(fake.checkboxes(m) for m in fake.messages(CHANNEL)))
        found = await assessments.status(team)
        assert not found.is_open
        assert sorted(found.submitted) == ["Admin Ada", "Ayşe Yılmaz"]
        assert await away_until(assessments, BOB) == dt.date(2027, 1, 15)

        status = (await told(fake, BOB, "status")).splitlines()
        assert status[0] == "Snapshot 1 is closed."
        assert not any(line.startswith(("Not started", "Away")) for line in status)
