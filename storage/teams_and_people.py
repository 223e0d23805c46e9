"""Teams and people, found by their platform's id or added the first time they show up.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Team, utcnow
from storage.upserts import session_insert

_Identified = TypeVar("_Identified", Team, Person)


async def _get_or_insert(
    session: AsyncSession,
    model: type[_Identified],
    platform: str,
    external_id: str,
    **values: Any,
) -> _Identified:
    """The row for (platform, external id), inserted with ``values`` when there is none; safe
    when two first messages from the same team or person arrive at once."""
    statement = session_insert(session, model).values(
        platform=platform, external_id=external_id, created_at=utcnow(), **values
    )
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["platform", "external_id"])
    )
    row = await session.scalar(
        select(model).where(model.platform == platform, model.external_id == external_id)
    )
    assert row is not None
    return row


async def get_or_create_team(
    session: AsyncSession,
    platform: str,
    external_id: str,
    name: str,
    locale: str = "en",
    anonymity_threshold: int = 3,
) -> Team:
    return await _get_or_insert(
        session,
        Team,
        platform,
        external_id,
        name=name,
        locale=locale,
        timezone="UTC",
        anonymity_threshold=anonymity_threshold,
    )


async def teams_named(session: AsyncSession, name: str) -> Sequence[Team]:
    return (await session.scalars(select(Team).where(Team.name == name).order_by(Team.id))).all()


async def get_or_create_person(
    session: AsyncSession,
    platform: str,
    external_id: str,
    display_name: str,
    locale: str | None = None,
) -> Person:
    return await _get_or_insert(
        session, Person, platform, external_id, display_name=display_name, locale=locale
    )


async def find_team(session: AsyncSession, platform: str, external_id: str) -> Team | None:
    return await session.scalar(
        select(Team).where(Team.platform == platform, Team.external_id == external_id)
    )


async def find_person(session: AsyncSession, platform: str, external_id: str) -> Person | None:
    return await session.scalar(
        select(Person).where(Person.platform == platform, Person.external_id == external_id)
    )
