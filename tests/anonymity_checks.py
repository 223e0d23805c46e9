"""Every row of every table with its column names (from tests/table_dump.py's walk of the
database itself): what the anonymity tests read to show which rows link people to answers."""

from __future__ import annotations

import re

from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from tests.table_dump import dump_tables

NamedRows = dict[str, list[dict[str, str]]]
MIDNIGHT = re.compile(r"00:00:00|\(\d+, \d+, \d+, 0, 0[,)]")  # as text, or a datetime's repr


def _columns(connection: Connection) -> dict[str, list[str]]:
    metadata = MetaData()
    metadata.reflect(connection)
    return {
        table.name: [column.name for column in table.columns] for table in metadata.tables.values()
    }


async def linked_rows(database_url: str) -> NamedRows:
    """Every row of every table as {column: value as text}."""
    dump = await dump_tables(database_url)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(_columns)
    finally:
        await engine.dispose()
    return {
        table: [dict(zip(columns[table], row, strict=True)) for row in rows]
        for table, rows in dump.items()
    }


def rows_by_name(rows: NamedRows, table: str) -> list[dict[str, str]]:
    return rows.get(table, [])


def answer_holders(rows: NamedRows) -> set[str]:
    """The ids of the responses that hold answers."""
    return {answer["response_id"] for answer in rows_by_name(rows, "answers")}


def assert_answers_name_nobody(rows: NamedRows, person_id: str) -> None:
    """The answers sit in rows that name nobody; the person keeps only a receipt (submitted,
    no answers); and no row of any other table points from a person to the answers."""
    holders = answer_holders(rows)
    assert holders, "no answers stored"
    for response in rows_by_name(rows, "responses"):
        if response["id"] in holders:
            assert response["person_id"] == "None", response
            assert response["previous_response_id"] == "None", response
            assert MIDNIGHT.search(response["submitted_at"]), response  # kept to the day
        elif response["person_id"] == person_id:
            assert response["status"] == "submitted", response
    for table, table_rows in rows.items():
        if table in ("responses", "answers"):
            continue
        for row in table_rows:
            refers = {v for k, v in row.items() if k.endswith("response_id")}
            if refers & holders:
                raise AssertionError(f"{table} links answers: {row}")
