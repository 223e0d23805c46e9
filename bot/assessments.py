"""The application service every channel drives: engine + storage in one unit of work per input.

Each input is handled in one transaction — state loaded (row-locked on PostgreSQL, under the
write lock on SQLite), engine turn computed, answers and position written — and committed before
the caller sends the replies. Its parts: `TeamDirectory` (teams and people), `TeamResults`
(reports, plans, exports, as each reader may see them) and `PersonErasure` (forgetting).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot import anonymity
from bot.deadlines import DEFAULT_DEADLINE
from bot.person_erasure import PersonErasure
from bot.service_errors import AlreadyHandled, NoLongerOpen, UserError
from bot.service_types import (
    Invitation,
    Opened,
    Participant,
    Pending,
)
from bot.team_directory import TeamDirectory
from bot.team_results import TeamResults
from conversations.engine import Conversation, Turn
from conversations.i18n import N_, Localizer, normalize_locale
from conversations.questionnaire import Questionnaire
from conversations.questions import QuestionSequence
from conversations.state import ResponseState, ResponseStatus
from storage import (
    answering,
    audit_trail,
    errors,
    participation,
    seen_updates,
    snapshot_lifecycle,
    snapshot_results,
    teams_and_people,
)
from storage.database import Database
from storage.models import Snapshot, Team


class Assessments(TeamDirectory, TeamResults, PersonErasure):
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
