"""A Telegram team's scheduled cycle under `csmm serve`, the clock moved from one scheduled
moment to the next: the snapshot opens in the group on its local morning (a weekend's on the
Monday), people who answered before are invited in private, non-respondents are nudged, a
snooze brings a reminder back the next working day, the deadline posts the report (or says
nobody answered). A nudge missed while the service was down runs late within its grace, and
not after it; a deadline job that runs late leaves the next snapshot alone."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from bot.assessments import Assessments
from bot.rosters import Rosters, Schedule
from storage.database import Database
from storage.models import Team
from tests.scheduling.helpers import (
    ISTANBUL,
    QUIET,
    at,
    eventually,
    outbox_rows,
    schedule_runs,
    scheduled_jobs,
    serving,
    settled_rows,
    snapshots,
    telegram,
    utc,
)
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, last_text, polling

GROUP, OTHER_GROUP = -1001234500001, -1001234500002
ADMIN, AYSE, BOB, CEM, DAN = 700, 701, 702, 703, 704
LINK = re.compile(r"https://t\.me/csmm_test_bot\?start=([A-Za-z0-9_-]+)")
SUBMITTED = "no one there sees your own answers"
# Practices on "Ad hoc", numbers and free text skipped, then submit.
ANSWERS = ["2"] * 28 + ["skip"] * 7 + ["submit"]
# Go-live Monday 1 March 2027: the first scheduled snapshot opens two weeks later, on Monday
# 15 March at 10:00 in Istanbul (07:00 UTC); it is nudged on Wednesday 17 March at 10:00 and
# closes on Monday 29 March at 18:00.
GO_LIVE = dt.date(2027, 3, 1)
OPENING = utc(2027, 3, 15, 7, 0)
FIRST_NUDGE = utc(2027, 3, 17, 7, 0)
DEADLINE = utc(2027, 3, 29, 15, 0)


def texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in api.sent(chat_id)]


def link_token(message: dict[str, Any]) -> str:
    for button in buttons(message):
        if found := LINK.search(str(button.get("url") or "")):
            return found[1]
    raise AssertionError(f"no assessment link in {message}")


def snooze_data(message: dict[str, Any]) -> str | None:
    return next(
        (
            str(b["callback_data"])
            for b in buttons(message)
            if str(b.get("callback_data", "")).startswith("snooze:")
        ),
        None,
    )


def checklist(message: dict[str, Any]) -> bool:
    """The action plan's checklist: its items' tick buttons."""
    return any(str(b.get("callback_data", "")).startswith("p:") for b in buttons(message))


async def answer(api: FakeBotApi, person: dict[str, Any], token: str) -> None:
    """The person follows the link, types every answer and submits."""

    def submitted() -> int:
        return sum(SUBMITTED in text for text in texts(api, person["id"]))

    before = submitted()
    api.send_text(person, f"/start {token}")
    for reply in ANSWERS:
        api.send_text(person, reply)
    await api.wait_for(lambda: submitted() > before)


async def scheduled_team(
    assessments: Assessments, group: int, name: str, go_live: dt.date = GO_LIVE
) -> Team:
    team = await assessments.ensure_team("telegram", str(group), name)
    await Rosters(assessments.database, "telegram").save_schedule(
        team.id, Schedule(go_live=go_live), by="test", timezone="Europe/Istanbul"
    )
    return team


@dataclass
class Scene:
    """The Support group, its members, and the clock."""

    api: FakeBotApi
    database: Database
    traveller: time_machine.Traveller
    team: Team
    group: dict[str, Any]
    people: dict[int, dict[str, Any]]

    def posted(self) -> int:
        return len(self.api.sent(GROUP))

    def counts(self) -> dict[int, int]:
        """How many private messages each member has had."""
        return {person: len(self.api.sent(person)) for person in (AYSE, BOB, CEM, DAN)}


async def earlier_snapshot_by_hand(scene: Scene) -> None:
    """Ayşe answers all of it, Bob and Cem the first question; Dan never follows the link.
    Then Cem says he will be away while the next snapshot runs."""
    api, people, group = scene.api, scene.people, scene.group
    api.send_text(people[ADMIN], "/assess", chat=group)
    await api.wait_for(lambda: any(buttons(m) for m in api.sent(GROUP)))
    token = link_token(api.sent(GROUP)[-1])
    for person in (BOB, CEM):
        api.send_text(people[person], f"/start {token}")
        api.send_text(people[person], "2")
    await answer(api, people[AYSE], token)
    for person in (BOB, CEM):
        await api.wait_for(lambda p=person: "2/35" in last_text(api, p))
    api.send_text(people[ADMIN], "/close", chat=group)
    await api.wait_for(lambda: any(checklist(m) for m in api.sent(GROUP)))
    api.send_text(people[CEM], "/away 2027-04-30")
    await api.wait_for(lambda: "no reminders until" in last_text(api, CEM))


async def opening_on_its_morning(scene: Scene) -> str:
    """Not a minute early; then the group's announcement, and invitations in private for
    those who answered the last snapshot (Cem too: away means no nudges, not no invitation).
    The link's token."""
    api, database = scene.api, scene.database
    posted = scene.posted()
    scene.traveller.move_to(at(ISTANBUL, 2027, 3, 15, 9, 59, 0))
    await asyncio.sleep(QUIET)
    assert scene.posted() == posted
    assert [s.number for s in await snapshots(database, scene.team.id)] == [1]

    scene.traveller.move_to(at(ISTANBUL, 2027, 3, 15, 10, 0, 0))
    await api.wait_for(lambda: scene.posted() > posted)
    announcement = api.sent(GROUP)[posted]
    assert "Support" in str(announcement["text"])
    assert "snapshot 2" in str(announcement["text"])
    assert "March 29, 2027" in str(announcement["text"])
    assert [b["text"] for b in buttons(announcement)] == ["Take the assessment"]
    token = link_token(announcement)
    for person in (AYSE, BOB, CEM):
        await api.wait_for(lambda p=person: "snapshot 2" in last_text(api, p))
        assert link_token(api.sent(person)[-1]) == token
    assert api.sent(DAN) == []
    [_first, second] = await snapshots(database, scene.team.id)
    assert second.status == "open" and second.deadline == DEADLINE
    assert OPENING <= second.opened_at < OPENING + dt.timedelta(minutes=1)
    return token


