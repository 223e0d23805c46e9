"""`csmm db upgrade` and `db check`: the database schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import click

from bot.cli.errors import friendly_errors
from bot.cli.options import cli_localizer
from bot.cli.service import run_coroutine, warn_about_loose_files
from bot.settings import Settings
from storage.database import Database


@click.group()
def db() -> None:
    """Create, update and check the database schema."""


def _on_database(action: Callable[[Database], Awaitable[None]]) -> str:
    """Run a schema action on the configured database; returns where that database lives."""

    async def work() -> str:
        database = Database(Settings().database_url)
        warn_about_loose_files(database)
        try:
            await action(database)
            return database.describe()
        finally:
            await database.dispose()

    return run_coroutine(work())


@db.command()
@friendly_errors
def upgrade() -> None:
    """Create the database or bring its schema up to date."""
    where = _on_database(Database.upgrade)
    click.echo(cli_localizer()._("Schema up to date in {where}.", where=where))


@db.command()
@friendly_errors
def check() -> None:
    """Exit non-zero unless the schema matches this version."""
    where = _on_database(lambda d: d.check_schema())
    click.echo(cli_localizer()._("Schema is current in {where}.", where=where))
