"""A restart in the middle of a questionnaire: a new application on the same database picks
each person up where they were, and updates delivered again after the restart change nothing."""

from __future__ import annotations

from bot.assessments import Assessments
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, data_for, last_text, polling


async def stored_answers(assessments: Assessments, person_id: int) -> dict[str, object]:
    opened = await assessments.current("telegram", str(person_id))
    assert opened is not None
    return {qid: answer.value for qid, answer in opened.turn.state.answers.items()}


async def test_a_person_continues_after_a_restart_and_redeliveries_change_nothing(
    fake: FakeBotApi, assessments: Assessments
) -> None:
    api = fake
    emre = api.user(901, "Emre", language_code="tr")
    async with polling(api, assessments):
        api.send_text(emre, "/start")
        await api.wait_for(lambda: "1/35" in last_text(api, 901))
        api.press(emre, api.sent(901)[-1], data_for(api.sent(901)[-1], "q:role:manager"))
        await api.wait_for(lambda: "2/35" in last_text(api, 901))
        for number in range(2, 6):
            last_update = api.send_text(emre, "3")
            await api.wait_for(lambda number=number: f"{number + 1}/35" in last_text(api, 901))
    before = await stored_answers(assessments, 901)
    assert len(before) == 5
    question_before_restart = api.sent(901)[-1]

    async with polling(api, assessments):
        # Telegram delivers the last answer again (it was never confirmed, say): it must not
        # answer question 6. Then a button of the question shown before the restart does.
        api.send_update(last_update)
        pressed = next(
            b["callback_data"]
            for b in buttons(question_before_restart)
            if b["callback_data"].endswith(":1")
        )
        api.press(emre, question_before_restart, pressed)
        await api.wait_for(lambda: "7/35" in last_text(api, 901))
        # And typing carries on from there.
        api.send_text(emre, "2")
        await api.wait_for(lambda: "8/35" in last_text(api, 901))
    after = await stored_answers(assessments, 901)
    assert len(after) == 7
    assert {k: v for k, v in after.items() if k in before} == before
    sixth = pressed.rpartition("/")[2].split(":")[1]
    assert after[sixth] == 1  # the button's Ad hoc, not the redelivered "3"
