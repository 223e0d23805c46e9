"""The application service every channel drives: engine + storage in one unit of work per input.

Each input is handled in one transaction — state loaded (row-locked on PostgreSQL, under the
write lock on SQLite), engine turn computed, answers and position written — and committed before
the caller sends the replies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.action_plan import PlanItem, build_plan
from conversations.engine import Conversation, Turn
from conversations.i18n import N_, Localizer, normalize_locale
from conversations.questionnaire import Questionnaire
from conversations.questions import QuestionSequence
from conversations.report import ReportView, SnapshotInfo, build_report
from conversations.scoring import Result, score
from conversations.state import ResponseState, ResponseStatus
from storage import repository as repo
from storage.database import Database
from storage.models import Snapshot, Team


class UserError(Exception):
    """A request that cannot be done as asked. ``message`` is a msgid with {placeholders},
    translated for the person who asked by ``localized``."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def localized(self, loc: Localizer) -> str:
        return loc._(self.message, **self.params)


@dataclass(frozen=True)
class Participant:
    platform: str
    team_id: str
    team_name: str
    person_id: str
    person_name: str


@dataclass(frozen=True)
class Opened:
    response_id: int
    team_id: int
    snapshot_number: int
    created: bool
    turn: Turn


@dataclass(frozen=True)
class TeamReport:
    view: ReportView
    result: Result
    snapshot_number: int


