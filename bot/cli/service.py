"""The assessment service a `csmm` command works on: the configured database and questionnaire,
opened for one command, or for a channel until it is stopped."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click

from bot.assessments import Assessments
from bot.cli.options import cli_localizer
from bot.database_messages import loose_file_warnings
from bot.i18n import localizers
from bot.settings import Settings
from conversations.questionnaire import load_questionnaire
from storage.database import Database

T = TypeVar("T")


async def open_assessments(*, create_if_empty: bool = False, operator: bool = True) -> Assessments:
    """The service on the configured database, after checking its schema. The operator at
    this terminal sees every result; channels served from here (``operator=False``) see what
    the anonymity threshold lets them (bot/disclosure.py)."""
    settings = Settings()
    questionnaire = load_questionnaire(settings.questionnaire)
    database = Database(settings.database_url)
    warn_about_loose_files(database)
    try:
        await database.check_schema(create_if_empty=create_if_empty)
    except BaseException:
        await database.dispose()
        raise
    return Assessments(
        database, questionnaire, localizers(), settings.anonymity_threshold, operator=operator
    )


def warn_about_loose_files(database: Database) -> None:
    for line in loose_file_warnings(cli_localizer(), database.loose_files):
        click.echo(line, err=True)


async def with_assessments(work: Callable[[Assessments], Awaitable[T]]) -> T:
    assessments = await open_assessments()
    try:
        return await work(assessments)
    finally:
        await assessments.database.dispose()


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


async def until_stopped(serve: Callable[[Assessments, asyncio.Event], Awaitable[None]]) -> None:
    """Run a channel until Ctrl-C or SIGTERM sets the event ``serve`` is given, then close the
    database."""
    assessments = await open_assessments(create_if_empty=True, operator=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(assessments, stop)
    finally:
        await assessments.database.dispose()
