"""The scheduler's outbox under load: many reminders due at once, and a broadcast through the
Telegram channel at Telegram's flood limit.

    python -m bench.reminders [--sizes 10000,100000] [--broadcast 1000] [--drain-limit S]

1. Reminders due in the same minute. For each size N, on a fresh SQLite file migrated as in
   production (`Database.upgrade`): N outbox rows for one team, kind "nudge", distinct
   recipients, all due at the same instant, queued in one transaction
   (`storage.outbox.enqueue`). Then a "restart": that Database is disposed of, and a new
   Database on the same file (schema checked, as `csmm serve` does) runs the real `Sender`
   (bot/scheduling/sender.py). Its courier is `CountingCourier`, which only counts what it is
   handed: no platform behind it, no rate limit, 50 in flight. So what is measured is the
   outbox's and the sender's own cost. Printed:
     queue s     the time to queue them;
     start-up s  from constructing the new Database to the first claimed row reaching the
                 courier;
     drain s     from then to the last row marked sent (and the rate);
     stall ms    the longest event-loop stall while queueing, starting up and draining: a task
                 sleeps 5 ms in a loop and records the longest gap beyond its sleep;
     lateness    sent_at − due, p50 and p99. The rows fall due as queueing starts, so it
                 includes queueing and the restart (the "(+s)" column: due → restart);
     RSS MB      VmRSS before queueing, after it, the highest sampled while draining, and the
                 process's peak so far (ru_maxrss);
     sent rows / delivered / twice
                 rows marked "sent", recipients the courier got, and messages it got twice.
   A drain still running after --drain-limit seconds (60) is stopped; what it left is shown.
2. Broadcast. 1,000 invitations through the real Telegram courier
   (`build_application(...).bot_data["channel"].courier`, python-telegram-bot with its
   AIORateLimiter) to the fake Bot API with Telegram's flood limits enforced
   (tests/telegram/fake_bot_api.py, enforce_limits=True: 30 messages/s overall, 1/s per
   private chat). The rows are kind "invite" to distinct private chats of known people (no
   time zone of their own), for a team whose working hours are all day, every day, so none is
   put off. Printed: the time from the sender's start to the last row marked sent, beside the
   bound N/30 s; the sendMessage calls, and how many were answered 429; the messages the fake
   created, in how many chats; the rows left unsent.

Targets (the scheduler issue's), each marked PASS or MISS; nothing is asserted: none missed;
event-loop stall under 100 ms while draining; start-up under 3 s with 100,000 pending;
broadcast within 10 % of the rate-limit bound, under 0.5 % of calls answered 429, no message
lost.

Not run: APScheduler with one job per message, the design the outbox replaces. Adding 10,000
date jobs to its SQLAlchemy job store on SQLite took 157 s, each job a blocking INSERT and
COMMIT on the event loop (stalls up to 5.8 s), before any of them could fire.
Needs the test extra (aiohttp, for the fake Bot API).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import math
import resource
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bench.common import LogCounter, p99, quiet_logs
from bot.assessments import Assessments
from bot.i18n import localizers
from bot.scheduling.sender import Outcome, Outgoing, Sender
from bot.telegram.app import build_application
from conversations.questionnaire import load_questionnaire
from storage import outbox, snapshot_lifecycle, team_settings, teams_and_people
from storage.database import Database
from storage.models import OutboxMessage
from tests.telegram.fake_bot_api import FakeBotApi

TOKEN = "123456:BENCH-token"
NULL_PLATFORM = "null"  # CountingCourier's: no platform behind it
FIRST_RECIPIENT = 100_000
GROUP = "-100123"
TICK = 0.005  # the stall probe's sleep
RSS_EVERY = 20  # ticks between two samples of VmRSS
BROADCAST_TIMEOUT = 300.0
# Targets from the scheduler issue.
STALL_TARGET_MS = 100.0
STARTUP_TARGET_S = 3.0
STARTUP_TARGET_SIZE = 100_000
BOUND_TARGET = 1.10  # within 10 % of N / 30 s
REFUSED_TARGET = 0.005  # fewer than 0.5 % of sends answered 429


# ---------------------------------------------------------------------- probes


def rss_mb() -> float:
    """The process's resident memory now (VmRSS), in MB; 0 where /proc is missing."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (ru_maxrss, kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Ticker:
    """A task that sleeps TICK in a loop: the longest gap beyond its sleep is the longest the
    event loop was busy elsewhere. It samples VmRSS now and then, too."""

    def __init__(self) -> None:
        self.stall = 0.0  # seconds
        self.gaps: list[tuple[float, float]] = []  # (when it ended, seconds), every tick
        self.rss_max = 0.0  # MB
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last, ticks = time.perf_counter(), 0
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gap = now - last - TICK
            self.stall = max(self.stall, gap)
            self.gaps.append((now, gap))
            ticks += 1
            if ticks % RSS_EVERY == 0:
                self.rss_max = max(self.rss_max, rss_mb())
            last = time.perf_counter()

    def __enter__(self) -> Ticker:
        self.rss_max = rss_mb()
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.rss_max = max(self.rss_max, rss_mb())

    def stall_between(self, start: float, end: float) -> float:
        """The longest gap that ended between two perf_counter instants."""
        return max((gap for at, gap in self.gaps if start <= at <= end), default=0.0)


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"


