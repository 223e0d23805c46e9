"""What every platform's courier shares: the team and cadence behind a queued message, who is
still to be reminded, when a person may be messaged, snoozes and absences, and fanning a team
message out into one queued message per person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.assessments import Assessments
from bot.payload_ids import parse_id
from bot.scheduling.cycle import team_cadence
from bot.scheduling.sender import Later, Outgoing, Skip
from bot.scheduling.snooze_checks import SNOOZABLE, SnoozePress
from bot.service_errors import UserError
from conversations.cadence import Cadence
from conversations.i18n import N_, Localizer
from conversations.state import ResponseStatus
from storage import outbox, teams_and_people
from storage.models import Person, Snapshot, Team

SUBMITTED = ResponseStatus.SUBMITTED.value


@dataclass(frozen=True)
class Context:
    team: Team
    cadence: Cadence
    snapshot: Snapshot | None


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class Reminders:
    def __init__(self, assessments: Assessments, platform: str) -> None:
        self.assessments = assessments
        self.database = assessments.database
        self.platform = platform

    async def context(self, message: Outgoing) -> Context | None:
        async with self.database.reading() as session:
            team = await session.get(Team, message.team_id)
            if team is None:
                return None
            snapshot = (
                await session.get(Snapshot, message.snapshot_id) if message.snapshot_id else None
            )
            return Context(team, await team_cadence(session, team), snapshot)

    async def fan_out(self, message: Outgoing, kind: str, recipients: list[str]) -> int:
        """Queue ``kind`` for each recipient, keyed by the team message's due time, so a
        team message delivered twice fans out once. How many were new."""
        rows = [
            outbox.outbox_row(
                self.platform,
                message.team_id,
                kind,
                message.due,
                recipient=recipient,
                snapshot_id=message.snapshot_id,
                not_before=dt.datetime.now(dt.UTC),
            )
            for recipient in dict.fromkeys(recipients)
        ]
        async with self.database.transaction() as session:
            return await outbox.enqueue(session, rows)

    async def waiting(self, snapshot: Snapshot, candidates: list[str], today: dt.date) -> list[str]:
        """Those of ``candidates`` who have not submitted the snapshot and are not away."""
        async with self.database.reading() as session:
            states = await outbox.response_states(session, snapshot.id)
            away = await outbox.people_away(session, self.platform, candidates, today)
        return [c for c in candidates if states.get(c) != SUBMITTED and c not in away]

    async def invited(self, snapshot: Snapshot) -> list[str]:
        async with self.database.reading() as session:
            return await outbox.invited_people(session, snapshot.id)

    async def known_people(self, team: Team) -> list[str]:
        async with self.database.reading() as session:
            return await outbox.team_people(session, team.id)

    async def person(self, external_id: str) -> Person | None:
        async with self.database.reading() as session:
            return await teams_and_people.find_person(session, self.platform, external_id)

    async def why_not_nudge(self, context: Context, recipient: str) -> Skip | None:
        """A reason to drop a person's nudge now: the snapshot closed, they submitted, or
        they are away."""
        snapshot = context.snapshot
        if snapshot is None or snapshot.status != "open":
            return Skip("snapshot closed")
        person = await self.person(recipient)
        zone = zone_or_none(person.timezone if person else None) or context.cadence.zone
        today = dt.datetime.now(zone).date()
        if not await self.waiting(snapshot, [recipient], today):
            return Skip("submitted or away")
        return None

    @staticmethod
    def slot(context: Context, timezone: str | None) -> Later | None:
        """Later, when it is outside the recipient's working hours where they are (the
        team's time zone when theirs is unknown)."""
        now = dt.datetime.now(dt.UTC)
        at = context.cadence.in_hours(now, zone_or_none(timezone))
        return Later(at) if at > now else None

    async def snooze(
        self, team_id: int, snapshot_id: int | None, kind: str, recipient: str, timezone: str | None
    ) -> tuple[dt.datetime, ZoneInfo] | None:
        """Queue the reminder again for the next working day's sending time: when, and in
        which time zone (None if the team is gone)."""
        async with self.database.reading() as session:
            team = await session.get(Team, team_id)
            if team is None:
                return None
            cadence = await team_cadence(session, team)
        zone = zone_or_none(timezone) or cadence.zone
        tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
        at = cadence.at(cadence.working_day_from(tomorrow), cadence.send_at, zone)
        row = outbox.outbox_row(self.platform, team_id, kind, at, recipient=recipient,
                                snapshot_id=snapshot_id)  # fmt: skip
        async with self.database.transaction() as session:
            await outbox.enqueue(session, [row])
        return at, zone

    async def set_away(
        self, external_id: str, name: str, until: dt.date | None, loc: Localizer, back: str
    ) -> str:
        """Record that the person is away until ``until`` (None: back); what to tell them
        (``back`` is the command that ends it early, as typed on the platform)."""
        async with self.database.transaction() as session:
            person = await teams_and_people.get_or_create_person(
                session, self.platform, external_id, name
            )
            person.away_until = until
        if until is None:
            return loc._("Welcome back: your reminders are on again.")
        return loc._(
            "Got it: no reminders until {date}, and you won't be counted as missing meanwhile. "
            "Back earlier? Send {command}.",
            date=loc.date(until),
            command=back,
        )


def no_answers_text(loc: Localizer, number: int) -> str:
    return loc._(
        "Snapshot {number} reached its deadline without any answers, so there are no results "
        "to show. It stays open: answers are still welcome, and an administrator can close it "
        "once there are some.",
        number=number,
    )


def review_text(loc: Localizer, open_items: int) -> str:
    return loc.ngettext(
        "Time for the action-plan review: {n} item is still open.",
        "Time for the action-plan review: {n} items are still open.",
        open_items,
    )


def snoozed_text(loc: Localizer, at: dt.datetime, zone: ZoneInfo, name: str) -> str:
    local = at.astimezone(zone)
    return loc._(
        "⏰ Snoozed by {name}: the reminder comes again on {date} at {time}.",
        name=name,
        date=loc.date(local.date()),
        time=loc.time(local.time()),
    )


def parse_snooze(value: str) -> SnoozePress | None:
    """Which reminder a snooze button's value names; None when it names none we send."""
    parts = value.split(":")
    if len(parts) < 3:
        return None
    kind, team_id, snapshot_id = parts[-3], parse_id(parts[-2]), parse_id(parts[-1])
    if kind not in SNOOZABLE or team_id is None or snapshot_id is None:
        return None
    return SnoozePress(kind, team_id, snapshot_id or None)


MAX_AWAY_DAYS = 366
BACK = frozenset({"off", "back", "none", "kapat", "döndüm", "dondum", "yok"})


def parse_away(args: list[str], today: dt.date) -> dt.date | None:
    """The last day someone is away, from "YYYY-MM-DD", or None from "off"; UserError else."""
    word = args[0].strip().casefold() if args else ""
    if word in BACK:
        return None
    try:
        until = dt.date.fromisoformat(word)
    except ValueError:
        raise UserError(
            N_("Give the last day you are away as a date like {example}, or “off” when you "
               "are back."),
            example=(today + dt.timedelta(days=14)).isoformat(),
        ) from None  # fmt: skip
    if not today <= until <= today + dt.timedelta(days=MAX_AWAY_DAYS):
        raise UserError(N_("Give a date from today to a year from now."))
    return until
