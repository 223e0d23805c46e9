"""A Slack channel's scheduled cycle under `csmm serve`, over signed HTTP into the app and Web
API calls out to the fake Slack: the snapshot is announced in the channel and every human
member is invited by DM; nudges reach only invitees who have not submitted and are not away; a
snooze brings a nudge back the next morning; the deadline posts the report. A restart sends
nothing twice and sends what was left queued; events and senders that run twice send once."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import update

from bot.assessments import Assessments
from bot.rosters import Rosters, Schedule
from bot.scheduling import jobs
from bot.scheduling.cycle import Cycle
from bot.scheduling.sender import Sender
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM, team_key
from storage.database import Database
from storage.models import OutboxMessage, Team
from tests.scheduling.helpers import (
    LONDON,
    QUIET,
    at,
    eventually,
    outbox_rows,
    schedule_runs,
    serving,
    settled_rows,
    slack,
    snapshots,
    utc,
)
from tests.slack.fake_slack import FakeSlack, Message
from tests.slack.helpers import config_for
from tests.slack.journey import answer_everything, start

CHANNEL = "C0SUPPORT"
ADMIN, AYSE, BOB, LENA, KAI = "UADMIN", "UAYSE", "UBOB", "ULENA", "UKAI"
HELPER_BOT, GONE = "UHELPER", "UGONE"
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
GO_LIVE = dt.date(2027, 3, 1)


def channel_of_people(fake: FakeSlack, people: dict[str, str], *, zone: str) -> None:
    """#support: the people given (id → name, all in ``zone``), another app's bot user, a
    deactivated account, and this app's bot."""
    for user_id, name in people.items():
        fake.add_user(
            user_id,
            name,
            tz=zone,
            locale="tr-TR" if user_id == AYSE else "en-US",
            is_admin=user_id == ADMIN,
        )
    fake.add_user(HELPER_BOT, "Helper", is_bot=True, tz=zone)
    fake.add_user(GONE, "Gone Person", deleted=True, tz=zone)
    fake.add_channel(CHANNEL, "support", [*people, HELPER_BOT, GONE, fake.bot_user_id])


async def scheduled_team(assessments: Assessments, fake: FakeSlack, zone: str) -> Team:
    team = await assessments.ensure_team(PLATFORM, team_key(fake.team_id, CHANNEL), "support")
    await Rosters(assessments.database, PLATFORM).save_schedule(
        team.id, Schedule(go_live=GO_LIVE), by="test", timezone=zone
    )
    return team


def invitations(fake: FakeSlack, user_id: str) -> list[Message]:
    """The person's invitations (as first posted: Start edits them)."""
    first = [m.edits[0] if m.edits else m for m in fake.dm(user_id)]
    return [m for m in first if "is taking the" in m.text or "değerlendirmesine" in m.text]


def nudges(fake: FakeSlack, user_id: str) -> list[Message]:
    return [m for m in fake.dm(user_id) if m.text.startswith(("Reminder", "Hatırlatma"))]


def dm_counts(fake: FakeSlack, people: list[str]) -> dict[str, int]:
    return {person: len(fake.dm(person)) for person in people}


