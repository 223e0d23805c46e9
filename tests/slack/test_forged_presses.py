"""Presses that are not the presser's to make, sent to the app's real HTTP endpoint as
validly signed Slack requests: a snooze naming someone else's reminder (or a made-up one), a
checklist ticked from outside its channel or from another team's channel, another channel's
Start button replayed, another person's questionnaire button, another team's App Home button,
another team's schedule modal, and an admin command from a member. Each is acknowledged (200),
the presser gets the note, and no row of any table changes (but the record of handled
deliveries)."""

from __future__ import annotations

import pytest

from bot.assessments import Assessments
from bot.scheduling import cycle as kinds
from bot.slack.app import SlackChannel
from bot.slack.common import team_key
from storage import outbox
from tests.scheduling.helpers import eventually, outbox_rows
from tests.seeded_teams import SeededTeam, queue, seeded_team
from tests.slack.fake_slack import FakeSlack, Message
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, team_channel
from tests.table_dump import dump_changeable_tables

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

PLATFORM = "slack"
SALES = "C0SALES"
DEB, EDA, FAY = "UDEB", "UEDA", "UFAY"
OZ = "UOZ"  # in Sales, not in #support
CAN = "UCAN"
NOT_FOR_YOU = "This button is not for you."
NOT_FOR_AYSE = "Bu düğme size yönelik değil."  # her Slack is in Turkish


def two_channels(fake: FakeSlack) -> None:
    """#support (Ada, a workspace admin; Ayşe; Bob) and #sales (Deb, its admin; Eda; Fay;
    Oz)."""
    team_channel(fake)
    fake.add_user(DEB, "Deb Dale", is_admin=True)
    fake.add_user(EDA, "Eda Ece")
    fake.add_user(FAY, "Fay Fox")
    fake.add_user(OZ, "Oz Ozan")
    fake.add_channel(SALES, "sales", [DEB, EDA, FAY, OZ, fake.bot_user_id])


async def support(assessments: Assessments, fake: FakeSlack) -> SeededTeam:
    names = {ADMIN: "Admin Ada", AYSE: "Ayşe Yılmaz", BOB: "Bob Stone"}
    external_id = team_key(fake.team_id, CHANNEL)
    return await seeded_team(assessments, PLATFORM, external_id, "#support", names, open_next=True)


async def sales(assessments: Assessments, fake: FakeSlack) -> SeededTeam:
    names = {DEB: "Deb Dale", EDA: "Eda Ece", FAY: "Fay Fox"}
    external_id = team_key(fake.team_id, SALES)
    return await seeded_team(assessments, PLATFORM, external_id, "#sales", names, open_next=True)


def notes(fake: FakeSlack, user_id: str) -> list[str]:
    """What only ``user_id`` was shown (ephemeral notes, response-URL replies included)."""
    return [e.text for e in fake.ephemerals if e.user == user_id]


async def checklist_in(fake: FakeSlack, channel: str, member: str) -> Message:
    """The action plan's checklist, as `/maturity plan` posts it in the channel."""
    status, _ = await fake.command(member, channel, "plan")
    assert status == 200
    await fake.wait_for(lambda: any(fake.checkboxes(m) for m in fake.messages(channel)))
    return next(m for m in reversed(fake.messages(channel)) if fake.checkboxes(m))


def tick_action(fake: FakeSlack, checklist: Message) -> dict[str, object]:
    """Ticking the checklist's first item, as Slack sends it."""
    box = fake.checkboxes(checklist)[0]
    return {
        "type": "checkboxes",
        "action_id": box["action_id"],
        "block_id": box["block_id"],
        "selected_options": box["options"][:1],
    }


async def replay(fake: FakeSlack, user_id: str, message: Message, action: dict[str, object]) -> str:
    """``user_id`` sends ``action`` on ``message``; the note they get for it."""
    seen = len(notes(fake, user_id))
    status, _body = await fake.interactive(fake.replayed_press(user_id, message, action))
    assert status == 200
    await fake.wait_for(lambda: len(notes(fake, user_id)) > seen)
    return notes(fake, user_id)[-1]


def button(action_id: str, value: str) -> dict[str, object]:
    return {"type": "button", "action_id": action_id, "value": value,
            "text": {"type": "plain_text", "text": "…"}}  # fmt: skip


