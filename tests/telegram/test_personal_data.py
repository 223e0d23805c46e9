"""/forget_me and /export_me through the fake Bot API, under `csmm serve` (the scheduler's job
store included): forgetting leaves no cell with the person's id or name in any table, and
/export_me sends them everything held about them as a JSON document, in their private chat
only."""

from __future__ import annotations

import json
from typing import Any

from bot.assessments import Assessments
from bot.rosters import Rosters
from tests.person_traces import FREE_TEXT, NOTE, Someone, leave_traces
from tests.scheduling.helpers import eventually, scheduled_jobs, serving, telegram
from tests.table_dump import cells_containing, dump_tables
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import last_text

ZEYNEP = Someone("telegram", "7300210042", "Zeynep Karaca")
DERYA = Someone("telegram", "7300990017", "Derya Kaya")
RENAMED = "Zeynep Demir"
GROUP = -1001234567890


def documents(api: FakeBotApi, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in api.sent(chat_id) if "document" in m]


async def test_forget_me_leaves_no_cell_with_the_id_or_the_name(
    fake: FakeBotApi, assessments: Assessments, database_url: str
) -> None:
    api = fake
    # She has changed her name on Telegram since she first answered: both names go.
    zeynep = api.user(int(ZEYNEP.external_id), RENAMED, language_code="en")
    team = await leave_traces(assessments, ZEYNEP, DERYA, str(GROUP), "Destek Ekibi")
    rosters = Rosters(assessments.database, "telegram")
    await rosters.set_admin(team.id, DERYA.external_id, admin=True, by=RENAMED)
    async with serving(assessments, telegram(api)):
        # She carries on in her private chat, where the group's snapshot 3 waits for her.
        api.send_text(zeynep, "/start")
        chat = int(ZEYNEP.external_id)
        await api.wait_for(lambda: "Ne değişti?" in last_text(api, chat))
        # The scheduler's job store (the schedule she saved) is in the dump too.
        await eventually(lambda: scheduled_jobs(assessments.database))
        before = await dump_tables(database_url)
        assert cells_containing(before, [ZEYNEP.external_id])
        assert cells_containing(before, [ZEYNEP.name])

        api.send_text(zeynep, "/forget_me")
        await api.wait_for(lambda: "Delete them?" in last_text(api, chat))
        question = api.sent(chat)[-1]
        api.press(zeynep, question, "forget:yes")
        await api.wait_for(
            lambda: "deleted" in str(api.messages(chat)[question["message_id"]]["text"])
        )

        after = await dump_tables(database_url)
        assert cells_containing(after, [ZEYNEP.external_id, ZEYNEP.name, RENAMED]) == []
        assert cells_containing(after, [DERYA.external_id])  # her colleague's stay
        assert not await rosters.is_team_admin(team.id, ZEYNEP.external_id)
        assert await rosters.is_team_admin(team.id, DERYA.external_id)
        # Nothing of hers is left to export, and the bot does not remember where she was.
        api.send_text(zeynep, "/export_me")
        await api.wait_for(lambda: "I hold nothing about you" in last_text(api, chat))
        api.send_text(zeynep, "/report")
        await api.wait_for(lambda: "no assessment yet" in last_text(api, chat))


async def test_export_me_sends_a_json_document_in_the_private_chat(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    chat = int(ZEYNEP.external_id)
    zeynep = api.user(chat, ZEYNEP.name, language_code="en")
    await leave_traces(assessments, ZEYNEP, DERYA, str(GROUP), "Destek Ekibi")
    api.send_text(zeynep, "/export_me")
    await api.wait_for(lambda: documents(api, chat))
    [sent] = documents(api, chat)
    assert sent["document"]["file_name"] == "csmm-my-data.json"
    assert "JSON" in sent["caption"]
    upload = next(u for u in api.uploads if u.file_id == sent["document"]["file_id"])
    held = json.loads(upload.data)
    assert held["person"]["id"] == ZEYNEP.external_id and held["person"]["language"] == "tr"
    assert held["teams"] == ["Destek Ekibi"] and held["admin_of"] == ["Destek Ekibi"]
    answers = [a for r in held["responses"] for a in r["answers"]]
    assert any(a["note"] == NOTE for a in answers) and any(a["value"] == FREE_TEXT for a in answers)
    assert answers[0]["section"] == "Sizin hakkınızda"  # the language she chose
    assert DERYA.external_id not in upload.data.decode()


async def test_export_me_elsewhere_and_for_strangers(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    chat = int(ZEYNEP.external_id)
    zeynep = api.user(chat, ZEYNEP.name, language_code="en")
    await leave_traces(assessments, ZEYNEP, DERYA, str(GROUP), "Destek Ekibi")
    group = api.group(GROUP, "Destek Ekibi")
    api.send_text(zeynep, "/export_me", chat=group)
    await api.wait_for(lambda: "in a private chat" in last_text(api, GROUP))
    assert documents(api, GROUP) == [] and documents(api, chat) == []

    stranger = api.user(7300330051, "Ozan Er", language_code="tr")
    api.send_text(stranger, "/export_me")
    await api.wait_for(lambda: last_text(api, 7300330051) != "")
    assert documents(api, 7300330051) == []
    assert "Sizinle ilgili" in last_text(api, 7300330051)