async def nudged_snoozed_and_nudged_again(
    fake: FakeSlack, database: Database, traveller: time_machine.Traveller, people: list[str]
) -> None:
    """Two days in, at 10:00, only Admin Ada (who has not answered, and is not away) is
    nudged; she snoozes it, and it comes back the next morning."""
    seen = dm_counts(fake, people)
    in_channel = len(fake.messages(CHANNEL))
    traveller.move_to(at(LOS_ANGELES, 2027, 3, 17, 10, 0, 0))
    [nudge] = await fake.wait_for(lambda: nudges(fake, ADMIN))
    assert "March 29, 2027" in nudge.text
    assert [b["text"] for b in fake.buttons(nudge)] == ["Answer now", "Snooze until tomorrow"]
    await asyncio.sleep(QUIET)
    assert dm_counts(fake, people) == {**seen, ADMIN: seen[ADMIN] + 1}
    assert len(fake.messages(CHANNEL)) == in_channel  # nudges go by DM only
    rows = await settled_rows(database, kind="nudge")
    assert [(row.recipient, row.status) for row in rows] == [(ADMIN, "sent")]

    # The buttons give way to when it comes back.
    status, _ack = await fake.press(ADMIN, "Snooze until tomorrow", message=nudge)
    assert status == 200
    await fake.wait_for(lambda: nudge.edits)
    assert fake.buttons(nudge) == []
    assert "Snoozed by Admin Ada" in str(nudge.blocks)
    assert "March 18, 2027 at 10:00" in str(nudge.blocks)
    [snoozed] = await outbox_rows(database, kind="nudge", status="pending")
    assert snoozed.recipient == ADMIN
    assert snoozed.not_before == utc(2027, 3, 18, 17, 0)

    traveller.move_to(at(LOS_ANGELES, 2027, 3, 18, 10, 0, 0))
    await fake.wait_for(lambda: len(nudges(fake, ADMIN)) == 2)
    await asyncio.sleep(QUIET)
    assert dm_counts(fake, people) == {**seen, ADMIN: seen[ADMIN] + 2}


