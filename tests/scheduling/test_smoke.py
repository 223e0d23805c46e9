"""A first end-to-end look: a Telegram team with a go-live date, under `csmm serve`'s channels
and scheduler, with the clock moved to the first snapshot's morning."""

from __future__ import annotations

import asyncio
import datetime as dt

import time_machine

from bot.assessments import Assessments
from bot.rosters import Rosters, Schedule
from bot.serve import Channels, serve_channels
from tests.slack.helpers import free_port
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN

GROUP = -100123
ISTANBUL = dt.timezone(dt.timedelta(hours=3))


async def test_first_snapshot_opens_on_its_morning(
    assessments: Assessments, tmp_path: object
) -> None:
    fake = FakeBotApi(TOKEN)
    await fake.start()
    fake.group(GROUP, "Support")
    team = await assessments.ensure_team("telegram", str(GROUP), "Support")
    rosters = Rosters(assessments.database, "telegram")
    await rosters.save_schedule(
        team.id, Schedule(go_live=dt.date(2027, 3, 1)), by="test", timezone="Europe/Istanbul"
    )
    # go-live + 14 days = Monday 15 March 2027; 10:00 in Istanbul
    with time_machine.travel(dt.datetime(2027, 3, 15, 9, 59, 58, tzinfo=ISTANBUL), tick=True):
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve_channels(
                assessments,
                Channels(telegram_token=TOKEN, telegram_api_url=fake.base_url),
                stop,
                host="127.0.0.1",
                port=free_port(),
                scheduler_options={"tick": 0.2, "replan_every": 0.5},
            )
        )
        try:
            await fake.wait_for(lambda: bool(fake.sent(GROUP)), timeout=15)
            text = str(fake.sent(GROUP)[0]["text"])
            assert "snapshot 1" in text
            assert "March 29, 2027" in text  # deadline: 14 days later, a Monday
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
            await fake.stop()
