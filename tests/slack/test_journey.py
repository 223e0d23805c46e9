"""A channel of three from `/maturity start` to the posted report and a ticked checklist, over
Slack's real protocols: signed HTTP into the app's aiohttp server, Web API calls out to the
fake. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.assessments import Assessments
from bot.slack.common import PLATFORM, team_key
from tests.conftest import database_url_for
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, serving, team_channel
from tests.slack.journey import answer_everything, start


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    yield from database_url_for(request.param, request, tmp_path)


async def test_three_people_from_start_to_a_ticked_checklist(
    fake: FakeSlack, assessments: Assessments
) -> None:
    team_channel(fake)
    async with serving(fake, assessments):
        status, _ack = await fake.command(ADMIN, CHANNEL, "start 10")
        assert status == 200
        for person in (ADMIN, AYSE, BOB):
            await fake.wait_for(lambda p=person: any(fake.buttons(m) for m in fake.dm(p)))
        # Ayşe's Slack is in Turkish: so is her invitation
        assert [b["text"] for m in fake.dm(AYSE) for b in fake.buttons(m)] == ["Başla"]
        assert [b["text"] for m in fake.dm(BOB) for b in fake.buttons(m)] == ["Start"]
        assert fake.dm("UGONE") == []  # deactivated: not invited
        await fake.wait_for(
            lambda: any("Admin Ada started" in m.text for m in fake.messages(CHANNEL))
        )

        for person in (ADMIN, AYSE, BOB):
            label = "Başla" if person == AYSE else "Start"
            await start(fake, person, label)
            await answer_everything(fake, person)

        # Everyone invited has submitted: the snapshot closes and its report is posted.
        await fake.wait_for(lambda: any(fake.checkboxes(m) for m in fake.messages(CHANNEL)))
        posted = fake.messages(CHANNEL)
        parent = next(m for m in posted if m.thread_ts is None and "Level" in m.text)
        thread = [m for m in posted if m.thread_ts == parent.ts]
        assert thread, "the details go in the report's thread"
        assert [u.filename for u in fake.uploads] == ["csmm-snapshot-1-radar.png"]
        assert fake.uploads[0].content.startswith(b"\x89PNG")
        assert fake.uploads[0].thread_ts == parent.ts

        checklist = next(m for m in posted if fake.checkboxes(m))
        first = fake.checkboxes(checklist)[0]
        await fake.tick(BOB, CHANNEL, checklist.ts, first["action_id"], ["done"])
        team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
        assert team is not None

        async def ticked() -> bool:
            plan = await assessments.plan(team)
            return plan.items[0].done and plan.items[0].done_by == "Bob Stone"

        await fake.wait_for(
            lambda: (
                bool(fake.checkboxes(fake.messages(CHANNEL)[-1])[0].get("initial_options"))
                if fake.messages(CHANNEL)[-1].ts == checklist.ts
                else bool(next(m for m in fake.messages(CHANNEL) if m.ts == checklist.ts).edits)
            )
        )
        assert await ticked()


async def test_pressing_the_first_button_every_time_reaches_the_end(
    fake: FakeSlack, assessments: Assessments
) -> None:
    """The simplest way through: always the first button of the newest message. Questions
    without options lead with Skip, so this never loops on Back."""
    team_channel(fake)
    async with serving(fake, assessments):
        await fake.command(ADMIN, CHANNEL, "start")
        await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(BOB)))
        pressed: list[str] = []
        for _ in range(100):
            newest = next(m for m in reversed(fake.dm(BOB)) if fake.buttons(m))
            first = fake.buttons(newest)[0]
            await fake.press(BOB, lambda b, v=first["value"]: b["value"] == v, message=newest)
            pressed.append(str(first["value"]))
            if pressed[-1].endswith("r:submit"):
                break
            await fake.wait_for(
                lambda pressed=newest.ts: (
                    next((m.ts for m in reversed(fake.dm(BOB)) if fake.buttons(m)), pressed)
                    != pressed
                )
            )
        else:
            raise AssertionError("never reached Submit")
        # Start, then one press per question, then Submit: never Back
        assert len(pressed) == len(assessments.sequence) + 2
        assert not any(value.endswith(":back") for value in pressed)
        await fake.wait_for(lambda: "will see the team's results" in fake.dm(BOB)[-1].text)
