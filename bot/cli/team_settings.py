"""`csmm team`, `schedule` and `snapshot new`: a team's settings, its schedule and its next
snapshot."""

from __future__ import annotations

import getpass
from typing import Any

import click

from bot.anonymity import set_anonymous, set_threshold
from bot.assessments import Assessments
from bot.cli.errors import friendly_errors
from bot.cli.options import LANG_OPTION, TEAM_OPTION
from bot.cli.service import run_coroutine, with_assessments
from bot.disclosure import MAX_THRESHOLD, MIN_THRESHOLD
from conversations.commands import LANGUAGE_LABELS


@click.group()
def snapshot() -> None:
    """Start the team's next snapshot."""


@snapshot.command("new")
@TEAM_OPTION
@click.option(
    "--by", default=getpass.getuser, show_default="your login name", help="Who starts it."
)
@LANG_OPTION
@friendly_errors
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

    click.echo(run_coroutine(with_assessments(work)))


@click.command(short_help="Show or change a team's settings.")
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
@friendly_errors
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

    click.echo(run_coroutine(with_assessments(work)))


@click.command(short_help="Show or change when a team's snapshots and reminders happen.")
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
@friendly_errors
def schedule(team: str, by: str, lang: str | None, **changes: Any) -> None:
    """Show the team's schedule and its next dates; any option given changes it first."""
    from bot.scheduling import settings

    async def work(assessments: Assessments) -> str:
        found = await assessments.find_team(team)
        if any(value is not None for value in changes.values()):
            await settings.save(assessments, found, changes, by)
        loc = assessments.localizer(lang or found.locale)
        return "\n".join(await settings.describe(assessments, found, loc))

    click.echo(run_coroutine(with_assessments(work)))
