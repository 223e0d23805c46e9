"""`csmm console`: take the assessment in this terminal."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.cli.errors import friendly_errors
from bot.cli.options import LANG_OPTION, TEAM_OPTION, checked_name
from bot.cli.service import open_assessments
from bot.console.session import run_console


@click.command(short_help="Take the assessment here, typed or piped in.")
@TEAM_OPTION
@click.option(
    "--user", required=True, callback=checked_name, help="Your name; answers are saved under it."
)
@LANG_OPTION
@friendly_errors
def console(team: str, user: str, lang: str | None) -> None:
    """Take the assessment in this terminal (or answer from piped lines).

    Answers are saved one by one: stop at any time (Ctrl-D, Ctrl-C, `pause`) and run the same
    command again to continue where you were. People answering with the same --team form one
    snapshot.
    """
    with asyncio.Runner() as runner:
        assessments = runner.run(open_assessments(create_if_empty=True))
        try:
            code = run_console(runner, assessments, team, user, lang)
        finally:
            runner.run(assessments.database.dispose())
    sys.exit(code)
