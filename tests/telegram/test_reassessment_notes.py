"""A re-assessment in a Telegram private chat, answered by typing: an answer typed at a
"what changed?" note answers the next question instead of being refused. And a CSV export in
the person's language."""

from __future__ import annotations

import csv
import io

from bot.assessments import Assessments
from bot.telegram.common import PLATFORM
from conversations.state import AnswerState
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import buttons, last_text


async def test_typed_answers_at_the_note_answer_the_next_questions(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    cem = api.user(640, "Cem Yazar", language_code="en")
    api.send_text(cem, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 640))
    for _ in range(len(assessments.sequence)):
        api.send_text(cem, "2")  # Ad hoc everywhere
    api.send_text(cem, "submit")
    await api.wait_for(lambda: "Level 1" in last_text(api, 640))
    team = await assessments.find_team("Cem Yazar")
    await assessments.new_snapshot(team, by="test")

    api.send_text(cem, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 640))
    since = len(api.sent(640))
    for typed in ("same", "4", "4", "3", "pause"):  # role kept, then three changed practices
        api.send_text(cem, typed)
    await api.wait_for(lambda: last_text(api, 640).startswith("Paused"))

    said = [str(m["text"]) for m in api.sent(640)[since:]]
    assert not [text for text in said if "A note needs words" in text]
    practices = [q.id for q in assessments.sequence.questions if q.kind == "practice"][:3]
    opened = await assessments.current(PLATFORM, "640")
    assert opened is not None
    state = opened.turn.state
    assert [state.answers[p].value for p in practices] == [3, 3, 2]
    assert all(state.answers[p].state is AnswerState.ANSWERED for p in practices)
    assert state.note_for == practices[2]  # asked about the last change, still open
    # The note about the third practice (question 4) is live; the notes passed by are not.
    notes = [m for m in api.sent(640)[since:] if "What changed?" in str(m["text"])]
    assert ["2/35" in str(n["text"]) for n in notes] == [True, False, False]
    assert "4/35" in str(notes[-1]["text"])
    live = [bool(buttons(api.messages(640)[n["message_id"]])) for n in notes]
    assert live == [False, False, True]


async def test_a_csv_export_speaks_the_persons_language(
    running: FakeBotApi, assessments: Assessments
) -> None:
    api = running
    deniz = api.user(641, "Deniz Aksoy", language_code="tr")
    api.send_text(deniz, "/start")
    await api.wait_for(lambda: "1/35" in last_text(api, 641))
    for _ in range(len(assessments.sequence)):
        api.send_text(deniz, "3")
    api.send_text(deniz, "gönder")
    await api.wait_for(lambda: "Seviye" in last_text(api, 641))
    api.send_text(deniz, "/export csv")
    await api.wait_for(lambda: any("document" in m for m in api.sent(641)))
    document = next(m for m in api.sent(641) if "document" in m)
    upload = next(u for u in api.uploads if u.file_id == document["document"]["file_id"])
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8"))))
    assert rows[0]["dimension_id"] == "channels" and rows[0]["dimension"] == "Kanallar"
    assert rows[-1]["dimension_id"] == "overall" and rows[-1]["dimension"] == "Genel"
