"""Which process runs the scheduler: exactly one per database.

On PostgreSQL the leader holds a session-level advisory lock on a connection kept for that
alone; when the process dies its connection closes and the server frees the lock, and the
next process asking gets it. On SQLite (one machine) an exclusive lock on a file beside the
database does the same between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import zlib
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database

log = logging.getLogger("bot.scheduling")

# Advisory locks are per database: one key serves every CSMM database on a server.
LOCK_KEY = zlib.crc32(b"csmm-bot scheduler")
ASK_EVERY_SECONDS = 1.0  # how soon a standby notices that the leader is gone
CHECK_EVERY_SECONDS = 2.0  # how soon a leader notices that it lost its connection


class Leadership:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this process leads (True) or ``stop`` is set (False)."""
        while not stop.is_set():
            try:
                if await self._try():
                    return True
            except Exception as error:  # a database blip: a standby keeps asking
                log.warning("scheduler: could not ask for the lead: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ASK_EVERY_SECONDS)
        return False

    async def lost(self, stop: asyncio.Event) -> None:
        """Return when the lock is no longer certainly ours (or ``stop`` is set)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), CHECK_EVERY_SECONDS)
            if self._connection is not None:
                try:
                    await self._connection.execute(text("SELECT 1"))
                except Exception as error:  # any failure: the lock may be gone
                    log.error("scheduler: lost the database connection holding the lead: %s",
                              type(error).__name__)  # fmt: skip
                    return

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing the connection frees the lock too
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
                )
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
        if self._file is not None:
            self._file.close()  # and with it the lock
            self._file = None

    async def _try(self) -> bool:
        if self.database.is_sqlite:
            return self._try_file()
        connection = await self.database.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            )
        except Exception:
            await connection.close()
            raise
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    def _try_file(self) -> bool:
        database = make_url(self.database.url).database or "csmm.db"
        handle = Path(f"{database}.scheduler-lock").open("ab")  # noqa: SIM115 - held while leading
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True
