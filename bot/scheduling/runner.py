"""The scheduler as a part of `csmm serve`: while this process leads, APScheduler fires the
cycle's team-level events and each platform's sender drains the outbox.

APScheduler holds one job per team event, never one per message: its job store does its I/O on
the event loop, and thousands of jobs due at once would stall it and be dropped as missed. The
plan (``Cycle.plan``) is the source of truth: it is laid over the job store at start and every
``replan_every`` seconds, so a job lost mid-run (a crash after APScheduler removed it) or an
event added by another process (a schedule saved, a snapshot started by hand) gets its job.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot.assessments import Assessments
from bot.scheduling import jobs
from bot.scheduling.cycle import GRACE, Cycle, Planned
from bot.scheduling.leader import Leadership
from bot.scheduling.sender import Courier, Sender
from conversations.cadence import Kind
from storage.database_url import blocking_database_url

log = logging.getLogger("bot.scheduling")

JOB_TABLE = "apscheduler_jobs"
FUNCTIONS: dict[Kind, Callable[..., Coroutine[Any, Any, None]]] = {
    Kind.OPEN: jobs.open_snapshot,
    Kind.NUDGE: jobs.nudge,
    Kind.DEADLINE: jobs.deadline,
    Kind.REVIEW: jobs.review,
}


def job_store_engine(url: str) -> Engine:
    """APScheduler 3's job store is synchronous: the same database through a blocking
    driver (the standard library's for SQLite, psycopg for PostgreSQL)."""
    blocking = blocking_database_url(url)
    if blocking.get_backend_name() == "sqlite":
        return create_engine(blocking, connect_args={"timeout": 30})
    return create_engine(blocking, pool_pre_ping=True)


class _GuardedScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """AsyncIOScheduler whose job store calls wait for ``guard``: on SQLite, until no write
    transaction of ours is open, since the store's blocking writes would otherwise wait on
    SQLite's lock held by a transaction that needs the (blocked) event loop to end."""

    def __init__(self, guard: Callable[[], AbstractAsyncContextManager[object]], **options: Any):
        super().__init__(**options)
        self._guard = guard
        self._waking: asyncio.Task[None] | None = None

    def _start_timer(self, wait_seconds: float | None) -> None:
        self._stop_timer()
        if wait_seconds is not None:
            self._timeout = self._eventloop.call_later(wait_seconds, self.wakeup)

    def wakeup(self) -> None:
        if self._waking is None or self._waking.done():
            self._waking = asyncio.get_running_loop().create_task(self._guarded_wakeup())

    async def _guarded_wakeup(self) -> None:
        async with self._guard():
            if not self.running:
                return
            self._stop_timer()
            self._start_timer(self._process_jobs())


class Scheduler:
    def __init__(
        self,
        assessments: Assessments,
        couriers: list[Courier],
        *,
        tick: float = 1.0,
        replan_every: float = 30.0,
    ) -> None:
        self.assessments = assessments
        self.couriers = couriers
        self.cycle = Cycle(assessments, frozenset(c.platform for c in couriers))
        self.tick = tick
        self.replan_every = replan_every
        self.state = "standing by"  # → "leading" → "stopped"
        self.senders = [Sender(assessments.database, courier) for courier in couriers]

    async def run(self, stop: asyncio.Event) -> None:
        """Stand by until this process leads, then lead until ``stop`` is set. Losing the
        lead (the database connection holding it broke) raises: the process must stop, since
        another one may be leading by now."""
        leadership = Leadership(self.assessments.database)
        try:
            if not await leadership.acquire(stop):
                return
            self.state = "leading"
            log.info("scheduler: leading")
            lost = asyncio.create_task(leadership.lost(stop))
            try:
                await self._lead(stop, lost)
            finally:
                lost.cancel()
            if lost.done() and not stop.is_set():
                raise RuntimeError("the scheduler lost its lead")
        finally:
            self.state = "stopped"
            await leadership.release()

    async def _lead(self, stop: asyncio.Event, lost: asyncio.Task[None]) -> None:
        engine = job_store_engine(self.assessments.database.url)
        scheduler = _GuardedScheduler(
            self.assessments.database.no_transaction_open,
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        scheduler.add_listener(_missed_or_failed, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        jobs.bind(self.cycle)
        sending = asyncio.Event()  # the senders' stop: set once the scheduler has stopped
        senders = [asyncio.create_task(sender.run(sending)) for sender in self.senders]
        try:
            async with self.assessments.database.no_transaction_open():
                scheduler.start(paused=True)  # creates the job table; jobs wait for the plan
            await self.replan(scheduler)
            scheduler.resume()
            since_replan = 0.0
            while not stop.is_set() and not lost.done() and not any(t.done() for t in senders):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stop.wait()), self.tick)
                # Wall-clock jumps (a suspended host, NTP) would leave APScheduler's monotonic
                # timer late: it looks again every tick.
                scheduler.wakeup()
                since_replan += self.tick
                if since_replan >= self.replan_every:
                    since_replan = 0.0
                    await self.replan(scheduler)
        finally:
            if scheduler.running:
                async with self.assessments.database.no_transaction_open():
                    scheduler.shutdown(wait=False)
            sending.set()
            for result in await asyncio.gather(*senders, return_exceptions=True):
                if isinstance(result, Exception):
                    log.error("outbox sender failed", exc_info=result)
            jobs.bind(None)
            engine.dispose()

    async def replan(self, scheduler: AsyncIOScheduler) -> None:
        """Give every planned event its job and drop jobs the plan no longer has."""
        now = dt.datetime.now(dt.UTC)
        planned = await self.cycle.plan(now)
        async with self.assessments.database.no_transaction_open():
            self._lay_plan(scheduler, planned, now)
        for sender in self.senders:
            sender.wake.set()

    @staticmethod
    def _lay_plan(scheduler: AsyncIOScheduler, planned: list[Planned], now: dt.datetime) -> None:
        wanted = {item.job_id: item for item in planned}
        existing = set()
        for job in scheduler.get_jobs():
            if job.id in wanted or not job.next_run_time or job.next_run_time <= now:
                existing.add(job.id)
            else:
                job.remove()  # the schedule changed, or the snapshot closed early
        for job_id, item in wanted.items():
            if job_id in existing:
                continue
            args: list[object] = [item.team_id]
            if item.kind is not Kind.OPEN:
                args.append(item.snapshot_id)
            args.append(item.at.isoformat())
            grace = GRACE[item.kind]
            scheduler.add_job(
                FUNCTIONS[item.kind],
                "date",
                run_date=item.at,
                args=args,
                id=job_id,
                name=f"{item.kind} team {item.team_id}",
                misfire_grace_time=None if grace is None else int(grace.total_seconds()),
                coalesce=True,
                replace_existing=True,
            )


def _missed_or_failed(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("scheduler: %s was due at %s and is past its grace time: skipped",
                    event.job_id, event.scheduled_run_time)  # fmt: skip
    else:
        log.error("scheduler: %s failed", event.job_id, exc_info=event.exception)
