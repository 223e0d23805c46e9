"""The DM handler remembers the response each person answers, so a press costs no lookup. When
that response takes no more answers — a new snapshot opened by the operator or another process
— the person's very next message goes to what is open now, with no "this assessment is closed"
detour first."""

from __future__ import annotations

import pytest

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import AYSE, BOB, settle, team_channel
from tests.slack.journey import answer_everything
from tests.slack.test_robustness import invited_and_started, noted, press_option, wait_asked

CLOSED = ("This assessment is closed", "Write me anything")


@pytest.mark.parametrize("submitted", [False, True], ids=["midway", "submitted"])
async def test_the_next_message_after_snapshot_new_lands_in_the_new_snapshot(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments, submitted: bool
) -> None:
    team_channel(fake)
    await invited_and_started(fake, BOB, AYSE)
    await answer_everything(fake, AYSE)  # someone submitted: the snapshot may close
    if submitted:
        await answer_everything(fake, BOB)
    else:
        await press_option(fake, BOB, await wait_asked(fake, BOB, 1), 1)
        await press_option(fake, BOB, await wait_asked(fake, BOB, 2), 1)
        await wait_asked(fake, BOB, 3)
    await settle()
    before = await assessments.current(PLATFORM, BOB)
    assert before is not None and before.snapshot_number == 1
    team = await assessments.team(before.team_id)
    # The operator, as `csmm snapshot new` does: through the service, not through Slack.
    assert await assessments.new_snapshot(team, by="operator") == 2

    since, notes = len(fake.dm(BOB)), len(noted(fake, BOB))
    await fake.send_dm(BOB, "hi")
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)[since:]))
    await settle()
    said = [m.text for m in fake.dm(BOB)[since:]]
    assert not [text for text in said if any(c in text for c in CLOSED)], said
    assert len(noted(fake, BOB)) == notes
    opened = await assessments.current(PLATFORM, BOB)
    assert opened is not None and opened.team_id == team.id and opened.snapshot_number == 2

    # From here on the new snapshot is the remembered one: its buttons answer it.
    await press_option(fake, BOB, await wait_asked(fake, BOB, 1), 1)
    await fake.wait_for(lambda: fake.dm(BOB)[-1].text.startswith("2/"))
    again = await assessments.current(PLATFORM, BOB)
    assert again is not None and again.response_id == opened.response_id
    assert list(again.turn.state.answers) == ["role"]
