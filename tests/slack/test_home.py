"""The App Home tab, the schedule modal, and answering by typing in the DM."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM, team_key
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, team_channel
from tests.slack.journey import answer_everything, start


def home_buttons(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return fake.buttons(fake.published.get(user, {}).get("blocks", []))


async def press_on_home(fake: FakeSlack, user: str, label: str) -> None:
    """A button on the person's App Home: block_actions from a view, not a message."""
    view = fake.published[user]
    button = next(b for b in home_buttons(fake, user) if b["text"] == label)
    status, _body = await fake.interactive(
        {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": fake.team_id},
            "api_app_id": fake.app_id,
            "team": {"id": fake.team_id, "domain": "csmm-test"},
            "container": {"type": "view", "view_id": view.get("id", "V1")},
            "trigger_id": fake.new_trigger_id(),
            "view": view,
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": button["block_id"],
                    "value": button["value"],
                    "text": {"type": "plain_text", "text": label},
                    "action_ts": "1700000000.000001",
                }
            ],
        }
    )
    assert status == 200


async def test_home_lists_waiting_assessments_and_continues_one_in_the_dm(
    fake: FakeSlack, app: SlackChannel
) -> None:
    team_channel(fake)
    await fake.home_opened(BOB)
    await fake.wait_for(lambda: BOB in fake.published)
    assert "Nothing is waiting for you" in str(fake.published[BOB])

    await fake.command(ADMIN, CHANNEL, "start")
    # The admin's summary comes once every invitation is sent and recorded.
    await fake.wait_for(lambda: any(e.user == ADMIN for e in fake.ephemerals))
    await fake.home_opened(BOB)
    await fake.wait_for(lambda: [b["text"] for b in home_buttons(fake, BOB)] == ["Start"])
    assert "#support" in str(fake.published[BOB])

    before = len(fake.dm(BOB))
    await press_on_home(fake, BOB, "Start")
    # the first question, in the DM
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)[before:]))

    await fake.home_opened(BOB)
    await fake.wait_for(lambda: [b["text"] for b in home_buttons(fake, BOB)] == ["Continue"])


async def test_home_shows_the_teams_latest_level_and_admins_get_schedule(
    fake: FakeSlack, app: SlackChannel
) -> None:
    team_channel(fake)
    await fake.command(ADMIN, CHANNEL, "start")
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(ADMIN)))
    await start(fake, ADMIN)
    await answer_everything(fake, ADMIN)
    await fake.command(ADMIN, CHANNEL, "close")
    await fake.wait_for(lambda: fake.uploads)
    await fake.home_opened(ADMIN)
    await fake.wait_for(lambda: "Your teams" in str(fake.published.get(ADMIN)))
    text = str(fake.published[ADMIN])
    assert "Snapshot 1" in text and "#support" in text
    assert [b["text"] for b in home_buttons(fake, ADMIN)] == ["Schedule…"]


