"""A snapshot's action plan: kept in step with its answers, ticked off and assigned.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.action_plan import ItemKind, PlanItem, PlannedItem
from storage.errors import NotFound
from storage.models import ActionItem, utcnow


async def sync_plan(
    session: AsyncSession, snapshot_id: int, planned: Sequence[PlannedItem]
) -> None:
    """Make the stored plan match ``planned``: new items are added, kept items keep their state,
    and items no longer called for are dropped — unless someone ticked them or gave them an
    owner or a due date, which is work nobody should lose."""
    # The caller holds the snapshot's lock (see latest_snapshot), so syncs and ticks are serial.
    existing = {
        item.key: item
        for item in await session.scalars(
            select(ActionItem).where(ActionItem.snapshot_id == snapshot_id)
        )
    }
    wanted = {item.key for item in planned}
    position = 0
    for item in planned:
        position += 1
        row = existing.get(item.key)
        if row is None:
            session.add(
                ActionItem(
                    snapshot_id=snapshot_id,
                    key=item.key,
                    position=position,
                    kind=item.kind.value,
                    text=item.text,
                    dimension_id=item.dimension_id,
                    state="open",
                )
            )
        else:
            row.position, row.text = position, item.text
    for key, row in existing.items():
        if key in wanted:
            continue
        if row.state == "done" or row.owner or row.due:
            position += 1
            row.position = position
        else:
            await session.delete(row)
    await session.flush()


async def plan_items(session: AsyncSession, snapshot_id: int) -> list[PlanItem]:
    rows = await session.scalars(
        select(ActionItem)
        .where(ActionItem.snapshot_id == snapshot_id)
        .order_by(ActionItem.position)
    )
    return [
        PlanItem(
            number=number,
            key=row.key,
            kind=ItemKind(row.kind),
            text=row.text,
            dimension_id=row.dimension_id,
            done=row.state == "done",
            done_by=row.done_by,
            done_at=row.done_at,
            owner=row.owner,
            due=row.due,
        )
        for number, row in enumerate(rows, start=1)
    ]


async def _item_at(session: AsyncSession, snapshot_id: int, number: int) -> ActionItem:
    row = (
        await session.scalar(
            select(ActionItem)
            .where(ActionItem.snapshot_id == snapshot_id)
            .order_by(ActionItem.position)
            .offset(number - 1)
            .limit(1)
        )
        if number >= 1
        else None
    )
    if row is None:
        raise NotFound(f"the plan has no item {number}")
    return row


async def set_item_done(
    session: AsyncSession, snapshot_id: int, number: int, done: bool, by: str
) -> ActionItem:
    row = await _item_at(session, snapshot_id, number)
    row.state = "done" if done else "open"
    row.done_by = by if done else None
    row.done_at = utcnow() if done else None
    await session.flush()
    return row


async def assign_item(
    session: AsyncSession, snapshot_id: int, number: int, owner: str | None, due: dt.date | None
) -> ActionItem:
    row = await _item_at(session, snapshot_id, number)
    if owner is not None:
        row.owner = owner or None
    if due is not None:
        row.due = due
    await session.flush()
    return row
