"""The cycle's team-level events (a snapshot opens, a nudge round, the deadline, a review) and
the plan of which of them are still to come.

An event only changes the database: it records that it ran (so running twice acts once) and
queues the team's message in the outbox; what each platform then sends, and to whom, is its
courier's business. Every event is one transaction, so a crash leaves it either done or not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assessments import Assessments
from bot.service_errors import UserError
from conversations.cadence import Cadence, Kind, next_opening_after, openings
from storage import audit_trail, outbox, snapshot_lifecycle, team_settings
from storage.models import ScheduleRun, Snapshot, Team, TeamSchedule

log = logging.getLogger("bot.scheduling")

SCHEDULER = "(schedule)"  # the actor in the audit trail
# The team messages the events queue, and the messages per person a courier fans some of
# them out into: the outbox's kinds.
ANNOUNCE, NUDGE_ROUND, REPORT, NO_ANSWERS, REVIEW = (
    "announce", "nudge_round", "report", "no_answers", "review"
)  # fmt: skip
INVITE, NUDGE = "invite", "nudge"
PLAN_AHEAD = dt.timedelta(days=400)  # openings further away are planned later
# A missed event still runs this long after its time (a restart after an outage); later, it is
# skipped and logged. A deadline always runs: an open snapshot must close some time.
GRACE = {
    Kind.OPEN: dt.timedelta(days=3),
    Kind.NUDGE: dt.timedelta(hours=12),
    Kind.REVIEW: dt.timedelta(days=1),
    Kind.DEADLINE: None,
}


def _grace(kind: Kind) -> dt.timedelta:
    return GRACE[kind] or dt.timedelta(0)


def hhmm(text: str) -> dt.time:
    hour, minute = (int(part) for part in text.split(":"))
    return dt.time(hour, minute)


def cadence_of(team: Team, schedule: TeamSchedule | None) -> Cadence:
    """The team's cadence: its schedule's settings in its time zone (the model's defaults, and
    no openings, for a team without one)."""
    if schedule is None:
        return Cadence(timezone=team.timezone or "UTC")
    return Cadence(
        go_live=schedule.go_live,
        first_after_days=schedule.first_after_days,
        second_after_months=schedule.second_after_months,
        every_months=schedule.every_months,
        deadline_days=schedule.deadline_days,
        send_at=hhmm(schedule.send_at),
        working_days=frozenset(int(day) for day in schedule.working_days),
        nudge_days=tuple(int(n) for n in schedule.nudge_days.split(",") if n.strip()),
        work_start=hhmm(schedule.work_start),
        work_end=hhmm(schedule.work_end),
        review_every_days=schedule.review_every_days,
        review_before_days=schedule.review_before_days,
        timezone=team.timezone or "UTC",
    )


async def team_cadence(session: AsyncSession, team: Team) -> Cadence:
    """The team's cadence, its schedule read in ``session``."""
    return cadence_of(team, await team_settings.team_schedule(session, team.id))


@dataclass(frozen=True, order=True)
class Planned:
    """An event that should have a scheduler job: when, what, for which team (and snapshot)."""

    at: dt.datetime
    kind: Kind
    team_id: int
    snapshot_id: int = 0

    @property
    def job_id(self) -> str:
        return f"{self.kind}:{self.team_id}:{self.snapshot_id}:{self.at:%Y%m%dT%H%M%S}"


