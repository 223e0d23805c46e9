"""`csmm export-me`: everything held about one person, as JSON — for the operator answering a
person's request on the server (Telegram and Slack users ask the bot themselves)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from bot.assessments import Assessments
from bot.cli import (
    CliError,
    _friendly_errors,
    _name,
    _run,
    _with_assessments,
    cli_localizer,
)
from bot.personal_data import export_me as personal_data
from conversations.i18n import SUPPORTED_LOCALES

PLATFORMS = ("console", "telegram", "slack")
PLATFORM_OPTION = click.option(
    "--platform",
    type=click.Choice(PLATFORMS),
    default="console",
    show_default=True,
    help="Where the person answered: the id is theirs on that platform.",
)
# bot/cli.py's own options, repeated: it imports this module to register the command, and
# mypy can't type module-level values across that cycle.
LANG_OPTION = click.option(
    "--lang", type=click.Choice(SUPPORTED_LOCALES), help="Language: en (English) or tr (Turkish)."
)
OUTPUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)
PRIVATE_FILE = 0o600  # it holds the person's answers: readable by the owner alone


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, readable and writable by the owner alone (an existing
    file's looser mode is tightened first)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), PRIVATE_FILE)
        file.write(data)


@click.command("export-me", short_help="Export everything held about a person, as JSON.")
@click.option(
    "--user",
    required=True,
    callback=_name,
    help="The person: a console name, a Telegram user id or a Slack user id.",
)
@PLATFORM_OPTION
@click.option("--output", type=OUTPUT_FILE, help="File (default: stdout).")
@LANG_OPTION
@_friendly_errors
def export_me(user: str, platform: str, output: Path | None, lang: str | None) -> None:
    """Export everything held about a person (their right of access and to portability):
    every answer with its notes, their language, time zone and away dates, the teams they
    belong to, admin roles, checklist items they ticked or own, and messages queued for them.
    Practices are on the 1–4 scale people answer on, 0 for "don't know"."""
    loc = cli_localizer(lang)

    async def work(assessments: Assessments) -> str | None:
        return await personal_data(assessments, platform, user, loc)

    document = _run(_with_assessments(work))
    if document is None:
        raise CliError(
            loc,
            loc._(
                "Nothing is stored about “{person}” on {platform}.", person=user, platform=platform
            ),
        )
    if output is None:
        click.echo(document, nl=False)
        sys.stdout.flush()
        return
    write_private(output, document.encode("utf-8"))
    click.echo(loc._("Wrote {path}", path=str(output)), err=True)
