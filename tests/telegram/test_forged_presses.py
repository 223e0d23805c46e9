"""Presses that are not the presser's to make, replayed through the real polling loop: a
snooze naming someone else's reminder (or a made-up one), a checklist ticked by someone who is
not in the group or from another team's group, a questionnaire button of someone else's
response, another team's switch button, the schedule's buttons pressed by a member, and an
invitation link followed by someone who left the group. Each gets its note and no row of any
table changes (but the record of handled deliveries)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.assessments import Assessments
from bot.deadlines import MAX_DEADLINE_DAYS
from bot.scheduling import cycle as kinds
from storage import outbox
from tests.scheduling.helpers import outbox_rows
from tests.seeded_teams import SeededTeam, queue, seeded_team
from tests.table_dump import dump_changeable_tables
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, last_text

PLATFORM = "telegram"
GROUP_A, GROUP_B, GROUP_C = -1001000000001, -1001000000002, -1001000000003
ADA, BOB, CEM = 801, 802, 803  # Support, Ada its administrator
DEB, EDA, FAY = 811, 812, 813  # Sales
OZ = 899  # in neither group
NOT_FOR_YOU = "This button is not for you."


def people(api: FakeBotApi) -> dict[int, dict[str, Any]]:
    names = {ADA: "Ada", BOB: "Bob", CEM: "Cem", DEB: "Deb", EDA: "Eda", FAY: "Fay", OZ: "Oz"}
    return {user_id: api.user(user_id, name) for user_id, name in names.items()}


async def support(assessments: Assessments, *, open_next: bool = False) -> SeededTeam:
    names = {str(ADA): "Ada", str(BOB): "Bob", str(CEM): "Cem"}
    return await seeded_team(
        assessments, PLATFORM, str(GROUP_A), "Support", names, open_next=open_next
    )


async def sales(assessments: Assessments, *, open_next: bool = False) -> SeededTeam:
    names = {str(DEB): "Deb", str(EDA): "Eda", str(FAY): "Fay"}
    return await seeded_team(
        assessments, PLATFORM, str(GROUP_B), "Sales", names, open_next=open_next
    )


async def alert_for(api: FakeBotApi, update: dict[str, Any]) -> str:
    """What the bot answered the update's button press with (its alert text, or "")."""
    query_id = str(update["callback_query"]["id"])

    def answers() -> list[dict[str, Any]]:
        return [
            params
            for name, params in api.calls
            if name == "answerCallbackQuery" and str(params.get("callback_query_id")) == query_id
        ]

    await api.wait_for(lambda: bool(answers()))
    return str(answers()[0].get("text") or "")


def bot_message(api: FakeBotApi, chat: dict[str, Any], text: str) -> dict[str, Any]:
    """A message of the bot's in ``chat`` to hang a replayed button on (Telegram sends the
    pressed message along with the press)."""
    return api.message(api.bot_user, chat, text=text)


def in_private(api: FakeBotApi, person: dict[str, Any], text: str) -> dict[str, Any]:
    chat = {"id": person["id"], "type": "private", "first_name": person["first_name"]}
    return bot_message(api, chat, text)


