"""`csmm report`, `history`, `plan` and `export`: a team's results and its action plan."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from bot.assessments import Assessments
from bot.cli.errors import friendly_errors
from bot.cli.options import LANG_OPTION, OUTPUT_FILE, TEAM_OPTION, cli_localizer
from bot.cli.service import run_coroutine, with_assessments
from bot.console.render import render_report
from bot.reports.charts import radar_png, trend_png
from bot.reports.exports import export_csv, export_json
from bot.reports.pdf import report_pdf
from bot.service_types import TeamReport
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.report_lines import history_line, plan_line
from storage.private_files import write_private


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


@click.command(short_help="Show the team's latest report; write charts and a PDF.")
@TEAM_OPTION
@LANG_OPTION
@click.option("--chart", type=OUTPUT_FILE, metavar="FILE.png", help="Write the radar chart.")
@click.option("--trend", type=OUTPUT_FILE, metavar="FILE.png", help="Write the trend chart.")
@click.option("--pdf", type=OUTPUT_FILE, metavar="FILE.pdf", help="Write the report as a PDF.")
@friendly_errors
def report(
    team: str, lang: str | None, chart: Path | None, trend: Path | None, pdf: Path | None
) -> None:
    """Show the team's latest report: level, scores and their change since the previous
    snapshot, blockers, gaps and the action plan. Optionally write the radar chart, the trend
    chart across snapshots, and the whole report as a PDF."""

    built, loc, questionnaire = run_coroutine(with_assessments(_team_report(team, lang)))
    click.echo(render_report(built.view))
    radar = radar_png(questionnaire, built.history, loc) if chart else None
    progress = trend_png(questionnaire, built.history, loc) if trend else None
    if chart and radar:
        _write(chart, radar, loc)
    if trend and progress:
        _write(trend, progress, loc)
    if pdf:
        _write(pdf, _report_pdf(built, loc, questionnaire, radar, progress), loc)


@click.command(short_help="List the team's snapshots: date, level, score, responses.")
@TEAM_OPTION
@LANG_OPTION
@friendly_errors
def history(team: str, lang: str | None) -> None:
    """One line per snapshot of the team: date, level, overall score and responses."""

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        snapshots = await assessments.history(found)
        loc = assessments.localizer(lang or found.locale)
        if not snapshots:
            return loc._("Team “{name}” has no assessment yet.", name=found.name)
        return "\n".join(history_line(loc, assessments.questionnaire, s) for s in snapshots)

    click.echo(run_coroutine(with_assessments(work)))


@click.command(short_help="Show the action plan; tick, untick or assign items.")
@TEAM_OPTION
@click.argument("action", required=False, type=click.Choice(["done", "undo", "assign"]))
@click.argument("number", required=False, type=click.IntRange(1, 10_000))
@click.option("--owner", help="With assign: who owns the item.")
@click.option(
    "--due", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD", help="With assign: due date."
)
@click.option("--by", default=getpass.getuser, show_default="your login name", help="Who ticks it.")
@LANG_OPTION
@friendly_errors
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

    click.echo(run_coroutine(with_assessments(work)))


@click.command(short_help="Export a snapshot as CSV, JSON or PDF.")
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
@friendly_errors
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

        built, report_loc, questionnaire = run_coroutine(with_assessments(_team_report(team, lang)))
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

    text = run_coroutine(with_assessments(work))
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text.encode("utf-8"), loc)
