"""Running `csmm serve`'s channels and scheduler against the fake platforms while the clock
moves, and reading what the scheduler left in the database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from bot.assessments import Assessments
from bot.serve import Channels, serve_channels
from storage.database import Database
from storage.models import OutboxMessage, ScheduleRun, Snapshot
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import config_for, free_port, listening, settle
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN

ISTANBUL = ZoneInfo("Europe/Istanbul")
LONDON = ZoneInfo("Europe/London")
# The scheduler looks at the (travelling) clock every tick and re-plans twice a second.
SCHEDULER_OPTIONS = {"tick": 0.2, "replan_every": 0.5}
# Long enough for a few ticks and re-plans: what has not happened by then was not due.
QUIET = 0.7


def at(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """A local wall-clock time in ``zone``."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@asynccontextmanager
async def serving(
    assessments: Assessments, channels: Channels, *, fake_slack: FakeSlack | None = None
) -> AsyncIterator[None]:
    """`csmm serve`'s channels and scheduler for the duration of the block (Slack's HTTP
    endpoint on a free port, which ``fake_slack`` then posts to)."""
    stop = asyncio.Event()
    port = free_port()
    task = asyncio.create_task(
        serve_channels(
            assessments,
            channels,
            stop,
            host="127.0.0.1",
            port=port,
            scheduler_options=SCHEDULER_OPTIONS,
        )
    )
    if fake_slack is not None:
        fake_slack.app_url = f"http://127.0.0.1:{port}/slack/events"
    try:
        await listening(port, task)
        yield
    finally:
        await settle()
        stop.set()
        await asyncio.wait_for(task, 30)


def telegram(fake: FakeBotApi) -> Channels:
    return Channels(telegram_token=TOKEN, telegram_api_url=fake.base_url)


def slack(fake: FakeSlack) -> Channels:
    return Channels(slack=config_for(fake))


# ---------------------------------------------------------------------- the database


async def outbox_rows(database: Database, **where: Any) -> list[OutboxMessage]:
    """The outbox, oldest first; ``where`` filters on columns (kind="nudge", …)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    async with database.reading() as session:
        return list((await session.scalars(query)).all())


async def settled_rows(database: Database, **where: Any) -> list[OutboxMessage]:
    """The outbox rows ``where`` selects, once none of them is in a sender's hands."""

    async def settled() -> list[OutboxMessage] | None:
        rows = await outbox_rows(database, **where)
        return None if any(row.status == "sending" for row in rows) else rows

    return list(await eventually(settled))


async def schedule_runs(database: Database, team_id: int) -> list[tuple[str, dt.datetime]]:
    """(kind, due) of every event the team's cycle ran, by due time."""
    query = select(ScheduleRun).where(ScheduleRun.team_id == team_id).order_by(ScheduleRun.due)
    async with database.reading() as session:
        return [(run.kind, run.due) for run in (await session.scalars(query)).all()]


async def snapshots(database: Database, team_id: int) -> list[Snapshot]:
    query = select(Snapshot).where(Snapshot.team_id == team_id).order_by(Snapshot.number)
    async with database.reading() as session:
        return list((await session.scalars(query)).all())


async def scheduled_jobs(database: Database) -> dict[str, dt.datetime]:
    """APScheduler's stored jobs: id → next run time (UTC)."""
    async with database.reading() as session:
        found = await session.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))
        return {
            str(job_id): dt.datetime.fromtimestamp(float(when), dt.UTC)
            for job_id, when in found.all()
            if when is not None
        }


async def eventually(check: Callable[[], Any], timeout: float = 10) -> Any:  # noqa: ASYNC109
    """Poll an async ``check`` until it returns something truthy; that value."""
    try:
        async with asyncio.timeout(timeout):
            # Polling, not an Event: the check reads the database other tasks write.
            while not (result := await check()):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            return result
    except TimeoutError:
        raise AssertionError(f"{check.__name__} never held within {timeout}s") from None
