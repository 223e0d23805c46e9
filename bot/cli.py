"""The `csmm` command line: the composition root for the terminal channel and admin tasks."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import getpass
import logging
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
from click.core import ParameterSource
from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError

from bot.anonymity import set_anonymous, set_threshold
from bot.assessments import Assessments, TeamReport, UserError
from bot.console.render import render_report
from bot.console.session import PLATFORM, environment_locale, run_console
from bot.database_messages import (
    loose_file_warnings,
    unavailable_database_message,
    unsupported_database_message,
)
from bot.disclosure import MAX_THRESHOLD, MIN_THRESHOLD
from bot.i18n import localizers
from bot.logs import keep_out_of_logs
from bot.reports.charts import radar_png, trend_png
from bot.reports.exports import export_csv, export_json
from bot.reports.pdf import report_pdf
from bot.settings import Settings, SlackSettings, TelegramSettings
from conversations.commands import LANGUAGE_LABELS
from conversations.i18n import SUPPORTED_LOCALES, Localizer, normalize_locale
from conversations.questionnaire import Questionnaire, QuestionnaireError, load_questionnaire
from conversations.report import history_line, plan_line
from storage.database import Database, DatabaseUnavailable, SchemaError, UnsupportedDatabase
from storage.private_files import write_private

if TYPE_CHECKING:
    from slack_sdk.errors import SlackApiError

    from bot.slack.app import SlackConfig

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
        except UnsupportedDatabase as exc:
            raise CliError(loc, unsupported_database_message(loc, exc)) from None
        except DatabaseUnavailable as exc:
            raise CliError(loc, unavailable_database_message(loc, exc)) from None
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


async def _assessments(*, create_if_empty: bool = False, operator: bool = True) -> Assessments:
    """The service on the configured database, after checking its schema. The operator at
    this terminal sees every result; channels served from here (``operator=False``) see what
    the anonymity threshold lets them (bot/disclosure.py)."""
    settings = Settings()
    questionnaire = load_questionnaire(settings.questionnaire)
    database = Database(settings.database_url)
    _warn_about_loose_files(database)
    try:
        await database.check_schema(create_if_empty=create_if_empty)
    except BaseException:
        await database.dispose()
        raise
    return Assessments(
        database, questionnaire, localizers(), settings.anonymity_threshold, operator=operator
    )


def _warn_about_loose_files(database: Database) -> None:
    for line in loose_file_warnings(cli_localizer(), database.loose_files):
        click.echo(line, err=True)


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


def _team_report(
    team: str, lang: str | None
) -> Callable[[Assessments], Awaitable[tuple[TeamReport, Localizer, Questionnaire]]]:
    async def work(assessments: Assessments) -> tuple[TeamReport, Localizer, Questionnaire]:
        found = await assessments.find_team(team)
        built = await assessments.report(found, lang)
        return built, assessments.localizer(built.locale), assessments.questionnaire

    return work


def _report_pdf(
    built: TeamReport,
    loc: Localizer,
    questionnaire: Questionnaire,
    radar: bytes | None = None,
    trend: bytes | None = None,
) -> bytes:
    """The report as a PDF with both charts, drawing whichever was not drawn already."""
    return report_pdf(
        built.view,
        loc,
        radar=radar or radar_png(questionnaire, built.history, loc),
        trend=trend or trend_png(questionnaire, built.history, loc),
    )


def _write(path: Path, data: bytes, loc: Localizer) -> None:
    write_private(path, data)  # reports and exports carry answers: 0600, like the database
    click.echo(loc._("Wrote {path}", path=str(path)), err=True)


OUTPUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@cli.command(short_help="Show the team's latest report; write charts and a PDF.")
@TEAM_OPTION
@LANG_OPTION
@click.option("--chart", type=OUTPUT_FILE, metavar="FILE.png", help="Write the radar chart.")
@click.option("--trend", type=OUTPUT_FILE, metavar="FILE.png", help="Write the trend chart.")
@click.option("--pdf", type=OUTPUT_FILE, metavar="FILE.pdf", help="Write the report as a PDF.")
@_friendly_errors
def report(
    team: str, lang: str | None, chart: Path | None, trend: Path | None, pdf: Path | None
) -> None:
    """Show the team's latest report: level, scores and their change since the previous
    snapshot, blockers, gaps and the action plan. Optionally write the radar chart, the trend
    chart across snapshots, and the whole report as a PDF."""

    built, loc, questionnaire = _run(_with_assessments(_team_report(team, lang)))
    click.echo(render_report(built.view))
    radar = radar_png(questionnaire, built.history, loc) if chart else None
    progress = trend_png(questionnaire, built.history, loc) if trend else None
    if chart and radar:
        _write(chart, radar, loc)
    if trend and progress:
        _write(trend, progress, loc)
    if pdf:
        _write(pdf, _report_pdf(built, loc, questionnaire, radar, progress), loc)


@cli.command(short_help="List the team's snapshots: date, level, score, responses.")
@TEAM_OPTION
@LANG_OPTION
@_friendly_errors
def history(team: str, lang: str | None) -> None:
    """One line per snapshot of the team: date, level, overall score and responses."""

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        snapshots = await assessments.history(found)
        loc = assessments.localizer(lang or found.locale)
        if not snapshots:
            return loc._("Team “{name}” has no assessment yet.", name=found.name)
        return "\n".join(history_line(loc, assessments.questionnaire, s) for s in snapshots)

    click.echo(_run(_with_assessments(work)))


@cli.group()
def snapshot() -> None:
    """Start the team's next snapshot."""


