"""Deleting a team, and forgetting a person's answers for a team (see storage/privacy.py for
the rest of their traces).

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ActionItem, AnswerRow, AuditEvent, Person, Response, Snapshot, Team


async def delete_team(session: AsyncSession, team_id: int) -> int:
    """Delete a team with everything it holds; returns how many answers went."""
    snapshots = select(Snapshot.id).where(Snapshot.team_id == team_id)
    responses = select(Response.id).where(Response.snapshot_id.in_(snapshots))
    answers = await session.scalar(
        select(func.count()).select_from(AnswerRow).where(AnswerRow.response_id.in_(responses))
    )
    unsynced = {"synchronize_session": False}
    # Children first, explicitly: SQLite enforces ON DELETE only with its foreign keys on.
    for statement in (
        delete(AnswerRow).where(AnswerRow.response_id.in_(responses)),
        update(Response)
        .where(Response.previous_response_id.in_(responses))
        .values(previous_response_id=None),
        delete(Response).where(Response.snapshot_id.in_(snapshots)),
        delete(ActionItem).where(ActionItem.snapshot_id.in_(snapshots)),
        delete(Snapshot).where(Snapshot.team_id == team_id),
        delete(AuditEvent).where(AuditEvent.team_id == team_id),
        delete(Team).where(Team.id == team_id),
    ):
        await session.execute(statement.execution_options(**unsynced))
    return answers or 0


async def person_team_ids(session: AsyncSession, person_id: int) -> list[int]:
    rows = await session.scalars(
        select(Snapshot.team_id)
        .join(Response, Response.snapshot_id == Snapshot.id)
        .where(Response.person_id == person_id)
        .distinct()
    )
    return sorted(rows)


async def forget_person(session: AsyncSession, person_id: int, team_id: int) -> tuple[int, int]:
    """Delete a person's answers for a team: in open snapshots entirely, in closed ones all but
    anonymous numbers, so the team's history keeps its shape. The person's record goes too
    once nothing links to it.

    Returns (answers deleted, answers kept anonymously).
    """
    responses = (
        await session.execute(
            select(Response.id, Snapshot.status)
            .join(Snapshot, Snapshot.id == Response.snapshot_id)
            .where(Response.person_id == person_id, Snapshot.team_id == team_id)
            # Same order as answering (response row, then its answers): no deadlock between them.
            .with_for_update(of=Response)
        )
    ).all()
    open_ids = [rid for rid, status in responses if status == "open"]
    closed_ids = [rid for rid, status in responses if status != "open"]
    deleted = 0
    if open_ids:
        result = await session.execute(delete(AnswerRow).where(AnswerRow.response_id.in_(open_ids)))
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
        await session.execute(delete(Response).where(Response.id.in_(open_ids)))
    kept = 0
    if closed_ids:
        # Free text can name people; numbers and adoption values cannot.
        result = await session.execute(
            delete(AnswerRow).where(
                AnswerRow.response_id.in_(closed_ids), AnswerRow.text.is_not(None)
            )
        )
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
        await session.execute(
            update(AnswerRow)
            .where(AnswerRow.response_id.in_(closed_ids), AnswerRow.note.is_not(None))
            .values(note=None)
        )
        kept = (
            await session.scalar(
                select(func.count())
                .select_from(AnswerRow)
                .where(AnswerRow.response_id.in_(closed_ids))
            )
            or 0
        )
        await session.execute(
            # Nor does anything chain their anonymous responses from one snapshot to the next.
            update(Response)
            .where(Response.id.in_(closed_ids))
            .values(person_id=None, previous_response_id=None)
        )
    # Their name goes from the team's checklist and audit trail too.
    name = await session.scalar(select(Person.display_name).where(Person.id == person_id))
    team_snapshots = select(Snapshot.id).where(Snapshot.team_id == team_id)
    unsynced = {"synchronize_session": False}  # no ORM objects of these rows are loaded here
    for column in (ActionItem.done_by, ActionItem.owner):
        await session.execute(
            update(ActionItem)
            .where(ActionItem.snapshot_id.in_(team_snapshots), column == name)
            .values({column: None})
            .execution_options(**unsynced)
        )
    await session.execute(
        update(AuditEvent)
        .where(AuditEvent.team_id == team_id, AuditEvent.actor == name)
        .values(actor="(forgotten)")
        .execution_options(**unsynced)
    )
    await drop_person_if_unused(session, person_id)
    return deleted, kept


async def drop_person_if_unused(session: AsyncSession, person_id: int) -> None:
    """Delete the person's record (their name) once no response links to it."""
    remaining = await session.scalar(
        select(func.count()).select_from(Response).where(Response.person_id == person_id)
    )
    if not remaining:
        await session.execute(delete(Person).where(Person.id == person_id))
