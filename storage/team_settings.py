"""A team's settings: its administrators, time zone and schedule.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Team, TeamAdmin, TeamSchedule, utcnow


async def team_admin_ids(session: AsyncSession, team_id: int) -> set[str]:
    rows = await session.scalars(
        select(TeamAdmin.person_external_id).where(TeamAdmin.team_id == team_id)
    )
    return set(rows)


async def set_team_admin(
    session: AsyncSession, team_id: int, person_external_id: str, by: str, *, admin: bool
) -> bool:
    """Add or remove a team administrator; False when that changed nothing."""
    found = await session.get(TeamAdmin, (team_id, person_external_id))
    if admin and found is None:
        session.add(TeamAdmin(team_id=team_id, person_external_id=person_external_id, added_by=by))
        return True
    if not admin and found is not None:
        await session.delete(found)
        return True
    return False


async def set_team_timezone(session: AsyncSession, team_id: int, timezone: str) -> None:
    await session.execute(update(Team).where(Team.id == team_id).values(timezone=timezone))


async def team_schedule(session: AsyncSession, team_id: int) -> TeamSchedule | None:
    return await session.get(TeamSchedule, team_id)


async def save_team_schedule(
    session: AsyncSession, team_id: int, by: str, **settings: Any
) -> TeamSchedule:
    schedule = await session.get(TeamSchedule, team_id)
    if schedule is None:
        schedule = TeamSchedule(team_id=team_id, updated_by=by, **settings)
        session.add(schedule)
    else:
        for name, value in settings.items():
            setattr(schedule, name, value)
        schedule.updated_by, schedule.updated_at = by, utcnow()
    return schedule
