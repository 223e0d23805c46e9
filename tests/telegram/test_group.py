"""A team in its Telegram group: an administrator starts a snapshot, three members answer in
their private chats through the group's deep link, the snapshot closes, and the chart, the
report and a working checklist land in the group."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from bot.assessments import Assessments
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, data_for, last_text, payloads

GROUP = -1001234567890
LINK = re.compile(r"https://t\.me/csmm_test_bot\?start=([A-Za-z0-9_-]+)")


def texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in api.sent(chat_id)]


async def said(api: FakeBotApi, chat_id: int, fragment: str) -> dict[str, Any]:
    """Wait until the bot has sent ``fragment`` to the chat; the message that has it."""
    await api.wait_for(lambda: any(fragment in text for text in texts(api, chat_id)))
    return next(m for m in reversed(api.sent(chat_id)) if fragment in str(m.get("text") or ""))


async def answer_everything_by_buttons(api: FakeBotApi, person: dict[str, Any]) -> None:
    """Press the first scale button of every question, skip what has no scale, then submit."""
    chat = person["id"]
    for _ in range(80):
        await api.wait_for(lambda: bool(buttons(api.sent(chat)[-1])))
        message = api.sent(chat)[-1]
        datas = payloads(message)
        if "r:submit" in datas:
            api.press(person, message, data_for(message, "r:submit"))
            return
        scale = [d for d in datas if re.fullmatch(r"q:[^:]+:(\d|[a-z_]+)", d)]
        choice = next(
            (d for d in scale if d.endswith(":2")),
            next((d for d in datas if d.endswith(":skip")), datas[0]),
        )
        count = len(api.sent(chat))
        api.press(person, message, data_for(message, choice))
        await api.wait_for(lambda count=count: len(api.sent(chat)) > count)
    raise AssertionError("the questionnaire never reached its review")


async def three_members_answer(
    api: FakeBotApi, token: str, ayse: dict[str, Any], bob: dict[str, Any], cem: dict[str, Any]
) -> None:
    """Each follows the link (/start <token> in their private chat); Ayşe answers by buttons,
    Bob by typing, and Cem stops after the first question."""
    for person in (ayse, bob, cem):
        api.send_text(person, f"/start {token}")
        await api.wait_for(lambda person=person: "1/35" in last_text(api, person["id"]))
    # Bob answers by typing, the others by buttons.
    for text in ["2"] * 28 + ["skip"] * 7 + ["submit"]:
        api.send_text(bob, text)
    await said(api, 702, "no one there sees your own answers")
    await answer_everything_by_buttons(api, ayse)
    await said(api, 701, "oradaki hiç kimse sizin yanıtlarınızı görmez")


async def test_a_group_assesses_itself_from_assess_to_a_ticked_checklist(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    group = api.group(GROUP, "Destek Ekibi")
    ayse = api.user(701, "Ayşe", language_code="tr")
    bob = api.user(702, "Bob", language_code="en")
    cem = api.user(703, "Cem", language_code="tr")
    api.set_admins(GROUP, {701})

    # Not an administrator: refused, in his own language, and nothing is opened.
    api.send_text(bob, "/assess", chat=group)
    await said(api, GROUP, "Only the group's administrators can start")
    assert await assessments.team_at("telegram", str(GROUP)) is None

    api.send_text(ayse, "/assess 7", chat=group)
    await api.wait_for(
        lambda: any(LINK.search(str(b.get("url"))) for m in api.sent(GROUP) for b in buttons(m))
    )
    invitation = next(m for m in api.sent(GROUP) if buttons(m))
    assert "Destek Ekibi" in str(invitation["text"]) and "1. tur" in str(invitation["text"])
    [button] = buttons(invitation)
    assert button["text"] == "Değerlendirmeye katıl"
    matched = LINK.search(button["url"])
    assert matched is not None
    token = matched[1]
    assert 32 <= len(token) <= 64

    await three_members_answer(api, token, ayse, bob, cem)

    api.send_text(cem, "/status", chat=group)
    status = await said(api, GROUP, "Gönderenler (2)")
    assert "Ayşe, Bob" in str(status["text"])
    assert "Yanıtlamaya devam edenler (1): Cem" in str(status["text"])
    assert "Systematic" not in str(status["text"]) and "Tekrarlanabilir" not in str(status["text"])

    # Closing is for administrators too.
    api.send_text(cem, "/close", chat=group)
    await said(api, GROUP, "yalnızca grup yöneticileri kapatabilir")
    api.send_text(ayse, "/close", chat=group)
    checklist = await said(api, GROUP, "Eylem planı")
    photos = [m for m in api.sent(GROUP) if "photo" in m]
    assert len(photos) == 1 and "Seviye" in str(photos[0]["caption"])
    assert any("Genel puan" in t or "Seviye" in t for t in texts(api, GROUP)[-3:-1])
    assert api.uploads and api.uploads[0].data.startswith(b"\x89PNG")

    # Bob ticks item 1 off; everyone sees it in the same message.
    team = await assessments.team_at("telegram", str(GROUP))
    assert team is not None and team.name == "Destek Ekibi"
    plan = await assessments.plan(team)
    first = f"p:{plan.snapshot_id}:1:1"
    api.press(bob, checklist, first)
    await api.wait_for(lambda: "☑ 1." in str(api.messages(GROUP)[checklist["message_id"]]["text"]))
    edited = api.messages(GROUP)[checklist["message_id"]]
    assert "Bob" in str(edited["text"])  # who ticked it, and when
    assert f"p:{plan.snapshot_id}:1:0" in [b["callback_data"] for b in buttons(edited)]
    ticked = (await assessments.plan(team)).items[0]
    assert ticked.done and ticked.done_by == "Bob" and ticked.done_at is not None
    # A double tap (the old button, pressed again) leaves it ticked.
    api.send_update(
        {
            "callback_query": {
                "id": "double-tap",
                "from": bob,
                "message": checklist,
                "chat_instance": "g",
                "data": first,
            }
        }
    )
    await api.wait_for(
        lambda: any(c[1].get("callback_query_id") == "double-tap" for c in api.calls)
    )
    assert (await assessments.plan(team)).items[0].done

    # The snapshot is closed: the link and Cem's unanswered question say so, and change nothing.
    api.send_text(cem, f"/start {token}")
    await said(api, 703, "Bu değerlendirme kapandı")
    assert (await assessments.status(team)).in_progress == ["Cem"]


async def test_group_exports_and_unhappy_paths(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    group = api.group(-4001, "Support")
    admin = api.user(801, "Dana", language_code="en")
    api.set_admins(-4001, set(), creator=801)

    api.send_text(admin, "/status", chat=group)
    await said(api, -4001, "This group has no assessment yet")
    api.send_text(admin, "/assess next-week", chat=group)
    await said(api, -4001, "Give the deadline as a number of days")
    api.send_text(admin, "/assess 2026-13-45", chat=group)
    await api.wait_for(lambda: texts(api, -4001).count(texts(api, -4001)[-1]) == 2)
    api.send_text(admin, "/close", chat=group)
    await said(api, -4001, "This group has no assessment yet")

    api.send_text(admin, "/assess", chat=group)
    await api.wait_for(lambda: any(buttons(m) for m in api.sent(-4001)))
    invitation = next(m for m in api.sent(-4001) if buttons(m))
    token = LINK.search(buttons(invitation)[0]["url"])[1]  # type: ignore[index]
    api.send_text(admin, "/close", chat=group)
    await said(api, -4001, "nobody has submitted answers yet")
    # /assess again while open: the same snapshot, the same link.
    api.send_text(admin, "/assess", chat=group)
    again = await said(api, -4001, "already open")
    assert token in buttons(again)[0]["url"]

    api.send_text(admin, f"/start {token}")
    await api.wait_for(lambda: "1/35" in last_text(api, 801))
    for text in ["3"] * 28 + ["skip"] * 7 + ["submit"]:
        api.send_text(admin, text)
    await said(api, 801, "no one there sees your own answers")
    api.send_text(admin, "/start not-a-real-token")
    await said(api, 801, "This invitation link is not valid")

    # Results below the team's anonymity threshold: tests/telegram/test_anonymity.py.
    api.send_text(admin, "/close", chat=group)
    await said(api, -4001, "Action plan")

    api.send_text(admin, "/export csv", chat=group)
    await api.wait_for(lambda: any("document" in m for m in api.sent(-4001)))
    document = next(m for m in api.sent(-4001) if "document" in m)
    upload = next(u for u in api.uploads if u.file_id == document["document"]["file_id"])
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8"))))
    assert (
        rows[-1]["dimension_id"] == "overall" and float(rows[-1]["score"]) == 66.67
    )  # "3": Repeatable
    api.send_text(admin, "/export", chat=group)
    await api.wait_for(lambda: sum("document" in m for m in api.sent(-4001)) == 2)
    assert api.uploads[-1].data.startswith(b"%PDF")
    api.send_text(admin, "/export xlsx", chat=group)
    await said(api, -4001, "/export csv")
    api.send_text(admin, "/forget_me", chat=group)
    await said(api, -4001, "private chat")


async def test_the_next_snapshot_waits_for_its_members_at_start(
    running: FakeBotApi, assessments: Assessments
) -> None:
    """A member of a team need not find the new link: /start takes them to the team's new
    snapshot, each question showing their answer from last time; a forged team button does
    not admit anyone."""
    api = running
    group = api.group(-4002, "Helpdesk")
    lead = api.user(811, "Lea", language_code="en")
    api.set_admins(-4002, {811})
    api.send_text(lead, "/assess", chat=group)
    await api.wait_for(lambda: any(buttons(m) for m in api.sent(-4002)))
    token = LINK.search(buttons(api.sent(-4002)[-1])[0]["url"])[1]  # type: ignore[index]
    api.send_text(lead, f"/start {token}")
    for text in ["3"] * 28 + ["skip"] * 7 + ["submit"]:
        api.send_text(lead, text)
    await said(api, 811, "no one there sees your own answers")
    api.send_text(lead, "/close", chat=group)
    await said(api, -4002, "Action plan")
    api.send_text(lead, "/assess", chat=group)
    await said(api, -4002, "snapshot 2")

    api.send_text(lead, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 811))
    assert "Last time" in last_text(api, 811)
    team = await assessments.team_at("telegram", "-4002")
    assert team is not None
    assert (await assessments.status(team)).in_progress == ["Lea"]

    # Someone who never answered for Helpdesk presses a hand-made "switch to team" button.
    stranger = api.user(812, "Sam", language_code="en")
    api.send_text(stranger, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 812))
    api.send_update(
        {
            "callback_query": {
                "id": "forged",
                "from": stranger,
                "message": api.sent(812)[-1],
                "chat_instance": "s",
                "data": f"go:{team.id}",
            }
        }
    )
    await api.wait_for(lambda: any(c[1].get("callback_query_id") == "forged" for c in api.calls))
    forged = next(c[1] for c in api.calls if c[1].get("callback_query_id") == "forged")
    assert "no longer open" in str(forged.get("text"))
    assert (await assessments.status(team)).in_progress == ["Lea"]
