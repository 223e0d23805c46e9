"""The `csmm` command line: the composition root for the terminal channel and admin tasks."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.assessments import Assessments, UserError
from bot.console.render import render_report
from bot.console.session import PLATFORM, environment_locale, run_console
from bot.exports import write_answers
from bot.i18n import localizers
from bot.settings import Settings
from conversations.i18n import SUPPORTED_LOCALES, Localizer, normalize_locale
from conversations.questionnaire import QuestionnaireError, load_questionnaire
from conversations.report import plan_line
from storage.database import Database, SchemaError, UnsupportedDatabase

P = ParamSpec("P")
T = TypeVar("T")

LANG_OPTION = click.option(
    "--lang", type=click.Choice(SUPPORTED_LOCALES), help="Language: en (English) or tr (Turkish)."
)
NAME_LENGTH = 100  # team and person names are stored in columns of bounded width


def _name(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not 1 <= len(value.strip()) <= NAME_LENGTH:
        message = cli_localizer()._("must be 1 to {limit} characters", limit=NAME_LENGTH)
        raise click.BadParameter(message, param=param)
    return value.strip() if value is not None else None


TEAM_OPTION = click.option("--team", required=True, callback=_name, help="The team's name.")


def cli_localizer(lang: str | None = None) -> Localizer:
    """--lang when given, else the language of the environment (LC_ALL, LC_MESSAGES, LANG)."""
    return localizers()[lang or normalize_locale(environment_locale())]


class CliError(click.ClickException):
    """A one-line, localized error with a non-zero exit."""

    def __init__(self, loc: Localizer, message: str) -> None:
        super().__init__(message)
        self.loc = loc

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.loc._("Error: {message}", message=self.message), err=True)


def _schema_message(loc: Localizer, error: SchemaError) -> str:
    if error.revision is None:
        return loc._(
            "The database ({where}) has no CSMM schema yet. Run `csmm db upgrade` to create it.",
            where=error.where,
        )
    return loc._(
        "The database ({where}) is at schema revision {revision}, but this version of CSMM Bot "
        "needs {head}. Run `csmm db upgrade` first.",
        where=error.where,
        revision=error.revision,
        head=error.head or "",
    )


def _friendly_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Turn expected failures into one readable, localized line and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        lang = kwargs.get("lang")
        loc = cli_localizer(lang if isinstance(lang, str) else None)
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            raise CliError(loc, exc.localized(loc)) from None
        except SchemaError as exc:
            raise CliError(loc, _schema_message(loc, exc)) from None
        except UnsupportedDatabase:
            raise CliError(
                loc,
                loc._(
                    "An in-memory SQLite database would lose every answer when the process "
                    "ends; point CSMM_DATABASE_URL at a file."
                ),
            ) from None
        except QuestionnaireError as exc:  # for whoever edits the file: names file, entry, problem
            raise CliError(loc, str(exc)) from None
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise CliError(loc, loc._("Database error: {reason}", reason=reason)) from None
        except BrokenPipeError:
            # Whoever read our output stopped early (`| head`); there is nobody left to tell.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:
            reason = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            raise CliError(loc, reason) from None

    return wrapper


async def _assessments(*, create_if_empty: bool = False) -> Assessments:
    """The service on the configured database, after checking its schema."""
    settings = Settings()
    questionnaire = load_questionnaire(settings.questionnaire)
    database = Database(settings.database_url)
    try:
        await database.check_schema(create_if_empty=create_if_empty)
    except BaseException:
        await database.dispose()
        raise
    return Assessments(database, questionnaire, localizers(), settings.anonymity_threshold)


async def _with_assessments(work: Callable[[Assessments], Awaitable[T]]) -> T:
    assessments = await _assessments()
    try:
        return await work(assessments)
    finally:
        await assessments.database.dispose()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csmm-bot", prog_name="csmm")
def cli() -> None:
    """CSMM Bot: run the Customer Service Maturity Model assessment and keep its action plan.

    Data lives in the database named by CSMM_DATABASE_URL (default: an SQLite file under
    ~/.local/share/csmm/). Run `csmm db upgrade` once to create or update it.
    """


@cli.command(short_help="Take the assessment here, typed or piped in.")
@TEAM_OPTION
@click.option(
    "--user", required=True, callback=_name, help="Your name; answers are saved under it."
)
@LANG_OPTION
@_friendly_errors
def console(team: str, user: str, lang: str | None) -> None:
    """Take the assessment in this terminal (or answer from piped lines).

    Answers are saved one by one: stop at any time (Ctrl-D, Ctrl-C, `pause`) and run the same
    command again to continue where you were. People answering with the same --team form one
    snapshot.
    """
    with asyncio.Runner() as runner:
        assessments = runner.run(_assessments(create_if_empty=True))
        try:
            code = run_console(runner, assessments, team, user, lang)
        finally:
            runner.run(assessments.database.dispose())
    sys.exit(code)


@cli.command(short_help="Show the team's latest report.")
@TEAM_OPTION
@LANG_OPTION
@_friendly_errors
def report(team: str, lang: str | None) -> None:
    """Show the team's latest report: level, scores, blockers, gaps and action plan."""

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        return render_report((await assessments.report(found, lang)).view)

    click.echo(_run(_with_assessments(work)))