@snapshot.command("new")
@TEAM_OPTION
@click.option(
    "--by", default=getpass.getuser, show_default="your login name", help="Who starts it."
)
@LANG_OPTION
@_friendly_errors
def snapshot_new(team: str, by: str, lang: str | None) -> None:
    """Close the team's open snapshot and open the next one. Everyone who answered before sees
    their previous answers again and can keep each with one input."""

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        number = await assessments.new_snapshot(found, by)
        loc = assessments.localizer(lang or found.locale)
        return loc._(
            "Snapshot {number} is open for “{team}”. Answer it with: csmm console --team "
            '"{team}" --user NAME',
            number=number,
            team=found.name,
        )

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
            current = await assessments.tick(found, number, action == "done", by)
        elif action == "assign":
            assert number is not None
            current = await assessments.assign(
                found, number, owner, due.date() if due else None, by
            )
        else:
            current = await assessments.plan(found)
        loc = assessments.localizer(lang or found.locale)
        items = current.items
        if not items:
            return loc._(
                "There is no action plan yet: it appears once someone has submitted answers."
            )
        done = sum(item.done for item in items)
        lines = [loc._("Action plan ({done} of {total} done)", done=done, total=len(items))]
        if current.snapshot_number != current.latest_number:
            lines.append(
                loc._(
                    "From snapshot {number}: snapshot {latest} has no results yet.",
                    number=current.snapshot_number,
                    latest=current.latest_number,
                )
            )
        lines += [plan_line(loc, assessments.questionnaire, i) for i in items]
        return "\n".join(lines)

    click.echo(_run(_with_assessments(work)))


@cli.command(short_help="Export a snapshot as CSV, JSON or PDF.")
@TEAM_OPTION
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "pdf"]), required=True)
@click.option(
    "--table",
    type=click.Choice(["answers", "dimensions"]),
    default="answers",
    show_default=True,
    help="With csv: one row per answer, or one per dimension (plus the overall score).",
)
@click.option(
    "--snapshot", "number", type=click.IntRange(1), help="Snapshot number (default: latest)."
)
@click.option("--output", type=OUTPUT_FILE, help="File (default: stdout).")
@LANG_OPTION
@_friendly_errors
def export(
    team: str, fmt: str, table: str, number: int | None, output: Path | None, lang: str | None
) -> None:
    """Export a snapshot. CSV: one table per file (--table answers or dimensions). JSON: one
    document with the level, the overall score, the dimensions and every answer. PDF: the
    report with its charts. Respondents show as R1, R2, … unless the team chose to export names
    (`csmm team --names`)."""
    loc = cli_localizer(lang)
    if fmt == "pdf":
        if number is not None:
            raise click.UsageError(loc._("A PDF is always of the latest snapshot."))
        if output is None and sys.stdout.isatty():
            raise click.UsageError(loc._("A PDF goes to a file: add --output report.pdf"))

        built, report_loc, questionnaire = _run(_with_assessments(_team_report(team, lang)))
        document = _report_pdf(built, report_loc, questionnaire)
        if output is None:
            sys.stdout.buffer.write(document)
        else:
            _write(output, document, loc)
        return

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        data = await assessments.export(found, number)
        labels = assessments.localizer(lang or found.locale)  # as the report
        if fmt == "json":
            return export_json(data, assessments.sequence, labels)
        return export_csv(data, assessments.sequence, table, labels)

    text = _run(_with_assessments(work))
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text.encode("utf-8"), loc)