class Cycle:
    def __init__(self, assessments: Assessments, platforms: frozenset[str]) -> None:
        self.assessments = assessments
        self.database = assessments.database
        self.platforms = platforms

    # ------------------------------------------------------------------ the plan

    async def plan(self, now: dt.datetime, team_id: int | None = None) -> list[Planned]:
        """Every event still to run, for the teams of the platforms served here (or one
        team): the next opening, the open snapshot's nudges and deadline, the next review
        after the last close."""
        planned: list[Planned] = []
        query = select(Team).where(Team.platform.in_(self.platforms))
        if team_id is not None:
            query = query.where(Team.id == team_id)
        async with self.database.reading() as session:
            teams = (await session.scalars(query)).all()
            for team in teams:
                planned += await self._team_plan(session, team, now)
        return sorted(planned)

    async def _team_plan(
        self, session: AsyncSession, team: Team, now: dt.datetime
    ) -> list[Planned]:
        cadence = await team_cadence(session, team)
        done = await outbox.runs(session, team.id)
        # Events a little in the past are planned too (within their grace): a job lost while
        # it ran gets another, and running one twice is harmless.
        planned = [
            Planned(due.at, Kind.OPEN, team.id)
            for due in openings(cadence, now - _grace(Kind.OPEN), now + PLAN_AHEAD)
            if (Kind.OPEN, due.at) not in done
        ][:1]
        latest = await snapshot_lifecycle.latest_snapshot(session, team.id)
        if latest is None:
            return planned
        if latest.status == "open" and latest.deadline is not None:
            for at in cadence.nudges(latest.opened_at, latest.deadline):
                if at > now - _grace(Kind.NUDGE) and (Kind.NUDGE, at) not in done:
                    planned.append(Planned(at, Kind.NUDGE, team.id, latest.id))
            if (Kind.DEADLINE, latest.deadline) not in done:  # overdue: runs at once
                planned.append(Planned(latest.deadline, Kind.DEADLINE, team.id, latest.id))
        elif latest.closed_at is not None:
            closed = cadence.local_date(latest.closed_at)
            for at in cadence.reviews(closed, next_opening_after(cadence, closed)):
                if at > now - _grace(Kind.REVIEW) and (Kind.REVIEW, at) not in done:
                    planned.append(Planned(at, Kind.REVIEW, team.id, latest.id))
                    break  # the next one only: a new close replans the rest
        return planned

    # ------------------------------------------------------------------ the events

    async def open(self, team_id: int, due: dt.datetime) -> None:
        """Open the team's next snapshot and queue its announcement (which invites people)."""
        async with self.database.transaction() as session:
            team = await session.get(Team, team_id)
            if team is None or not await outbox.record_run(session, team_id, Kind.OPEN, due, None):
                return
            await snapshot_lifecycle.lock_team(session, team_id)
            latest = await snapshot_lifecycle.latest_snapshot(session, team_id, for_update=True)
            if latest is not None and latest.status == "open":
                log.info("team %s: snapshot %s is still open; the scheduled one is skipped",
                         team_id, latest.number)  # fmt: skip
                return
            cadence = await team_cadence(session, team)
            snapshot = await snapshot_lifecycle.open_snapshot(
                session, team_id, self.assessments.questionnaire.id,
                self.assessments.questionnaire.version,
            )  # fmt: skip
            snapshot.invite_token = secrets.token_urlsafe(32)
            snapshot.deadline = cadence.deadline_of(cadence.local_date(due))
            run = await session.get(ScheduleRun, (team_id, Kind.OPEN.value, due))
            if run is not None:
                run.snapshot_id = snapshot.id
            await audit_trail.record_audit(
                session,
                team_id,
                SCHEDULER,
                "snapshot.start",
                number=snapshot.number,
                deadline=snapshot.deadline.isoformat(),
            )
            await outbox.enqueue(session, [self._row(team, ANNOUNCE, due, snapshot)])
        log.info("team %s: snapshot %s opened", team_id, snapshot.number)

    async def nudge(self, team_id: int, snapshot_id: int, due: dt.datetime) -> None:
        """Queue a nudge round for the snapshot, if it is still open."""
        async with self.database.transaction() as session:
            team, snapshot = await self._open_snapshot(session, team_id, snapshot_id)
            if team is None or snapshot is None:
                return
            if await outbox.record_run(session, team_id, Kind.NUDGE, due, snapshot_id):
                await outbox.enqueue(session, [self._row(team, NUDGE_ROUND, due, snapshot)])

    async def deadline(self, team_id: int, snapshot_id: int, due: dt.datetime) -> None:
        """Close the snapshot and queue its report (or, with no answers, say so)."""
        team = await self.assessments.team(team_id)
        kind = REPORT
        async with self.database.reading() as session:
            snapshot = await session.get(Snapshot, snapshot_id)
        closed = False
        # Close the team's open snapshot only if it is this one: a job that runs late (the
        # scheduler was down) may find this one closed by hand and its successor open.
        if snapshot is not None and snapshot.status == "open":
            with contextlib.suppress(UserError):
                await self.assessments.close(team, SCHEDULER)
                closed = True
        if not closed:
            async with self.database.reading() as session:
                snapshot = await session.get(Snapshot, snapshot_id)
            closed_before = snapshot is not None and (
                snapshot.status == "closed"
                and (snapshot.closed_at is None or snapshot.closed_at < due)
            )
            if snapshot is None or closed_before:
                # Closed before its deadline (by an admin, or once everyone had answered):
                # its report went out then.
                await self._record_only(team_id, Kind.DEADLINE, due, snapshot_id)
                return
            if snapshot.status == "open":
                kind = NO_ANSWERS
        async with self.database.transaction() as session:
            snapshot = await session.get(Snapshot, snapshot_id)
            if await outbox.record_run(session, team_id, Kind.DEADLINE, due, snapshot_id):
                await outbox.enqueue(session, [self._row(team, kind, due, snapshot)])

    async def review(self, team_id: int, snapshot_id: int, due: dt.datetime) -> None:
        """Queue a reminder of the team's open action items."""
        async with self.database.transaction() as session:
            team = await session.get(Team, team_id)
            snapshot = await session.get(Snapshot, snapshot_id)
            if team is None or snapshot is None:
                return
            if await outbox.record_run(session, team_id, Kind.REVIEW, due, snapshot_id):
                await outbox.enqueue(session, [self._row(team, REVIEW, due, snapshot)])

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _row(
        team: Team, kind: str, due: dt.datetime, snapshot: Snapshot | None
    ) -> dict[str, object]:
        return outbox.outbox_row(
            team.platform, team.id, kind, due, snapshot_id=snapshot.id if snapshot else None
        )

    async def _open_snapshot(
        self, session: AsyncSession, team_id: int, snapshot_id: int
    ) -> tuple[Team | None, Snapshot | None]:
        team = await session.get(Team, team_id)
        snapshot = await session.get(Snapshot, snapshot_id)
        if snapshot is None or snapshot.status != "open":
            return team, None
        return team, snapshot

    async def _record_only(
        self, team_id: int, kind: Kind, due: dt.datetime, snapshot_id: int
    ) -> None:
        async with self.database.transaction() as session:
            await outbox.record_run(session, team_id, kind, due, snapshot_id)
