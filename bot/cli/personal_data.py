"""`csmm forget` and `csmm export-me`: a person's right to be forgotten, and to everything held
about them as JSON — for the operator answering a person's request on the server (Telegram and
Slack users ask the bot themselves)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from bot.assessments import Assessments
from bot.cli.errors import CliError, friendly_errors
from bot.cli.options import LANG_OPTION, OUTPUT_FILE, TEAM_OPTION, checked_name, cli_localizer
from bot.cli.service import run_coroutine, with_assessments
from bot.console.session import PLATFORM
from bot.personal_data import export_me as personal_data
from storage.private_files import write_private

PLATFORMS = ("console", "telegram", "slack")
PLATFORM_OPTION = click.option(
    "--platform",
    type=click.Choice(PLATFORMS),
    default="console",
    show_default=True,
    help="Where the person answered: the id is theirs on that platform.",
)


@click.command(short_help="Delete a person's answers for a team.")
@TEAM_OPTION
@click.option("--user", required=True, callback=checked_name, help="The person whose answers go.")
@click.option(
    "--platform",
    type=click.Choice(["console", "telegram", "slack"]),
    default=PLATFORM,
    show_default=True,
    help="Where the person answered: --user is their id there.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@LANG_OPTION
@friendly_errors
def forget(team: str, user: str, platform: str, yes: bool, lang: str | None) -> None:
    """Delete a person's answers for a team (their right to be forgotten).

    Answers in open snapshots are deleted; in closed snapshots only anonymous numbers stay, so
    the team's history keeps its shape without anything that points to the person. Their name
    and id go from the team's checklist, audit trail, admins and queued messages; once no other
    team links to them, every other trace goes too (docs/security.md lists them).
    """
    loc = cli_localizer(lang)
    if not yes and not (sys.stdin and sys.stdin.isatty()):
        raise CliError(loc, loc._("Nothing was deleted: add --yes to confirm without a prompt."))
    if not yes:
        question = loc._("Delete the answers “{person}” gave for “{team}”?", person=user, team=team)
        if not click.confirm(question):
            click.echo(loc._("Nothing was deleted."))
            sys.exit(1)

    async def work(assessments: Assessments) -> tuple[int, int]:
        found = await assessments.find_team(team)
        return await assessments.forget(found, platform, user, getpass.getuser())

    deleted, kept = run_coroutine(with_assessments(work))
    message = loc.ngettext(
        "Deleted {n} answer from “{person}”.",
        "Deleted {n} answers from “{person}”.",
        deleted,
        person=user,
    )
    if kept:
        message += " " + loc.ngettext(
            "{n} answer in closed snapshots stays as an anonymous number.",
            "{n} answers in closed snapshots stay as anonymous numbers.",
            kept,
        )
    click.echo(message)


@click.command("export-me", short_help="Export everything held about a person, as JSON.")
@click.option(
    "--user",
    required=True,
    callback=checked_name,
    help="The person: a console name, a Telegram user id or a Slack user id.",
)
@PLATFORM_OPTION
@click.option("--output", type=OUTPUT_FILE, help="File (default: stdout).")
@LANG_OPTION
@friendly_errors
def export_me(user: str, platform: str, output: Path | None, lang: str | None) -> None:
    """Export everything held about a person (their right of access and to portability):
    every answer with its notes, their language, time zone and away dates, the teams they
    belong to, admin roles, checklist items they ticked or own, and messages queued for them.
    Practices are on the 1–4 scale people answer on, 0 for "don't know"."""
    loc = cli_localizer(lang)

    async def work(assessments: Assessments) -> str | None:
        return await personal_data(assessments, platform, user, loc)

    document = run_coroutine(with_assessments(work))
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