def percentile_line(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    if not ordered:
        return "p50      - s  p99      - s"
    return f"p50 {statistics.median(ordered):6.2f} s  p99 {p99(ordered):6.2f} s"


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# ---------------------------------------------------------------------- 1. due at once


class CountingCourier:
    """A courier with no platform behind it: counts the messages it is handed and says each
    was sent. What is left to measure is the outbox's and the sender's own cost."""

    platform = NULL_PLATFORM
    concurrency = 50

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()  # by recipient
        self.first_at: float | None = None  # perf_counter of the first message handed over
        self.all_in = asyncio.Event()
        self.expected = 0

    async def deliver(self, message: Outgoing) -> Outcome:
        now = time.perf_counter()
        if self.first_at is None:
            self.first_at = now
        self.received[message.recipient] += 1
        if len(self.received) >= self.expected:
            self.all_in.set()
        return None


@dataclass
class DueFigures:
    size: int
    queue_seconds: float
    queue_stall: float
    startup_seconds: float
    drain_seconds: float  # first claimed row to the last row marked sent
    total_seconds: float  # restart to the last row marked sent
    startup_stall: float  # the restart to the first claimed row
    drain_stall: float  # from then on
    rss_before: float
    rss_queued: float
    rss_draining: float
    peak_rss: float
    sent_rows: int
    delivered: int  # distinct recipients the courier got
    duplicates: int
    lateness: list[float] = field(default_factory=list)  # seconds, sent_at − due
    restart_after: float = 0.0  # seconds from due to the restart
    timed_out: bool = False


async def due_at_once(size: int, limit: float) -> DueFigures:
    with scratch_database() as url:
        database = Database(url)
        await database.upgrade()
        async with database.transaction() as session:
            team = await teams_and_people.get_or_create_team(
                session, NULL_PLATFORM, "bench", "Bench"
            )
            team_id = team.id
        rss_before = rss_mb()
        due = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.perf_counter()
        with Ticker() as queueing:
            rows = [
                outbox.outbox_row(NULL_PLATFORM, team_id, "nudge", due,
                                  recipient=str(FIRST_RECIPIENT + index))
                for index in range(size)
            ]  # fmt: skip
            async with database.transaction() as session:
                added = await outbox.enqueue(session, rows)
        queue_seconds = time.perf_counter() - started
        assert added == size, (added, size)
        del rows
        rss_queued = rss_mb()
        await database.dispose()

        # The restart: a new Database on the same file, as a new process would make.
        courier = CountingCourier()
        courier.expected = size
        stop = asyncio.Event()
        timed_out = False
        with Ticker() as draining:
            restarted, restarted_at = time.perf_counter(), dt.datetime.now(dt.UTC)
            database = Database(url)
            await database.check_schema()
            gc.freeze()  # as csmm serve does once it has started
            sender = Sender(database, courier)
            task = asyncio.create_task(sender.run(stop))
            try:
                await asyncio.wait_for(courier.all_in.wait(), limit)
            except TimeoutError:
                timed_out = True
            else:  # each message is marked sent right after the courier returns: the last too
                timed_out = not await _all_sent(database, team_id, size, restarted + limit)
            stop.set()
            await task
        async with database.reading() as session:
            query = select(OutboxMessage.due, OutboxMessage.sent_at).where(
                OutboxMessage.team_id == team_id, OutboxMessage.status == outbox.SENT
            )
            found = [(due_at, sent_at) for due_at, sent_at in await session.execute(query)
                     if sent_at is not None]  # fmt: skip
        await database.dispose()
    lateness = [(sent_at - due_at).total_seconds() for due_at, sent_at in found]
    last_sent = max((sent_at for _, sent_at in found), default=restarted_at)
    total = (last_sent - restarted_at).total_seconds()
    first_at = courier.first_at or restarted
    first = first_at - restarted
    return DueFigures(
        size=size,
        queue_seconds=queue_seconds,
        queue_stall=queueing.stall,
        startup_seconds=first,
        drain_seconds=total - first,
        total_seconds=total,
        startup_stall=draining.stall_between(restarted, first_at),
        drain_stall=draining.stall_between(first_at, math.inf),
        rss_before=rss_before,
        rss_queued=rss_queued,
        rss_draining=draining.rss_max,
        peak_rss=peak_rss_mb(),
        sent_rows=len(found),
        delivered=len(courier.received),
        duplicates=sum(n - 1 for n in courier.received.values()),
        lateness=lateness,
        restart_after=(restarted_at - due).total_seconds(),
        timed_out=timed_out,
    )


async def _counts(database: Database, team_id: int) -> dict[str, int]:
    async with database.reading() as session:
        return await outbox.counts(session, team_id)


async def _all_sent(database: Database, team_id: int, size: int, deadline: float) -> bool:
    """Wait until ``size`` of the team's rows are marked sent (False: not by ``deadline``)."""
    while True:
        if (await _counts(database, team_id)).get(outbox.SENT, 0) >= size:
            return True
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.05)