async def first_nudge(
    scene: Scene, token: str, seen: dict[int, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two days in, at 10:00 local: the group is reminded, and only Bob in private (Ayşe
    submitted, Cem is away, Dan never talked to the bot). The group's reminder, Bob's."""
    api = scene.api
    posted = scene.posted()
    scene.traveller.move_to(at(ISTANBUL, 2027, 3, 17, 10, 0, 0))
    await api.wait_for(lambda: scene.posted() > posted)
    await api.wait_for(lambda: len(api.sent(BOB)) > seen[BOB])
    reminder = api.sent(GROUP)[posted]
    assert "Reminder" in str(reminder["text"]) and link_token(reminder) == token
    assert [b["text"] for b in buttons(reminder)] == [
        "Take the assessment",
        "Snooze until tomorrow",
    ]
    nudge = api.sent(BOB)[-1]
    assert "Reminder" in str(nudge["text"]) and "/away" in str(nudge["text"])
    assert link_token(nudge) == token
    await asyncio.sleep(QUIET)
    assert scene.counts() == {**seen, BOB: seen[BOB] + 1}
    assert scene.posted() == posted + 1
    nudges = await settled_rows(scene.database, kind="nudge")
    assert [(row.recipient, row.status) for row in nudges] == [(str(BOB), "sent")]
    return reminder, nudge


async def snoozes(
    scene: Scene, reminder: dict[str, Any], nudge: dict[str, Any], token: str
) -> None:
    """Ada, an administrator, snoozes the group's reminder (a member may not: it is the whole
    team's), Bob his own: each is queued for the next working day at 10:00, and the buttons
    give way to when."""
    api = scene.api
    group_snooze, own_snooze = snooze_data(reminder), snooze_data(nudge)
    assert group_snooze is not None and own_snooze is not None
    api.press(scene.people[ADMIN], reminder, group_snooze)
    api.press(scene.people[BOB], nudge, own_snooze)
    for chat, message, name in ((GROUP, reminder, "Ada"), (BOB, nudge, "Bob")):
        await api.wait_for(
            lambda c=chat, m=message, n=name: (
                f"Snoozed by {n}" in str(api.messages(c)[m["message_id"]]["text"])
            )
        )
        edited = api.messages(chat)[message["message_id"]]
        assert "March 18, 2027 at 10:00" in str(edited["text"])
        assert snooze_data(edited) is None and link_token(edited) == token
    snoozed = await outbox_rows(scene.database, status="pending")
    assert {(row.kind, row.recipient, row.not_before) for row in snoozed} == {
        ("nudge_round", "", utc(2027, 3, 18, 7, 0)),
        ("nudge", str(BOB), utc(2027, 3, 18, 7, 0)),
    }


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_opens_on_its_morning_invites_and_nudges_the_right_people(
    bot_api: FakeBotApi, assessments: Assessments
) -> None:
    api, database = bot_api, assessments.database
    group = api.group(GROUP, "Support")
    names = {ADMIN: "Ada", AYSE: "Ayşe", BOB: "Bob", CEM: "Cem", DAN: "Dan"}
    people = {user_id: api.user(user_id, name) for user_id, name in names.items()}
    api.set_admins(GROUP, {ADMIN})
    team = await scheduled_team(assessments, GROUP, "Support")

    with time_machine.travel(at(ISTANBUL, 2027, 2, 15, 11, 0), tick=True) as traveller:
        scene = Scene(api, database, traveller, team, group, people)
        async with serving(assessments, telegram(api)):
            await earlier_snapshot_by_hand(scene)
            jobs = await eventually(lambda: scheduled_jobs(database))
            assert jobs[f"open:{team.id}:0:20270315T070000"] == OPENING

            # Two weeks before the next snapshot, the group reviews its action plan.
            posted = scene.posted()
            traveller.move_to(at(ISTANBUL, 2027, 3, 1, 10, 0, 1))
            await api.wait_for(lambda: any(checklist(m) for m in api.sent(GROUP)[posted:]))
            assert "action-plan review" in texts(api, GROUP)[posted]

            token = await opening_on_its_morning(scene)
            await answer(api, people[AYSE], token)
            seen = scene.counts()
            reminder, nudge = await first_nudge(scene, token, seen)
            await snoozes(scene, reminder, nudge, token)

            # The next morning: the group's reminder again, and one nudge for Bob (his
            # snoozed one and the round's are the same message).
            posted = scene.posted()
            traveller.move_to(at(ISTANBUL, 2027, 3, 18, 10, 0, 0))
            await api.wait_for(lambda: scene.posted() > posted)
            assert "Reminder" in texts(api, GROUP)[posted]
            await api.wait_for(lambda: len(api.sent(BOB)) == seen[BOB] + 2)
            await asyncio.sleep(QUIET)
            assert scene.counts() == {**seen, BOB: seen[BOB] + 2}
            assert scene.posted() == posted + 1

    assert await schedule_runs(database, team.id) == [
        ("review", utc(2027, 3, 1, 7, 0)),
        ("open", OPENING),
        ("nudge", FIRST_NUDGE),
    ]
    # Every queued message went out once; none is left waiting or failed.
    rows = await outbox_rows(database)
    assert {row.status for row in rows} == {"sent"}
    assert sorted((row.kind, row.recipient) for row in rows) == sorted(
        [("review", ""), ("announce", ""), ("nudge_round", ""), ("nudge_round", "")]
        + [("invite", str(p)) for p in (AYSE, BOB, CEM)]
        + [("nudge", str(BOB))] * 2
    )


async def test_the_deadline_posts_the_report_or_says_nobody_answered(
    bot_api: FakeBotApi, assessments: Assessments
) -> None:
    """Two teams on the same schedule: in Support Ayşe answered, so its deadline closes the
    snapshot and posts the report; in Sales nobody did, so it says so and stays open."""
    api, database = bot_api, assessments.database
    api.group(GROUP, "Support")
    api.group(OTHER_GROUP, "Sales")
    ayse = api.user(AYSE, "Ayşe")
    support = await scheduled_team(assessments, GROUP, "Support")
    sales = await scheduled_team(assessments, OTHER_GROUP, "Sales")

    with time_machine.travel(at(ISTANBUL, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, telegram(api)):
            await api.wait_for(lambda: bool(api.sent(GROUP) and api.sent(OTHER_GROUP)))
            await answer(api, ayse, link_token(api.sent(GROUP)[0]))
            # A minute before the deadline the snapshots are still open.
            traveller.move_to(at(ISTANBUL, 2027, 3, 29, 17, 59, 0))
            await asyncio.sleep(QUIET)
            assert [s.status for s in await snapshots(database, support.id)] == ["open"]

            posted = {chat: len(api.sent(chat)) for chat in (GROUP, OTHER_GROUP)}
            traveller.move_to(at(ISTANBUL, 2027, 3, 29, 18, 0, 0))
            await api.wait_for(lambda: any(checklist(m) for m in api.sent(GROUP)[posted[GROUP] :]))
            await api.wait_for(lambda: len(api.sent(OTHER_GROUP)) > posted[OTHER_GROUP])
            report = api.sent(GROUP)[posted[GROUP] :]
            assert "photo" in report[0] and "Level" in str(report[0]["caption"])
            assert "Snapshot 1" in str(report[1]["text"])
            assert checklist(report[-1])
            [no_answers] = api.sent(OTHER_GROUP)[posted[OTHER_GROUP] :]
            assert "without any answers" in str(no_answers["text"])
            assert "Snapshot 1" in str(no_answers["text"])

    assert [s.status for s in await snapshots(database, support.id)] == ["closed"]
    assert [s.status for s in await snapshots(database, sales.id)] == ["open"]
    for team in (support, sales):
        assert ("deadline", DEADLINE) in await schedule_runs(database, team.id)
    assert {row.status for row in await outbox_rows(database)} == {"sent"}


async def test_a_go_live_two_weeks_before_a_saturday_opens_on_monday(
    bot_api: FakeBotApi, assessments: Assessments
) -> None:
    api, database = bot_api, assessments.database
    api.group(GROUP, "Support")
    # Go-live Saturday 1 May 2027: two weeks later is Saturday 15 May, so Monday 17 May.
    team = await scheduled_team(assessments, GROUP, "Support", go_live=dt.date(2027, 5, 1))

    with time_machine.travel(at(ISTANBUL, 2027, 5, 15, 9, 59, 0), tick=True) as traveller:
        async with serving(assessments, telegram(api)):
            jobs = await eventually(lambda: scheduled_jobs(database))
            assert list(jobs.values()) == [utc(2027, 5, 17, 7, 0)]
            traveller.move_to(at(ISTANBUL, 2027, 5, 15, 10, 0, 1))
            await asyncio.sleep(QUIET)
            traveller.move_to(at(ISTANBUL, 2027, 5, 16, 10, 0, 1))
            await asyncio.sleep(QUIET)
            assert api.sent(GROUP) == []
            assert await snapshots(database, team.id) == []

            traveller.move_to(at(ISTANBUL, 2027, 5, 17, 10, 0, 0))
            await api.wait_for(lambda: bool(api.sent(GROUP)))
            [announcement] = api.sent(GROUP)
            assert "snapshot 1" in str(announcement["text"])
            assert "May 31, 2027" in str(announcement["text"])  # the deadline, a Monday too

    [snapshot] = await snapshots(database, team.id)
    assert snapshot.deadline == utc(2027, 5, 31, 15, 0)
    assert await schedule_runs(database, team.id) == [("open", utc(2027, 5, 17, 7, 0))]


@pytest.mark.parametrize(
    ("back_at", "runs"),
    [
        pytest.param(at(ISTANBUL, 2027, 3, 17, 21, 59, 0), True, id="back-within-grace"),
        pytest.param(at(ISTANBUL, 2027, 3, 17, 22, 1, 0), False, id="back-after-grace"),
    ],
)
async def test_a_nudge_missed_while_down(
    bot_api: FakeBotApi,
    assessments: Assessments,
    caplog: pytest.LogCaptureFixture,
    back_at: dt.datetime,
    runs: bool,
) -> None:
    """The service is down across the 10:00 nudge: back within its 12 hours' grace, the nudge
    runs (once); back after it, the nudge is skipped, and the log says so."""
    caplog.set_level(logging.INFO, logger="bot.scheduling")
    api, database = bot_api, assessments.database
    api.group(GROUP, "Support")
    team = await scheduled_team(assessments, GROUP, "Support")

    with time_machine.travel(at(ISTANBUL, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, telegram(api)):
            await api.wait_for(lambda: len(api.sent(GROUP)) == 1)
            [snapshot] = await snapshots(database, team.id)
            job = f"nudge:{team.id}:{snapshot.id}:20270317T070000"

            async def nudge_planned() -> bool:
                return job in await scheduled_jobs(database)

            await eventually(nudge_planned)
            assert (await scheduled_jobs(database))[job] == FIRST_NUDGE
        traveller.move_to(back_at)
        async with serving(assessments, telegram(api)):
            if runs:
                await api.wait_for(lambda: len(api.sent(GROUP)) == 2)
                assert "Reminder" in texts(api, GROUP)[1]
            else:
                await api.wait_for(lambda: "past its grace time" in caplog.text)
            await asyncio.sleep(QUIET)  # a few ticks and re-plans later: nothing more
            assert len(api.sent(GROUP)) == (2 if runs else 1)

    missed = [r for r in caplog.records if "past its grace time" in r.getMessage()]
    nudges = [due for kind, due in await schedule_runs(database, team.id) if kind == "nudge"]
    if runs:
        assert nudges == [FIRST_NUDGE] and missed == []
    else:
        assert nudges == []
        [record] = missed
        assert record.levelno == logging.WARNING and job in record.getMessage()
    assert job not in await scheduled_jobs(database)


async def test_a_late_deadline_leaves_the_next_snapshot_alone(
    bot_api: FakeBotApi, assessments: Assessments
) -> None:
    """Snapshot 1's deadline job is still stored when the scheduler comes back after it; in
    the meantime (`csmm telegram`, with no scheduler) the group closed snapshot 1 by hand and
    opened snapshot 2. The late job must not close snapshot 2, nor post its report."""
    api, database = bot_api, assessments.database
    group = api.group(GROUP, "Support")
    admin, ayse = api.user(ADMIN, "Ada"), api.user(AYSE, "Ayşe")
    api.set_admins(GROUP, {ADMIN})
    team = await scheduled_team(assessments, GROUP, "Support")

    with time_machine.travel(at(ISTANBUL, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, telegram(api)):
            await api.wait_for(lambda: bool(api.sent(GROUP)))
            await answer(api, ayse, link_token(api.sent(GROUP)[0]))
            [first] = await snapshots(database, team.id)

            async def deadline_planned() -> bool:
                return f"deadline:{team.id}:{first.id}:20270329T150000" in await scheduled_jobs(
                    database
                )

            await eventually(deadline_planned)

        traveller.move_to(at(ISTANBUL, 2027, 3, 22, 11, 0, 0))
        async with polling(api, assessments):
            api.send_text(admin, "/close", chat=group)
            await api.wait_for(lambda: any(checklist(m) for m in api.sent(GROUP)))
            api.send_text(admin, "/assess 30", chat=group)
            await api.wait_for(lambda: "snapshot 2" in texts(api, GROUP)[-1])
            await answer(api, ayse, link_token(api.sent(GROUP)[-1]))

        posted = len(api.sent(GROUP))
        traveller.move_to(at(ISTANBUL, 2027, 3, 30, 10, 0, 0))
        async with serving(assessments, telegram(api)):

            async def deadline_ran() -> bool:
                return ("deadline", DEADLINE) in await schedule_runs(database, team.id)

            await eventually(deadline_ran)
            await asyncio.sleep(QUIET)
            assert texts(api, GROUP)[posted:] == []
            assert await outbox_rows(database, kind="report") == []

    assert [s.status for s in await snapshots(database, team.id)] == ["closed", "open"]


async def test_a_stop_while_the_report_goes_out_does_not_post_it_twice(
    bot_api: FakeBotApi, assessments: Assessments
) -> None:
    api = bot_api
    api.group(GROUP, "Support")
    ayse = api.user(AYSE, "Ayşe")
    await scheduled_team(assessments, GROUP, "Support")

    with time_machine.travel(at(ISTANBUL, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, telegram(api)):
            await api.wait_for(lambda: bool(api.sent(GROUP)))
            await answer(api, ayse, link_token(api.sent(GROUP)[0]))
            posted = len(api.sent(GROUP))
            # The report's text (after its photo) takes Telegram a second and a half; the
            # service is stopped meanwhile.
            api.stall_next("sendMessage", 1.5)
            traveller.move_to(at(ISTANBUL, 2027, 3, 29, 18, 0, 0))
            await api.wait_for(lambda: any("photo" in m for m in api.sent(GROUP)[posted:]))

        traveller.move_to(at(ISTANBUL, 2027, 3, 29, 18, 30, 0))
        async with serving(assessments, telegram(api)):
            await asyncio.sleep(QUIET)
            await api.wait_for(lambda: any(checklist(m) for m in api.sent(GROUP)[posted:]))
            await asyncio.sleep(QUIET)
    assert sum("photo" in m for m in api.sent(GROUP)[posted:]) == 1
