"""INSERT … ON CONFLICT for the database in use: what makes "get or create" and "record once"
safe when two requests race."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(connection: Connection | AsyncSession) -> str:
    if isinstance(connection, AsyncSession):
        return connection.get_bind().dialect.name
    return connection.dialect.name


def dialect_insert(dialect: str, table: Any) -> Any:
    """INSERT with the dialect's ON CONFLICT support (both PostgreSQL and SQLite have it)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def session_insert(session: AsyncSession, table: Any) -> Any:
    return dialect_insert(dialect_name(session), table)
