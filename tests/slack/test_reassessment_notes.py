"""A re-assessment in a Slack DM, answered by typing: an answer typed at a "what changed?"
note answers the next question instead of being refused."""

from __future__ import annotations

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import BOB, team_channel
from tests.slack.journey import answer_everything


async def test_typed_answers_at_the_note_answer_the_next_questions(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    team_channel(fake)
    await fake.send_dm(BOB, "hello")  # nothing waiting: a personal assessment
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)))
    await answer_everything(fake, BOB, pick=1)  # Ad hoc everywhere
    opened = await assessments.current(PLATFORM, BOB)
    assert opened is not None
    await assessments.new_snapshot(await assessments.team(opened.team_id), by="test")

    # The app remembered the snapshot closed from elsewhere: the next message opens the new one.
    await fake.send_dm(BOB, "hi")
    await fake.wait_for(lambda: fake.dm(BOB)[-1].text.startswith("1/"))
    since = len(fake.dm(BOB))
    await fake.send_dm(BOB, "same")
    await fake.wait_for(lambda: fake.dm(BOB)[-1].text.startswith("2/"))
    for number in (2, 3):  # the note on question 2, then the one on question 3
        await fake.send_dm(BOB, "4")
        await fake.wait_for(
            lambda n=number: (
                "What changed?" in fake.dm(BOB)[-1].text
                and fake.dm(BOB)[-1].text.startswith(f"{n}/")
            )
        )
    await fake.send_dm(BOB, "Systematic")  # a scale word answers question 4
    await fake.wait_for(lambda: fake.dm(BOB)[-1].text.startswith("4/"))

    said = [m.text for m in fake.dm(BOB)[since:]]
    assert not [text for text in said if "A note needs words" in text]
    notes = [m for m in fake.dm(BOB)[since:] if "What changed?" in m.text]
    assert [bool(fake.buttons(m)) for m in notes] == [False, False, True]  # only the last live
    resumed = await assessments.current(PLATFORM, BOB)
    assert resumed is not None
    practices = [q.id for q in assessments.sequence.questions if q.kind == "practice"][:3]
    assert [resumed.turn.state.answers[p].value for p in practices] == [3, 3, 3]