@cli.command(short_help="Show the action plan; tick, untick or assign items.")
@TEAM_OPTION
@click.argument("action", required=False, type=click.Choice(["done", "undo", "assign"]))
@click.argument("number", required=False, type=click.IntRange(1, 10_000))
@click.option("--owner", help="With assign: who owns the item.")
@click.option(
    "--due", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD", help="With assign: due date."
)
@click.option("--by", default=getpass.getuser, show_default="your login name", help="Who ticks it.")
@LANG_OPTION
@_friendly_errors
def plan(
    team: str,
    action: str | None,
    number: int | None,
    owner: str | None,
    due: dt.datetime | None,
    by: str,
    lang: str | None,
) -> None:
    """Show the action plan, or tick an item: `plan --team T done 3`, `undo 3`,
    `assign 3 --owner Ayşe --due 2026-12-31`."""
    if action and number is None:
        raise click.UsageError(
            cli_localizer(lang)._(
                "`{action}` needs the item's number, for example: {action} 3", action=action
            )
        )
    if action != "assign" and (owner or due):
        raise click.UsageError(cli_localizer(lang)._("--owner and --due go with `assign`."))

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        if action in ("done", "undo"):
            assert number is not None
            items = await assessments.tick(found, number, action == "done", by)
        elif action == "assign":
            assert number is not None
            items = await assessments.assign(found, number, owner, due.date() if due else None, by)
        else:
            items = await assessments.plan(found)
        loc = assessments.localizer(lang or found.locale)
        if not items:
            return loc._(
                "There is no action plan yet: it appears once someone has submitted answers."
            )
        done = sum(item.done for item in items)
        heading = loc._("Action plan ({done} of {total} done)", done=done, total=len(items))
        return "\n".join([heading, *(plan_line(loc, assessments.questionnaire, i) for i in items)])

    click.echo(_run(_with_assessments(work)))


@cli.command(short_help="Export the latest snapshot's answers as CSV or JSON.")
@TEAM_OPTION
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
@LANG_OPTION
@_friendly_errors
def export(team: str, fmt: str, output: Path | None, lang: str | None) -> None:
    """Export the latest snapshot's answers, one row per answer, respondents pseudonymised."""

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        snapshot, records = await assessments.answers(found)
        return write_answers(fmt, found.name, snapshot, records, assessments.sequence)

    text = _run(_with_assessments(work))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(cli_localizer(lang)._("Wrote {path}", path=str(output)), err=True)


@cli.command(short_help="Delete a person's answers for a team.")
@TEAM_OPTION
@click.option("--user", required=True, callback=_name, help="The person whose answers go.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@LANG_OPTION
@_friendly_errors
def forget(team: str, user: str, yes: bool, lang: str | None) -> None:
    """Delete a person's answers for a team (their right to be forgotten).

    Answers in open snapshots are deleted; in closed snapshots only anonymous numbers stay, so
    the team's history keeps its shape without anything that points to the person.
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
        return await assessments.forget(found, PLATFORM, user, getpass.getuser())

    deleted, kept = _run(_with_assessments(work))
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


@cli.group()
def db() -> None:
    """Create, update and check the database schema."""


def _on_database(action: Callable[[Database], Awaitable[None]]) -> str:
    """Run a schema action on the configured database; returns where that database lives."""

    async def work() -> str:
        database = Database(Settings().database_url)
        try:
            await action(database)
            return database.describe()
        finally:
            await database.dispose()

    return _run(work())


@db.command()
@_friendly_errors
def upgrade() -> None:
    """Create the database or bring its schema up to date."""
    where = _on_database(Database.upgrade)
    click.echo(cli_localizer()._("Schema up to date in {where}.", where=where))


@db.command()
@_friendly_errors
def check() -> None:
    """Exit non-zero unless the schema matches this version."""
    where = _on_database(lambda d: d.check_schema())
    click.echo(cli_localizer()._("Schema is current in {where}.", where=where))


def main() -> None:
    cli(prog_name="csmm")
