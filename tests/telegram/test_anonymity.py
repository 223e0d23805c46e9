"""The anonymity threshold and anonymous mode in a Telegram group, through the fake Bot API:
below the threshold the group never receives a snapshot's scores (at /close, /report, /plan,
/export, in the private chat), an administrator changes the threshold, and in anonymous mode
no stored row links a person to their answers once submitted."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.assessments import Assessments
from bot.service_types import Participant
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from storage.database import Database
from tests.anonymity_checks import assert_answers_name_nobody, linked_rows, rows_by_name
from tests.seeded_teams import ANSWERS, seeded_team
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, last_text
from tests.telegram.test_group import LINK, answer_everything_by_buttons, said, texts

GROUP = -1001555000111
WITHHELD = "Its results are withheld"


@pytest.fixture
def assessments(
    database: Database, questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> Assessments:
    """As `csmm serve` builds it: new teams take the default threshold, 3."""
    return Assessments(database, questionnaire, localizers)


def dimension_names(questionnaire: Questionnaire) -> list[str]:
    return [dimension.title for dimension in questionnaire.dimensions]


async def assess(api: FakeBotApi, admin: dict[str, Any], group: dict[str, Any]) -> str:
    """The administrator opens a snapshot; its invitation token."""
    count = sum(1 for m in api.sent(GROUP) if buttons(m))
    api.send_text(admin, "/assess", chat=group)
    await api.wait_for(lambda: sum(1 for m in api.sent(GROUP) if buttons(m)) > count)
    invitation = [m for m in api.sent(GROUP) if buttons(m)][-1]
    matched = LINK.search(str(buttons(invitation)[0]["url"]))
    assert matched is not None
    return matched[1]


async def group_says(api: FakeBotApi, fragment: str, times: int = 1) -> None:
    await api.wait_for(lambda: sum(fragment in t for t in texts(api, GROUP)) >= times)


async def test_one_respondent_gets_no_results_in_the_group_until_an_admin_lowers_the_threshold(
    running: FakeBotApi, assessments: Assessments, questionnaire: Questionnaire, database_url: str
) -> None:
    api = running
    group = api.group(GROUP, "Support")
    ada = api.user(801, "Ada")
    bob = api.user(802, "Bob")
    api.set_admins(GROUP, {801})
    token = await assess(api, ada, group)
    api.send_text(bob, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, 802))
    await answer_everything_by_buttons(api, bob)
    promise = await said(api, 802, "no one there sees your own answers")
    assert "Results are shown once at least 3 people have submitted." in str(promise["text"])

    # Bob asks for "his team's" report in his private chat: withheld there too.
    api.send_text(bob, "/report")
    await said(api, 802, WITHHELD)

    # The bug: /close posted "1 response submitted … Channels 100 · Processes & workflows 0 …".
    api.send_text(ada, "/close", chat=group)
    await group_says(api, "Snapshot 1: 1 response submitted.")
    closing = texts(api, GROUP)[-1]
    assert "Snapshot 1 is closed." in closing and WITHHELD in closing
    assert "at least 3 people" in closing and "/threshold" in closing

    # Every other way to the results in the group: withheld as well.
    for command in ("/report", "/plan", "/export csv", "/export pdf"):
        api.send_text(bob, command, chat=group)
    await group_says(api, WITHHELD, times=5)

    sent = api.sent(GROUP) + api.sent(802)
    assert not [m for m in sent if "photo" in m or "document" in m]
    assert not [m for m in api.sent(GROUP) if any(b.get("callback_data") for b in buttons(m))]
    leaked = [
        (name, text)
        for text in texts(api, GROUP) + texts(api, 802)[-1:]
        for name in dimension_names(questionnaire)
        if name in text
    ]
    assert leaked == []
    assert not any(re.search(r"\d+ ?%|%\d", text) for text in texts(api, GROUP))

    # Only an administrator changes the threshold; the change is in the audit trail.
    api.send_text(bob, "/threshold 1", chat=group)
    await group_says(api, "Only the group's administrators can change the anonymity threshold")
    team = await assessments.team_at("telegram", str(GROUP))
    assert team is not None and team.anonymity_threshold == 3
    audit = rows_by_name(await linked_rows(database_url), "audit_events")
    assert not [row for row in audit if row["action"] == "team.threshold"]

    api.send_text(ada, "/threshold 0", chat=group)
    await group_says(api, "The threshold is a whole number from 1 to 50.")
    api.send_text(ada, "/threshold 1", chat=group)
    await group_says(api, "✅ Anonymity threshold: 1.")
    team = await assessments.team_at("telegram", str(GROUP))
    assert team is not None and team.anonymity_threshold == 1
    audit = rows_by_name(await linked_rows(database_url), "audit_events")
    [changed] = [row for row in audit if row["action"] == "team.threshold"]
    assert changed["actor"] == "Ada" and re.search(r"threshold\W+1\b", changed["detail"])

    # At the threshold the results come: the chart, the scores, the checklist.
    api.send_text(bob, "/report", chat=group)
    await api.wait_for(lambda: any("photo" in m for m in api.sent(GROUP)))
    await api.wait_for(lambda: any(buttons(m) for m in api.sent(GROUP)[-2:]))
    assert any(dimension_names(questionnaire)[0] in t for t in texts(api, GROUP)[-3:])
    api.send_text(bob, "/threshold", chat=group)  # anyone may read the settings
    await group_says(api, "Anonymous mode: off")


async def test_the_interim_report_names_the_count_and_the_command(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """Turkish, and while the snapshot is open: how many, why, and which command."""
    api = running
    group = api.group(GROUP, "Destek")
    ada = api.user(801, "Ada", language_code="tr")
    bob = api.user(802, "Bob", language_code="tr")
    api.set_admins(GROUP, {801})
    api.send_text(ada, "/language tr", chat=group)
    token = await assess(api, ada, group)
    api.send_text(bob, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, 802))
    await answer_everything_by_buttons(api, bob)
    await said(api, 802, "oradaki hiç kimse sizin yanıtlarınızı görmez")
    api.send_text(bob, "/report", chat=group)
    await api.wait_for(lambda: "/threshold" in last_text(api, GROUP))
    text = last_text(api, GROUP)
    assert text.startswith("1. değerlendirme turu: 1 yanıt gönderildi.")
    assert "en az 3 kişi" in text and "/threshold 1" in text


async def test_anonymous_mode_unlinks_answers_at_submit_and_still_resumes_mid_way(
    running: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    api = running
    group = api.group(GROUP, "Support")
    ada = api.user(801, "Ada")
    bob = api.user(802, "Bob")
    api.set_admins(GROUP, {801})

    api.send_text(bob, "/anonymous on", chat=group)
    await group_says(api, "Only the group's administrators can change anonymous mode.")
    api.send_text(ada, "/anonymous on", chat=group)
    await group_says(api, "✅ Anonymous mode is on")
    team = await assessments.team_at("telegram", str(GROUP))
    assert team is not None and team.anonymous

    token = await assess(api, ada, group)
    api.send_text(bob, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, 802))
    for _ in range(3):
        api.send_text(bob, "2")
    await api.wait_for(lambda: "4/35" in last_text(api, 802))

    # Mid-way the response still names Bob: that is how he resumes where he was.
    rows = await linked_rows(database_url)
    [bob_row] = [r for r in rows_by_name(rows, "people") if r["external_id"] == "802"]
    [in_progress] = rows_by_name(rows, "responses")
    assert in_progress["person_id"] == bob_row["id"] and in_progress["status"] == "in_progress"
    api.send_text(bob, f"/start {token}")
    await api.wait_for(lambda: sum("4/35" in t for t in texts(api, 802)) >= 2)

    for text in ["2"] * 25 + ["skip"] * 7 + ["submit"]:
        api.send_text(bob, text)
    submitted = await said(api, 802, "“Support” answers anonymously")
    assert "can't be changed now" in str(submitted["text"])

    assert_answers_name_nobody(await linked_rows(database_url), bob_row["id"])

    # Coming back: he is told why there is nothing to change, and nothing changes.
    before = rows_by_name(await linked_rows(database_url), "answers")
    api.send_text(bob, "change 5")
    await said(api, 802, "This team answers anonymously")
    assert rows_by_name(await linked_rows(database_url), "answers") == before

    # The group's status counts, it doesn't name.
    api.send_text(ada, "/status", chat=group)
    await group_says(api, "Answers are anonymous: 1 submitted, 0 still answering.")
    assert "Bob" not in texts(api, GROUP)[-1]

    # The next snapshot offers nothing from last time.
    api.send_text(ada, "/close", chat=group)
    await group_says(api, "Snapshot 1: 1 response submitted.")
    token = await assess(api, ada, group)
    seen = len(api.sent(802))
    api.send_text(bob, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, 802))
    fresh = " ".join(texts(api, 802)[seen:])
    assert "last time" not in fresh.lower() and "Welcome back" not in fresh


async def test_a_snapshot_below_the_threshold_leaves_the_group_the_plan_it_had(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """Snapshot 1 had three respondents, snapshot 2 only Bob: /report is withheld, but /plan
    (in Bob's private chat while snapshot 2 is open, in the group once it closed) shows
    snapshot 1's plan, and the group still ticks it."""
    api = running
    group = api.group(GROUP, "Support")
    bob = api.user(802, "Bob")
    people = {"801": "Ada", "802": "Bob", "803": "Cem"}
    seeded = await seeded_team(assessments, "telegram", str(GROUP), "Support", people)
    invitation = await assessments.start_snapshot("telegram", str(GROUP), "Support", by="Ada")
    opened = await assessments.join(
        invitation.token, Participant("telegram", "", "", "802", "Bob"), "en"
    )
    for text in ANSWERS:
        await assessments.handle_text(opened.response_id, text)
    api.send_text(bob, "/plan")  # while snapshot 2 is open, in his private chat
    await said(api, 802, "Action plan of snapshot 1 (0 of")
    await assessments.close(seeded.team, "Ada")

    api.send_text(bob, "/report", chat=group)
    await group_says(api, "Snapshot 2: 1 response submitted.")
    api.send_text(bob, "/plan", chat=group)
    await group_says(api, "Action plan of snapshot 1 (0 of")
    checklist = api.sent(GROUP)[-1]
    ticks = [b for b in buttons(checklist) if str(b.get("callback_data", "")).startswith("p:")]
    assert ticks and all(f"p:{seeded.answered}:" in b["callback_data"] for b in ticks)

    api.press(bob, checklist, str(ticks[0]["callback_data"]))
    await api.wait_for(
        lambda: "(1 of" in str(api.messages(GROUP)[checklist["message_id"]].get("text"))
    )
