"""A team's snapshots: finding them, and opening and closing them one at a time.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Snapshot, Team, utcnow


async def latest_snapshot(
    session: AsyncSession, team_id: int, *, for_update: bool = False
) -> Snapshot | None:
    """The team's newest snapshot; ``for_update`` locks it (on PostgreSQL) for the rest of the
    transaction, so plan syncs and ticks on it happen one at a time."""
    query = (
        select(Snapshot)
        .where(Snapshot.team_id == team_id)
        .order_by(Snapshot.number.desc())
        .limit(1)
    )
    return await session.scalar(query.with_for_update() if for_update else query)


async def team_snapshots(session: AsyncSession, team_id: int) -> Sequence[Snapshot]:
    return (
        await session.scalars(
            select(Snapshot).where(Snapshot.team_id == team_id).order_by(Snapshot.number)
        )
    ).all()


async def lock_team(session: AsyncSession, team_id: int) -> None:
    """Serialise snapshot changes of one team (a no-op lock on SQLite, whose writes are
    serial anyway)."""
    await session.execute(select(Team.id).where(Team.id == team_id).with_for_update())


async def close_snapshot(session: AsyncSession, snapshot: Snapshot) -> None:
    snapshot.status = "closed"
    snapshot.closed_at = utcnow()
    await session.flush()


async def open_snapshot(
    session: AsyncSession, team_id: int, questionnaire_id: str, version: str
) -> Snapshot:
    """The team's open snapshot; the next one is opened when there is none."""
    # Lock the team so two people arriving together can't both open snapshot number n + 1.
    await lock_team(session, team_id)
    latest = await latest_snapshot(session, team_id)
    if latest is not None and latest.status == "open":
        return latest
    snapshot = Snapshot(
        team_id=team_id,
        number=(latest.number + 1) if latest else 1,
        questionnaire_id=questionnaire_id,
        questionnaire_version=version,
        status="open",
        opened_at=utcnow(),
    )
    session.add(snapshot)
    await session.flush()
    return snapshot


async def snapshot_by_token(session: AsyncSession, token: str) -> Snapshot | None:
    return await session.scalar(select(Snapshot).where(Snapshot.invite_token == token))
