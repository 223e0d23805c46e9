"""`csmm schedule --team NAME`: the schedule and its next dates, in the team's local time;
options change it and are stored; bad values and unknown teams end in one clear line and a
non-zero exit, never a traceback.

The runs go through click's CliRunner in this process, so time-machine can fix "now"; an error
that escaped as a traceback would show there as an exception other than click's SystemExit."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import time_machine
from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.assessments import Assessments
from bot.cli import cli
from bot.i18n import localizers
from conversations.questionnaire import Questionnaire
from storage import team_settings, teams_and_people
from storage.database import Database
from storage.models import AuditEvent, Team, TeamSchedule

# Sunday 10 January 2027, midday UTC: before the first snapshot of a 1 March go-live.
NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)
GROUP = "-1001230000077"  # the team is a Telegram group's, found by its name


def run(database_url: str, *args: str) -> Result:
    """`csmm schedule ARGS…` in this process, on this test's database, in English unless
    --lang says otherwise."""
    env = {
        "CSMM_DATABASE_URL": database_url,
        "LANG": "en_US.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }
    return CliRunner().invoke(cli, ["schedule", *args], env=env)


def words(result: Result) -> str:
    """What was printed, Babel's narrow no-break space (10:00 AM) as a plain one."""
    return result.stdout.replace("\u202f", " ")


def team(database_url: str, questionnaire: Questionnaire, name: str = "Support") -> None:
    """A team as the Telegram bot makes it when its group first uses it."""

    async def make() -> None:
        database = Database(database_url)
        try:
            await Assessments(database, questionnaire, localizers()).ensure_team(
                "telegram", GROUP, name, "en"
            )
        finally:
            await database.dispose()

    asyncio.run(make())


def stored(database_url: str, name: str = "Support") -> tuple[Team, TeamSchedule | None, int]:
    """The team, its schedule row and how many schedule changes its audit log holds."""

    async def read() -> tuple[Team, TeamSchedule | None, int]:
        database = Database(database_url)
        try:
            async with database.reading() as session:
                [found] = await teams_and_people.teams_named(session, name)
                audit = await session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.team_id == found.id, AuditEvent.action == "team.schedule"
                    )
                )
                return found, await team_settings.team_schedule(session, found.id), len(audit.all())
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_shows_the_defaults_without_dates(database_url: str, questionnaire: Questionnaire) -> None:
    team(database_url, questionnaire)
    shown = run(database_url, "--team", "Support")
    assert shown.exit_code == 0, shown.output
    assert words(shown).splitlines() == [
        "Schedule of Support (time zone UTC):",
        "Go-live: not set (no snapshots are opened by the schedule)",
        "Snapshots: 14 days after go-live, then 3 months after it, then every 6 months; "
        "14 days to answer.",
        "Messages at 10:00 AM on Monday, Tuesday, Wednesday, Thursday, Friday, within "
        "9:00 AM–6:00 PM. Nudges: 2 days after opening, 1 day before the deadline.",
        "Action-plan reviews: every 30 days, and 14 days before each snapshot.",
    ]
    _team, schedule, changes = stored(database_url)
    assert schedule is None and changes == 0  # looking changes nothing


def test_options_change_it_and_the_next_dates_are_local(
    database_url: str, questionnaire: Questionnaire
) -> None:
    team(database_url, questionnaire)
    with time_machine.travel(NOW, tick=True):
        changed = run(
            database_url, "--team", "Support", "--go-live", "2027-03-01",
            "--timezone", "Europe/Istanbul", "--hours", "09:00-17:30",
            "--working-days", "71234", "--nudge-days", "2,-1", "--by", "ops",
        )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    lines = words(changed).splitlines()
    assert lines[0] == "Schedule of Support (time zone Europe/Istanbul):"
    assert lines[1] == "Go-live: March 1, 2027"
    assert lines[3] == (
        "Messages at 10:00 AM on Monday, Tuesday, Wednesday, Thursday, Sunday, within "
        "9:00 AM–5:30 PM. Nudges: 2 days after opening, 1 day before the deadline."
    )
    # Go-live + 14 days: Monday 15 March, at 10:00 in Istanbul (07:00 UTC).
    assert lines[-1] == "Next snapshot opens: March 15, 2027 10:00 AM"
    found, schedule, changes = stored(database_url)
    assert found.timezone == "Europe/Istanbul"
    assert schedule is not None
    assert schedule.go_live == dt.date(2027, 3, 1)
    assert (schedule.work_start, schedule.work_end) == ("09:00", "17:30")
    assert schedule.working_days == "12347"
    assert schedule.nudge_days == "2,-1"
    assert (schedule.deadline_days, schedule.send_at) == (14, "10:00")  # untouched: defaults
    assert schedule.updated_by == "ops"
    assert changes == 1

    # More options: the first snapshot a week after go-live, at 08:15 local time.
    with time_machine.travel(NOW, tick=True):
        again = run(
            database_url, "--team", "Support", "--first-after-days", "7", "--send-at", "8:15",
            "--deadline-days", "10", "--every-months", "12", "--review-every-days", "0",
        )  # fmt: skip
    assert again.exit_code == 0, again.output
    text = words(again)
    assert "Next snapshot opens: March 8, 2027 8:15 AM" in text
    assert "Snapshots: 7 days after go-live, then 3 months after it, then every 12 months; " in text
    assert "10 days to answer." in text
    assert "Action-plan reviews: every 0 days" in text
    _found, schedule, changes = stored(database_url)
    assert schedule is not None
    assert (schedule.first_after_days, schedule.send_at, schedule.deadline_days) == (7, "08:15", 10)
    assert (schedule.every_months, schedule.review_every_days) == (12, 0)
    assert schedule.working_days == "12347"  # kept from the first change
    assert changes == 2

    # No go-live: no openings, so no dates.
    cleared = run(database_url, "--team", "Support", "--go-live", "none")
    assert cleared.exit_code == 0, cleared.output
    assert "Go-live: not set" in cleared.stdout
    assert "Next" not in cleared.stdout
    _found, schedule, _changes = stored(database_url)
    assert schedule is not None and schedule.go_live is None