def print_due(figures: list[DueFigures]) -> None:
    print("\n1. reminders due in the same minute: Sender → CountingCourier (50 in flight)")
    print(
        f"  {'reminders':>9} {'queue s':>7} {'start-up s':>10} {'drain s':>7} {'sent/s':>6}"
        f"   stall ms: {'queue':>5} {'start':>5} {'drain':>5}"
        f"   lateness (sent_at − due){'':<14}"
        f" RSS MB: {'before':>6} {'queued':>6} {'drain':>6} {'peak':>5}"
        f"  {'sent rows':>9} {'delivered':>9} {'twice':>5}"
    )
    for f in figures:
        rate = f.sent_rows / f.drain_seconds if f.drain_seconds > 0 else 0.0
        print(
            f"  {f.size:>9,} {f.queue_seconds:7.2f} {f.startup_seconds:10.2f}"
            f" {f.drain_seconds:7.2f} {rate:6.0f}"
            f"             {f.queue_stall * 1000:5.0f} {f.startup_stall * 1000:5.0f}"
            f" {f.drain_stall * 1000:5.0f}   {percentile_line(f.lateness)}"
            f" {f'(+{f.restart_after:.1f})':>7}"
            f"         {f.rss_before:6.0f} {f.rss_queued:6.0f} {f.rss_draining:6.0f}"
            f" {f.peak_rss:5.0f}  {f.sent_rows:9,} {f.delivered:9,} {f.duplicates:5}"
            f"{'  TIMED OUT' if f.timed_out else ''}"
        )
    print(
        "  start-up: a new Database on the file (schema checked) → the first claimed row at"
        " the courier; drain: from then to the last row marked sent.\n"
        "  The rows fall due as queueing starts: lateness includes queueing and the restart"
        " (the (+s) column, due → restart).\n"
        "  RSS: VmRSS before queueing, after it, highest sampled while draining; peak:"
        " ru_maxrss of the process so far."
    )


