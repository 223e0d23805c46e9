"""The anonymity threshold and anonymous mode in Slack, through signed requests to the running
app: below the threshold the channel, the caller's DM and App Home get no scores (close,
report, export), an admin changes the threshold, and in anonymous mode no stored row links a
person to their answers once submitted."""

from __future__ import annotations

import json

import pytest

from bot.anonymity import set_threshold
from bot.assessments import Assessments
from bot.service_types import Participant
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM, team_key
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from storage.database import Database
from tests.anonymity_checks import assert_answers_name_nobody, linked_rows, rows_by_name
from tests.seeded_teams import ANSWERS, seeded_team
from tests.slack.fake_slack import Ephemeral, FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, team_channel
from tests.slack.journey import answer_everything, start
from tests.slack.test_commands import started

WITHHELD = "Its results are withheld"


@pytest.fixture
def assessments(
    database: Database, questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> Assessments:
    """As `csmm serve` builds it: new teams take the default threshold, 3."""
    return Assessments(database, questionnaire, localizers)


async def note_to(fake: FakeSlack, user: str, fragment: str, times: int = 1) -> Ephemeral:
    """The latest note only ``user`` sees with ``fragment``, once ``times`` of them came."""

    def found() -> list[Ephemeral]:
        return [e for e in fake.ephemerals if e.user == user and fragment in e.text]

    await fake.wait_for(lambda: len(found()) >= times)
    return found()[-1]


def channel_text(fake: FakeSlack) -> str:
    return json.dumps([[m.text, m.blocks] for m in fake.messages(CHANNEL)], ensure_ascii=False)


async def test_below_the_threshold_channel_dm_and_home_get_no_results(
    fake: FakeSlack,
    app: SlackChannel,
    assessments: Assessments,
    questionnaire: Questionnaire,
    database_url: str,
) -> None:
    titles = [dimension.title for dimension in questionnaire.dimensions]
    await started(fake)
    await start(fake, BOB)
    await answer_everything(fake, BOB)
    promise = "Results are shown once at least 3 people have submitted."
    await fake.wait_for(lambda: any(promise in m.text for m in fake.dm(BOB)))

    await fake.command(BOB, CHANNEL, "report")
    note = await note_to(fake, BOB, WITHHELD)
    assert "Snapshot 1: 1 response submitted." in note.text
    assert "/maturity threshold" in note.text
    await fake.command(BOB, CHANNEL, "export csv")
    await note_to(fake, BOB, WITHHELD, times=2)
    await fake.command(BOB, CHANNEL, "plan")
    await note_to(fake, BOB, WITHHELD, times=3)

    await fake.command(ADMIN, CHANNEL, "close")
    closed = await note_to(fake, ADMIN, "Snapshot 1 is closed.")
    assert "posted" not in closed.text
    await fake.wait_for(lambda: WITHHELD in channel_text(fake))
    posted = channel_text(fake)
    assert "Snapshot 1: 1 response submitted." in posted
    assert [title for title in titles if title in posted] == []
    assert not any(fake.checkboxes(m) for m in fake.messages(CHANNEL))
    assert fake.uploads == []  # no chart, no PDF, no CSV anywhere

    await fake.home_opened(BOB)
    await fake.wait_for(lambda: BOB in fake.published)
    home = json.dumps(fake.published[BOB], ensure_ascii=False)
    assert "#support" in home and "no results yet" in home
    assert "Snapshot 1" not in home and [title for title in titles if title in home] == []

    # Only an admin changes the threshold.
    await fake.command(BOB, CHANNEL, "threshold 1")
    await note_to(fake, BOB, "Only workspace admins")
    team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
    assert team is not None and team.anonymity_threshold == 3
    await fake.command(ADMIN, CHANNEL, "threshold 51")
    await note_to(fake, ADMIN, "The threshold is a whole number from 1 to 50.")
    await fake.command(ADMIN, CHANNEL, "eşik 1")
    await note_to(fake, ADMIN, "✅ Anonymity threshold: 1.")
    team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
    assert team is not None and team.anonymity_threshold == 1
    audit = rows_by_name(await linked_rows(database_url), "audit_events")
    [changed] = [row for row in audit if row["action"] == "team.threshold"]
    assert changed["actor"] == "Admin Ada"

    # At the threshold: the report, and the snapshot's line in App Home.
    await fake.command(BOB, CHANNEL, "report")
    report = await note_to(fake, BOB, "Level")
    assert any(title in json.dumps(report.blocks, ensure_ascii=False) for title in titles)
    before = json.dumps(fake.published[BOB])
    await fake.home_opened(BOB)
    await fake.wait_for(lambda: json.dumps(fake.published[BOB]) != before)
    assert "Snapshot 1" in json.dumps(fake.published[BOB], ensure_ascii=False)


async def test_anonymous_mode_keeps_no_link_and_status_counts(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    await started(fake)
    await fake.command(BOB, CHANNEL, "anonymous on")
    await note_to(fake, BOB, "Only workspace admins")
    await fake.command(ADMIN, CHANNEL, "anonim on")
    await note_to(fake, ADMIN, "✅ Anonymous mode is on")
    team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
    assert team is not None and team.anonymous

    await start(fake, BOB)
    await answer_everything(fake, BOB)
    await fake.wait_for(lambda: any("answers anonymously" in m.text for m in fake.dm(BOB)))
    rows = await linked_rows(database_url)
    [bob] = [row for row in rows_by_name(rows, "people") if row["external_id"] == BOB]
    assert_answers_name_nobody(rows, bob["id"])

    await fake.command(ADMIN, CHANNEL, "status")
    status = await note_to(fake, ADMIN, "Answers are anonymous: 1 submitted, 0 still answering.")
    assert "Bob Stone" not in status.text.split("Not started")[0]

    await fake.command(ADMIN, CHANNEL, "anonymous")
    settings = await note_to(fake, ADMIN, "Anonymous mode: on")
    assert "Anonymity threshold: 3." in settings.text
    await fake.command(ADMIN, CHANNEL, "anonymous off")
    await note_to(fake, ADMIN, "✅ Anonymous mode is off")
    audit = rows_by_name(await linked_rows(database_url), "audit_events")
    assert [row["action"] for row in audit].count("team.anonymous") == 2


async def test_the_last_to_answer_below_the_threshold_is_told_no_results_were_posted(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    await started(fake)
    team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
    assert team is not None
    await set_threshold(assessments.database, team, 4, by="Admin Ada")
    for person in (ADMIN, AYSE, BOB):  # everyone invited: the snapshot closes by itself
        await start(fake, person, "Başla" if person == AYSE else "Start")
        await answer_everything(fake, person)

    last = "You were the last to answer: the assessment is closed."
    await fake.wait_for(lambda: any(last in m.text for m in fake.dm(BOB)))
    told = next(m.text for m in fake.dm(BOB) if last in m.text)
    assert "its channel gets none this time" in told
    assert "has its results in its channel" not in told
    await fake.wait_for(lambda: WITHHELD in channel_text(fake))


async def test_a_snapshot_below_the_threshold_leaves_the_channel_the_plan_it_had(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    """Snapshot 1 had three respondents, snapshot 2 only Bob: `report` is withheld, but
    `plan` posts snapshot 1's checklist, and the channel still ticks it."""
    team_channel(fake)
    external_id = team_key(fake.team_id, CHANNEL)
    people = {ADMIN: "Admin Ada", AYSE: "Ayşe Yılmaz", BOB: "Bob Stone"}
    seeded = await seeded_team(assessments, PLATFORM, external_id, "#support", people)
    invitation = await assessments.start_snapshot(PLATFORM, external_id, "#support", by="Ada")
    opened = await assessments.join(
        invitation.token, Participant(PLATFORM, "", "", BOB, "Bob Stone"), "en"
    )
    for text in ANSWERS:
        await assessments.handle_text(opened.response_id, text)
    await assessments.close(seeded.team, "Ada")

    await fake.command(BOB, CHANNEL, "report")
    assert "Snapshot 2: 1 response submitted." in (await note_to(fake, BOB, WITHHELD)).text
    await fake.command(BOB, CHANNEL, "plan")
    await fake.wait_for(lambda: any(fake.checkboxes(m) for m in fake.messages(CHANNEL)))
    checklist = next(m for m in fake.messages(CHANNEL) if fake.checkboxes(m))
    assert "Action plan of snapshot 1 (0 of" in checklist.text
    box = fake.checkboxes(checklist)[0]
    assert box["action_id"].startswith(f"plan:{seeded.answered}:")

    status, _ = await fake.tick(BOB, CHANNEL, checklist.ts, box["action_id"], ["done"])
    assert status == 200
    await fake.wait_for(lambda: any("(1 of" in m.text for m in fake.messages(CHANNEL)))
