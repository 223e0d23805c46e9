"""A team's results as the assessment service hands them out: report, history, status,
action plan (ticks and owners) and export, each as whoever it serves may see it
(bot/disclosure.py). A part of `Assessments`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from bot import disclosure
from bot.reports.exports import SnapshotExport
from bot.service_errors import ResultsWithheld, UserError
from bot.service_types import (
    SnapshotStatus,
    TeamPlan,
    TeamReport,
)
from conversations.action_plan import PlanItem, build_plan
from conversations.history import (
    SnapshotScore,
    change_since_previous,
    plan_outcome,
)
from conversations.i18n import N_, Localizer, normalize_locale
from conversations.questionnaire import Questionnaire
from conversations.report import build_report
from conversations.report_view import ChangeNote, SnapshotInfo
from conversations.scoring import Result, score
from conversations.state import ResponseStatus
from storage import (
    action_plans,
    audit_trail,
    errors,
    participation,
    snapshot_lifecycle,
    snapshot_results,
)
from storage.database import Database
from storage.models import Snapshot, Team


class TeamResults:
    database: Database
    questionnaire: Questionnaire
    localizers: dict[str, Localizer]
    # The operator on the server (the CLI) sees every result; chats see what
    # bot/disclosure.py lets them.
    operator: bool

    def localizer(self, locale: str | None) -> Localizer:
        return self.localizers[normalize_locale(locale)]

    async def _result(self, session: AsyncSession, snapshot: Snapshot, team: Team) -> Result:
        respondents = await snapshot_results.submitted_respondents(
            session, snapshot.id, self.questionnaire.role.id
        )
        return score(self.questionnaire, respondents, team.anonymity_threshold)

    async def _locked_snapshots(self, session: AsyncSession, team: Team) -> list[Snapshot]:
        """The team's snapshots, oldest first, listed after locking the latest: a snapshot
        opened meanwhile can't shift which one counts as the one before."""
        if await snapshot_lifecycle.latest_snapshot(session, team.id, for_update=True) is None:
            return []
        return list(await snapshot_lifecycle.team_snapshots(session, team.id))

    async def _history(
        self, session: AsyncSession, team: Team, snapshots: Sequence[Snapshot]
    ) -> list[SnapshotScore]:
        history = []
        for snapshot in snapshots:
            counts = await snapshot_results.response_counts(session, snapshot.id)
            history.append(
                SnapshotScore(
                    number=snapshot.number,
                    opened_on=snapshot.opened_at.date(),
                    closed_on=snapshot.closed_at.date() if snapshot.closed_at else None,
                    questionnaire_version=snapshot.questionnaire_version,
                    submitted=counts.submitted,
                    in_progress=counts.in_progress,
                    result=await self._result(session, snapshot, team),
                )
            )
        return history

    async def _refreshed_plan(
        self, session: AsyncSession, snapshot: Snapshot, result: Result
    ) -> list[PlanItem]:
        # An open snapshot's plan follows its answers (down to nothing when the last respondent
        # is forgotten); a closed one's is frozen.
        if snapshot.status == "open":
            planned = build_plan(self.questionnaire, result) if result.respondents else []
            await action_plans.sync_plan(session, snapshot.id, planned)
        return await action_plans.plan_items(session, snapshot.id)

    async def _current_plan(
        self,
        session: AsyncSession,
        team: Team,
        snapshots: Sequence[Snapshot],
        latest_result: Result | None = None,
    ) -> TeamPlan:
        """The latest snapshot's plan, refreshed; while that snapshot has no results yet, the
        team keeps working on the plan of the one before. ``snapshots`` come from
        ``_locked_snapshots``; ``latest_result`` saves scoring the latest one again."""
        if not snapshots:
            return TeamPlan([], None, None)
        latest = snapshots[-1]
        if latest_result is None:
            latest_result = await self._result(session, latest, team)
        items = await self._refreshed_plan(session, latest, latest_result)
        # A plan follows its snapshot's answers: a chat sees only the plans of snapshots whose
        # results it may see (bot/disclosure.py).
        if items and await self._shown(session, team, latest):
            return TeamPlan(items, latest.number, latest.number, latest.id)
        for earlier in reversed(snapshots[:-1]):
            items = await action_plans.plan_items(session, earlier.id)
            if items and await self._shown(session, team, earlier):
                return TeamPlan(items, earlier.number, latest.number, earlier.id)
        return TeamPlan([], latest.number, latest.number, latest.id)

    async def _shown(self, session: AsyncSession, team: Team, snapshot: Snapshot) -> bool:
        if self.operator:
            return True
        counts = await snapshot_results.response_counts(session, snapshot.id)
        return disclosure.may_show(team, counts.submitted)

    async def report(self, team: Team, locale: str | None = None) -> TeamReport:
        """The latest snapshot's report, with the change since the previous one. A team with
        no snapshot at all gets an empty report rather than an error."""
        loc = self.localizer(locale or team.locale)
        async with self.database.transaction() as session:
            snapshots = await self._locked_snapshots(session, team)
            history = await self._history(session, team, snapshots)
            plan = await self._current_plan(
                session, team, snapshots, history[-1].result if history else None
            )
            history = self._as_seen(team, history)
            change = change_since_previous(history)
            outcome = None
            notes: list[ChangeNote] = []
            if change is not None:
                by_number = {s.number: s for s in snapshots}
                previous_items = await action_plans.plan_items(
                    session, by_number[change.previous.number].id
                )
                outcome = plan_outcome(self.questionnaire, change.previous.number, previous_items)
                notes = await snapshot_results.change_notes(
                    session, by_number[change.current.number].id
                )
        latest = history[-1] if history else None
        self._check_shown(team, latest)
        info = SnapshotInfo(
            team=team.name,
            number=latest.number if latest else 0,
            opened_on=latest.opened_on if latest else team.created_at.date(),
            questionnaire_version=(
                latest.questionnaire_version if latest else self.questionnaire.version
            ),
            submitted=latest.submitted if latest else 0,
            in_progress=latest.in_progress if latest else 0,
            closed=latest is not None and latest.closed_on is not None,
        )
        result = latest.result if latest else score(self.questionnaire, ())
        view = build_report(
            self.questionnaire,
            result,
            plan.items,
            info,
            loc,
            history=history,
            change=change,
            previous_plan=outcome,
            notes=notes,
            plan_snapshot=plan.snapshot_number,
        )
        return TeamReport(view, result, info.number, tuple(history), loc.locale)

    async def history(self, team: Team) -> list[SnapshotScore]:
        async with self.database.reading() as session:
            snapshots = await snapshot_lifecycle.team_snapshots(session, team.id)
            return self._as_seen(team, await self._history(session, team, snapshots))

    def _as_seen(self, team: Team, history: list[SnapshotScore]) -> list[SnapshotScore]:
        """The history as whoever this serves may see it (bot/disclosure.py)."""
        if self.operator:
            return history
        return disclosure.shown_history(team, history, score(self.questionnaire, ()))

    def _check_shown(self, team: Team, entry: SnapshotScore | None) -> None:
        """Raise `ResultsWithheld` when whoever this serves may not see ``entry``'s results."""
        if self.operator or entry is None:
            return
        withheld = disclosure.withheld(team, entry.number, entry.submitted)
        if withheld is not None:
            raise ResultsWithheld(withheld)

    async def withheld(self, team: Team) -> ResultsWithheld | None:
        """Why whoever this serves may not see the team's latest results (what to tell
        them), or None when they may: for a chat to say so before it prepares anything."""
        if self.operator:
            return None
        async with self.database.reading() as session:
            latest = await snapshot_lifecycle.latest_snapshot(session, team.id)
            if latest is None:
                return None
            counts = await snapshot_results.response_counts(session, latest.id)
        withheld = disclosure.withheld(team, latest.number, counts.submitted)
        return ResultsWithheld(withheld) if withheld is not None else None

    async def status(self, team: Team) -> SnapshotStatus:
        async with self.database.reading() as session:
            latest = await snapshot_lifecycle.latest_snapshot(session, team.id)
            if latest is None:
                raise UserError(N_("Team “{name}” has no assessment yet."), name=team.name)
            people = await participation.snapshot_people(session, latest.id)
        done = ResponseStatus.SUBMITTED.value
        return SnapshotStatus(
            latest.number,
            latest.status == "open",
            latest.deadline,
            [name for name, status in people if status == done],
            [name for name, status in people if status != done],
            team.anonymous,
        )

    async def plan(self, team: Team) -> TeamPlan:
        async with self.database.transaction() as session:
            return await self._current_plan(
                session, team, await self._locked_snapshots(session, team)
            )

    async def tick(
        self, team: Team, number: int, done: bool, by: str, *, snapshot_id: int | None = None
    ) -> TeamPlan:
        """Tick an item of the current plan on or off. ``snapshot_id``, when given, is the plan
        the person saw: a checklist left over from an earlier snapshot changes nothing."""

        async def edit(session: AsyncSession, current_id: int) -> None:
            if snapshot_id is not None and current_id != snapshot_id:
                raise UserError(
                    N_(
                        "This checklist belongs to an earlier snapshot. Ask for the current "
                        "plan to tick its items."
                    )
                )
            await action_plans.set_item_done(session, current_id, number, done, by)

        action = "plan.done" if done else "plan.undo"
        return await self._edit_item(team, number, by, action, edit)

    async def assign(
        self, team: Team, number: int, owner: str | None, due: dt.date | None, by: str
    ) -> TeamPlan:
        async def edit(session: AsyncSession, snapshot_id: int) -> None:
            await action_plans.assign_item(session, snapshot_id, number, owner, due)

        detail = {"owner": owner, "due": due.isoformat() if due else None}
        return await self._edit_item(team, number, by, "plan.assign", edit, **detail)

    async def _edit_item(
        self,
        team: Team,
        number: int,
        by: str,
        action: str,
        edit: Callable[[AsyncSession, int], Awaitable[None]],
        **detail: object,
    ) -> TeamPlan:
        """Change one item of the current plan, and leave a trace of who did what."""
        async with self.database.transaction() as session:
            current = await self._current_plan(
                session, team, await self._locked_snapshots(session, team)
            )
            if current.snapshot_id is None:
                raise UserError(N_("Team “{name}” has no assessment yet."), name=team.name)
            try:
                await edit(session, current.snapshot_id)
            except errors.NotFound:
                raise UserError(
                    N_("The action plan has no item {number}."), number=number
                ) from None
            await audit_trail.record_audit(session, team.id, by, action, item=number, **detail)
            items = await action_plans.plan_items(session, current.snapshot_id)
            return replace(current, items=items)

    async def export(self, team: Team, number: int | None = None) -> SnapshotExport:
        """What an export holds: a snapshot (the latest unless ``number``), its result, the
        change since the scored snapshot before it, and every answer."""
        async with self.database.reading() as session:
            listed = await snapshot_lifecycle.team_snapshots(session, team.id)
            history = await self._history(session, team, listed)
            snapshots = {s.number: s for s in listed}
            if not snapshots:
                raise UserError(N_("Team “{name}” has no assessment yet."), name=team.name)
            chosen = max(snapshots) if number is None else number
            if chosen not in snapshots:
                raise UserError(
                    N_("Team “{name}” has no snapshot {number}."), name=team.name, number=chosen
                )
            snapshot = snapshots[chosen]
            # A chat's export is aggregates only: nobody there receives anyone's own answers.
            records = (
                await snapshot_results.snapshot_answers(session, snapshot.id)
                if self.operator
                else []
            )
        upto = self._as_seen(team, [entry for entry in history if entry.number <= chosen])
        self._check_shown(team, upto[-1])
        change = change_since_previous(upto)
        return SnapshotExport(
            team=team.name,
            number=snapshot.number,
            status=snapshot.status,
            opened_at=snapshot.opened_at.isoformat(),
            closed_at=snapshot.closed_at.isoformat() if snapshot.closed_at else None,
            questionnaire_version=snapshot.questionnaire_version,
            result=upto[-1].result,
            change=change if change is not None and change.current.number == chosen else None,
            records=records,
            names=team.export_names,
        )

    async def set_export_names(self, team: Team, names: bool, by: str) -> None:
        async with self.database.transaction() as session:
            row = await session.get(Team, team.id)
            assert row is not None
            row.export_names = names
            await audit_trail.record_audit(session, team.id, by, "team.export_names", names=names)
