"""Who takes part in which open snapshot: the responses a person's next message continues,
the snapshots they have yet to start, and who has started one.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invitee, Person, Response, Snapshot, Team, utcnow


@dataclass(frozen=True)
class Participation:
    """A person's place in one open snapshot of one of their teams."""

    team: Team
    snapshot: Snapshot
    response_id: int
    status: str  # in_progress | submitted
    updated_at: dt.datetime


async def open_participations(
    session: AsyncSession, platform: str, external_id: str
) -> list[Participation]:
    """The person's responses in snapshots still open, the most recently active first."""
    rows = await session.execute(
        select(Team, Snapshot, Response.id, Response.status, Response.updated_at)
        .join(Snapshot, Snapshot.id == Response.snapshot_id)
        .join(Team, Team.id == Snapshot.team_id)
        .join(Person, Person.id == Response.person_id)
        .where(
            Person.platform == platform,
            Person.external_id == external_id,
            Snapshot.status == "open",
        )
        .order_by(Response.updated_at.desc(), Response.id.desc())
    )
    return [Participation(*row) for row in rows]


async def unstarted_snapshots(
    session: AsyncSession, platform: str, external_id: str
) -> list[tuple[Team, Snapshot]]:
    """Open snapshots of the person's teams (those they answered for before, or were invited
    to) that they have not started yet."""
    person = (
        select(Person.id)
        .where(Person.platform == platform, Person.external_id == external_id)
        .scalar_subquery()
    )
    their_teams = (
        select(Snapshot.team_id)
        .join(Response, Response.snapshot_id == Snapshot.id)
        .where(Response.person_id == person)
    )
    invited = select(Invitee.snapshot_id).where(Invitee.person_id == person)
    started = select(Response.snapshot_id).where(Response.person_id == person)
    rows = await session.execute(
        select(Team, Snapshot)
        .join(Snapshot, Snapshot.team_id == Team.id)
        .where(
            Snapshot.status == "open",
            Team.id.in_(their_teams) | Snapshot.id.in_(invited),
            Snapshot.id.not_in(started),
        )
        .order_by(Snapshot.opened_at.desc())
    )
    return [(team, snapshot) for team, snapshot in rows]


async def touch_response(session: AsyncSession, response_id: int) -> None:
    """Make the response the person's most recent, the one their next message continues."""
    await session.execute(
        update(Response).where(Response.id == response_id).values(updated_at=utcnow())
    )


async def snapshot_people(session: AsyncSession, snapshot_id: int) -> list[tuple[str, str]]:
    """(name, response status) of everyone who has started the snapshot, by name."""
    rows = await session.execute(
        select(Person.display_name, Response.status)
        .join(Person, Person.id == Response.person_id)
        .where(Response.snapshot_id == snapshot_id)
        .order_by(Person.display_name, Person.id)
    )
    return [(name, status) for name, status in rows]
