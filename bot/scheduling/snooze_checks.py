"""Who may snooze a reminder. A snooze button carries its reminder's kind, team and snapshot
in the clear, so a press is only taken when the database agrees: the reminder was really sent
(or is queued) to the person pressing — or, for a reminder to a whole team, they are that
team's administrator — and it still has something to remind of."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling import cycle as kinds
from conversations.state import ResponseStatus
from storage import outbox, snapshot_lifecycle
from storage.database import Database
from storage.models import OutboxMessage, Snapshot, Team

# The reminders that carry a snooze button: one person's, and those posted to a team.
PERSONAL_KINDS = frozenset({kinds.NUDGE})
TEAM_KINDS = frozenset({kinds.NUDGE_ROUND, kinds.REVIEW})
SNOOZABLE = PERSONAL_KINDS | TEAM_KINDS
# A reminder that was sent, or is waiting to be (a snoozed one is waiting again).
DELIVERED_OR_WAITING = (outbox.SENT, outbox.SENDING, outbox.PENDING)

IsTeamAdmin = Callable[[Team], Awaitable[bool]]


@dataclass(frozen=True)
class SnoozePress:
    """What a snooze button says: which reminder of which team (and snapshot)."""

    kind: str
    team_id: int
    snapshot_id: int | None


async def may_snooze(
    database: Database, platform: str, press: SnoozePress, presser: str, is_admin: IsTeamAdmin
) -> bool:
    """Whether ``presser`` (a platform user id) may snooze the reminder ``press`` names."""
    if press.kind not in SNOOZABLE:
        return False
    async with database.reading() as session:
        team = await session.get(Team, press.team_id)
        if team is None or team.platform != platform:
            return False
        snapshot = await session.get(Snapshot, press.snapshot_id) if press.snapshot_id else None
        if press.snapshot_id is not None and (snapshot is None or snapshot.team_id != team.id):
            return False
        personal = press.kind in PERSONAL_KINDS
        if not await _was_sent(session, platform, press, presser if personal else ""):
            return False
        if not await _still_relevant(session, press.kind, team, snapshot, presser):
            return False
    return personal or await is_admin(team)


async def _was_sent(
    session: AsyncSession, platform: str, press: SnoozePress, recipient: str
) -> bool:
    query = select(OutboxMessage.id).where(
        OutboxMessage.platform == platform,
        OutboxMessage.team_id == press.team_id,
        OutboxMessage.kind == press.kind,
        OutboxMessage.recipient == recipient,
        OutboxMessage.status.in_(DELIVERED_OR_WAITING),
        OutboxMessage.snapshot_id == press.snapshot_id
        if press.snapshot_id is not None
        else OutboxMessage.snapshot_id.is_(None),
    )
    return await session.scalar(query.limit(1)) is not None


async def _still_relevant(
    session: AsyncSession, kind: str, team: Team, snapshot: Snapshot | None, presser: str
) -> bool:
    """A nudge while its snapshot is open (and, a person's, until they submit); a review of
    the action plan until the team's next snapshot opens."""
    if snapshot is None:
        return False
    if kind == kinds.REVIEW:
        latest = await snapshot_lifecycle.latest_snapshot(session, team.id)
        return latest is not None and latest.id == snapshot.id
    if snapshot.status != "open":
        return False
    if kind in PERSONAL_KINDS:
        states = await outbox.response_states(session, snapshot.id)
        return states.get(presser) != ResponseStatus.SUBMITTED.value
    return True
