"""Every row of every table in a database, as text: the check behind "nothing changed" and
"nothing of this person is left". The tables are read from the database itself, not listed
here, so a table added later (ours, slack-sdk's installation store, APScheduler's job store)
is covered without editing a test."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

# Records of which platform deliveries were already handled: a replayed press may add one.
DELIVERY_DEDUPE_TABLES = frozenset({"seen_updates"})

TableDump = dict[str, list[tuple[str, ...]]]


def _dump(connection: Connection, skip: frozenset[str]) -> TableDump:
    metadata = MetaData()
    metadata.reflect(connection)
    dump: TableDump = {}
    for table in metadata.sorted_tables:
        if table.name in skip or table.name == "alembic_version":
            continue
        rows = connection.execute(select(table)).all()
        dump[table.name] = sorted(tuple(_text(value) for value in row) for row in rows)
    return dump


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")  # pickled job arguments keep their ids readable
    return repr(value) if not isinstance(value, str) else value


async def dump_tables(database_url: str, skip: Iterable[str] = ()) -> TableDump:
    """Every row of every table (but ``skip``), each value as text, sorted per table."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_dump, frozenset(skip))
    finally:
        await engine.dispose()


async def dump_changeable_tables(database_url: str) -> TableDump:
    """Every table a replayed payload must leave alone (all but delivery records)."""
    return await dump_tables(database_url, DELIVERY_DEDUPE_TABLES)


def cells_containing(dump: TableDump, needles: Iterable[str]) -> list[str]:
    """Where any of ``needles`` still appears: ``table: row`` lines, for a readable failure."""
    wanted = [needle for needle in needles if needle]
    return [
        f"{table}: {row}"
        for table, rows in dump.items()
        for row in rows
        if any(needle in cell for cell in row for needle in wanted)
    ]
