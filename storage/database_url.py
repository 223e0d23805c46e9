"""Database URLs as people paste them, turned into the ones our drivers need.

People copy ``sqlite:///…``, ``postgresql://…``, ``postgres://…`` (Heroku's and many hosts'
form) or ``postgresql+psycopg2://…`` from elsewhere. CSMM Bot talks to SQLite through aiosqlite
and to PostgreSQL through asyncpg, whatever driver a URL names, so each is rewritten to those;
the scheduler's job store, which is synchronous, gets the same database through the standard
library's sqlite3 or psycopg (``blocking_database_url``). Anything else is refused as
``UnsupportedDatabase`` with a ``problem`` the caller words for people.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

Problem = Literal["in-memory", "unreadable", "backend"]

# Backend names as people write them → the backend; the drivers we use for each.
BACKENDS = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
BLOCKING_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
# libpq's (psycopg's) name for the TLS setting, and asyncpg's.
LIBPQ_SSL, ASYNCPG_SSL = "sslmode", "ssl"


class UnsupportedDatabase(Exception):
    """A database URL CSMM Bot can't keep answers in: ``problem`` says why, ``backend`` names
    the database kind the URL asked for (for "backend")."""

    def __init__(self, problem: Problem, message: str, backend: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        self.backend = backend


def _parsed(url: str) -> tuple[URL, str]:
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError):
        raise UnsupportedDatabase(
            "unreadable", "CSMM_DATABASE_URL is not a database URL."
        ) from None
    named = parsed.drivername.split("+", 1)[0].lower()
    backend = BACKENDS.get(named)
    if backend is None:
        raise UnsupportedDatabase(
            "backend",
            f"CSMM_DATABASE_URL names a {named} database; CSMM Bot uses SQLite or PostgreSQL.",
            backend=named,
        )
    return parsed, backend


def _renamed_query(parsed: URL, old: str, new: str) -> URL:
    if old not in parsed.query or new in parsed.query:
        return parsed
    query = dict(parsed.query)
    query[new] = query.pop(old)
    return parsed.set(query=query)


def async_database_url(url: str) -> str:
    """``url`` with the driver CSMM Bot runs on for its database (aiosqlite, asyncpg)."""
    parsed, backend = _parsed(url)
    parsed = parsed.set(drivername=ASYNC_DRIVERS[backend])
    if backend == "postgresql":
        parsed = _renamed_query(parsed, LIBPQ_SSL, ASYNCPG_SSL)
    return parsed.render_as_string(hide_password=False)


def blocking_database_url(url: str) -> URL:
    """The same database through a blocking driver (sqlite3, psycopg)."""
    parsed, backend = _parsed(url)
    parsed = parsed.set(drivername=BLOCKING_DRIVERS[backend])
    if backend == "postgresql":
        parsed = _renamed_query(parsed, ASYNCPG_SSL, LIBPQ_SSL)
    return parsed


class DatabaseUnavailable(Exception):
    """The database a valid URL names could not be opened: ``where`` (no credentials) and the
    driver's or the system's ``reason``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"Could not open the database in CSMM_DATABASE_URL ({where}): {reason}")
        self.where, self.reason = where, reason


def reason_of(error: BaseException) -> str:
    """A driver's or the system's reason, on one line."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
