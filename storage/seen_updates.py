"""Platform updates already handled, so a redelivered one is not answered twice."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, SeenUpdate, utcnow
from storage.upserts import dialect_insert, dialect_name

_seen = Base.metadata.tables[SeenUpdate.__tablename__]


@cache
def _mark_seen(dialect: str) -> Any:
    return (
        dialect_insert(dialect, _seen)
        .values(channel=bindparam("channel"), key=bindparam("key"), seen_at=bindparam("seen_at"))
        .on_conflict_do_nothing(index_elements=["channel", "key"])
    )


def mark_seen(connection: Connection, channel: str, key: str) -> bool:
    """Record a platform update as handled; False when it already was (a redelivery)."""
    result = connection.execute(
        _mark_seen(dialect_name(connection)), {"channel": channel, "key": key, "seen_at": utcnow()}
    )
    return bool(result.rowcount)


async def forget_seen(session: AsyncSession, channel: str, before: dt.datetime) -> int:
    """Drop records of updates too old to be redelivered."""
    result = await session.execute(
        delete(SeenUpdate).where(SeenUpdate.channel == channel, SeenUpdate.seen_at < before)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