async def test_a_scheduled_snapshot_in_a_channel(
    slack_api: FakeSlack, assessments: Assessments
) -> None:
    fake, database = slack_api, assessments.database
    channel_of_people(
        fake, {ADMIN: "Admin Ada", AYSE: "Ayşe Yılmaz", BOB: "Bob Stone"}, zone=str(LOS_ANGELES)
    )
    # The team works in Los Angeles: it opens Monday 15 March 2027 at 10:00 there (17:00
    # UTC), is nudged Wednesday 17 March at 10:00, and closes Monday 29 March at 18:00
    # (01:00 UTC on the 30th).
    team = await scheduled_team(assessments, fake, "America/Los_Angeles")
    people = [ADMIN, AYSE, BOB]

    with time_machine.travel(at(LOS_ANGELES, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, slack(fake), fake_slack=fake):
            announced = await fake.wait_for(lambda: fake.messages(CHANNEL))
            assert "snapshot 1" in announced[0].text and "March 29, 2027" in announced[0].text
            for person in people:
                await fake.wait_for(lambda p=person: invitations(fake, p))
            assert [b["text"] for b in fake.buttons(invitations(fake, AYSE)[0])] == ["Başla"]
            [bobs] = invitations(fake, BOB)
            assert [b["text"] for b in fake.buttons(bobs)] == ["Start"]
            # The deadline as the team's calendar has it (in UTC it is already the 30th).
            assert "March 29, 2027" in bobs.text, bobs.text
            assert fake.dm(HELPER_BOT) == [] and fake.dm(GONE) == []
            invites = await settled_rows(database, kind="invite")
            assert {row.recipient: row.status for row in invites} == {
                ADMIN: "sent",
                AYSE: "sent",
                BOB: "sent",
                HELPER_BOT: "skipped",
                GONE: "skipped",
                fake.bot_user_id: "skipped",
            }

            # Ayşe answers; Bob is away until the end of the year.
            await start(fake, AYSE, "Başla")
            await answer_everything(fake, AYSE)
            await fake.wait_for(lambda: "sizin yanıtlarınızı görmez" in fake.dm(AYSE)[-1].text)
            status, _ack = await fake.command(BOB, CHANNEL, "away 2027-12-31")
            assert status == 200
            await fake.wait_for(
                lambda: any("no reminders until" in e.text for e in fake.ephemerals)
            )
            in_channel = len(fake.messages(CHANNEL))
            await nudged_snoozed_and_nudged_again(fake, database, traveller, people)

            # The deadline: the report goes to the channel.
            traveller.move_to(at(LOS_ANGELES, 2027, 3, 29, 18, 0, 0))
            await fake.wait_for(lambda: any(fake.checkboxes(m) for m in fake.messages(CHANNEL)))
            posted = fake.messages(CHANNEL)[in_channel:]
            parent = next(m for m in posted if m.thread_ts is None)
            assert "Level" in parent.text
            assert [u.filename for u in fake.uploads] == ["csmm-snapshot-1-radar.png"]

    [snapshot] = await snapshots(database, team.id)
    assert snapshot.status == "closed"
    runs = await schedule_runs(database, team.id)
    assert [kind for kind, _due in runs] == ["open", "nudge", "deadline"]
    assert runs[-1] == ("deadline", utc(2027, 3, 30, 1, 0))


async def test_a_restart_sends_nothing_twice_and_what_was_left_queued(
    slack_api: FakeSlack, assessments: Assessments, caplog: pytest.LogCaptureFixture
) -> None:
    """The team works in London; Lena and Kai in Los Angeles, so their invitations wait for
    their morning. The service stops meanwhile; a crashed sender had Kai's in hand. After the
    restart both go, nothing already sent goes again, and the nudges still come."""
    caplog.set_level(logging.WARNING, logger="bot.scheduling")
    fake, database = slack_api, assessments.database
    channel_of_people(fake, {ADMIN: "Admin Ada", BOB: "Bob Stone"}, zone="Europe/London")
    for user_id, name in ((LENA, "Lena"), (KAI, "Kai")):
        fake.add_user(user_id, name, tz="America/Los_Angeles")
    fake.add_channel(
        CHANNEL, "support", [ADMIN, BOB, LENA, KAI, HELPER_BOT, GONE, fake.bot_user_id]
    )
    team = await scheduled_team(assessments, fake, "Europe/London")
    people = [ADMIN, BOB, LENA, KAI]
    la_morning = utc(2027, 3, 15, 17, 0)  # 10:00 in Los Angeles

    with time_machine.travel(at(LONDON, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, slack(fake), fake_slack=fake):
            for person in (ADMIN, BOB):
                await fake.wait_for(lambda p=person: invitations(fake, p))

            async def waiting_for_la() -> list[OutboxMessage]:
                rows = await outbox_rows(database, kind="invite", status="pending")
                return rows if len(rows) == 2 else []

            waiting = await eventually(waiting_for_la)
            assert {(row.recipient, row.not_before) for row in waiting} == {
                (LENA, la_morning),
                (KAI, la_morning),
            }
        assert fake.dm(LENA) == [] and fake.dm(KAI) == []
        before = dm_counts(fake, people)
        in_channel = len(fake.messages(CHANNEL))
        await mark(database, KAI, "invite", "sending")  # as a sender that crashed left it

        traveller.move_to(at(LOS_ANGELES, 2027, 3, 15, 10, 30, 0))
        async with serving(assessments, slack(fake), fake_slack=fake):
            for person in (LENA, KAI):
                await fake.wait_for(lambda p=person: invitations(fake, p))
            await asyncio.sleep(QUIET)
            assert dm_counts(fake, people) == {**before, LENA: 1, KAI: 1}
            assert len(fake.messages(CHANNEL)) == in_channel
            assert "a stopped sender had in hand are queued again" in caplog.text

            # The nudge: Londoners at their 10:00, Angelenos at theirs.
            traveller.move_to(at(LONDON, 2027, 3, 17, 10, 0, 0))
            for person in (ADMIN, BOB):
                await fake.wait_for(lambda p=person: nudges(fake, p))
            assert nudges(fake, LENA) == [] and nudges(fake, KAI) == []
            traveller.move_to(at(LOS_ANGELES, 2027, 3, 17, 10, 0, 0))
            for person in (LENA, KAI):
                await fake.wait_for(lambda p=person: nudges(fake, p))
            await asyncio.sleep(QUIET)
            assert {p: len(nudges(fake, p)) for p in people} == dict.fromkeys(people, 1)
            assert {p: len(invitations(fake, p)) for p in people} == dict.fromkeys(people, 1)

    assert [kind for kind, _due in await schedule_runs(database, team.id)] == ["open", "nudge"]
    rows = await outbox_rows(database)
    assert {row.status for row in rows if row.recipient in people} == {"sent"}
    assert [row.kind for row in rows if row.recipient == ""] == ["announce", "nudge_round"]


async def mark(database: Database, recipient: str, kind: str, status: str) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == recipient, OutboxMessage.kind == kind)
            .values(status=status)
        )