async def test_a_forged_snooze_is_acknowledged_and_changes_nothing(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    """Snoozes naming a made-up kind, a kind no snooze button carries (the issue's
    `snooze:report:1:0`), another person's nudge, another team's, the team's own reminder
    pressed by a member, and reminders that are over: each gets a 200, the note, and queues
    nothing. Ayşe still snoozes her own nudge."""
    two_channels(fake)
    a, b = await support(assessments, fake), await sales(assessments, fake)
    team = a.team.id
    await queue(assessments, PLATFORM, team, kinds.NUDGE, a.latest, AYSE, outbox.SENT)
    await queue(assessments, PLATFORM, team, kinds.NUDGE_ROUND, a.latest, "", outbox.SENT)
    await queue(assessments, PLATFORM, team, kinds.NUDGE, a.answered, BOB, outbox.SENT)
    await queue(assessments, PLATFORM, team, kinds.REVIEW, a.answered, "", outbox.SENT)
    await queue(assessments, PLATFORM, b.team.id, kinds.NUDGE, b.latest, DEB, outbox.SENT)
    message = await checklist_in(fake, CHANNEL, BOB)  # a message of the app's to press on
    forged = [
        (OZ, f"snooze:report:{team}:0"),
        (OZ, f"bogus_kind:{team}:0"),
        (OZ, f"nudge:{team}:{a.latest}"),  # not sent to Oz
        (BOB, f"nudge:{team}:{a.latest}"),  # sent to Ayşe, not Bob
        (AYSE, f"nudge:{b.team.id}:{b.latest}"),  # another team's
        (BOB, f"nudge_round:{team}:{a.latest}"),  # the team's: its admins only
        (BOB, f"nudge:{team}:{a.answered}"),  # its snapshot has closed
        (ADMIN, f"review:{team}:{a.answered}"),  # a newer snapshot opened since
        (AYSE, "nonsense"),
    ]
    before = await dump_changeable_tables(database_url)
    for presser, value in forged:
        note = await replay(fake, presser, message, button("snooze", value))
        assert note == (NOT_FOR_AYSE if presser == AYSE else NOT_FOR_YOU), value
    assert await dump_changeable_tables(database_url) == before

    # Not a blanket refusal: Ayşe snoozes the nudge she was sent, Ada the team's reminder.
    for presser, value in ((AYSE, f"nudge:{team}:{a.latest}"),
                           (ADMIN, f"nudge_round:{team}:{a.latest}")):  # fmt: skip
        status, _ = await fake.interactive(
            fake.replayed_press(presser, message, button("snooze", value))
        )
        assert status == 200

    async def snoozed() -> list[tuple[str, str]]:
        rows = await outbox_rows(assessments.database, status=outbox.PENDING)
        return sorted((row.kind, row.recipient) for row in rows) if len(rows) == 2 else []

    assert await eventually(snoozed) == [("nudge", AYSE), ("nudge_round", "")]


async def test_a_tick_from_outside_the_channel_changes_nothing(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    """Oz, who is not in #support, replays a tick of its checklist: a 200, the note (by the
    response URL: Slack shows no ephemeral to a non-member), and the plan as it was. Bob's
    own tick counts."""
    two_channels(fake)
    await support(assessments, fake)
    checklist = await checklist_in(fake, CHANNEL, BOB)
    action = tick_action(fake, checklist)

    before = await dump_changeable_tables(database_url)
    assert await replay(fake, OZ, checklist, action) == NOT_FOR_YOU
    assert await dump_changeable_tables(database_url) == before

    status, _ = await fake.tick(BOB, CHANNEL, checklist.ts, str(action["action_id"]), ["done"])
    assert status == 200

    async def changed() -> bool:
        return await dump_changeable_tables(database_url) != before

    assert await eventually(changed)


async def test_a_checklist_ticked_in_another_teams_channel_says_so(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    """#support's checklist tick, replayed by Deb on a message in #sales: "This checklist
    belongs to another team", and neither plan changes."""
    two_channels(fake)
    await support(assessments, fake)
    await sales(assessments, fake)
    action = tick_action(fake, await checklist_in(fake, CHANNEL, BOB))
    in_sales = await checklist_in(fake, SALES, DEB)

    before = await dump_changeable_tables(database_url)
    assert await replay(fake, DEB, in_sales, action) == "This checklist belongs to another team."
    assert await dump_changeable_tables(database_url) == before


async def test_a_replayed_start_button_does_not_join_another_channels_snapshot(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    """Oz has his own invitation from #sales; replayed with #support's token, its Start
    button is refused, and no person or response row is made for him in #support."""
    two_channels(fake)
    a = await support(assessments, fake)
    await sales(assessments, fake)
    status, _ = await fake.command(DEB, SALES, "start")
    assert status == 200
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(OZ)))
    invitation = next(m for m in fake.dm(OZ) if fake.buttons(m))

    before = await dump_changeable_tables(database_url)
    note = await replay(fake, OZ, invitation, button("invite:start", a.token))
    assert "This invitation is for the members of #support" in note
    assert await dump_changeable_tables(database_url) == before


async def test_other_peoples_and_other_teams_ids_change_nothing(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    """Bob presses a questionnaire button carrying Ayşe's response and the App Home's Start
    of #sales (not his team), submits #support's schedule modal, names himself an admin,
    switches the channel's language and closes its snapshot, though no admin: each refused,
    nothing changed."""
    two_channels(fake)
    a = await support(assessments, fake)
    b = await sales(assessments, fake)
    status, _ = await fake.command(ADMIN, CHANNEL, "start")
    assert status == 200
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(BOB)))
    in_dm = next(m for m in fake.dm(BOB) if fake.buttons(m))

    before = await dump_changeable_tables(database_url)
    ayses = f"{a.responses[AYSE]}/q:channels:2"
    note = await replay(fake, BOB, in_dm, button("answer-0", ayses))
    assert "belongs to an assessment you are not answering now" in note

    count = len(fake.dm(BOB))
    status, _ = await fake.interactive(
        fake.replayed_press(BOB, in_dm, button("home:enter", str(b.team.id)))
    )
    assert status == 200
    await fake.wait_for(lambda: len(fake.dm(BOB)) > count)
    assert "That assessment is no longer open." in fake.dm(BOB)[-1].text

    view = {"type": "modal", "callback_id": "schedule", "private_metadata": str(a.team.id)}
    status, body = await fake.submit_view(BOB, view, {})
    assert status == 200 and isinstance(body, dict)
    assert body["errors"] == {"deadline": "Only this team's admins can change its schedule."}

    for words in (f"admin add <@{BOB}>", "language team tr", "close"):
        seen = len(notes(fake, BOB))
        status, _ = await fake.command(BOB, CHANNEL, words)
        assert status == 200
        await fake.wait_for(lambda seen=seen: len(notes(fake, BOB)) > seen)
        assert "Only workspace admins and this team's admins" in notes(fake, BOB)[-1], words
    assert await dump_changeable_tables(database_url) == before


async def test_someone_who_left_the_channel_is_not_let_back_in(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, database_url: str
) -> None:
    """Bob and Can were invited to #support's open snapshot, then left the channel: its App
    Home button and its Start button no longer let them in, and Can, who had not started,
    writing to the app gets an assessment of his own instead of #support's."""
    two_channels(fake)
    a = await support(assessments, fake)
    fake.add_user(CAN, "Can Can")
    fake.add_channel(CHANNEL, "support", [ADMIN, AYSE, BOB, CAN, fake.bot_user_id])
    status, _ = await fake.command(ADMIN, CHANNEL, "start")
    assert status == 200
    await fake.wait_for(lambda: all(any(fake.buttons(m) for m in fake.dm(u)) for u in (BOB, CAN)))
    in_dm = next(m for m in fake.dm(BOB) if fake.buttons(m))
    fake.add_channel(CHANNEL, "support", [ADMIN, AYSE, fake.bot_user_id])

    before = await dump_changeable_tables(database_url)
    count = len(fake.dm(BOB))
    status, _ = await fake.interactive(
        fake.replayed_press(BOB, in_dm, button("home:enter", str(a.team.id)))
    )
    assert status == 200
    await fake.wait_for(lambda: len(fake.dm(BOB)) > count)
    assert "This invitation is for the members of #support" in fake.dm(BOB)[-1].text
    note = await replay(fake, BOB, in_dm, button("invite:start", a.token))
    assert "This invitation is for the members of #support" in note
    assert await dump_changeable_tables(database_url) == before

    await fake.send_dm(CAN, "hello")
    await fake.wait_for(lambda: any("No team assessment" in m.text for m in fake.dm(CAN)))


HUGE = "9" * 26  # overflows PostgreSQL's integer ids
SUPERSCRIPT = "²"  # a digit to str.isdigit, not to int()


async def test_ids_no_button_of_ours_carries_get_a_note_not_a_traceback(
    fake: FakeSlack,
    app: SlackChannel,
    assessments: Assessments,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ids that `str.isdigit` accepts but `int()` refuses, ids too big for the database and a
    null value, in each place a button or modal carries one: the presser gets the note a
    stale press gets, no handler logs a traceback, and no table changes."""
    two_channels(fake)
    await support(assessments, fake)
    status, _ = await fake.command(ADMIN, CHANNEL, "start")
    assert status == 200
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(BOB)))
    in_dm = next(m for m in fake.dm(BOB) if fake.buttons(m))
    checklist = await checklist_in(fake, CHANNEL, BOB)
    box = tick_action(fake, checklist)

    before = await dump_changeable_tables(database_url)
    caplog.clear()
    for bad in (SUPERSCRIPT, HUGE):
        note = await replay(fake, BOB, in_dm, button("answer-0", f"{bad}/q:channels:2"))
        assert note == "That button is not one I know.", note
        note = await replay(fake, BOB, checklist, {**box, "action_id": f"plan:{bad}:1"})
        assert note == "This button no longer works.", note
        note = await replay(fake, BOB, checklist, button("snooze", f"snooze:nudge:{bad}:0"))
        assert note == NOT_FOR_YOU
        count = len(fake.dm(BOB))
        status, _ = await fake.interactive(
            fake.replayed_press(BOB, in_dm, button("home:enter", bad))
        )
        assert status == 200
        await fake.wait_for(lambda count=count: len(fake.dm(BOB)) > count)
        assert "That assessment is no longer open." in fake.dm(BOB)[-1].text
        view = {"type": "modal", "callback_id": "schedule", "private_metadata": bad}
        status, body = await fake.submit_view(ADMIN, view, {})
        assert status == 200 and isinstance(body, dict)
        assert body["errors"] == {"deadline": "Only this team's admins can change its schedule."}
    status, _ = await fake.interactive(
        fake.replayed_press(BOB, in_dm, {**button("answer-0", ""), "value": None})
    )
    assert status == 200
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks
    assert await dump_changeable_tables(database_url) == before
