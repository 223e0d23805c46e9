"""Queries behind the scheduler: events that ran, messages waiting to be sent, people away.

Inserts that may repeat (a job fired twice, an outbox row asked for again) are
"insert, or nothing if the key exists", so whatever runs twice writes once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invitee, OutboxMessage, Person, Response, ScheduleRun, Snapshot

PENDING, SENDING, SENT, SKIPPED, FAILED = "pending", "sending", "sent", "skipped", "failed"
# Rows per INSERT: well under SQLite's 32,766 bound parameters at 11 columns a row.
INSERT_CHUNK = 1000


async def _insert_ignoring_duplicates(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert ``rows``, skipping those whose unique key exists; how many were new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    # One statement, executed with many parameter sets (compiled once: a VALUES list of
    # literal rows would be compiled again for every chunk); RETURNING counts the new rows.
    statement = insert.on_conflict_do_nothing().returning(*table.primary_key.columns)
    added = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        result = await session.execute(statement, list(rows[start : start + INSERT_CHUNK]))
        added += len(result.all())
    return added


# ---------------------------------------------------------------------- events that ran


async def record_run(
    session: AsyncSession, team_id: int, kind: str, due: dt.datetime, snapshot_id: int | None
) -> bool:
    """Mark a team's event as run; False when it had run before (do nothing then)."""
    row = {"team_id": team_id, "kind": kind, "due": due, "snapshot_id": snapshot_id,
           "ran_at": dt.datetime.now(dt.UTC)}  # fmt: skip
    return await _insert_ignoring_duplicates(session, ScheduleRun.__table__, [row]) == 1  # type: ignore[arg-type]


async def runs(session: AsyncSession, team_id: int) -> set[tuple[str, dt.datetime]]:
    """(kind, due) of every event of the team that has run."""
    query = select(ScheduleRun.kind, ScheduleRun.due).where(ScheduleRun.team_id == team_id)
    return {(kind, due) for kind, due in (await session.execute(query)).all()}


# ---------------------------------------------------------------------- the outbox


def outbox_key(team_id: int, kind: str, due: dt.datetime, recipient: str) -> str:
    return f"{team_id}:{kind}:{due.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}:{recipient}"


def outbox_row(
    platform: str,
    team_id: int,
    kind: str,
    due: dt.datetime,
    *,
    recipient: str = "",
    snapshot_id: int | None = None,
    not_before: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "key": outbox_key(team_id, kind, due, recipient),
        "platform": platform,
        "team_id": team_id,
        "snapshot_id": snapshot_id,
        "kind": kind,
        "recipient": recipient,
        "due": due,
        "not_before": not_before or due,
        "status": PENDING,
        "attempts": 0,
    }


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Queue messages; those already queued (same key) are left as they are. How many new."""
    return await _insert_ignoring_duplicates(session, OutboxMessage.__table__, rows)  # type: ignore[arg-type]


async def claim(
    session: AsyncSession, platform: str, now: dt.datetime, limit: int
) -> list[OutboxMessage]:
    """The platform's messages due by ``now``, oldest first, marked as being sent."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.status == PENDING,
            OutboxMessage.not_before <= now,
        )
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    found = list((await session.scalars(query)).all())
    if found:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in found]))
            .values(status=SENDING, attempts=OutboxMessage.attempts + 1)
        )
    return found


async def finish(
    session: AsyncSession, ids: Iterable[int], status: str, error: str | None = None
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)))
        .values(status=status, error=error, sent_at=dt.datetime.now(dt.UTC))
    )


async def retry_later(
    session: AsyncSession,
    message_id: int,
    not_before: dt.datetime,
    error: str | None,
    *,
    failed: bool = True,
) -> None:
    """Back to the queue until ``not_before``; a wait that was no failure (outside the
    recipient's working hours) doesn't count as an attempt."""
    attempts = OutboxMessage.attempts if failed else OutboxMessage.attempts - 1
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=PENDING,
            not_before=not_before,
            error=error[:200] if error else None,
            attempts=attempts,
        )
    )


async def release_unfinished(session: AsyncSession, platform: str) -> int:
    """Messages a stopped sender had claimed go back to the queue; how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.platform == platform, OutboxMessage.status == SENDING)
        .values(status=PENDING)
    )
    return int(max(result.rowcount, 0))  # type: ignore[attr-defined]


async def counts(session: AsyncSession, team_id: int | None = None) -> dict[str, int]:
    """Outbox rows by status (one team's, or everyone's)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if team_id is not None:
        query = query.where(OutboxMessage.team_id == team_id)
    return {status: n for status, n in (await session.execute(query)).all()}


# ---------------------------------------------------------------------- people away


async def people_away(
    session: AsyncSession, platform: str, external_ids: Iterable[str], today: dt.date
) -> set[str]:
    """Those of ``external_ids`` who said they are away today."""
    query = select(Person.external_id).where(
        Person.platform == platform,
        Person.external_id.in_(list(external_ids)),
        Person.away_until >= today,
    )
    return set((await session.scalars(query)).all())


# ---------------------------------------------------------------------- who to remind


async def team_people(session: AsyncSession, team_id: int) -> list[str]:
    """Everyone who has answered any of the team's snapshots (so has talked to the bot in
    private), by external id."""
    query = (
        select(Person.external_id)
        .join(Response, Response.person_id == Person.id)
        .join(Snapshot, Snapshot.id == Response.snapshot_id)
        .where(Snapshot.team_id == team_id)
        .distinct()
    )
    return list((await session.scalars(query)).all())


async def invited_people(session: AsyncSession, snapshot_id: int) -> list[str]:
    query = (
        select(Person.external_id)
        .join(Invitee, Invitee.person_id == Person.id)
        .where(Invitee.snapshot_id == snapshot_id)
    )
    return list((await session.scalars(query)).all())


async def response_states(session: AsyncSession, snapshot_id: int) -> dict[str, str]:
    """Each person's response status in the snapshot, by external id."""
    query = (
        select(Person.external_id, Response.status)
        .join(Response, Response.person_id == Person.id)
        .where(Response.snapshot_id == snapshot_id)
    )
    return {external_id: status for external_id, status in (await session.execute(query)).all()}
