"""A team's schedule as people change and read it (`csmm schedule`, Telegram's /schedule):
checked settings in, a plain description with the next dates out."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.assessments import Assessments
from bot.deadlines import MAX_DEADLINE_DAYS
from bot.scheduling.cycle import Cycle, hhmm, team_cadence
from bot.service_errors import UserError
from conversations.cadence import Kind
from conversations.i18n import N_, Localizer
from conversations.nudge_words import nudge_days_in_words
from storage import audit_trail, team_settings
from storage.models import Team

MAX_NUDGES = 5  # fits the column: 5 × "-90," is 20 characters
KIND_LABELS = {
    Kind.OPEN: N_("Next snapshot opens"),
    Kind.NUDGE: N_("Next nudge"),
    Kind.DEADLINE: N_("Open snapshot closes"),
    Kind.REVIEW: N_("Next action-plan review"),
}


def _time(text: str, field: str) -> str:
    try:
        return hhmm(text.strip()).strftime("%H:%M")
    except ValueError:
        raise UserError(N_("Give times as HH:MM, for example 10:00."), field=field) from None


def _days_in(value: object, low: int, high: int, field: str) -> int:
    """A whole number from ``low`` to ``high``, typed or given ("ten", "7.5": UserError)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise UserError(N_("{field} must be {low} to {high}."), field=field, low=low, high=high)
    return number


def checked(changes: dict[str, Any]) -> dict[str, Any]:
    """The schedule columns to store from what someone asked for (None values are left out);
    UserError when a value makes no sense."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None:
            continue
        if name == "go_live":
            out[name] = None if str(value).lower() in ("none", "off", "-") else _date(str(value))
        elif name == "deadline_days":
            out[name] = _days_in(value, 1, MAX_DEADLINE_DAYS, "deadline-days")
        elif name in ("send_at",):
            out[name] = _time(str(value), name)
        elif name == "hours":
            start, _, end = str(value).partition("-")
            out["work_start"], out["work_end"] = _time(start, name), _time(end, name)
            if out["work_start"] >= out["work_end"]:
                raise UserError(N_("Working hours must end after they start."), field=name)
        elif name == "working_days":
            days = "".join(sorted(set(str(value))))
            if not days or not set(days) <= set("1234567"):
                raise UserError(
                    N_("Working days are digits 1 (Monday) to 7 (Sunday), e.g. 12345."),
                    field=name,
                )
            out[name] = days
        elif name == "nudge_days":
            try:
                nudges = [int(part) for part in str(value).split(",") if part.strip()]
            except ValueError:
                raise UserError(
                    N_("Nudge days are whole numbers: 2 is two days in, -1 the day before the "
                       "deadline; e.g. 2,-1."),
                    field=name,
                ) from None  # fmt: skip
            if len(nudges) > MAX_NUDGES:
                raise UserError(N_("At most {most} nudges per snapshot."), most=MAX_NUDGES)
            for n in nudges:  # past a snapshot's longest deadline a nudge never falls due
                _days_in(n, -MAX_DEADLINE_DAYS, MAX_DEADLINE_DAYS, "nudge-days")
            out[name] = ",".join(str(n) for n in dict.fromkeys(nudges))
        elif name == "timezone":
            try:
                ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                raise UserError(
                    N_("Unknown time zone “{zone}”: use a name like Europe/Istanbul."),
                    zone=value,
                ) from None
            out[name] = str(value)
        elif name in ("first_after_days", "review_every_days", "review_before_days"):
            out[name] = _days_in(value, 0, 366, name.replace("_", "-"))
        elif name in ("second_after_months", "every_months"):
            out[name] = _days_in(value, 1, 24, name.replace("_", "-"))
    return out


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(N_("Give dates as YYYY-MM-DD, for example 2027-01-15.")) from None


async def save(assessments: Assessments, team: Team, changes: dict[str, Any], by: str) -> None:
    settings = checked(changes)
    zone = settings.pop("timezone", None)
    async with assessments.database.transaction() as session:
        if zone:
            await team_settings.set_team_timezone(session, team.id, zone)
        if settings or await team_settings.team_schedule(session, team.id) is None:
            await team_settings.save_team_schedule(session, team.id, by, **settings)
        await audit_trail.record_audit(
            session, team.id, by, "team.schedule", **{k: str(v) for k, v in changes.items() if v}
        )


async def describe(assessments: Assessments, team: Team, loc: Localizer) -> list[str]:
    """The schedule in words, then the next event of each kind, in the team's local time."""
    async with assessments.database.reading() as session:
        found = await session.get(Team, team.id)
        assert found is not None
        cadence = await team_cadence(session, found)
    lines = [
        loc._("Schedule of {team} (time zone {zone}):", team=found.name, zone=cadence.timezone),
        loc._("Go-live: {date}", date=loc.date(cadence.go_live))
        if cadence.go_live
        else loc._("Go-live: not set (no snapshots are opened by the schedule)"),
        loc._(
            "Snapshots: {first} days after go-live, then {second} months after it, then every "
            "{every} months; {deadline} days to answer.",
            first=cadence.first_after_days,
            second=cadence.second_after_months,
            every=cadence.every_months,
            deadline=cadence.deadline_days,
        ),
        loc._(
            "Messages at {time} on {days}, within {start}–{end}. Nudges: {nudges}.",
            time=loc.time(cadence.send_at),
            days=", ".join(loc.weekday(day) for day in sorted(cadence.working_days)),
            start=loc.time(cadence.work_start),
            end=loc.time(cadence.work_end),
            nudges=nudge_days_in_words(loc, cadence.nudge_days),
        ),
        loc._(
            "Action-plan reviews: every {every} days, and {before} days before each snapshot.",
            every=cadence.review_every_days,
            before=cadence.review_before_days,
        ),
    ]
    cycle = Cycle(assessments, frozenset({found.platform}))
    planned = await cycle.plan(dt.datetime.now(dt.UTC), found.id)
    shown: set[Kind] = set()
    for item in planned:
        if item.team_id == found.id and item.kind not in shown:
            shown.add(item.kind)
            local = item.at.astimezone(cadence.zone)
            lines.append(
                f"{loc._(KIND_LABELS[item.kind])}: "
                f"{loc.date(local.date())} {loc.time(local.time())}"
            )
    return lines