async def drain(database: Database, channel: SlackChannel) -> None:
    """One outbox sender run, until nothing is left to send now."""
    stop = asyncio.Event()
    sender = Sender(database, channel.courier)
    running = asyncio.create_task(sender.run(stop))

    async def drained() -> bool:
        rows = await outbox_rows(database)
        return all(row.status != "sending" for row in rows) and not any(
            row.status == "pending" and row.not_before <= dt.datetime.now(dt.UTC) for row in rows
        )

    try:
        await eventually(drained)
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_events_and_senders_that_run_twice_send_once(
    slack_api: FakeSlack, assessments: Assessments
) -> None:
    """Each event of the cycle, run twice (the job functions at the same moment, the cycle's
    methods one after the other), acts once; so does a second sender over the same rows."""
    fake, database = slack_api, assessments.database
    channel_of_people(
        fake, {ADMIN: "Admin Ada", AYSE: "Ayşe Yılmaz", BOB: "Bob Stone"}, zone="Europe/London"
    )
    team = await scheduled_team(assessments, fake, "Europe/London")
    people = [ADMIN, AYSE, BOB]
    app = SlackChannel(assessments, config_for(fake))
    cycle = Cycle(assessments, frozenset({PLATFORM}))
    opening, nudge = utc(2027, 3, 15, 10, 0), utc(2027, 3, 17, 10, 0)
    deadline = utc(2027, 3, 29, 17, 0)  # 18:00 in London, summer time

    with time_machine.travel(opening, tick=True) as traveller:
        jobs.bind(cycle)
        try:
            await asyncio.gather(
                jobs.open_snapshot(team.id, opening.isoformat()),
                jobs.open_snapshot(team.id, opening.isoformat()),
            )
            await cycle.open(team.id, opening)
        finally:
            jobs.bind(None)
        [snapshot] = await snapshots(database, team.id)
        assert snapshot.deadline == deadline
        for _ in range(2):
            await drain(database, app)
        assert len(fake.messages(CHANNEL)) == 1
        assert {p: len(invitations(fake, p)) for p in people} == dict.fromkeys(people, 1)

        traveller.move_to(nudge)
        await asyncio.gather(*(cycle.nudge(team.id, snapshot.id, nudge) for _ in range(2)))
        await cycle.nudge(team.id, snapshot.id, nudge)
        for _ in range(2):
            await drain(database, app)
        assert {p: len(nudges(fake, p)) for p in people} == dict.fromkeys(people, 1)

        traveller.move_to(deadline)
        for _ in range(2):
            await cycle.deadline(team.id, snapshot.id, deadline)
        for _ in range(2):
            await drain(database, app)
        no_answers = [m for m in fake.messages(CHANNEL) if "without any answers" in m.text]
        assert len(no_answers) == 1 and len(fake.messages(CHANNEL)) == 2

    assert await schedule_runs(database, team.id) == [
        ("open", opening),
        ("nudge", nudge),
        ("deadline", deadline),
    ]
    rows = await outbox_rows(database)
    assert sorted((row.kind, row.recipient) for row in rows if row.status == "sent") == sorted(
        [("announce", ""), ("nudge_round", ""), ("no_answers", "")]
        + [(kind, person) for kind in ("invite", "nudge") for person in people]
    )