def test_in_turkish(database_url: str, questionnaire: Questionnaire) -> None:
    team(database_url, questionnaire)
    with time_machine.travel(NOW, tick=True):
        shown = run(
            database_url, "--team", "Support", "--go-live", "2027-03-01",
            "--timezone", "Europe/Istanbul", "--lang", "tr",
        )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    lines = words(shown).splitlines()
    assert lines[0] == "Support için takvim (saat dilimi: Europe/Istanbul):"
    assert lines[1] == "Canlıya geçiş: 1 Mart 2027"
    assert "Pazartesi, Salı, Çarşamba, Perşembe, Cuma" in lines[3]
    assert lines[-1] == "Sonraki değerlendirme turunun açılışı: 15 Mart 2027 10:00"
    refused = run(database_url, "--team", "Support", "--timezone", "Mars/Base", "--lang", "tr")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Hata: Bilinmeyen saat dilimi: “Mars/Base”. Europe/Istanbul gibi bir ad kullanın.\n"
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--send-at", "25:00", "Give times as HH:MM, for example 10:00."),
        ("--timezone", "Mars/Base", "Unknown time zone “Mars/Base”: use a name like "
         "Europe/Istanbul."),
        ("--deadline-days", "0", "deadline-days must be 1 to 90."),
        ("--working-days", "89", "Working days are digits 1 (Monday) to 7 (Sunday), e.g. 12345."),
        ("--go-live", "tomorrow", "Give dates as YYYY-MM-DD, for example 2027-01-15."),
        ("--hours", "18:00-09:00", "Working hours must end after they start."),
        ("--hours", "9-17", "Give times as HH:MM, for example 10:00."),
        ("--nudge-days", "2,soon", "Nudge days are whole numbers: 2 is two days in, -1 the day "
         "before the deadline; e.g. 2,-1."),
        ("--nudge-days", "2,-9999999", "nudge-days must be -90 to 90."),
        ("--every-months", "0", "every-months must be 1 to 24."),
        ("--review-before-days", "400", "review-before-days must be 0 to 366."),
    ],
)  # fmt: skip
def test_bad_values_end_in_one_line_and_change_nothing(
    database_url: str, questionnaire: Questionnaire, option: str, value: str, message: str
) -> None:
    team(database_url, questionnaire)
    # A good value beside the bad one is not stored either.
    refused = run(database_url, "--team", "Support", "--go-live", "2027-03-01", option, value)
    assert refused.exit_code == 1
    assert isinstance(refused.exception, SystemExit)  # click's exit, not an error escaping
    assert refused.stdout == ""
    assert refused.stderr == f"Error: {message}\n"
    found, schedule, changes = stored(database_url)
    assert schedule is None and changes == 0
    assert found.timezone == "UTC"


def test_unknown_and_ambiguous_teams(database_url: str, questionnaire: Questionnaire) -> None:
    unknown = run(database_url, "--team", "Nope", "--go-live", "2027-03-01")
    assert unknown.exit_code == 1
    assert unknown.stderr == "Error: There is no team called “Nope” yet.\n"
    in_turkish = run(database_url, "--team", "Nope", "--lang", "tr")
    assert in_turkish.exit_code == 1
    assert in_turkish.stderr.startswith("Hata: ") and "Nope" in in_turkish.stderr

    team(database_url, questionnaire, "Shared")

    async def console_team() -> None:
        database = Database(database_url)
        try:
            await Assessments(database, questionnaire, localizers()).ensure_team(
                "console", "Shared", "Shared"
            )
        finally:
            await database.dispose()

    asyncio.run(console_team())
    both = run(database_url, "--team", "Shared", "--go-live", "2027-03-01")
    assert both.exit_code == 1
    assert both.stderr == "Error: More than one team is called “Shared” (console, telegram).\n"