@cli.command(short_help="Show or change a team's settings.")
@TEAM_OPTION
@click.option(
    "--names/--no-names",
    default=None,
    help="Name respondents in exports (the team's choice), or show them as R1, R2, …",
)
@click.option(
    "--threshold",
    type=click.IntRange(MIN_THRESHOLD, MAX_THRESHOLD),
    help="Fewest submitted responses whose results chats may see.",
)
@click.option(
    "--anonymous/--no-anonymous",
    default=None,
    help="Anonymous mode: submitted answers keep no link to the person.",
)
@click.option(
    "--by", default=getpass.getuser, show_default="your login name", help="Who changes it."
)
@LANG_OPTION
@_friendly_errors
def team(
    team: str,
    names: bool | None,
    threshold: int | None,
    anonymous: bool | None,
    by: str,
    lang: str | None,
) -> None:
    """Show the team's settings, or change whether exports name respondents, its anonymity
    threshold and anonymous mode."""

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        if names is not None:
            await assessments.set_export_names(found, names, by)
        if threshold is not None:
            await set_threshold(assessments.database, found, threshold, by)
        if anonymous is not None:
            await set_anonymous(assessments.database, found, anonymous, by)
        loc = assessments.localizer(lang or found.locale)
        shown = found.export_names if names is None else names
        return "\n".join(
            [
                loc._("Team: {name}", name=found.name),
                loc._("Language: {language}", language=loc._(LANGUAGE_LABELS[found.locale])),
                loc._("Anonymity threshold: {n}", n=found.anonymity_threshold),
                loc._("Anonymous mode: on") if found.anonymous else loc._("Anonymous mode: off"),
                loc._("Exports name respondents: yes")
                if shown
                else loc._("Exports name respondents: no (R1, R2, …)"),
            ]
        )

    click.echo(_run(_with_assessments(work)))


@cli.command(short_help="Show or change when a team's snapshots and reminders happen.")
@TEAM_OPTION
@click.option(
    "--go-live", metavar="YYYY-MM-DD|none", help="The go-live date the cycle counts from."
)
@click.option("--deadline-days", type=int, help="Days people have to answer (1–90).")
@click.option("--send-at", metavar="HH:MM", help="Local time of openings, nudges and reviews.")
@click.option("--hours", metavar="HH:MM-HH:MM", help="Working hours: no messages outside them.")
@click.option("--working-days", metavar="DIGITS", help="ISO weekdays, e.g. 12345 (Mon–Fri).")
@click.option("--timezone", metavar="ZONE", help="The team's time zone, e.g. Europe/Istanbul.")
@click.option("--nudge-days", metavar="LIST", help="e.g. 2,-1: two days in, the day before.")
@click.option("--first-after-days", type=int, help="First snapshot: days after go-live (14).")
@click.option("--second-after-months", type=int, help="Second: months after go-live (3).")
@click.option("--every-months", type=int, help="Then every so many months (6).")
@click.option("--review-every-days", type=int, help="Action-plan reviews every N days (30).")
@click.option("--review-before-days", type=int, help="A review N days before a snapshot (14).")
@click.option(
    "--by", default=getpass.getuser, show_default="your login name", help="Who changes it."
)
@LANG_OPTION
@_friendly_errors
def schedule(team: str, by: str, lang: str | None, **changes: Any) -> None:
    """Show the team's schedule and its next dates; any option given changes it first."""
    from bot.scheduling import settings

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        if any(value is not None for value in changes.values()):
            await settings.save(assessments, found, changes, by)
        loc = assessments.localizer(lang or found.locale)
        return "\n".join(await settings.describe(assessments, found, loc))

    click.echo(_run(_with_assessments(work)))


async def _until_stopped(serve: Callable[[Assessments, asyncio.Event], Awaitable[None]]) -> None:
    """Run a channel until Ctrl-C or SIGTERM sets the event ``serve`` is given, then close the
    database."""
    assessments = await _assessments(create_if_empty=True, operator=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(assessments, stop)
    finally:
        await assessments.database.dispose()


TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]+")