class Assessments:
    def __init__(
        self,
        database: Database,
        questionnaire: Questionnaire,
        localizers: Mapping[str, Localizer],
        anonymity_threshold: int | None = None,
    ) -> None:
        self.database = database
        self.questionnaire = questionnaire
        # New teams start with this threshold; each team's own value is what scoring uses.
        self.anonymity_threshold = anonymity_threshold or questionnaire.anonymity_threshold
        self.localizers = dict(localizers)
        self.sequence = QuestionSequence(questionnaire)
        self.conversation = Conversation(self.sequence, self.localizers)

    def localizer(self, locale: str | None) -> Localizer:
        return self.localizers[normalize_locale(locale)]

    # ------------------------------------------------------------------ answering

    async def open(
        self, who: Participant, locale: str | None = None, fallback_locale: str | None = None
    ) -> Opened:
        """Start or resume the person's response in the team's open snapshot.

        The language is ``locale`` when asked for, else the person's own, else
        ``fallback_locale`` (what the platform says about them), else the team's."""
        async with self.database.transaction() as session:
            team = await repo.get_or_create_team(
                session,
                who.platform,
                who.team_id,
                who.team_name,
                normalize_locale(locale),
                self.anonymity_threshold,
            )
            person = await repo.get_or_create_person(
                session, who.platform, who.person_id, who.person_name, locale
            )
            snapshot = await repo.open_snapshot(
                session, team.id, self.questionnaire.id, self.questionnaire.version
            )
            chosen = normalize_locale(locale or person.locale or fallback_locale or team.locale)
            response_id, created = await repo.get_or_create_response(
                session, snapshot.id, person.id, chosen, self.sequence.questions[0].id
            )
            state = await session.run_sync(
                lambda sync: repo.load_state(sync.connection(), response_id)
            )
            if locale is not None and state.locale != chosen:
                state.locale = chosen
                await session.run_sync(
                    lambda sync: repo.save_state(sync.connection(), response_id, state, ())
                )
            if locale is not None and person.locale != chosen:
                person.locale = chosen
            turn = self.conversation.welcome(state) if created else self.conversation.resume(state)
            return Opened(response_id, team.id, snapshot.number, created, turn)

    async def handle_text(self, response_id: int, text: str) -> Turn:
        return await self._apply(response_id, lambda s: self.conversation.handle_text(s, text))

    async def handle_button(self, response_id: int, payload: str) -> Turn:
        return await self._apply(response_id, lambda s: self.conversation.handle_button(s, payload))

    async def _apply(self, response_id: int, step: Callable[[ResponseState], Turn]) -> Turn:
        def unit(connection: Connection) -> Turn:
            try:
                state = repo.load_state(connection, response_id)
            except repo.NotFound:
                raise UserError(
                    N_(
                        "Your answers here were deleted, so there is nothing to continue. "
                        "Start again to answer anew."
                    )
                ) from None
            was_submitted = state.status is ResponseStatus.SUBMITTED
            turn = step(state)
            if turn.saved or turn.state != state:
                submitted_now = turn.state.status is ResponseStatus.SUBMITTED and not was_submitted
                repo.save_state(
                    connection, response_id, turn.state, turn.saved, submitted_now=submitted_now
                )
            if turn.state.locale != state.locale:
                repo.remember_locale(connection, response_id, turn.state.locale)
            return turn

        return await self.database.run(unit)

    # ------------------------------------------------------------------ teams and results

    async def find_team(self, name: str) -> Team:
        async with self.database.reading() as session:
            teams = await repo.teams_named(session, name)
        if not teams:
            raise UserError(N_("There is no team called “{name}” yet."), name=name)
        if len(teams) > 1:
            places = ", ".join(sorted(team.platform for team in teams))
            raise UserError(
                N_("More than one team is called “{name}” ({places})."), name=name, places=places
            )
        return teams[0]

    async def _latest(self, session: AsyncSession, team: Team, *, lock: bool = False) -> Snapshot:
        snapshot = await repo.latest_snapshot(session, team.id, for_update=lock)
        if snapshot is None:
            raise UserError(N_("Team “{name}” has no assessment yet."), name=team.name)
        return snapshot

    async def _result(self, session: AsyncSession, snapshot: Snapshot, team: Team) -> Result:
        respondents = await repo.submitted_respondents(
            session, snapshot.id, self.questionnaire.role.id
        )
        return score(self.questionnaire, respondents, team.anonymity_threshold)

    async def _refreshed_plan(
        self, session: AsyncSession, snapshot: Snapshot, result: Result
    ) -> list[PlanItem]:
        # An open snapshot's plan follows its answers (down to nothing when the last respondent
        # is forgotten); a closed one's is frozen.
        if snapshot.status == "open":
            planned = build_plan(self.questionnaire, result) if result.respondents else []
            await repo.sync_plan(session, snapshot.id, planned)
        return await repo.plan_items(session, snapshot.id)

    async def report(self, team: Team, locale: str | None = None) -> TeamReport:
        async with self.database.transaction() as session:
            snapshot = await self._latest(session, team, lock=True)
            result = await self._result(session, snapshot, team)
            plan = await self._refreshed_plan(session, snapshot, result)
            counts = await repo.response_counts(session, snapshot.id)
        info = SnapshotInfo(
            team=team.name,
            number=snapshot.number,
            opened_on=snapshot.opened_at.date(),
            questionnaire_version=snapshot.questionnaire_version,
            submitted=counts.submitted,
            in_progress=counts.in_progress,
            closed=snapshot.status != "open",
        )
        view = build_report(
            self.questionnaire, result, plan, info, self.localizer(locale or team.locale)
        )
        return TeamReport(view, result, snapshot.number)

    async def plan(self, team: Team) -> list[PlanItem]:
        async with self.database.transaction() as session:
            snapshot = await self._latest(session, team, lock=True)
            result = await self._result(session, snapshot, team)
            return await self._refreshed_plan(session, snapshot, result)

    async def tick(self, team: Team, number: int, done: bool, by: str) -> list[PlanItem]:
        async def edit(session: AsyncSession, snapshot_id: int) -> None:
            await repo.set_item_done(session, snapshot_id, number, done, by)

        action = "plan.done" if done else "plan.undo"
        return await self._edit_item(team, number, by, action, edit)

    async def assign(
        self, team: Team, number: int, owner: str | None, due: dt.date | None, by: str
    ) -> list[PlanItem]:
        async def edit(session: AsyncSession, snapshot_id: int) -> None:
            await repo.assign_item(session, snapshot_id, number, owner, due)

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
    ) -> list[PlanItem]:
        """Change one item of the latest plan, and leave a trace of who did what."""
        async with self.database.transaction() as session:
            snapshot = await self._latest(session, team, lock=True)
            try:
                await edit(session, snapshot.id)
            except repo.NotFound:
                raise UserError(
                    N_("The action plan has no item {number}."), number=number
                ) from None
            await repo.record_audit(session, team.id, by, action, item=number, **detail)
            return await repo.plan_items(session, snapshot.id)

    async def answers(self, team: Team) -> tuple[Snapshot, list[repo.AnswerRecord]]:
        async with self.database.reading() as session:
            snapshot = await self._latest(session, team)
            return snapshot, await repo.snapshot_answers(session, snapshot.id)

    async def forget(
        self, team: Team, platform: str, person_id: str, actor: str
    ) -> tuple[int, int]:
        async with self.database.transaction() as session:
            person = await repo.find_person(session, platform, person_id)
            if person is None:
                raise UserError(
                    N_("No one called “{person}” has answered for “{team}”."),
                    person=person_id,
                    team=team.name,
                )
            counts = await repo.forget_person(session, person.id, team.id)
            # The trail records that it happened, never whose answers they were.
            await repo.record_audit(
                session, team.id, actor, "person.forget", deleted=counts[0], anonymised=counts[1]
            )
            return counts
