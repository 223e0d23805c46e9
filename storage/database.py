"""Engine, sessions and schema checks for SQLite (the default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and every writer takes the write lock at BEGIN
(BEGIN IMMEDIATE), so a unit of work that reads then writes can't interleave with another
process. Within one process SQLite writers also queue in the event loop (an asyncio lock),
which is fair and fast where SQLite's own busy handler would sleep and retry.

Hot units of work (`Database.run`) are plain functions on a sync `Connection`. On PostgreSQL
they run through `AsyncConnection.run_sync`. On SQLite they run whole on one writer thread with
the standard-library driver: one thread round trip per unit of work instead of three or four per
statement through aiosqlite, and that single thread is itself the queue of writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.database_url import (
    DatabaseUnavailable,
    UnsupportedDatabase,
    async_database_url,
    reason_of,
)
from storage.private_files import create_private_sqlite_file, loose_files

__all__ = [
    "READ_ONLY",
    "Database",
    "DatabaseUnavailable",
    "SchemaError",
    "UnsupportedDatabase",
    "alembic_config",
    "database_url_from_env",
    "default_database_url",
]

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATION_LOCK = 0x43534D4D  # "CSMM": the PostgreSQL advisory lock key held while migrating


def default_database_url() -> str:
    """The embedded default: an SQLite file under the user's data directory."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite+aiosqlite:///{Path(data_home) / 'csmm' / 'csmm.db'}"


def database_url_from_env() -> str:
    return async_database_url(os.environ.get("CSMM_DATABASE_URL") or default_database_url())


class SchemaError(Exception):
    """The database schema does not match this version of CSMM Bot.

    ``revision`` is None when the database has no CSMM schema at all."""

    def __init__(self, where: str, revision: str | None, head: str | None) -> None:
        self.where, self.revision, self.head = where, revision, head
        if revision is None:
            text = f"The database ({where}) has no CSMM schema yet. Run `csmm db upgrade`."
        else:
            text = (
                f"The database ({where}) is at schema revision {revision}, but this version "
                f"of CSMM Bot needs {head}. Run `csmm db upgrade` first."
            )
        super().__init__(text)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


READ_ONLY = "csmm_read_only"  # execution option: this unit of work only reads


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver: _sqlite_begin emits our own BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")  # a no-op once _ensure_wal switched the file
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _ensure_wal(path: Path) -> None:
    """Switch the file to WAL once, before any pooled connection opens it.

    WAL is a property of the file. The switch needs an exclusive lock, and SQLite may refuse it
    at once ("database is locked") rather than wait, when another process is opening the same
    new file at the same moment; so it is retried here, briefly, instead of failing a person's
    first answer."""
    with contextlib.closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as db:
        for _ in range(100):
            try:
                db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.05)
        db.execute("PRAGMA journal_mode=WAL")  # still locked after 5 s: let the error show


def _sqlite_begin(connection: Connection) -> None:
    """Writers take SQLite's write lock at BEGIN, before their first read, so a read-then-write
    unit of work in one process can never interleave with another process's writes."""
    statement = "BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
    connection.exec_driver_sql(statement)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    if parsed.database in (None, "", ":memory:"):
        raise UnsupportedDatabase(
            "in-memory",
            "An in-memory SQLite database would lose every answer when the process ends; "
            "point CSMM_DATABASE_URL at a file.",
        )
    return Path(parsed.database).expanduser()