def _failed_bootstrap(record: logging.LogRecord) -> bool:
    """Drop python-telegram-bot's traceback of a setWebhook/deleteWebhook that failed at start:
    it raises the error too, and the command reports it in one line."""
    failed = record.levelno >= logging.ERROR and record.getMessage().startswith(
        "Network Retry Loop (Bootstrap"
    )
    return not failed


@cli.command(short_help="Run the Telegram bot (long polling, or a webhook).")
@click.option(
    "--webhook-url",
    metavar="URL",
    help="Have Telegram send updates to this public HTTPS URL instead of polling for them. "
    "A reverse proxy forwards it to --listen:--port.",
)
@click.option(
    "--listen",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="With --webhook-url: the address the webhook server listens on.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="With --webhook-url: the port it listens on.",
)
@click.option(
    "--url-path",
    metavar="PATH",
    help="With --webhook-url: the path it answers on, if the proxy changes it "
    "(default: the URL's path).",
)
@LANG_OPTION
@click.pass_context
@_friendly_errors
def telegram(
    ctx: click.Context,
    webhook_url: str | None,
    listen: str,
    port: int,
    url_path: str | None,
    lang: str | None,
) -> None:
    """Run the Telegram bot until Ctrl-C: people answer in a private chat with it.

    Needs TELEGRAM_BOT_TOKEN (from @BotFather); TELEGRAM_API_URL points at another Bot API
    server (default: Telegram's own). Without --webhook-url the bot polls for updates. With it,
    Telegram posts them to that URL, and requests without the webhook's secret are refused
    (403): TELEGRAM_WEBHOOK_SECRET, or else a new random one at each start.
    """
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    from bot.telegram.app import build_application, run_polling
    from bot.telegram.webhook import is_valid_secret, is_webhook_url, new_secret, run_webhook

    loc = cli_localizer(lang)
    webhook_only = ("listen", "port", "url_path")
    if webhook_url is None and any(
        ctx.get_parameter_source(name) is not ParameterSource.DEFAULT for name in webhook_only
    ):
        raise click.UsageError(loc._("--listen, --port and --url-path go with --webhook-url."))
    settings = TelegramSettings()
    token = _telegram_token(loc, settings)
    secret = settings.webhook_secret.get_secret_value().strip() if settings.webhook_secret else ""
    if webhook_url is not None and not is_webhook_url(webhook_url):
        raise CliError(
            loc,
            loc._(
                "--webhook-url needs a full URL that Telegram can reach, such as "
                "https://bot.example.com/telegram, not “{url}”.",
                url=webhook_url,
            ),
        )
    if webhook_url is not None and secret and not is_valid_secret(secret):
        raise CliError(
            loc,
            loc._(
                "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters: letters A–Z and a–z, "
                "digits, _ and -."
            ),
        )
    secret = secret or new_secret()
    keep_out_of_logs(token, secret)
    logging.getLogger("telegram.ext").addFilter(_failed_bootstrap)

    async def serve(assessments: Assessments, stop: asyncio.Event) -> None:
        application = build_application(assessments, token, settings.api_url)
        if webhook_url is None:
            await run_polling(application, stop)
        else:
            await run_webhook(
                application,
                stop,
                url=webhook_url,
                secret=secret,
                listen=listen,
                port=port,
                url_path=url_path,
            )

    try:
        _run(_until_stopped(serve))
    except InvalidToken:
        raise CliError(
            loc, loc._("Telegram did not accept TELEGRAM_BOT_TOKEN: check it with @BotFather.")
        ) from None
    except TelegramError as exc:
        reason = exc.message.replace(token, "…")
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            # httpx's reasons (connection refused, timed out, …), which name no URL
            message = loc._("Could not reach the Bot API: {reason}", reason=reason)
        else:  # e.g. setWebhook refusing the URL
            message = loc._("Telegram refused: {reason}", reason=reason)
        raise CliError(loc, message) from None