async def test_a_forged_snooze_changes_nothing(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """Snooze presses naming a made-up kind, another team, a reminder sent to someone else,
    the whole team's reminder pressed by a member, and reminders that are over: each gets the
    note and queues nothing. The reminder's own recipient still snoozes it."""
    api = running
    who = people(api)
    api.group(GROUP_A, "Support")
    api.set_admins(GROUP_A, {ADA})
    a = await support(assessments, open_next=True)
    b = await sales(assessments, open_next=True)
    await queue(assessments, PLATFORM, a.team.id, kinds.NUDGE, a.latest, str(BOB), outbox.SENT)
    await queue(assessments, PLATFORM, a.team.id, kinds.NUDGE_ROUND, a.latest, "", outbox.SENT)
    # Over: a nudge for snapshot 1, which has closed; a review of it, since replaced by 2.
    await queue(assessments, PLATFORM, a.team.id, kinds.NUDGE, a.answered, str(CEM), outbox.SENT)
    await queue(assessments, PLATFORM, a.team.id, kinds.REVIEW, a.answered, "", outbox.SENT)
    await queue(assessments, PLATFORM, b.team.id, kinds.NUDGE, b.latest, str(DEB), outbox.SENT)
    forged = [
        (BOB, f"snooze:bogus_kind:{a.team.id}:0"),
        (OZ, f"snooze:review:{a.team.id}:{a.answered}"),  # the probe, in private
        (OZ, f"snooze:nudge:{a.team.id}:{a.latest}"),  # not sent to Oz
        (CEM, f"snooze:nudge:{a.team.id}:{a.latest}"),  # sent to Bob, not Cem
        (BOB, f"snooze:nudge:{b.team.id}:{b.latest}"),  # another team's
        (BOB, f"snooze:nudge:{a.team.id}:{b.latest}"),  # a snapshot of another team
        (BOB, f"snooze:nudge_round:{a.team.id}:{a.latest}"),  # the team's: admins only
        (CEM, f"snooze:nudge:{a.team.id}:{a.answered}"),  # its snapshot has closed
        (ADA, f"snooze:review:{a.team.id}:{a.answered}"),  # a newer snapshot opened
        (ADA, f"snooze:report:{a.team.id}:0"),  # a kind no snooze button carries
        (BOB, f"snooze:nudge:{a.team.id + 99}:{a.latest}"),  # no such team
    ]
    before = await dump_changeable_tables(database_url)
    for presser, data in forged:
        update = api.callback_query(
            who[presser], data, message=in_private(api, who[presser], "⏰ Reminder")
        )
        assert await alert_for(api, update) == NOT_FOR_YOU, data
    assert await dump_changeable_tables(database_url) == before

    # The checks refuse what is not theirs, not everything: Bob snoozes his own nudge, and
    # Ada, the administrator, the group's reminder.
    mine = api.callback_query(who[BOB], f"snooze:nudge:{a.team.id}:{a.latest}",
                              message=in_private(api, who[BOB], "⏰ Reminder"))  # fmt: skip
    assert await alert_for(api, mine) == ""
    group = api.group(GROUP_A, "Support")
    teams = api.callback_query(who[ADA], f"snooze:nudge_round:{a.team.id}:{a.latest}",
                               message=bot_message(api, group, "⏰ Reminder"))  # fmt: skip
    assert await alert_for(api, teams) == ""
    waiting = await outbox_rows(assessments.database, status=outbox.PENDING)
    assert sorted((row.kind, row.recipient) for row in waiting) == [
        ("nudge", str(BOB)),
        ("nudge_round", ""),
    ]


async def checklist_in(api: FakeBotApi, group: dict[str, Any], member: dict[str, Any]) -> Any:
    """The action plan's checklist, as /plan posts it in the group."""
    api.send_text(member, "/plan", chat=group)

    def posted() -> list[dict[str, Any]]:
        return [
            m
            for m in api.sent(group["id"])
            if any(str(b.get("callback_data", "")).startswith("p:") for b in buttons(m))
        ]

    await api.wait_for(lambda: bool(posted()))
    return posted()[-1]


def tick_data(checklist: dict[str, Any]) -> str:
    return next(
        str(b["callback_data"])
        for b in buttons(checklist)
        if str(b.get("callback_data", "")).startswith("p:")
    )


async def test_a_tick_by_someone_outside_the_group_changes_nothing(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """A public group lets anyone press its buttons: Oz, who is not a member (or has left),
    is told the button is not for him, and the plan stays as it was. A member's tick counts."""
    api = running
    who = people(api)
    group = api.group(GROUP_A, "Support")
    api.set_members(GROUP_A, left={OZ})
    await support(assessments)
    checklist = await checklist_in(api, group, who[BOB])
    data = tick_data(checklist)

    before = await dump_changeable_tables(database_url)
    assert await alert_for(api, api.press(who[OZ], checklist, data)) == NOT_FOR_YOU
    assert await dump_changeable_tables(database_url) == before

    assert await alert_for(api, api.press(who[BOB], checklist, data)) == ""
    assert await dump_changeable_tables(database_url) != before


async def test_a_checklist_ticked_in_another_teams_group_says_so(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """Support's checklist, forwarded to Sales' group (or to a group with no team at all)
    and pressed there by its members: "This checklist belongs to another team", and neither
    team's plan changes."""
    api = running
    who = people(api)
    group_a = api.group(GROUP_A, "Support")
    group_b = api.group(GROUP_B, "Sales")
    group_c = api.group(GROUP_C, "Lobby")
    await support(assessments)
    await sales(assessments)
    data = tick_data(await checklist_in(api, group_a, who[BOB]))

    before = await dump_changeable_tables(database_url)
    for group in (group_b, group_c):
        forwarded = bot_message(api, group, "Action plan")
        update = api.callback_query(who[DEB], data, message=forwarded)
        assert await alert_for(api, update) == "This checklist belongs to another team."
    assert await dump_changeable_tables(database_url) == before


async def test_other_peoples_and_other_teams_buttons_change_nothing(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """A questionnaire button carrying Cem's response, pressed by Bob; the switch button of
    Sales, a team Bob has no part in; the schedule's buttons pressed by a member who is not an
    administrator: each is refused with its note, and nothing changes."""
    api = running
    who = people(api)
    group = api.group(GROUP_A, "Support")
    api.set_admins(GROUP_A, {ADA})
    a = await support(assessments, open_next=True)
    b = await sales(assessments, open_next=True)
    cem_response = a.responses[str(CEM)]

    before = await dump_changeable_tables(database_url)
    answer = api.callback_query(
        who[BOB], f"{cem_response}/q:channels:2", message=in_private(api, who[BOB], "1/35")
    )
    assert "belongs to an assessment you are not answering now" in await alert_for(api, answer)
    switch = api.callback_query(
        who[BOB], f"go:{b.team.id}", message=in_private(api, who[BOB], "Waiting")
    )
    assert await alert_for(api, switch) == "That assessment is no longer open."
    for data in ("sch:deadline_days:21", "sch:go_live:today", "sch:working_days:1234567"):
        pressed = api.callback_query(who[BOB], data, message=bot_message(api, group, "🗓"))
        assert await alert_for(api, pressed) == (
            "Only the group's administrators can change the schedule."
        )
    assert await dump_changeable_tables(database_url) == before


async def test_admin_commands_and_links_from_outside_change_nothing(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """A member's /close, /language and /schedule change; the invitation link followed by
    someone who has left the group: refused, and nothing changes."""
    api = running
    who = people(api)
    group = api.group(GROUP_A, "Support")
    api.set_admins(GROUP_A, {ADA})
    api.set_members(GROUP_A, left={OZ})
    a = await support(assessments, open_next=True)

    before = await dump_changeable_tables(database_url)
    for command, refusal in (
        ("/close", "Only the group's administrators can close the assessment."),
        ("/language tr", "Only the group's administrators can change its language."),
        ("/schedule deadline 21", "Only the group's administrators can change the schedule."),
    ):
        count = len(api.sent(GROUP_A))
        api.send_text(who[BOB], command, chat=group)
        await api.wait_for(lambda count=count: len(api.sent(GROUP_A)) > count)
        assert refusal in last_text(api, GROUP_A)
    api.send_text(who[OZ], f"/start {a.token}")
    await api.wait_for(lambda: "This invitation is for the members" in last_text(api, OZ))
    assert await dump_changeable_tables(database_url) == before


async def test_someone_who_left_the_group_no_longer_sees_its_results(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """Bob answered for Support, then left its group: /report, /plan and /export in his
    private chat no longer show the team's results."""
    api = running
    who = people(api)
    api.group(GROUP_A, "Support")
    await support(assessments, open_next=True)
    api.set_members(GROUP_A, left={BOB})

    before = await dump_changeable_tables(database_url)
    for command in ("/report", "/plan", "/export"):
        count = len(api.sent(BOB))
        api.send_text(who[BOB], command)
        await api.wait_for(lambda count=count: len(api.sent(BOB)) > count)
        assert last_text(api, BOB) == (
            "You are no longer a member of “Support”, so its results are not shown to you."
        )
    assert await dump_changeable_tables(database_url) == before


async def test_a_slack_channels_invitation_token_is_no_invitation_here(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    """A Slack channel's Start-button token sent to the Telegram bot as /start <token>: its
    channel membership was never checked here, so it admits no one (it used to open a
    response in the Slack team for whoever had the token)."""
    api = running
    who = people(api)
    slack = await seeded_team(
        assessments, "slack", "T0001:C0001", "#support", {"U1": "Una"}, open_next=True
    )

    before = await dump_changeable_tables(database_url)
    api.send_text(who[OZ], f"/start {slack.token}")
    await api.wait_for(lambda: "This invitation link is not valid" in last_text(api, OZ))
    assert await dump_changeable_tables(database_url) == before


HUGE = "9" * 26  # overflows PostgreSQL's integer ids
SUPERSCRIPT = "²"  # a digit to str.isdigit, not to int()


async def test_ids_no_button_of_ours_carries_get_a_note_not_a_traceback(
    running: FakeBotApi,
    assessments: Assessments,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ids that `str.isdigit` accepts but `int()` refuses and ids too big for the database,
    in each place a button carries one, and in /threshold: each press gets the note a stale
    one gets, no handler logs a traceback, and no table changes."""
    api = running
    who = people(api)
    group = api.group(GROUP_A, "Support")
    api.set_admins(GROUP_A, {ADA})
    await support(assessments, open_next=True)

    before = await dump_changeable_tables(database_url)
    caplog.clear()
    unknown = "That button is not one I know."
    for bad in (SUPERSCRIPT, HUGE):
        alerts = {
            f"{bad}/q:channels:2": unknown,
            f"go:{bad}": unknown,
            f"snooze:nudge:{bad}:0": NOT_FOR_YOU,
        }
        for data, expected in alerts.items():
            pressed = api.callback_query(who[BOB], data, message=in_private(api, who[BOB], "1"))
            assert await alert_for(api, pressed) == expected, data
        tick = api.callback_query(who[BOB], f"p:{bad}:1:1", message=bot_message(api, group, "✅"))
        assert await alert_for(api, tick) == "This button no longer works."
        schedule = api.callback_query(
            who[ADA], f"sch:deadline_days:{bad}", message=bot_message(api, group, "🗓")
        )
        assert await alert_for(api, schedule) == f"deadline-days must be 1 to {MAX_DEADLINE_DAYS}."
        count = len(api.sent(GROUP_A))
        api.send_text(who[ADA], f"/threshold {bad}", chat=group)
        await api.wait_for(lambda count=count: len(api.sent(GROUP_A)) > count)
        assert "The threshold is a whole number from 1 to 50." in last_text(api, GROUP_A)
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks
    assert await dump_changeable_tables(database_url) == before