@dataclass(frozen=True)
class _SqliteWriter:
    """The standard-library driver on one thread: where SQLite's hot units of work run."""

    engine: Engine
    thread: ThreadPoolExecutor


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        url = async_database_url(url)  # sqlite:///…, postgres://… as pasted: our drivers
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        # Database files others may read (set on SQLite, where we can tell): warned about.
        self.loose_files: list[tuple[Path, int]] = []
        self._write_lock: asyncio.Lock | None = None
        self._sqlite_writer: _SqliteWriter | None = None
        if not self.is_sqlite:
            self.engine: AsyncEngine = create_async_engine(
                url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True
            )
        else:
            if (path := _sqlite_file(url)) is not None:
                self.loose_files = loose_files(path)
                try:
                    create_private_sqlite_file(path)
                    _ensure_wal(path)
                except (OSError, sqlite3.Error) as exc:
                    raise DatabaseUnavailable(str(path), reason_of(exc)) from exc
                # SQLite opens paths literally: "~" must be expanded here, once, for everyone.
                url = make_url(url).set(database=str(path)).render_as_string(hide_password=False)
                self.url = url
            # Every unit of work ends its own transaction (commit, or rollback on error), so the
            # pool's rollback on check-in would be a wasted round trip to the driver.
            self.engine = create_async_engine(url, echo=echo, pool_reset_on_return=None)
            writer_engine = create_engine(
                make_url(url).set(drivername="sqlite"),
                echo=echo,
                pool_reset_on_return=None,
                # Only the writer thread ever touches these connections (dispose included).
                connect_args={"check_same_thread": False},
            )
            for engine in (self.engine.sync_engine, writer_engine):
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            thread = ThreadPoolExecutor(1, thread_name_prefix="csmm-sqlite-writer")
            self._sqlite_writer = _SqliteWriter(writer_engine, thread)
            self._write_lock = asyncio.Lock()
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def describe(self) -> str:
        """Where the data lives, without credentials."""
        path = _sqlite_file(self.url)
        if path is not None:
            return f"SQLite file {path}"
        return make_url(self.url).render_as_string(hide_password=True)

    def _writer(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._write_lock if self._write_lock is not None else contextlib.nullcontext()

    def no_transaction_open(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Held, no write transaction of this process's event loop is open (on SQLite; a
        no-op elsewhere). A blocking call that writes to SQLite from the event loop must hold
        it: it would otherwise wait for a lock whose holder needs that loop to finish."""
        return self._writer()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        async with self._writer(), self.sessions() as session, session.begin():
            yield session

    async def run(self, unit: Callable[[Connection], T]) -> T:
        """Run ``unit`` as one transaction: committed if it returns, rolled back if it raises."""
        writer = self._sqlite_writer
        if writer is None:
            async with self.engine.begin() as connection:
                return await connection.run_sync(unit)

        def in_transaction() -> T:
            with writer.engine.begin() as connection:
                return unit(connection)

        return await asyncio.get_running_loop().run_in_executor(writer.thread, in_transaction)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: on SQLite it takes no write lock."""
        async with self.sessions() as session:
            await session.connection(execution_options={READ_ONLY: True})
            yield session

    async def dispose(self) -> None:
        writer, self._sqlite_writer = self._sqlite_writer, None  # a second call has nothing to do
        try:
            if writer is not None:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(writer.thread, writer.engine.dispose)
                writer.thread.shutdown(wait=True)
        finally:
            await self.engine.dispose()

    # ------------------------------------------------------------------ schema

    def _head(self) -> str | None:
        return ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()

    async def reachable(self) -> None:
        """Open one connection; DatabaseUnavailable (with the driver's reason) when the
        database cannot be reached, or refuses us."""
        try:
            async with self.engine.connect():
                pass
        except (SQLAlchemyError, OSError) as exc:
            where = _sqlite_file(self.url) or self.describe()  # a file: its path says it all
            raise DatabaseUnavailable(str(where), reason_of(exc)) from exc

    async def current_revision(self) -> tuple[str | None, bool]:
        """The schema's revision, and whether the database holds no tables at all."""

        def read(connection: Connection) -> tuple[str | None, bool]:
            revision = MigrationContext.configure(connection).get_current_revision()
            return revision, not inspect(connection).get_table_names()

        async with self.engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            return await connection.run_sync(read)

    async def upgrade(self) -> None:
        await self.reachable()
        config = alembic_config(self.url)

        def run(connection: Connection) -> None:
            if connection.dialect.name == "postgresql":
                # Replicas starting together migrate one at a time; the rest find it done.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        writer = self._sqlite_writer
        if writer is None:
            async with self.engine.begin() as connection:
                await connection.run_sync(run)
            return

        def run_without_foreign_keys() -> None:
            # SQLite changes a table's constraints by copying it and dropping the original; with
            # foreign keys enforced, that drop would cascade-delete every row that refers to it.
            # The pragma only takes effect outside a transaction, hence the raw connection.
            with writer.engine.connect() as connection:
                raw = connection.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys=OFF")
                try:
                    with connection.begin():
                        run(connection)
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
                finally:
                    raw.execute("PRAGMA foreign_keys=ON")

        await asyncio.get_running_loop().run_in_executor(writer.thread, run_without_foreign_keys)

    async def check_schema(self, *, create_if_empty: bool = False) -> None:
        """Refuse an outdated schema; an empty database is created when allowed."""
        await self.reachable()
        revision, empty = await self.current_revision()
        head = self._head()
        if revision == head:
            return
        if create_if_empty and empty:
            # Several first runs may race here; the upgrade takes the write lock, and the ones
            # that come second find the schema in place and change nothing.
            await self.upgrade()
            revision, _ = await self.current_revision()
            if revision == head:
                return
        raise SchemaError(self.describe(), revision, head)