@cli.command(short_help="Run the Slack app (HTTP, or Socket Mode).")
@click.option(
    "--socket-mode",
    is_flag=True,
    help="Connect to Slack through Socket Mode (needs SLACK_APP_TOKEN) instead of serving HTTP.",
)
@click.option(
    "--listen",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="HTTP mode: the address to listen on (0.0.0.0 for every interface).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=3000,
    show_default=True,
    help="HTTP mode: the port to listen on.",
)
@LANG_OPTION
@click.pass_context
@_friendly_errors
def slack(ctx: click.Context, socket_mode: bool, listen: str, port: int, lang: str | None) -> None:
    """Run the Slack app until Ctrl-C: /maturity in channels, the questions in DMs.

    HTTP mode serves /slack/events (set it as the Request URL of the slash command, events
    and interactivity) and checks each request's signature with SLACK_SIGNING_SECRET.
    SLACK_BOT_TOKEN is the bot token of one workspace; or set SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET to install into many through /slack/install (installations are stored
    in the database). SLACK_API_URL points at another Web API (default: Slack's own).
    """
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.app import SlackChannel, web_client
    from bot.slack.server import run_http, run_socket_mode

    loc = cli_localizer(lang)
    if socket_mode and any(
        ctx.get_parameter_source(name) is not ParameterSource.DEFAULT for name in ("listen", "port")
    ):
        raise click.UsageError(loc._("--listen and --port are for HTTP mode, not --socket-mode."))
    config, app_token = _slack_config(loc, socket_mode=socket_mode)

    async def serve(assessments: Assessments, stop: asyncio.Event) -> None:
        channel = SlackChannel(assessments, config)
        if socket_mode:
            await run_socket_mode(channel, stop, app_token=app_token)
            return
        click.echo(
            loc._(
                "Slack app listening on http://{address}:{port}/slack/events",
                address=listen,
                port=port,
            )
        )
        await run_http(channel, stop, host=listen, port=port)

    async def checked_then_served() -> None:
        if config.bot_token:  # a wrong token fails here, in one line, not at the first request
            await web_client(config.api_url, config.bot_token).auth_test()
        await _until_stopped(serve)

    try:
        _run(checked_then_served())
    except SlackApiError as exc:
        raise _slack_refusal(loc, exc) from None
    except (SlackClientError, OSError) as exc:
        raise CliError(
            loc, loc._("Could not reach the Slack API: {reason}", reason=type(exc).__name__)
        ) from None


def _slack_refusal(loc: Localizer, exc: SlackApiError) -> CliError:
    """What Slack refused, in one line: naming the token it would not take, when it was one."""
    reason = str(exc.response.get("error", "unknown"))
    if reason not in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return CliError(loc, loc._("Slack refused: {reason}", reason=reason))
    if str(exc.response.api_url).endswith("/apps.connections.open"):
        return CliError(
            loc, loc._("Slack did not accept SLACK_APP_TOKEN ({reason}).", reason=reason)
        )
    return CliError(loc, loc._("Slack did not accept SLACK_BOT_TOKEN ({reason}).", reason=reason))


def _slack_config(loc: Localizer, *, socket_mode: bool) -> tuple[SlackConfig, str]:
    """The Slack settings from the environment, checked: (config, app-level token)."""
    from bot.slack.app import SlackConfig

    settings = SlackSettings()
    secret = _secret(settings.signing_secret)
    token = _secret(settings.bot_token)
    app_token = _secret(settings.app_token)
    client_secret = _secret(settings.client_secret)
    oauth = bool(settings.client_id and client_secret)
    keep_out_of_logs(*(value for value in (secret, token, app_token, client_secret) if value))
    if not oauth and not token:  # its form is for Slack to judge (auth.test, below)
        raise CliError(
            loc,
            loc._(
                "Set SLACK_BOT_TOKEN to your app's bot token (it starts with xoxb-), or "
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install into many workspaces."
            ),
        )
    if socket_mode and not app_token:
        raise CliError(
            loc, loc._("Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…).")
        )
    if socket_mode and oauth:
        raise CliError(
            loc,
            loc._("Installing into many workspaces (OAuth) needs HTTP mode: drop --socket-mode."),
        )
    if not socket_mode and not secret:
        raise CliError(
            loc,
            loc._("Set SLACK_SIGNING_SECRET (Basic Information in your app's settings)."),
        )
    config = SlackConfig(
        signing_secret=secret,
        api_url=settings.api_url,
        bot_token=None if oauth else token,
        client_id=settings.client_id if oauth else None,
        client_secret=client_secret if oauth else None,
    )

    return config, app_token


def _telegram_token(loc: Localizer, settings: TelegramSettings) -> str:
    """TELEGRAM_BOT_TOKEN, checked for a bot token's form."""
    token = _secret(settings.bot_token)
    if not token:
        raise CliError(loc, loc._("Set TELEGRAM_BOT_TOKEN to the token @BotFather gave you."))
    if not TOKEN_FORMAT.fullmatch(token):
        raise CliError(
            loc,
            loc._(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters)."
            ),
        )
    return token


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value else ""


