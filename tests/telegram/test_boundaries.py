"""Who may act where: questionnaire buttons only in their own private chat and for their own
response, invitations only for the group's members, forgetting that leaves no name behind, and
a group that becomes a supergroup keeping its team."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from bot.assessments import Assessments
from storage.models import Person, Team
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, data_for, last_text

LINK = re.compile(r"start=([A-Za-z0-9_-]+)")


async def alert_for(api: FakeBotApi, update: dict[str, Any]) -> str:
    """The alert text the bot answered a pressed button with."""
    query_id = update["callback_query"]["id"]
    await api.wait_for(lambda: any(c[1].get("callback_query_id") == query_id for c in api.calls))
    answer = next(c[1] for c in api.calls if c[1].get("callback_query_id") == query_id)
    return str(answer.get("text") or "")


async def open_group(api: FakeBotApi, chat_id: int, admin: dict[str, Any]) -> str:
    """An administrator runs /assess; returns the invitation token."""
    group = api.group(chat_id, f"Team {chat_id}")
    api.set_admins(chat_id, {admin["id"]})
    api.send_text(admin, "/assess", chat=group)
    await api.wait_for(lambda: any(buttons(m) for m in api.sent(chat_id)))
    matched = LINK.search(buttons(api.sent(chat_id)[-1])[0]["url"])
    assert matched is not None
    return matched[1]


async def test_an_old_keyboard_of_another_response_is_stale(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """Ayla starts alone, then follows her group's link: the first questionnaire's keyboard
    must not answer the group's, even at the same question."""
    api = running
    ayla = api.user(1101, "Ayla", language_code="en")
    api.send_text(ayla, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 1101))
    personal_question = api.sent(1101)[-1]
    token = await open_group(api, -6001, ayla)
    api.send_text(ayla, f"/start {token}")
    await api.wait_for(lambda: len([m for m in api.sent(1101) if "1/35" in str(m["text"])]) == 2)

    # /start put the old question's keyboard away; a client that still shows it is refused.
    assert not buttons(api.messages(1101)[personal_question["message_id"]])
    pressed = api.callback_query(
        ayla, data_for(personal_question, "q:role:agent"), message=personal_question
    )
    assert "not answering now" in await alert_for(api, pressed)
    team = await assessments.team_at("telegram", "-6001")
    assert team is not None
    opened = await assessments.current("telegram", "1101")
    assert opened is not None and opened.team_id == team.id
    assert opened.turn.state.answers == {}


async def test_questionnaire_buttons_do_nothing_in_a_group(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    lead = api.user(1201, "Lale", language_code="tr")
    token = await open_group(api, -6002, lead)
    invitation = api.sent(-6002)[-1]
    api.send_text(lead, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, 1201))
    count = len(api.sent(-6002))
    # A forged press on the group's invitation, as if it were question 1's keyboard.
    pressed = api.callback_query(lead, "q:role:agent", message=invitation)
    assert "artık çalışmıyor" in await alert_for(api, pressed)
    assert len(api.sent(-6002)) == count  # nothing posted to the group
    assert buttons(api.messages(-6002)[invitation["message_id"]])  # invitation untouched
    opened = await assessments.current("telegram", "1201")
    assert opened is not None and opened.turn.state.answers == {}


async def test_an_invitation_admits_only_members_of_the_group(running: FakeBotApi) -> None:
    api = running
    lead = api.user(1301, "Lena", language_code="en")
    token = await open_group(api, -6003, lead)
    outsider = api.user(1302, "Otto", language_code="en")
    api.set_members(-6003, left={1302})
    api.send_text(outsider, f"/start {token}")
    await api.wait_for(lambda: "members of" in last_text(api, 1302))
    assert not any("1/35" in str(m["text"]) for m in api.sent(1302))


async def test_forget_me_leaves_no_name_behind(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    zeynep = api.user(1401, "Zeynep Secretname", language_code="tr")
    api.send_text(zeynep, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 1401))
    api.send_text(zeynep, "3")
    await api.wait_for(lambda: "2/35" in last_text(api, 1401))
    api.send_text(zeynep, "/forget_me")
    await api.wait_for(lambda: "Silinsin mi?" in last_text(api, 1401))
    question = api.sent(1401)[-1]
    api.press(zeynep, question, "forget:yes")
    await api.wait_for(lambda: "silindi" in str(api.messages(1401)[question["message_id"]]["text"]))
    async with assessments.database.reading() as session:
        people = await session.scalar(select(func.count()).select_from(Person))
        named = await session.scalar(
            select(func.count()).select_from(Team).where(Team.name.contains("Secretname"))
        )
    assert people == 0 and named == 0


async def test_a_group_that_becomes_a_supergroup_keeps_its_team(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    lead = api.user(1501, "Mert", language_code="en")
    await open_group(api, -6005, lead)
    old = api.group(-6005, "Team -6005")
    api.send_update({"message": api.message(lead, old, migrate_to_chat_id=-1006005000000)})
    new = api.group(-1006005000000, "Team -6005")
    api.set_admins(-1006005000000, {1501})
    api.send_text(lead, "/status", chat=new)
    await api.wait_for(lambda: "Snapshot 1 is open" in last_text(api, -1006005000000))
    assert await assessments.team_at("telegram", "-6005") is None
