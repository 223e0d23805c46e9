"""Draining the outbox: each platform's courier sends its queued messages at the platform's
pace, and each message is marked as soon as it is sent.

A message is marked "sending" before the courier is called and "sent" right after, each in its
own short transaction: a sender that dies leaves at most the messages in flight unconfirmed,
and the next sender sends those again (see docs/scheduling.md, "Replicas").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.database import Database
from storage.models import OutboxMessage

log = logging.getLogger("bot.scheduling")

BATCH = 200
IDLE_POLL_SECONDS = 1.0  # how often an idle sender looks for rows other processes queued
MAX_ATTEMPTS = 6
BACKOFF = (30, 120, 600, 1800, 3600)  # seconds before the 2nd, 3rd, … attempt


@dataclass(frozen=True)
class Outgoing:
    """A queued message as a courier sees it."""

    id: int
    team_id: int
    snapshot_id: int | None
    kind: str
    recipient: str  # a person's id on the platform; "" for the team's channel
    due: dt.datetime
    attempts: int

    @classmethod
    def of(cls, row: OutboxMessage) -> Outgoing:
        return cls(row.id, row.team_id, row.snapshot_id, row.kind, row.recipient, row.due,
                   row.attempts + 1)  # fmt: skip


@dataclass(frozen=True)
class Later:
    """Not now: the recipient's working hours begin at ``at``."""

    at: dt.datetime


@dataclass(frozen=True)
class Skip:
    """Not sent, and never will be (the person answered meanwhile, is away, left…)."""

    reason: str


Outcome = Later | Skip | None  # None: sent


class Courier(Protocol):
    platform: str
    concurrency: int  # messages in flight at once; the platform client paces them

    async def deliver(self, message: Outgoing) -> Outcome: ...


class Sender:
    def __init__(self, database: Database, courier: Courier) -> None:
        self.database = database
        self.courier = courier
        self.wake = asyncio.Event()
        self._marks: list[tuple[Outgoing, Outcome | Exception, asyncio.Future[None]]] = []
        self._marking = asyncio.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; messages in flight then are finished, the rest stay
        queued."""
        platform = self.courier.platform
        async with self.database.transaction() as session:
            released = await outbox.release_unfinished(session, platform)
        if released:
            log.warning("%s: %d message(s) a stopped sender had in hand are queued again",
                        platform, released)  # fmt: skip
        gate = asyncio.Semaphore(self.courier.concurrency)
        in_hand: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            # Claimed rows wait at the gate; more are claimed as they go, so one slow message
            # never holds up the rest.
            if len(in_hand) > BATCH // 2:
                await asyncio.wait(in_hand, return_when=asyncio.FIRST_COMPLETED)
                continue
            async with self.database.transaction() as session:
                claimed = await outbox.claim(session, platform, _now(), BATCH - len(in_hand))
            for row in claimed:
                task = asyncio.create_task(self._one(Outgoing.of(row), gate, stop))
                in_hand.add(task)
                task.add_done_callback(in_hand.discard)
            if not claimed:
                await self._idle(stop, in_hand)
        if in_hand:
            await asyncio.gather(*in_hand)

    async def _idle(self, stop: asyncio.Event, in_hand: set[asyncio.Task[None]]) -> None:
        self.wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
        await asyncio.wait(
            [*waiters, *in_hand], timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()

    async def _one(self, message: Outgoing, gate: asyncio.Semaphore, stop: asyncio.Event) -> None:
        async with gate:
            if stop.is_set():  # not started: back to the queue for the next sender
                await self._mark(message, Later(_now()))
                return
            try:
                outcome: Outcome | Exception = await self.courier.deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: retried later, then given up
                outcome = error
            try:
                await self._mark(message, outcome)
            except Exception:  # left "sending": the next sender's start queues it again
                log.exception("%s %s: its outcome was not recorded", message.kind, message.id)

    async def _mark(self, message: Outgoing, outcome: Outcome | Exception) -> None:
        """Record what became of the message, committed before this returns. Marks that
        arrive while another commit runs go together in the next one (a group commit): one
        transaction per message would cap sending at the database's commit rate."""
        done = asyncio.get_running_loop().create_future()
        self._marks.append((message, outcome, done))
        async with self._marking:
            if not done.done():
                batch, self._marks = self._marks, []
                try:
                    await self._write(batch)
                except Exception as error:
                    for _message, _outcome, waiting in batch:
                        if not waiting.done():
                            waiting.set_exception(error)
                    raise
                for _message, _outcome, waiting in batch:
                    waiting.set_result(None)
        await done

    async def _write(
        self, batch: list[tuple[Outgoing, Outcome | Exception, asyncio.Future[None]]]
    ) -> None:
        sent = [message.id for message, outcome, _ in batch if outcome is None]
        async with self.database.transaction() as session:
            if sent:
                await outbox.finish(session, sent, outbox.SENT)
            for message, outcome, _ in batch:
                if isinstance(outcome, Skip):
                    log.info("%s %s to %r not sent: %s", message.kind, message.id,
                             message.recipient, outcome.reason)  # fmt: skip
                    await outbox.finish(session, [message.id], outbox.SKIPPED, outcome.reason)
                elif isinstance(outcome, Later):
                    await outbox.retry_later(session, message.id, outcome.at, None, failed=False)
                elif isinstance(outcome, Exception):
                    await self._failed(session, message, outcome)

    @staticmethod
    async def _failed(session: AsyncSession, message: Outgoing, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"[:200]
        if message.attempts >= MAX_ATTEMPTS:
            log.error("%s %s to %r given up after %d attempts: %s", message.kind,
                      message.id, message.recipient, message.attempts, reason)  # fmt: skip
            await outbox.finish(session, [message.id], outbox.FAILED, reason)
            return
        wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        log.warning("%s %s failed (%s); retried in %d s", message.kind, message.id, reason, wait)
        await outbox.retry_later(session, message.id, _now() + dt.timedelta(seconds=wait), reason)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