@cli.command(short_help="Run every configured channel in one process.")
@click.option(
    "--listen",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="The address of the HTTP server (Slack's requests, /healthz).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="Its port.",
)
@click.option(
    "--no-telegram-polling",
    is_flag=True,
    help="Send Telegram messages (the scheduler's) but leave getUpdates to another replica: "
    "Telegram serves one poller per bot token.",
)
@LANG_OPTION
@_friendly_errors
def serve(listen: str, port: int, no_telegram_polling: bool, lang: str | None) -> None:
    """Run Telegram (when TELEGRAM_BOT_TOKEN is set) and Slack (when SLACK_BOT_TOKEN, or
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, are set) together until Ctrl-C or SIGTERM.

    Telegram polls; Slack is served over HTTP at /slack/events, or through Socket Mode when
    SLACK_APP_TOKEN is set. GET /healthz answers 200 while every channel runs.
    """
    import aiohttp
    from slack_sdk.errors import SlackApiError, SlackClientError
    from telegram.error import InvalidToken, TelegramError

    from bot.serve import Channels, serve_channels, startup_lines
    from bot.slack.app import web_client

    loc = cli_localizer(lang)
    telegram_settings, slack_settings = TelegramSettings(), SlackSettings()
    telegram_token = (
        _telegram_token(loc, telegram_settings) if telegram_settings.bot_token else None
    )
    slack_wanted = bool(
        slack_settings.bot_token or (slack_settings.client_id and slack_settings.client_secret)
    )
    slack, app_token = (None, "")
    if slack_wanted:
        socket_mode = bool(_secret(slack_settings.app_token))
        slack, app_token = _slack_config(loc, socket_mode=socket_mode)
    if telegram_token is None and slack is None:
        raise CliError(
            loc,
            loc._(
                "Nothing to serve: set TELEGRAM_BOT_TOKEN, or SLACK_BOT_TOKEN and "
                "SLACK_SIGNING_SECRET (see csmm telegram --help and csmm slack --help)."
            ),
        )
    if telegram_token:
        keep_out_of_logs(telegram_token)
    channels = Channels(
        telegram_token=telegram_token,
        telegram_api_url=telegram_settings.api_url,
        slack=slack,
        slack_app_token=app_token or None,
        telegram_polls=not no_telegram_polling,
    )

    async def run(assessments: Assessments, stop: asyncio.Event) -> None:
        for line in startup_lines(channels, loc, host=listen, port=port):
            click.echo(line)
        await serve_channels(assessments, channels, stop, host=listen, port=port)

    async def checked_then_served() -> None:
        if slack is not None and slack.bot_token:
            await web_client(slack.api_url, slack.bot_token).auth_test()
        await _until_stopped(run)

    try:
        _run(checked_then_served())
    except InvalidToken:
        raise CliError(
            loc, loc._("Telegram did not accept TELEGRAM_BOT_TOKEN: check it with @BotFather.")
        ) from None
    except TelegramError as exc:
        raise CliError(loc, loc._("Telegram refused: {reason}", reason=exc.message)) from None
    except SlackApiError as exc:
        raise _slack_refusal(loc, exc) from None
    except (SlackClientError, aiohttp.ClientError) as exc:
        raise CliError(
            loc, loc._("Could not reach the Slack API: {reason}", reason=type(exc).__name__)
        ) from None
    except OSError as exc:  # the port is taken, or not ours to take
        raise CliError(
            loc,
            loc._(
                "Could not listen on {address}:{port}: {reason}",
                address=listen,
                port=port,
                reason=exc.strerror or type(exc).__name__,
            ),
        ) from None


@cli.command(short_help="Delete a person's answers for a team.")
@TEAM_OPTION
@click.option("--user", required=True, callback=_name, help="The person whose answers go.")
@click.option(
    "--platform",
    type=click.Choice(["console", "telegram", "slack"]),
    default=PLATFORM,
    show_default=True,
    help="Where the person answered: --user is their id there.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@LANG_OPTION
@_friendly_errors
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
        _warn_about_loose_files(database)
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


# Commands kept in modules of their own (they build on the helpers above).
from bot.personal_data_cli import export_me  # noqa: E402

cli.add_command(export_me)


def main() -> None:
    cli(prog_name="csmm")
