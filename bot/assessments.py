"""The application service every channel drives: engine + storage in one unit of work per input.

Each input is handled in one transaction — state loaded (row-locked on PostgreSQL, under the
write lock on SQLite), engine turn computed, answers and position written — and committed before
the caller sends the replies.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot import anonymity, disclosure
from bot.payload_ids import parse_id
from bot.reports.exports import SnapshotExport
from conversations.action_plan import PlanItem, build_plan
from conversations.engine import Conversation, Turn
from conversations.history import (
    SnapshotScore,
    change_since_previous,
    plan_outcome,
)
from conversations.i18n import N_, Localizer, normalize_locale
from conversations.questionnaire import Questionnaire
from conversations.questions import QuestionSequence
from conversations.report import build_report
from conversations.report_view import ChangeNote, ReportView, SnapshotInfo
from conversations.scoring import Result, score
from conversations.state import ResponseState, ResponseStatus
from storage import (
    action_plans,
    answering,
    audit_trail,
    errors,
    forgetting,
    participation,
    privacy,
    seen_updates,
    snapshot_lifecycle,
    snapshot_results,
    teams_and_people,
)
from storage.database import Database
from storage.models import Snapshot, Team

DEFAULT_DEADLINE = dt.timedelta(days=14)  # how long a snapshot stays open unless told otherwise
MAX_DEADLINE_DAYS = 90


class AlreadyHandled(Exception):
    """The platform delivered this update before and its effect is already stored."""


class NoLongerOpen(Exception):
    """Asked with ``open_only``: the response's snapshot has closed or the response was
    deleted, so nothing was stored (the update's mark neither): the input can go elsewhere.
    ``closed`` is what the closed response says to it; None when it was deleted."""

    def __init__(self, closed: Turn | None = None) -> None:
        super().__init__("the response takes no more answers")
        self.closed = closed


class UserError(Exception):
    """A request that cannot be done as asked. ``message`` is a msgid with {placeholders},
    translated for the person who asked by ``localized``."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def localized(self, loc: Localizer) -> str:
        return loc._(self.message, **self.params)


class ResultsWithheld(UserError):
    """A chat may not see these results: too few people submitted (bot/disclosure.py)."""

    def __init__(self, withheld: disclosure.Withheld) -> None:
        super().__init__("results withheld below the anonymity threshold")
        self.withheld = withheld

    def localized(self, loc: Localizer) -> str:
        return self.withheld.text(loc)


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
class Invitation:
    """A team's open snapshot and the secret that lets people join it."""

    team_id: int
    number: int
    token: str
    deadline: dt.datetime
    created: bool  # False: the snapshot was already open and this invites to it again


@dataclass(frozen=True)
class Pending:
    """One of a person's teams whose open snapshot they have started."""

    team_id: int
    external_id: str
    team_name: str
    snapshot_number: int
    deadline: dt.datetime | None
    submitted: bool
    started: bool = True


@dataclass(frozen=True)
class SnapshotStatus:
    """Who has answered the team's latest snapshot: names only, never answers."""

    number: int
    is_open: bool
    deadline: dt.datetime | None
    submitted: list[str]
    in_progress: list[str]
    anonymous: bool = False  # anonymous mode: show how many, not who


@dataclass(frozen=True)
class TeamReport:
    view: ReportView
    result: Result
    snapshot_number: int
    history: tuple[SnapshotScore, ...]
    locale: str


@dataclass(frozen=True)
class TeamPlan:
    """The plan the team works on: the latest snapshot's, or — while the latest has no results
    yet — the one before it."""

    items: list[PlanItem]
    snapshot_number: int | None
    latest_number: int | None
    snapshot_id: int | None = None  # where ticks and assignments go

    def heading(self, loc: Localizer) -> str:
        """ "Action plan (2 of 7 done)", naming the snapshot when it is not the latest; or,
        with no items yet, why there are none."""
        if not self.items or self.snapshot_id is None:
            return loc._(
                "There is no action plan yet: it appears once someone has submitted answers."
            )
        done, total = sum(item.done for item in self.items), len(self.items)
        if self.snapshot_number != self.latest_number:
            return loc._(
                "Action plan of snapshot {number} ({done} of {total} done)",
                number=self.snapshot_number,
                done=done,
                total=total,
            )
        return loc._("Action plan ({done} of {total} done)", done=done, total=total)


class Assessments:
    def __init__(
        self,
        database: Database,
        questionnaire: Questionnaire,
        localizers: Mapping[str, Localizer],
        anonymity_threshold: int | None = None,
        *,
        operator: bool = False,
    ) -> None:
        self.database = database
        # The operator on the server (the CLI) sees every result; chats see what
        # bot/disclosure.py lets them.
        self.operator = operator
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
            team = await teams_and_people.get_or_create_team(
                session,
                who.platform,
                who.team_id,
                who.team_name,
                normalize_locale(locale),
                self.anonymity_threshold,
            )
            snapshot = await snapshot_lifecycle.open_snapshot(
                session, team.id, self.questionnaire.id, self.questionnaire.version
            )
            return await self._open_in(session, team, snapshot, who, locale, fallback_locale)

    async def invited_team(self, token: str, platform: str) -> Team | None:
        """The team of ``platform`` an invitation token belongs to, if any (a Slack channel's
        token is no invitation on Telegram, nor the other way round)."""
        async with self.database.reading() as session:
            snapshot = await snapshot_lifecycle.snapshot_by_token(session, token)
            team = await session.get(Team, snapshot.team_id) if snapshot else None
            return team if team is not None and team.platform == platform else None

    async def join(self, token: str, who: Participant, fallback_locale: str | None) -> Opened:
        """Start or resume the person's response in the snapshot an invitation link names
        (``who``'s team fields are not used: the link says which team)."""
        async with self.database.transaction() as session:
            snapshot = await snapshot_lifecycle.snapshot_by_token(session, token)
            team = await session.get(Team, snapshot.team_id) if snapshot else None
            if snapshot is None or team is None or team.platform != who.platform:
                # another platform's token says nothing here: its membership was never checked
                raise UserError(
                    N_("This invitation link is not valid. Ask your team for the current one.")
                )
            if snapshot.status != "open":
                raise UserError(
                    N_(
                        "This assessment has closed, so it takes no more answers. The team's "
                        "results are posted where it was started."
                    )
                )
            return await self._open_in(session, team, snapshot, who, None, fallback_locale)

    async def enter(self, team_id: int, who: Participant, fallback_locale: str | None) -> Opened:
        """Start or resume the person's response in the team's open snapshot, which must be
        open already: unlike `open`, this never opens a snapshot for the team."""
        async with self.database.transaction() as session:
            team = await session.get(Team, team_id)
            snapshot = await snapshot_lifecycle.latest_snapshot(session, team_id) if team else None
            if team is None or snapshot is None or snapshot.status != "open":
                raise UserError(N_("That assessment is no longer open."))
            return await self._open_in(session, team, snapshot, who, None, fallback_locale)

    async def _open_in(
        self,
        session: AsyncSession,
        team: Team,
        snapshot: Snapshot,
        who: Participant,
        locale: str | None,
        fallback_locale: str | None,
    ) -> Opened:
        person = await teams_and_people.get_or_create_person(
            session, who.platform, who.person_id, who.person_name, locale
        )
        chosen = normalize_locale(locale or person.locale or fallback_locale or team.locale)
        response_id, created = await answering.get_or_create_response(
            session, snapshot.id, person.id, chosen, self.sequence.questions[0].id
        )
        if not created:
            await participation.touch_response(session, response_id)  # their next message goes here
        state = await session.run_sync(
            lambda sync: answering.load_state(sync.connection(), response_id)
        )
        if locale is not None and state.locale != chosen:
            state.locale = chosen
            await session.run_sync(
                lambda sync: answering.save_state(sync.connection(), response_id, state, ())
            )
        if locale is not None and person.locale != chosen:
            person.locale = chosen
        turn = anonymity.receipt_turn(self.localizer(state.locale), state) or (
            self.conversation.welcome(state) if created else self.conversation.resume(state)
        )
        return Opened(response_id, team.id, snapshot.number, created, turn)

    async def current(self, platform: str, person_id: str) -> Opened | None:
        """The response the person was last busy with in a snapshot still open, resumed."""
        async with self.database.reading() as session:
            found = await participation.open_participations(session, platform, person_id)
            if not found:
                return None
            place = found[0]
            state = await session.run_sync(
                lambda sync: answering.load_state(
                    sync.connection(), place.response_id, for_update=False
                )
            )
        turn = anonymity.receipt_turn(
            self.localizer(state.locale), state
        ) or self.conversation.resume(state)
        return Opened(place.response_id, place.team.id, place.snapshot.number, False, turn)

    async def pending(self, platform: str, person_id: str) -> list[Pending]:
        """The open snapshots of the person's teams: those they have started, the most
        recently active first, then those of teams they answered for before."""
        async with self.database.reading() as session:
            found = await participation.open_participations(session, platform, person_id)
            fresh = await participation.unstarted_snapshots(session, platform, person_id)
        started = [
            Pending(
                place.team.id,
                place.team.external_id,
                place.team.name,
                place.snapshot.number,
                place.snapshot.deadline,
                place.status == ResponseStatus.SUBMITTED.value,
            )
            for place in found
        ]
        return started + [
            Pending(team.id, team.external_id, team.name, snap.number, snap.deadline, False, False)
            for team, snap in fresh
        ]

    async def handle_text(
        self,
        response_id: int,
        text: str,
        *,
        update: tuple[str, str] | None = None,
        open_only: bool = False,
    ) -> Turn:
        """One typed input. ``update`` — (channel, platform update id) — makes a redelivery of
        the same update raise `AlreadyHandled` instead of answering twice; ``open_only`` makes
        a closed or deleted response raise `NoLongerOpen` instead of saying so."""
        return await self._apply(
            response_id, lambda s: self.conversation.handle_text(s, text), update, open_only
        )

    async def handle_button(
        self,
        response_id: int,
        payload: str,
        *,
        update: tuple[str, str] | None = None,
        open_only: bool = False,
    ) -> Turn:
        return await self._apply(
            response_id, lambda s: self.conversation.handle_button(s, payload), update, open_only
        )

    async def _apply(
        self,
        response_id: int,
        step: Callable[[ResponseState], Turn],
        update: tuple[str, str] | None = None,
        open_only: bool = False,
    ) -> Turn:
        def unit(connection: Connection) -> Turn:
            # Recorded in the answer's own transaction: both are stored, or neither.
            if update is not None and not seen_updates.mark_seen(connection, *update):
                raise AlreadyHandled
            try:
                state = answering.load_state(connection, response_id)
            except errors.NotFound:
                if open_only:
                    raise NoLongerOpen from None
                raise UserError(
                    N_(
                        "Your answers here were deleted, so there is nothing to continue. "
                        "Start again to answer anew."
                    )
                ) from None
            if open_only and not state.snapshot_open:
                raise NoLongerOpen(step(state))  # rolled back with the update's mark
            receipt = anonymity.receipt_turn(self.localizer(state.locale), state)
            if receipt is not None:  # submitted anonymously: nothing of theirs is left here
                return receipt
            was_submitted = state.status is ResponseStatus.SUBMITTED
            turn = step(state)
            if turn.saved or turn.state != state:
                submitted_now = turn.state.status is ResponseStatus.SUBMITTED and not was_submitted
                answering.save_state(
                    connection, response_id, turn.state, turn.saved, submitted_now=submitted_now
                )
                if submitted_now:
                    anonymity.detach_if_anonymous(connection, response_id)
            if turn.state.locale != state.locale:
                answering.remember_locale(connection, response_id, turn.state.locale)
            return turn

        return await self.database.run(unit)

    # ------------------------------------------------------------------ teams and results

    async def find_team(self, name: str) -> Team:
        async with self.database.reading() as session:
            teams = await teams_and_people.teams_named(session, name)
        if not teams:
            raise UserError(N_("There is no team called “{name}” yet."), name=name)
        if len(teams) > 1:
            places = ", ".join(sorted(team.platform for team in teams))
            raise UserError(
                N_("More than one team is called “{name}” ({places})."), name=name, places=places
            )
        return teams[0]

    async def team_at(self, platform: str, external_id: str) -> Team | None:
        """The team a platform place (a Telegram group, a Slack channel) belongs to, if any."""
        async with self.database.reading() as session:
            return await teams_and_people.find_team(session, platform, external_id)

    async def team(self, team_id: int) -> Team:
        async with self.database.reading() as session:
            team = await session.get(Team, team_id)
        if team is None:
            raise UserError(N_("This team no longer exists."))
        return team

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

    async def new_snapshot(self, team: Team, by: str) -> int:
        """Close the team's open snapshot (its plan as it stands) and open the next one;
        returns the new snapshot's number."""
        async with self.database.transaction() as session:
            await snapshot_lifecycle.lock_team(session, team.id)
            latest = await snapshot_lifecycle.latest_snapshot(session, team.id, for_update=True)
            if latest is not None and latest.status == "open":
                await self._close(session, team, latest)
            snapshot = await snapshot_lifecycle.open_snapshot(
                session, team.id, self.questionnaire.id, self.questionnaire.version
            )
            await audit_trail.record_audit(
                session, team.id, by, "snapshot.new", number=snapshot.number
            )
            return snapshot.number

    async def start_snapshot(
        self,
        platform: str,
        external_id: str,
        name: str,
        *,
        by: str,
        deadline: dt.datetime | None = None,
        locale: str | None = None,
    ) -> Invitation:
        """Open a snapshot for the team of a platform place, with a deadline and an invitation
        token; while one is open, invite to it again (moving its deadline if one is given)."""
        async with self.database.transaction() as session:
            team = await teams_and_people.get_or_create_team(
                session,
                platform,
                external_id,
                name,
                normalize_locale(locale),
                self.anonymity_threshold,
            )
            team.name = name  # groups get renamed
            await snapshot_lifecycle.lock_team(session, team.id)
            latest = await snapshot_lifecycle.latest_snapshot(session, team.id, for_update=True)
            created = latest is None or latest.status != "open"
            snapshot = await snapshot_lifecycle.open_snapshot(
                session, team.id, self.questionnaire.id, self.questionnaire.version
            )
            if snapshot.invite_token is None:
                # 32 random bytes: 43 URL-safe characters, inside a deep link's 64.
                snapshot.invite_token = secrets.token_urlsafe(32)
            if deadline is not None or snapshot.deadline is None:
                snapshot.deadline = deadline or dt.datetime.now(dt.UTC) + DEFAULT_DEADLINE
            await audit_trail.record_audit(
                session,
                team.id,
                by,
                "snapshot.start" if created else "snapshot.invite",
                number=snapshot.number,
                deadline=snapshot.deadline.isoformat(),
            )
            return Invitation(
                team.id, snapshot.number, snapshot.invite_token, snapshot.deadline, created
            )

    async def ensure_team(
        self, platform: str, external_id: str, name: str, locale: str | None = None
    ) -> Team:
        """The team of a platform place, created if it is new."""
        async with self.database.transaction() as session:
            return await teams_and_people.get_or_create_team(
                session,
                platform,
                external_id,
                name,
                normalize_locale(locale),
                self.anonymity_threshold,
            )

    async def person_teams(self, platform: str, person_id: str) -> list[Team]:
        """The teams the person has answered for, oldest first."""
        async with self.database.reading() as session:
            person = await teams_and_people.find_person(session, platform, person_id)
            if person is None:
                return []
            ids = await forgetting.person_team_ids(session, person.id)
            return [team for team_id in ids if (team := await session.get(Team, team_id))]

    async def person_locale(self, platform: str, person_id: str) -> str | None:
        """The language the person chose, if they ever did."""
        async with self.database.reading() as session:
            person = await teams_and_people.find_person(session, platform, person_id)
            return person.locale if person else None

    async def set_person_locale(self, who: Participant, locale: str) -> None:
        """The person's language from now on, in the responses they have open too."""
        chosen = normalize_locale(locale)
        async with self.database.transaction() as session:
            person = await teams_and_people.get_or_create_person(
                session, who.platform, who.person_id, who.person_name, chosen
            )
            person.locale = chosen
            places = await participation.open_participations(session, who.platform, who.person_id)
            await answering.set_responses_locale(
                session, [place.response_id for place in places], chosen
            )

    async def set_team_locale(
        self, platform: str, external_id: str, name: str, locale: str, *, by: str
    ) -> None:
        """The language of the team's posts (and of its newcomers who have none of their own)."""
        chosen = normalize_locale(locale)
        async with self.database.transaction() as session:
            team = await teams_and_people.get_or_create_team(
                session, platform, external_id, name, chosen, self.anonymity_threshold
            )
            team.locale = chosen
            await audit_trail.record_audit(session, team.id, by, "team.locale", locale=chosen)

    async def move_team(self, platform: str, old_external_id: str, new_external_id: str) -> None:
        """The platform gave the team's place a new id (a Telegram group became a
        supergroup)."""
        async with self.database.transaction() as session:
            team = await teams_and_people.find_team(session, platform, old_external_id)
            if (
                team is not None
                and await teams_and_people.find_team(session, platform, new_external_id) is None
            ):
                team.external_id = new_external_id
                await audit_trail.record_audit(
                    session, team.id, "(platform)", "team.moved", to=new_external_id
                )

    async def close(self, team: Team, by: str) -> int:
        """Close the team's open snapshot, freezing its plan; returns its number."""
        async with self.database.transaction() as session:
            await snapshot_lifecycle.lock_team(session, team.id)
            latest = await snapshot_lifecycle.latest_snapshot(session, team.id, for_update=True)
            if latest is None or latest.status != "open":
                raise UserError(N_("Team “{name}” has no open snapshot."), name=team.name)
            await self._close(session, team, latest)
            await audit_trail.record_audit(
                session, team.id, by, "snapshot.close", number=latest.number
            )
            return latest.number

    async def _close(self, session: AsyncSession, team: Team, snapshot: Snapshot) -> None:
        counts = await snapshot_results.response_counts(session, snapshot.id)
        if not counts.submitted:
            raise UserError(
                N_(
                    "Snapshot {number} is still open and nobody has submitted answers "
                    "yet, so there is nothing to close. Answer it first."
                ),
                number=snapshot.number,
            )
        await self._refreshed_plan(session, snapshot, await self._result(session, snapshot, team))
        await snapshot_lifecycle.close_snapshot(session, snapshot)

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

    async def forget_everywhere(
        self,
        platform: str,
        person_id: str,
        *,
        own_teams: Sequence[str] = (),
        names: Sequence[str] = (),
    ) -> tuple[int, int]:
        """A person's own request: their answers for every team, as `forget` does per team,
        and every other trace of them (`storage.privacy`). ``own_teams`` (external ids) are
        teams that are the person alone — named after them — and go entirely; ``names`` are
        names they go by on the platform now, beside the stored one."""
        deleted = kept = 0
        async with self.database.transaction() as session:
            for external_id in own_teams:
                team = await teams_and_people.find_team(session, platform, external_id)
                if team is not None:
                    deleted += await forgetting.delete_team(session, team.id)
            person = await teams_and_people.find_person(session, platform, person_id)
            traces = privacy.Traces(
                platform,
                person_id,
                person.id if person else None,
                frozenset({*names, *([person.display_name] if person else [])}),
            )
            if person is not None:
                for team_id in await forgetting.person_team_ids(session, person.id):
                    counts = await forgetting.forget_person(session, person.id, team_id)
                    await audit_trail.record_audit(
                        session,
                        team_id,
                        "(the person themselves)",
                        "person.forget",
                        deleted=counts[0],
                        anonymised=counts[1],
                    )
                    deleted, kept = deleted + counts[0], kept + counts[1]
            await privacy.erase_everywhere(session, traces)  # their record too, even with no team
        return deleted, kept

    async def first_time(self, channel: str, key: str) -> bool:
        """Record a platform update as handled; False when it was before (a redelivery)."""
        return await self.database.run(
            lambda connection: seen_updates.mark_seen(connection, channel, key)
        )

    async def forget_old_updates(self, channel: str, age: dt.timedelta) -> int:
        async with self.database.transaction() as session:
            return await seen_updates.forget_seen(session, channel, dt.datetime.now(dt.UTC) - age)

    async def forget(
        self, team: Team, platform: str, person_id: str, actor: str
    ) -> tuple[int, int]:
        async with self.database.transaction() as session:
            person = await teams_and_people.find_person(session, platform, person_id)
            if person is None:
                raise UserError(
                    N_("No one called “{person}” has answered for “{team}”."),
                    person=person_id,
                    team=team.name,
                )
            traces = privacy.Traces(
                platform, person_id, person.id, frozenset({person.display_name})
            )
            await privacy.erase_in_team(session, traces, team.id)
            counts = await forgetting.forget_person(session, person.id, team.id)
            if await teams_and_people.find_person(session, platform, person_id) is None:
                # Nothing links the person to another team now: nothing of them stays.
                await privacy.erase_everywhere(session, traces)
            # The trail records that it happened, never whose answers they were.
            await audit_trail.record_audit(
                session, team.id, actor, "person.forget", deleted=counts[0], anonymised=counts[1]
            )
            return counts


def parse_deadline(args: list[str], now: dt.datetime) -> dt.datetime | None:
    """A start command's arguments: nothing (the default), a number of days, or an ISO date."""
    if not args:
        return None
    word = args[0]
    days = parse_id(word)
    if days is not None:
        if not 1 <= days <= MAX_DEADLINE_DAYS:
            raise ValueError(word)
        return now + dt.timedelta(days=days)
    day = dt.date.fromisoformat(word)  # ValueError when it is not a date
    deadline = dt.datetime.combine(day, dt.time(23, 59), dt.UTC)
    if not now < deadline <= now + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ValueError(word)
    return deadline


def forgotten_text(loc: Localizer, deleted: int, kept: int) -> str:
    """What `forget_everywhere` did, in a sentence or two."""
    done = loc.ngettext("Done: {n} answer deleted.", "Done: {n} answers deleted.", deleted)
    if not kept:
        return done
    rest = loc.ngettext(
        "{n} stays only as an anonymous number.", "{n} stay only as anonymous numbers.", kept
    )
    return f"{done} {rest}"
