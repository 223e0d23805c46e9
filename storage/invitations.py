"""The people a snapshot was sent to, and how far each of them is.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invitee, Person, Response


@dataclass(frozen=True)
class InviteeRecord:
    external_id: str
    name: str
    address: str
    message_ref: str | None
    status: str | None  # the person's response status; None: not started


async def add_invitee(
    session: AsyncSession, snapshot_id: int, person_id: int, address: str, message_ref: str | None
) -> None:
    await session.merge(
        Invitee(
            snapshot_id=snapshot_id, person_id=person_id, address=address, message_ref=message_ref
        )
    )


async def invitees(session: AsyncSession, snapshot_id: int) -> list[InviteeRecord]:
    """Everyone the snapshot was sent to, with how far they are, by name."""
    rows = await session.execute(
        select(
            Person.external_id,
            Person.display_name,
            Invitee.address,
            Invitee.message_ref,
            Response.status,
        )
        .join(Person, Person.id == Invitee.person_id)
        .outerjoin(
            Response,
            (Response.snapshot_id == Invitee.snapshot_id) & (Response.person_id == Person.id),
        )
        .where(Invitee.snapshot_id == snapshot_id)
        .order_by(Person.display_name, Person.id)
    )
    return [InviteeRecord(*row) for row in rows]
