"""The private chat remembers the response each person answers, so a press costs no lookup. When
that response takes no more answers — a new snapshot opened by the operator or another process
— the person's very next message or press goes to what is open now, with no "this assessment is
closed" detour first."""

from __future__ import annotations

from typing import Any

import pytest

from bot.assessments import Assessments
from bot.service_types import Participant
from bot.telegram.common import PLATFORM
from storage.models import Team
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, last_text, payloads
from tests.telegram.test_boundaries import alert_for, open_group

CEM, GROUP = 640, -6400
CLOSED = "This assessment is closed"


def said_since(api: FakeBotApi, since: int) -> list[str]:
    return [str(m["text"]) for m in api.sent(CEM)[since:]]


async def cem_in_group(
    api: FakeBotApi, assessments: Assessments, *, submitted: bool
) -> tuple[dict[str, Any], Team]:
    """Cem answers his group's snapshot 1 in his private chat: three answers, or all of them
    and submitted. Dora, in another process, submitted hers, so the snapshot can close."""
    cem = api.user(CEM, "Cem Yazar", language_code="en")
    token = await open_group(api, GROUP, cem)
    dora = await assessments.join(token, Participant(PLATFORM, "", "", "641", "Dora"), "en")
    for _ in range(len(assessments.sequence)):
        await assessments.handle_text(dora.response_id, "2")
    await assessments.handle_text(dora.response_id, "submit")
    api.send_text(cem, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, CEM))
    for _ in range(len(assessments.sequence) if submitted else 3):
        api.send_text(cem, "2")
    if submitted:
        api.send_text(cem, "submit")
        await api.wait_for(lambda: any("still change them" in t for t in said_since(api, 0)))
    else:
        await api.wait_for(lambda: "4/35" in last_text(api, CEM))
    team = await assessments.team_at(PLATFORM, str(GROUP))
    assert team is not None
    return cem, team


@pytest.mark.parametrize("submitted", [False, True], ids=["midway", "submitted"])
async def test_the_next_message_after_snapshot_new_lands_in_the_new_snapshot(
    running: FakeBotApi, assessments: Assessments, submitted: bool
) -> None:
    api = running
    cem, team = await cem_in_group(api, assessments, submitted=submitted)
    # The operator, as `csmm snapshot new` does: through the service, not through this chat.
    await assessments.new_snapshot(team, by="operator")

    since = len(api.sent(CEM))
    api.send_text(cem, "2")
    await api.wait_for(lambda: any("1/35" in text for text in said_since(api, since)))
    said = said_since(api, since)
    assert not [text for text in said if CLOSED in text or "/start to see" in text], said
    opened = await assessments.current(PLATFORM, str(CEM))
    assert opened is not None and opened.team_id == team.id and opened.snapshot_number == 2

    # From here on the new snapshot is the remembered one: the next answer is stored in it.
    api.send_text(cem, "2")
    await api.wait_for(lambda: "2/35" in last_text(api, CEM))
    again = await assessments.current(PLATFORM, str(CEM))
    assert again is not None and again.response_id == opened.response_id
    assert list(again.turn.state.answers) == ["role"]


async def test_a_press_for_the_response_another_process_moved_them_to_is_answered(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """Remembered here: snapshot 1. Another process opened snapshot 2 for Cem and showed its
    first question: its button answers there, though this process never saw that response."""
    api = running
    cem, team = await cem_in_group(api, assessments, submitted=False)
    first_question = next(m for m in api.sent(CEM) if "1/35" in str(m["text"]))
    role = payloads(first_question)[0]
    assert role.startswith("q:role:")
    await assessments.new_snapshot(team, by="operator")
    elsewhere = await assessments.enter(
        team.id, Participant(PLATFORM, "", "", str(CEM), "Cem Yazar"), "en"
    )

    since = len(api.sent(CEM))
    shown = api.sent(CEM)[-1]  # as the other process's question would carry it
    pressed = api.callback_query(cem, f"{elsewhere.response_id}/{role}", message=shown)
    assert "not answering now" not in await alert_for(api, pressed)
    await api.wait_for(lambda: any("2/35" in text for text in said_since(api, since)))
    opened = await assessments.current(PLATFORM, str(CEM))
    assert opened is not None and opened.response_id == elsewhere.response_id
    assert list(opened.turn.state.answers) == ["role"]


async def test_a_button_of_the_closed_snapshot_still_says_it_is_closed(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """That press belongs to snapshot 1: it is told so, and changes nothing."""
    api = running
    cem, team = await cem_in_group(api, assessments, submitted=False)
    question = api.sent(CEM)[-1]
    assert buttons(question)
    await assessments.new_snapshot(team, by="operator")

    pressed = api.press(cem, question, str(buttons(question)[0]["callback_data"]))
    assert CLOSED in await alert_for(api, pressed)
    await api.wait_for(lambda: "/start to see" in last_text(api, CEM))
    assert await assessments.current(PLATFORM, str(CEM)) is None
