"""What every channel's button handlers share when a press is not the presser's to make: the
notes they answer with, and whose action plan a checklist shows. A checklist's buttons carry
the snapshot whose plan they tick, and a message can be forwarded (Telegram) or its payload
replayed elsewhere: a tick is taken only in the chat or channel of that snapshot's team."""

from __future__ import annotations

from conversations.i18n import N_
from storage.database import Database
from storage.models import Snapshot

NOT_FOR_YOU = N_("This button is not for you.")
ANOTHER_TEAM = N_("This checklist belongs to another team.")
NO_LONGER_WORKS = N_("This button no longer works.")


async def checklist_team_id(database: Database, snapshot_id: int) -> int | None:
    """The team of the snapshot a checklist was drawn from; None when it is gone."""
    async with database.reading() as session:
        snapshot = await session.get(Snapshot, snapshot_id)
        return snapshot.team_id if snapshot is not None else None


def refuse_tick(owner: int | None, team_id: int | None) -> str | None:
    """Why a member's tick of the checklist of team ``owner``, pressed where team
    ``team_id`` (if any) lives, is refused: a msgid, or None when it is taken."""
    if owner is not None and owner != team_id:
        return ANOTHER_TEAM
    return NO_LONGER_WORKS if team_id is None else None
