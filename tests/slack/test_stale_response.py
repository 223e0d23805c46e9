"""The DM handler remembers the response each person answers, so a press costs no lookup. When
that response takes no more answers — a new snapshot opened by the operator or another process
— the person's very next message goes to what is open now, with no "this assessment is closed"
detour first."""

from __future__ import annotations

import pytest

from bot.assessments import Assessments
from bot.service_types import Opened, Participant
from bot.slack.app import SlackChannel
from bot.slack.common import PLATFORM
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import AYSE, BOB, settle, team_channel
from tests.slack.journey import answer_everything
from tests.slack.test_home import home_buttons, press_on_home
from tests.slack.test_robustness import invited_and_started, noted, press_option, wait_asked

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

CLOSED = ("This assessment is closed", "Write me anything")


async def bob_midway_when_snapshot_new(
    fake: FakeSlack, assessments: Assessments
) -> tuple[Opened, int]:
    """Bob at question 3 of snapshot 1 (Ayşe submitted hers), when the operator opens
    snapshot 2; his response then, and how many messages his DM had."""
    team_channel(fake)
    await invited_and_started(fake, BOB, AYSE)
    await answer_everything(fake, AYSE)
    await press_option(fake, BOB, await wait_asked(fake, BOB, 1), 1)
    await press_option(fake, BOB, await wait_asked(fake, BOB, 2), 1)
    await wait_asked(fake, BOB, 3)
    await settle()
    before = await assessments.current(PLATFORM, BOB)
    assert before is not None
    await assessments.new_snapshot(await assessments.team(before.team_id), by="operator")
    return before, len(fake.dm(BOB))


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


async def test_a_message_goes_to_the_new_snapshot_another_process_started_for_them(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    """Another process already put Bob in snapshot 2: his typed answer answers its question."""
    before, since = await bob_midway_when_snapshot_new(fake, assessments)
    bob = Participant(PLATFORM, "", "", BOB, "Bob")
    elsewhere = await assessments.enter(before.team_id, bob, "en")
    assert elsewhere.snapshot_number == 2

    await fake.send_dm(BOB, "2")
    await fake.wait_for(lambda: any(m.text.startswith("2/") for m in fake.dm(BOB)[since:]))
    await settle()
    said = [m.text for m in fake.dm(BOB)[since:]]
    assert not [text for text in said if any(c in text for c in CLOSED)], said
    now = await assessments.current(PLATFORM, BOB)
    assert now is not None and now.response_id == elsewhere.response_id
    assert list(now.turn.state.answers) == ["role"]


async def test_slacks_retry_of_that_message_changes_nothing(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    """The message that found the closed snapshot was not recorded there: recorded once, in
    the new one, so Slack's redelivery of it neither greets again nor answers."""
    _before, since = await bob_midway_when_snapshot_new(fake, assessments)
    message = fake.message_event(BOB, "hi")
    status, _ = await fake.event(message, event_id="EvSTALE0001")
    assert status == 200
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)[since:]))
    await settle()
    shown = [m.text for m in fake.dm(BOB)[since:]]
    opened = await assessments.current(PLATFORM, BOB)
    assert opened is not None and opened.snapshot_number == 2

    status, _ = await fake.event(message, event_id="EvSTALE0001", retry_num=1)
    assert status == 200
    await settle()
    assert [m.text for m in fake.dm(BOB)[since:]] == shown
    again = await assessments.current(PLATFORM, BOB)
    assert again is not None and again.response_id == opened.response_id
    assert not again.turn.state.answers


async def test_the_continue_button_home_showed_before_opens_the_new_snapshot(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    """App Home's buttons name the team, not the snapshot: the Continue that Home showed for
    snapshot 1 opens snapshot 2 once the operator opened it."""
    team_channel(fake)
    await invited_and_started(fake, BOB, AYSE)
    await answer_everything(fake, AYSE)
    await press_option(fake, BOB, await wait_asked(fake, BOB, 1), 1)
    await wait_asked(fake, BOB, 2)
    await fake.home_opened(BOB)
    await fake.wait_for(lambda: [b["text"] for b in home_buttons(fake, BOB)] == ["Continue"])
    await settle()
    before = await assessments.current(PLATFORM, BOB)
    assert before is not None
    await assessments.new_snapshot(await assessments.team(before.team_id), by="operator")

    since = len(fake.dm(BOB))
    await press_on_home(fake, BOB, "Continue")
    await fake.wait_for(lambda: any(m.text.startswith("1/") for m in fake.dm(BOB)[since:]))
    await settle()
    said = [m.text for m in fake.dm(BOB)[since:]]
    assert not [text for text in said if "no longer open" in text or CLOSED[0] in text], said
    opened = await assessments.current(PLATFORM, BOB)
    assert opened is not None and opened.snapshot_number == 2

    # The DM remembers snapshot 2 now: the next typed answer goes there.
    await fake.send_dm(BOB, "2")
    await fake.wait_for(lambda: fake.dm(BOB)[-1].text.startswith("2/"))
    again = await assessments.current(PLATFORM, BOB)
    assert again is not None and list(again.turn.state.answers) == ["role"]
