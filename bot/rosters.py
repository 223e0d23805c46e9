"""Who a team's snapshots go to and who runs the team: invitees, administrators, schedules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.deadlines import MAX_DEADLINE_DAYS
from bot.service_errors import UserError
from conversations.i18n import N_
from conversations.state import ResponseStatus
from storage import (
    audit_trail,
    invitations,
    outbox,
    snapshot_lifecycle,
    team_settings,
    teams_and_people,
)
from storage.database import Database
from storage.invitations import InviteeRecord

SUBMITTED = ResponseStatus.SUBMITTED.value
DEADLINE_DAYS = range(1, MAX_DEADLINE_DAYS + 1)


@dataclass(frozen=True)
class Invited:
    """A person a snapshot was sent to, and where."""

    person_id: str
    name: str
    address: str  # the chat the invitation went to
    message_ref: str | None
    timezone: str | None = None


@dataclass(frozen=True)
class Schedule:
    """When a team's snapshots fall due (the scheduler's input); defaults follow the model."""

    go_live: dt.date | None = None
    deadline_days: int = 14
    send_at: dt.time = dt.time(10, 0)
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO: Monday is 1
    work_hours: tuple[dt.time, dt.time] = (dt.time(9, 0), dt.time(18, 0))
    nudge_days: tuple[int, ...] = (2, -1)  # days in; negative: days before the deadline

    def __post_init__(self) -> None:
        if self.deadline_days not in DEADLINE_DAYS:
            raise UserError(
                N_("The deadline must be 1 to {most} days after the start."),
                most=MAX_DEADLINE_DAYS,
                field="deadline",
            )
        if not self.working_days or not self.working_days <= set(range(1, 8)):
            raise UserError(N_("Choose at least one working day."), field="working_days")


class Rosters:
    def __init__(self, database: Database, platform: str) -> None:
        self.database = database
        self.platform = platform

    async def invitees(self, team_id: int) -> list[InviteeRecord]:
        """Who the team's latest snapshot was sent to, with how far each one is."""
        async with self.database.reading() as session:
            latest = await snapshot_lifecycle.latest_snapshot(session, team_id)
            return [] if latest is None else await invitations.invitees(session, latest.id)

    async def add_invitee(self, team_id: int, number: int, who: Invited) -> None:
        """Record that snapshot ``number`` of the team went to ``who``."""
        async with self.database.transaction() as session:
            snapshot = await snapshot_lifecycle.latest_snapshot(session, team_id)
            if snapshot is None or snapshot.number != number:
                return  # a newer snapshot started meanwhile: this invitation is history
            person = await teams_and_people.get_or_create_person(
                session, self.platform, who.person_id, who.name
            )
            person.display_name = who.name
            if who.timezone:
                person.timezone = who.timezone
            await invitations.add_invitee(
                session, snapshot.id, person.id, who.address, who.message_ref
            )

    async def everyone_submitted(self, team_id: int) -> bool:
        """True when the team's open snapshot was sent to people and all of them submitted
        (people away don't count as missing, but someone must have submitted)."""
        async with self.database.reading() as session:
            latest = await snapshot_lifecycle.latest_snapshot(session, team_id)
            if latest is None or latest.status != "open":
                return False
            found = await invitations.invitees(session, latest.id)
            away = await outbox.people_away(
                session,
                self.platform,
                [r.external_id for r in found],
                dt.datetime.now(dt.UTC).date(),
            )
        waiting = [r for r in found if r.status != SUBMITTED and r.external_id not in away]
        return any(r.status == SUBMITTED for r in found) and not waiting

    async def away(self, names: list[str]) -> set[str]:
        """Which of these people (by id) are away today."""
        async with self.database.reading() as session:
            return await outbox.people_away(
                session, self.platform, names, dt.datetime.now(dt.UTC).date()
            )

    async def is_team_admin(self, team_id: int, person_id: str) -> bool:
        async with self.database.reading() as session:
            return person_id in await team_settings.team_admin_ids(session, team_id)

    async def team_admins(self, team_id: int) -> set[str]:
        async with self.database.reading() as session:
            return await team_settings.team_admin_ids(session, team_id)

    async def set_admin(self, team_id: int, person_id: str, *, admin: bool, by: str) -> bool:
        """Name or un-name a team administrator; False when nothing changed."""
        async with self.database.transaction() as session:
            changed = await team_settings.set_team_admin(
                session, team_id, person_id, by, admin=admin
            )
            if changed:
                action = "team.admin.add" if admin else "team.admin.remove"
                await audit_trail.record_audit(session, team_id, by, action, person=person_id)
            return changed

    async def schedule(self, team_id: int) -> Schedule:
        async with self.database.reading() as session:
            row = await team_settings.team_schedule(session, team_id)
        if row is None:
            return Schedule()
        hour, minute = (int(part) for part in row.send_at.split(":"))
        return Schedule(
            row.go_live,
            row.deadline_days,
            dt.time(hour, minute),
            frozenset(int(day) for day in row.working_days),
            (dt.time.fromisoformat(row.work_start), dt.time.fromisoformat(row.work_end)),
            tuple(int(n) for n in row.nudge_days.split(",") if n.strip()),
        )

    async def save_schedule(
        self, team_id: int, schedule: Schedule, *, by: str, timezone: str | None = None
    ) -> None:
        """Store the schedule; ``timezone`` (an IANA name) becomes the team's when given."""
        async with self.database.transaction() as session:
            if timezone:
                await team_settings.set_team_timezone(session, team_id, timezone)
            await team_settings.save_team_schedule(
                session,
                team_id,
                by,
                go_live=schedule.go_live,
                deadline_days=schedule.deadline_days,
                send_at=schedule.send_at.strftime("%H:%M"),
                working_days="".join(str(day) for day in sorted(schedule.working_days)),
                work_start=schedule.work_hours[0].strftime("%H:%M"),
                work_end=schedule.work_hours[1].strftime("%H:%M"),
                nudge_days=",".join(str(n) for n in schedule.nudge_days),
            )
            await audit_trail.record_audit(
                session,
                team_id,
                by,
                "team.schedule",
                go_live=schedule.go_live.isoformat() if schedule.go_live else None,
                deadline_days=schedule.deadline_days,
            )
