"""`/maturity` subcommands beyond `start`: status, close, report, plan, language, export,
forget-me, admin and help — each through a signed slash command into the running app."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

from babel.dates import format_date
from pypdf import PdfReader

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM, team_key
from tests.slack.fake_slack import Ephemeral, FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, team_channel
from tests.slack.journey import answer_everything, start


async def said_to(fake: FakeSlack, user: str, count: int) -> Ephemeral:
    """The ``count``-th note (1-based) that only ``user`` sees, once it arrives."""
    await fake.wait_for(lambda: len([e for e in fake.ephemerals if e.user == user]) >= count)
    return [e for e in fake.ephemerals if e.user == user][count - 1]


async def started(fake: FakeSlack) -> None:
    team_channel(fake)
    await fake.command(ADMIN, CHANNEL, "start")
    # The admin's summary comes once every invitation is sent and recorded.
    await fake.wait_for(lambda: any(e.user == ADMIN for e in fake.ephemerals))


async def test_status_names_who_answered_and_never_answers(
    fake: FakeSlack, app: SlackChannel
) -> None:
    await started(fake)
    await start(fake, AYSE, "Başla")
    await answer_everything(fake, AYSE)
    await start(fake, BOB)
    await fake.command(BOB, CHANNEL, "status")
    note = await said_to(fake, BOB, 1)
    assert "Submitted (1): Ayşe Yılmaz" in note.text
    assert "In progress (1): Bob Stone" in note.text
    assert "Not started (1): Admin Ada" in note.text


async def test_plan_is_posted_for_the_channel_and_ticks_are_stored(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    await started(fake)
    await start(fake, BOB)
    await answer_everything(fake, BOB, pick=0)
    await fake.command(ADMIN, CHANNEL, "close")
    await fake.wait_for(lambda: any(fake.checkboxes(m) for m in fake.messages(CHANNEL)))
    posted = len(fake.messages(CHANNEL))
    await fake.command(AYSE, CHANNEL, "plan")
    await fake.wait_for(lambda: len(fake.messages(CHANNEL)) > posted)
    checklist = fake.messages(CHANNEL)[-1]
    boxes = fake.checkboxes(checklist)
    assert boxes and all(not box["initial_options"] for box in boxes)
    assert checklist.thread_ts is None  # the whole channel sees it

    await fake.tick(AYSE, CHANNEL, checklist.ts, boxes[1]["action_id"], ["done"])
    await fake.wait_for(lambda: fake.checkboxes(fake.latest(CHANNEL))[1]["initial_options"])
    redrawn = fake.latest(CHANNEL)
    assert redrawn is not None and redrawn.ts == checklist.ts  # edited in place
    assert "Ayşe Yılmaz" in str(redrawn.blocks)  # who ticked it
    team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
    assert team is not None
    items = (await assessments.plan(team)).items
    assert [item.done for item in items[:2]] == [False, True]
    assert items[1].done_by == "Ayşe Yılmaz"

    # Unticking opens it again; a tick on a checklist of another snapshot changes nothing.
    await fake.tick(AYSE, CHANNEL, checklist.ts, boxes[1]["action_id"], [])
    await fake.wait_for(lambda: not fake.checkboxes(fake.latest(CHANNEL))[1]["initial_options"])
    assert not (await assessments.plan(team)).items[1].done


async def test_language_is_per_person_and_the_team_language_is_for_admins(
    fake: FakeSlack, app: SlackChannel
) -> None:
    team_channel(fake)
    await fake.command(BOB, CHANNEL, "language tr")
    switched = await said_to(fake, BOB, 1)
    assert switched.text == "Bundan sonra size Türkçe yazacağım."
    await fake.command(BOB, CHANNEL, "yardım")
    helped = await said_to(fake, BOB, 2)
    assert "*/maturity başlat* [gün ya da tarih]" in helped.text

    await fake.command(BOB, CHANNEL, "language team tr")
    refused = await said_to(fake, BOB, 3)
    assert "yalnızca çalışma alanı yöneticileri" in refused.text.lower()
    await fake.command(ADMIN, CHANNEL, "dil ekip tr")
    done = await said_to(fake, ADMIN, 1)
    assert done.text == "Bu kanaldaki paylaşımlar bundan sonra Türkçe olacak."
    await fake.command(ADMIN, CHANNEL, "language de")
    asked = await said_to(fake, ADMIN, 2)
    assert "/maturity language en" in asked.text


async def test_export_sends_the_pdf_and_the_csv_to_the_callers_dm(
    fake: FakeSlack, app: SlackChannel
) -> None:
    await started(fake)
    await start(fake, BOB)
    await answer_everything(fake, BOB)
    await fake.command(ADMIN, CHANNEL, "close")
    await fake.wait_for(lambda: fake.uploads)
    await fake.command(BOB, CHANNEL, "export pdf")
    await fake.wait_for(lambda: any(u.filename.endswith(".pdf") for u in fake.uploads))
    pdf = next(u for u in fake.uploads if u.filename.endswith(".pdf"))
    assert pdf.channel_id == fake.dm_id(BOB)
    assert "Level" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    await fake.command(BOB, CHANNEL, "export csv")
    await fake.wait_for(lambda: any(u.filename.endswith(".csv") for u in fake.uploads))
    csv = next(u for u in fake.uploads if u.filename.endswith(".csv"))
    assert csv.content.decode().startswith("snapshot") or b"," in csv.content
    notes = len([e for e in fake.ephemerals if e.user == BOB])
    await fake.command(BOB, CHANNEL, "export xlsx")
    wrong = await said_to(fake, BOB, notes + 1)
    assert "/maturity export csv" in wrong.text


async def test_forget_me_asks_first_then_deletes(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    await started(fake)
    await start(fake, BOB)
    await answer_everything(fake, BOB)
    await fake.command(BOB, CHANNEL, "forget-me")
    question = await said_to(fake, BOB, 1)
    await fake.press(BOB, "Cancel", message=question)
    await fake.wait_for(lambda: "Nothing was deleted" in str(fake.responses))
    assert await assessments.current(PLATFORM, BOB) is not None

    await fake.command(BOB, CHANNEL, "beni-unut")
    again = await said_to(fake, BOB, 2)
    await fake.press(BOB, "Yes, delete my answers", message=again)
    await fake.wait_for(lambda: "answers deleted" in str(fake.responses))
    assert await assessments.current(PLATFORM, BOB) is None


async def test_admins_named_by_the_team_may_start_and_others_may_not(
    fake: FakeSlack, app: SlackChannel
) -> None:
    team_channel(fake)
    await fake.command(BOB, CHANNEL, f"admin add <@{AYSE}|ayse>")
    refused = await said_to(fake, BOB, 1)
    assert "Only workspace admins" in refused.text
    await fake.command(ADMIN, CHANNEL, f"admin add <@{BOB}|bob>")
    added = await said_to(fake, ADMIN, 1)
    assert f"<@{BOB}>" in added.text
    await fake.command(BOB, CHANNEL, "start 7")
    summary = await said_to(fake, BOB, 2)
    assert "Invited 3 people by direct message." in summary.text
    await fake.command(ADMIN, CHANNEL, "admin")
    listed = await said_to(fake, ADMIN, 2)
    assert f"<@{BOB}>" in listed.text
    await fake.command(ADMIN, CHANNEL, f"admin remove <@{BOB}>")
    await said_to(fake, ADMIN, 3)
    await fake.command(BOB, CHANNEL, "close")
    assert "Only workspace admins" in (await said_to(fake, BOB, 3)).text


async def test_start_again_invites_only_newcomers_and_bad_deadlines_are_explained(
    fake: FakeSlack, app: SlackChannel
) -> None:
    await started(fake)
    summary = await said_to(fake, ADMIN, 1)
    assert "Invited 3 people" in summary.text
    fake.add_user("UNEW", "Nia New")
    fake.add_channel(CHANNEL, "support", [ADMIN, AYSE, BOB, "UNEW", fake.bot_user_id])
    await fake.command(ADMIN, CHANNEL, "start")
    again = await said_to(fake, ADMIN, 2)
    assert "Invited 1 person by direct message." in again.text
    assert len([m for m in fake.dm(BOB) if fake.buttons(m)]) == 1  # not invited twice
    await fake.command(ADMIN, CHANNEL, "start 30")  # a new deadline, and it says so
    again = (await said_to(fake, ADMIN, 3)).text
    assert "everyone here has been invited" in again
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date()
    assert f"until {format_date(due, 'long', locale='en')}" in again
    await fake.command(ADMIN, CHANNEL, "start yesterday")
    assert "number of days (1 to 90)" in (await said_to(fake, ADMIN, 4)).text
    await fake.command(ADMIN, fake.dm_id(ADMIN), "start")
    assert "not in a DM" in (await said_to(fake, ADMIN, 5)).text


async def test_a_channel_the_app_is_not_in_gets_a_hint(fake: FakeSlack, app: SlackChannel) -> None:
    team_channel(fake)
    fake.add_channel("CSECRET", "secret", [ADMIN, BOB], is_private=True)
    await fake.command(ADMIN, "CSECRET", "start")
    note = await said_to(fake, ADMIN, 1)
    assert "Add me to the channel first" in note.text
    assert fake.dm(BOB) == []


async def test_help_and_unknown_words(fake: FakeSlack, app: SlackChannel) -> None:
    team_channel(fake)
    await fake.command(BOB, CHANNEL, "")
    assert "*/maturity status*" in (await said_to(fake, BOB, 1)).text
    await fake.command(AYSE, CHANNEL, "frobnicate")
    unknown = await said_to(fake, AYSE, 1)
    assert "“frobnicate” komutunu tanımıyorum" in unknown.text


async def test_a_channel_the_app_cannot_post_in_invites_nobody(
    fake: FakeSlack, app: SlackChannel
) -> None:
    """A public channel lists its members to the app even when it isn't in it, but its
    results could not be posted there: nobody is invited until it is added."""
    team_channel(fake)
    fake.add_channel("COPEN", "open-floor", [ADMIN, BOB])  # the app is not a member
    await fake.command(ADMIN, "COPEN", "start")
    note = await said_to(fake, ADMIN, 1)
    assert "Add me to it (/invite @CSMM Bot)" in note.text
    assert fake.dm(BOB) == []
    fake.add_channel("COPEN", "open-floor", [ADMIN, BOB, fake.bot_user_id])
    await fake.command(ADMIN, "COPEN", "start")
    again = await said_to(fake, ADMIN, 2)
    assert "Invited 2 people by direct message." in again.text


async def test_two_starts_at_once_invite_everyone_once(fake: FakeSlack, app: SlackChannel) -> None:
    team_channel(fake)
    fake.add_user("UOWNER", "Olga Owner", is_owner=True)
    fake.add_channel(CHANNEL, "support", [ADMIN, AYSE, BOB, "UOWNER", fake.bot_user_id])
    await asyncio.gather(
        fake.command(ADMIN, CHANNEL, "start"), fake.command("UOWNER", CHANNEL, "start")
    )
    await said_to(fake, ADMIN, 1)
    await said_to(fake, "UOWNER", 1)
    for person in (ADMIN, AYSE, BOB, "UOWNER"):
        assert len([m for m in fake.dm(person) if fake.buttons(m)]) == 1, person
    announcements = [m for m in fake.messages(CHANNEL) if "started the customer" in m.text]
    assert len(announcements) == 1