# ---------------------------------------------------------------------- 2. broadcast


@dataclass
class BroadcastFigures:
    size: int
    seconds: float
    calls: int  # sendMessage calls the fake answered
    refused: int  # of those, 429s
    accepted: int  # messages the fake created in private chats
    chats: int  # distinct chats that got one
    unsent: dict[str, int]  # rows not sent, by status
    timed_out: bool

    @property
    def bound(self) -> float:
        return self.size / 30


async def broadcast(size: int) -> BroadcastFigures:
    fake = FakeBotApi(TOKEN, enforce_limits=True)
    await fake.start()
    recipients = [FIRST_RECIPIENT + index for index in range(size)]
    for chat_id in recipients:
        fake.user(chat_id, f"Person {chat_id}")
    fake.group(int(GROUP), "Support")
    try:
        with scratch_database() as url:
            database = Database(url)
            await database.upgrade()
            try:
                return await _broadcast(fake, database, recipients)
            finally:
                await database.dispose()
    finally:
        await fake.stop()


async def _broadcast(
    fake: FakeBotApi, database: Database, recipients: list[int]
) -> BroadcastFigures:
    size = len(recipients)
    assessments = Assessments(database, load_questionnaire(), localizers())
    team = await assessments.ensure_team("telegram", GROUP, "Support")
    await assessments.start_snapshot("telegram", GROUP, "Support", by="bench")
    due = dt.datetime.now(dt.UTC).replace(microsecond=0)
    async with database.transaction() as session:
        snapshot = await snapshot_lifecycle.latest_snapshot(session, team.id)
        assert snapshot is not None
        # All day, every day: Reminders.slot never defers a message.
        await team_settings.save_team_schedule(session, team.id, "bench", working_days="1234567",
                                      work_start="00:00", work_end="23:59")  # fmt: skip
        for chat_id in recipients:  # known people (no time zone): the courier skips strangers
            await teams_and_people.get_or_create_person(
                session, "telegram", str(chat_id), f"Person {chat_id}"
            )
        rows = [
            outbox.outbox_row("telegram", team.id, "invite", due, recipient=str(chat_id),
                              snapshot_id=snapshot.id)
            for chat_id in recipients
        ]  # fmt: skip
        await outbox.enqueue(session, rows)
    application = build_application(assessments, TOKEN, fake.base_url)
    courier = application.bot_data["channel"].courier
    stop = asyncio.Event()
    timed_out = False
    started_at = dt.datetime.now(dt.UTC)
    task = asyncio.create_task(Sender(database, courier).run(stop))
    try:
        limit = time.perf_counter() + BROADCAST_TIMEOUT
        while True:
            counts = await _counts(database, team.id)
            if not counts.get(outbox.PENDING, 0) + counts.get(outbox.SENDING, 0):
                break
            if time.perf_counter() > limit or task.done():
                timed_out = True
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
        await application.bot.shutdown()
    async with database.reading() as session:
        last = await session.scalar(
            select(OutboxMessage.sent_at)
            .where(OutboxMessage.team_id == team.id, OutboxMessage.status == outbox.SENT)
            .order_by(OutboxMessage.sent_at.desc())
            .limit(1)
        )
    counts = await _counts(database, team.id)
    sent = [m for m in fake.sent() if m["chat"]["id"] > 0]
    chats = Counter(m["chat"]["id"] for m in sent)
    calls = sum(1 for name, _ in fake.calls if name == "sendMessage")
    return BroadcastFigures(
        size=size,
        seconds=((last or started_at) - started_at).total_seconds(),
        calls=calls,
        refused=fake.refused_429,
        accepted=len(sent),
        chats=len(chats),
        unsent={status: n for status, n in counts.items() if status != outbox.SENT},
        timed_out=timed_out,
    )


