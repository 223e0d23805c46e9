"""The audit trail: who changed what in a team."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent


async def record_audit(
    session: AsyncSession, team_id: int | None, actor: str, action: str, **detail: Any
) -> None:
    session.add(AuditEvent(team_id=team_id, actor=actor, action=action, detail=detail))
