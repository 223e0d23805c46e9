"""The questionnaire in a Telegram private chat: the real polling loop against the fake Bot API,
on a real database."""

from __future__ import annotations

from bot.assessments import Assessments
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, data_for, last_text, polling


async def test_a_turkish_person_answers_by_buttons_and_the_message_is_edited(
    running: FakeBotApi,
) -> None:
    api = running
    ayse = api.user(501, "Ayşe", language_code="tr")
    api.send_text(ayse, "/start")
    await api.wait_for(lambda: len(api.sent(501)) >= 3)
    alone, welcome, question = api.sent(501)[:3]
    assert "yalnızca size ait" in str(alone["text"])  # no team is waiting for her
    assert "35 kısa soru" in str(welcome["text"])
    assert "1/35" in str(question["text"])
    labels = [b["text"] for b in buttons(question)]
    assert "Ekip lideri" in labels

    api.press(ayse, question, data_for(question, "q:role:team_lead"))
    await api.wait_for(lambda: "2/35" in last_text(api, 501))
    edited = api.messages(501)[question["message_id"]]
    assert "Ekip lideri" in str(edited["text"])
    assert not buttons(edited)  # the answered question keeps no dead keyboard
    assert any(c[0] == "answerCallbackQuery" for c in api.calls)


async def test_typed_answers_stale_buttons_and_redelivered_updates(running: FakeBotApi) -> None:
    api = running
    bob = api.user(502, "Bob", language_code="en")
    api.send_text(bob, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 502))
    first_question = api.sent(502)[-1]
    update = api.send_text(bob, "2")
    await api.wait_for(lambda: "2/35" in last_text(api, 502))
    # Answered by typing: the question turns into its answer, its buttons gone.
    answered = api.messages(502)[first_question["message_id"]]
    assert not buttons(answered)
    assert "Team lead" in str(answered["text"])

    before = len(api.sent(502))
    api.send_update(update)  # Telegram delivers the same update again
    api.send_text(bob, "3")
    api.send_text(bob, "pause")
    # Updates are handled in order, so once the pause is confirmed all three were handled.
    await api.wait_for(lambda: last_text(api, 502).startswith("Paused"))
    # The redelivered "2" changed nothing: only "3" was answered, with one new question.
    new_texts = [str(m["text"]) for m in api.sent(502)[before:]]
    assert len(new_texts) == 2
    assert "3/35" in new_texts[0]
    assert not any("4/35" in text for text in new_texts)

    # A button of an earlier question: an alert, and nothing changes.
    stale = {
        **first_question,
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "q:role:agent"}]]},
    }
    api.send_update(
        {
            "callback_query": {
                "id": "stale-1",
                "from": bob,
                "message": stale,
                "chat_instance": "1",
                "data": "q:role:agent",
            }
        }
    )
    await api.wait_for(
        lambda: any(
            c[0] == "answerCallbackQuery" and c[1].get("callback_query_id") == "stale-1"
            for c in api.calls
        )
    )
    alert = next(c[1] for c in api.calls if c[1].get("callback_query_id") == "stale-1")
    assert alert.get("show_alert") in (True, "true")
    assert "earlier question" in str(alert.get("text"))
    # Then where Bob is: question 3 again, still unanswered.
    await api.wait_for(lambda: last_text(api, 502).startswith("3/35"))
    assert not any("4/35" in str(m["text"]) for m in api.sent(502))


async def test_photos_and_stickers_get_a_hint(running: FakeBotApi) -> None:
    api = running
    deniz = api.user(503, "Deniz", language_code="tr")
    api.send_update(
        {
            "message": api.message(
                deniz,
                sticker={
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                },
            )
        }
    )
    await api.wait_for(lambda: bool(api.sent(503)))
    assert "Yalnızca yazdıklarınızı ve bastığınız düğmeleri" in last_text(api, 503)


async def test_commands_are_published_and_language_switches(running: FakeBotApi) -> None:
    api = running
    await api.wait_for(lambda: ("all_group_chats", "tr") in api.scoped_commands)
    private = [c["command"] for c in api.scoped_commands[("all_private_chats", None)]]
    group = [c["command"] for c in api.scoped_commands[("all_group_chats", "tr")]]
    assert private == [c["command"] for c in api.commands[None]]
    assert private == [
        "start", "report", "plan", "export", "language", "forget_me", "export_me", "away",
        "help",
    ]  # fmt: skip
    assert group[:3] == ["assess", "status", "close"]
    assert api.commands["tr"][0]["description"] != api.commands[None][0]["description"]
    cem = api.user(504, "Cem", language_code="en")
    api.send_text(cem, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 504))
    api.send_text(cem, "/language tr")
    await api.wait_for(lambda: "Sizin hakkınızda" in last_text(api, 504))
    api.send_text(cem, "/language xx")
    await api.wait_for(lambda: any("(en)" in str(m["text"]) for m in api.sent(504)[-2:]))
    api.send_text(cem, "/help")
    await api.wait_for(lambda: "/language" in last_text(api, 504))


async def test_people_with_the_same_name_each_get_their_report(running: FakeBotApi) -> None:
    """Personal teams are named after their person; the report must still find the right one."""
    api = running
    for user_id in (601, 602):
        person = api.user(user_id, "Ayşe", language_code="en")
        api.send_text(person, "/start")
        for text in ["2"] * 28 + ["skip"] * 7 + ["submit"]:
            api.send_text(person, text)
        await api.wait_for(
            lambda user_id=user_id: "Customer service maturity" in last_text(api, user_id)
        )
        assert "1 response submitted" in last_text(api, user_id)


async def test_the_bot_runs_when_telegram_refuses_its_command_menus(
    fake: FakeBotApi, assessments: Assessments
) -> None:
    """A Bot API server without command scopes: no menus, and everything else works."""
    fake.fail_next(
        "setMyCommands", status=400, count=6, description="Bad Request: BOT_COMMAND_INVALID"
    )
    async with polling(fake, assessments):
        ece = fake.user(505, "Ece", language_code="en")
        fake.send_text(ece, "/start")
        await fake.wait_for(lambda: "1/35" in last_text(fake, 505))
    assert fake.commands == {}


async def test_a_whole_questionnaire_typed_in_turkish_words(running: FakeBotApi) -> None:
    """Answer words in Turkish, any case and dotted İ, Turkish decimal commas, to the report."""
    api = running
    selin = api.user(506, "Selin", language_code="tr")
    api.send_text(selin, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 506))
    words = ["YÖNETİCİ"] + ["SİSTEMATİK", "tekrarlanabilir", "Bilmiyorum"] * 9
    words += ["12000", "87,5", "70", "2,5", "40", "Yanıt süreleri uzun", "atla", "gönder"]
    for word in words:
        api.send_text(selin, word)
    await api.wait_for(lambda: "Müşteri hizmetleri olgunluğu" in last_text(api, 506))
    report = last_text(api, 506)
    assert "Seviye" in report and "1 yanıt" in report
    invalid = [m for m in api.sent(506) if str(m["text"]).startswith("⚠️")]
    assert not invalid, invalid[0]["text"]