def print_broadcast(f: BroadcastFigures) -> None:
    print(
        f"\n2. broadcast: {f.size:,} invitations through the Telegram courier (AIORateLimiter)"
        " to the fake Bot API with Telegram's flood limits"
    )
    share = f.refused / f.calls if f.calls else 0.0
    unsent = ", ".join(f"{n} {status}" for status, n in sorted(f.unsent.items())) or "none"
    print(
        f"  {f.seconds:.2f} s (bound {f.size:,}/30 = {f.bound:.2f} s, {f.seconds / f.bound:.2f}×);"
        f" {f.calls:,} sendMessage calls, {f.refused:,} answered 429 ({share:.1%});"
        f" {f.accepted:,} messages received in {f.chats:,} chats"
        f" ({f.accepted - f.chats} duplicates); rows not sent: {unsent}"
        f"{'; TIMED OUT' if f.timed_out else ''}"
    )


# ---------------------------------------------------------------------- targets


def print_targets(due: list[DueFigures], cast: BroadcastFigures | None) -> None:
    print("\ntargets")
    for f in due:
        missed = f.size - f.sent_rows
        fine = missed == 0 and f.delivered == f.size and not f.duplicates
        late = f", {missed:,} left when the drain was stopped" if f.timed_out else ""
        print(f"  {mark(fine)}  {f.size:,} due at once: none missed ({f.sent_rows:,} rows"
              f" sent, {f.delivered:,} delivered, {f.duplicates} twice{late})")  # fmt: skip
        print(f"  {mark(f.drain_stall * 1000 < STALL_TARGET_MS)}  {f.size:,} due at once:"
              f" event-loop stall under {STALL_TARGET_MS:.0f} ms"
              f" ({f.drain_stall * 1000:.1f} ms)")  # fmt: skip
        if f.size >= STARTUP_TARGET_SIZE:
            print(f"  {mark(f.startup_seconds < STARTUP_TARGET_S)}  start-up under"
                  f" {STARTUP_TARGET_S:.0f} s with {f.size:,} pending"
                  f" ({f.startup_seconds:.2f} s)")  # fmt: skip
    if cast is not None:
        ratio = cast.seconds / cast.bound
        share = cast.refused / cast.calls if cast.calls else 0.0
        lost = cast.size - cast.chats + sum(cast.unsent.values())
        print(f"  {mark(ratio <= BOUND_TARGET)}  broadcast within 10 % of the bound"
              f" ({ratio:.2f}×)")  # fmt: skip
        print(f"  {mark(share < REFUSED_TARGET)}  broadcast: under 0.5 % of calls answered 429"
              f" ({share:.1%})")  # fmt: skip
        print(f"  {mark(lost <= 0 and cast.accepted == cast.size)}  broadcast: no message lost"
              f" ({cast.accepted:,} received, {cast.chats:,} chats)")  # fmt: skip


def print_problems(logs: LogCounter) -> None:
    if logs.counts:
        print("\nwarnings and errors logged:")
        for text, count in sorted(logs.counts.items()):
            print(f"  {count}× {text[:160]}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="reminders due at once, per run")
    parser.add_argument("--broadcast", type=int, default=1000, help="invitations (0: skip)")
    parser.add_argument(
        "--drain-limit",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds a drain may take before it is stopped and what is left counted (60)",
    )
    args = parser.parse_args()
    logs = quiet_logs("httpx", "httpcore", "telegram", "aiohttp", "alembic")
    due = []
    for size in (int(n) for n in args.sizes.split(",") if n.strip()):
        due.append(await due_at_once(size, args.drain_limit))
    print_due(due)
    cast = await broadcast(args.broadcast) if args.broadcast else None
    if cast is not None:
        print_broadcast(cast)
    print_targets(due, cast)
    print_problems(logs)


if __name__ == "__main__":
    asyncio.run(main())
