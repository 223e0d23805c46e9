"""Draining the outbox: each platform's courier sends its queued messages at the platform's
pace, and each message is marked as soon as it is sent.

A message is marked "sending" before the courier is called and "sent" right after, each in its
own short transaction: a sender that dies leaves at most the messages in flight unconfirmed,
and the next sender sends those again (see the README's "Replicas").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Protocol

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
        while not stop.is_set():
            async with self.database.transaction() as session:
                claimed = [Outgoing.of(row) for row in
                           await outbox.claim(session, platform, _now(), BATCH)]  # fmt: skip
            if not claimed:
                await self._idle(stop)
                continue
            await asyncio.gather(*(self._one(message, gate, stop) for message in claimed))

    async def _idle(self, stop: asyncio.Event) -> None:
        self.wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
        await asyncio.wait(waiters, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _one(self, message: Outgoing, gate: asyncio.Semaphore, stop: asyncio.Event) -> None:
        async with gate:
            if stop.is_set():  # not started: back to the queue for the next sender
                await self._settle(message, Later(_now()))
                return
            try:
                outcome = await self.courier.deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: retried later, then given up
                await self._failed(message, error)
                return
            await self._settle(message, outcome)

    async def _settle(self, message: Outgoing, outcome: Outcome) -> None:
        async with self.database.transaction() as session:
            if outcome is None:
                await outbox.finish(session, [message.id], outbox.SENT)
            elif isinstance(outcome, Skip):
                log.info("%s %s to %r not sent: %s", message.kind, message.id,
                         message.recipient, outcome.reason)  # fmt: skip
                await outbox.finish(session, [message.id], outbox.SKIPPED, outcome.reason)
            else:
                await outbox.retry_later(session, message.id, outcome.at, None, failed=False)

    async def _failed(self, message: Outgoing, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"[:200]
        async with self.database.transaction() as session:
            if message.attempts >= MAX_ATTEMPTS:
                log.error("%s %s to %r given up after %d attempts: %s", message.kind,
                          message.id, message.recipient, message.attempts, reason)  # fmt: skip
                await outbox.finish(session, [message.id], outbox.FAILED, reason)
                return
            wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
            log.warning(
                "%s %s failed (%s); retried in %d s", message.kind, message.id, reason, wait
            )
            await outbox.retry_later(
                session, message.id, _now() + dt.timedelta(seconds=wait), reason
            )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