async def test_schedule_modal_saves_the_settings_and_checks_them(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    team_channel(fake)
    await fake.command(BOB, CHANNEL, "schedule")
    await fake.wait_for(lambda: any(e.user == BOB for e in fake.ephemerals))
    assert fake.opened_views == []  # not an admin

    await fake.command(ADMIN, CHANNEL, "schedule")
    await fake.wait_for(lambda: fake.opened_views)
    view = fake.opened_views[-1]
    assert view["callback_id"] == "schedule"
    values = {
        "go_live": {"value": {"type": "datepicker", "selected_date": "2027-01-11"}},
        "deadline": {
            "value": {"type": "static_select", "selected_option": {"value": "10"}},
        },
        "send_at": {"value": {"type": "timepicker", "selected_time": "09:30"}},
        "working_days": {
            "value": {"type": "checkboxes", "selected_options": []},
        },
    }
    status, body = await fake.submit_view(ADMIN, view, values)
    assert status == 200
    assert body["response_action"] == "errors"
    assert "working_days" in body["errors"]

    values["working_days"]["value"]["selected_options"] = [
        {"text": {"type": "plain_text", "text": day}, "value": str(number)}
        for number, day in ((1, "Monday"), (3, "Wednesday"), (5, "Friday"))
    ]
    status, body = await fake.submit_view(ADMIN, view, values)
    assert status == 200 and not body
    team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
    assert team is not None
    schedule = await app.shared.rosters.schedule(team.id)
    assert schedule.go_live == dt.date(2027, 1, 11)
    assert schedule.deadline_days == 10
    assert schedule.send_at == dt.time(9, 30)
    assert schedule.working_days == {1, 3, 5}
    assert (await assessments.team(team.id)).timezone == "Europe/London"

    # Opened again, the modal shows what was saved; a non-admin's submission is refused.
    await fake.command(ADMIN, CHANNEL, "takvim")
    await fake.wait_for(lambda: len(fake.opened_views) == 2)
    again = fake.opened_views[-1]
    assert "2027-01-11" in str(again) and "09:30" in str(again)
    status, body = await fake.submit_view(BOB, again, values)
    assert body["response_action"] == "errors"

    # Working hours and nudges: wrong ones are shown beside their own field, right ones kept.
    for field, typed in (("hours", "18:00-09:00"), ("hours", "9-5"), ("nudge_days", "2,x")):
        wrong = {**values, field: {"value": {"type": "plain_text_input", "value": typed}}}
        status, body = await fake.submit_view(ADMIN, again, wrong)
        assert body["response_action"] == "errors" and field in body["errors"], (typed, body)
    values["hours"] = {"value": {"type": "plain_text_input", "value": "08:30-17:00"}}
    values["nudge_days"] = {"value": {"type": "plain_text_input", "value": "3, -2"}}
    status, body = await fake.submit_view(ADMIN, again, values)
    assert status == 200 and not body
    schedule = await app.shared.rosters.schedule(team.id)
    assert schedule.work_hours == (dt.time(8, 30), dt.time(17, 0))
    assert schedule.nudge_days == (3, -2)
    assert schedule.send_at == dt.time(9, 30)  # the rest as it was
    await fake.command(ADMIN, CHANNEL, "schedule")
    await fake.wait_for(lambda: len(fake.opened_views) == 3)
    assert "08:30-17:00" in str(fake.opened_views[-1]) and "3,-2" in str(fake.opened_views[-1])


async def test_typed_answers_in_the_dm_in_turkish(fake: FakeSlack, app: SlackChannel) -> None:
    team_channel(fake)
    await fake.command(ADMIN, CHANNEL, "start")
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(AYSE)))
    await start(fake, AYSE, "Başla")
    question = fake.dm(AYSE)[-1]
    assert question.text.startswith("1/")
    await fake.send_dm(AYSE, "2")
    await fake.wait_for(lambda: fake.dm(AYSE)[-1].text.startswith("2/"))
    # The typed-into question turned into its answer: no dead buttons left behind.
    answered = next(m for m in fake.dm(AYSE) if m.ts == question.ts)
    assert not fake.buttons(answered) and "✔️" in answered.text
    await fake.send_dm(AYSE, "bilmiyorum ama belki")
    await fake.wait_for(lambda: len(fake.dm(AYSE)) > 4 and "⚠️" in fake.dm(AYSE)[-2].text)
    await fake.send_dm(AYSE, "geri")
    await fake.wait_for(lambda: fake.dm(AYSE)[-1].text.startswith("1/"))


async def test_a_dm_with_nothing_waiting_starts_a_personal_assessment(
    fake: FakeSlack, app: SlackChannel
) -> None:
    team_channel(fake)
    await fake.send_dm(BOB, "hello")
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)))
    assert "here is one for you alone" in fake.dm(BOB)[0].text


async def test_a_file_in_the_dm_gets_a_hint_and_changes_nothing(
    fake: FakeSlack, app: SlackChannel
) -> None:
    team_channel(fake)
    await fake.command(ADMIN, CHANNEL, "start")
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(BOB)))
    await start(fake, BOB)
    shown = len(fake.dm(BOB))
    event = fake.message_event(BOB, "")
    event.update(subtype="file_share", files=[{"id": "F1", "name": "notes.pdf"}])
    status, _body = await fake.event(event)
    assert status == 200
    await fake.wait_for(lambda: len(fake.dm(BOB)) > shown)
    assert "I can only read typed answers" in fake.dm(BOB)[-1].text
    assert fake.dm(BOB)[-2].text.startswith("1/")  # still at the first question
