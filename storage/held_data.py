"""What export-me reads: everything stored about one person — their record, every response
with its answers, invitations, admin roles, checklist items they ticked or own, messages queued
for them, and audit events by or about them. Names and ids are matched as forget-me matches
them (storage/privacy.py), so what export-me shows is what forget-me erases."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ActionItem,
    AnswerRow,
    AuditEvent,
    Invitee,
    OutboxMessage,
    Person,
    Response,
    Snapshot,
    Team,
    TeamAdmin,
)
from storage.privacy import in_platform_audit, may_mention, mentions


@dataclass(frozen=True)
class HeldAnswer:
    question_id: str
    state: str
    adoption: int | None
    number: float | None
    text: str | None
    note: str | None
    answered_at: dt.datetime


@dataclass(frozen=True)
class HeldResponse:
    team: str
    team_platform: str
    team_anonymous: bool  # answers unlinked from the person at submit (bot/anonymity.py)
    snapshot: int
    snapshot_status: str
    status: str
    locale: str
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    answers: list[HeldAnswer]


@dataclass(frozen=True)
class HeldItem:
    team: str
    snapshot: int
    number: int  # as shown on the checklist (positions count from 1)
    text: str  # msgid
    state: str
    done_by_them: bool
    done_at: dt.datetime | None
    owned_by_them: bool
    due: dt.date | None


@dataclass(frozen=True)
class HeldMessage:
    team: str
    kind: str
    status: str
    not_before: dt.datetime


@dataclass(frozen=True)
class HeldInvitation:
    team: str
    snapshot: int
    invited_at: dt.datetime


@dataclass(frozen=True)
class HeldAuditEvent:
    team: str | None
    action: str
    by_them: bool
    at: dt.datetime


@dataclass(frozen=True)
class HeldData:
    """Everything stored about one person (what export-me returns)."""

    platform: str
    external_id: str
    name: str | None
    locale: str | None
    timezone: str | None
    away_until: dt.date | None
    first_seen: dt.datetime | None
    responses: list[HeldResponse]
    invitations: list[HeldInvitation]
    admin_of: list[str]
    checklist: list[HeldItem]
    messages: list[HeldMessage]
    audit: list[HeldAuditEvent]

    @property
    def teams(self) -> list[str]:
        """The teams the person belongs to, as far as what is stored shows."""
        named = [r.team for r in self.responses] + [i.team for i in self.invitations]
        return sorted(set(named + self.admin_of))

    @property
    def empty(self) -> bool:
        return self.name is None and not (
            self.admin_of or self.messages or self.audit or self.checklist
        )


async def held_data(
    session: AsyncSession, platform: str, external_id: str, extra_names: Collection[str] = ()
) -> HeldData:
    """Read everything stored about the person."""
    person = await session.scalar(
        select(Person).where(Person.platform == platform, Person.external_id == external_id)
    )
    names = sorted({*extra_names, *([person.display_name] if person else [])} - {""})
    needles = sorted({external_id, *names})
    responses: list[HeldResponse] = []
    invitations: list[HeldInvitation] = []
    if person is not None:
        responses = await _held_responses(session, person.id)
        rows = await session.execute(
            select(Team.name, Snapshot.number, Invitee.invited_at)
            .join(Snapshot, Snapshot.id == Invitee.snapshot_id)
            .join(Team, Team.id == Snapshot.team_id)
            .where(Invitee.person_id == person.id)
            .order_by(Invitee.invited_at)
        )
        invitations = [HeldInvitation(*row) for row in rows]
    admin_of = list(
        await session.scalars(
            select(Team.name)
            .join(TeamAdmin, TeamAdmin.team_id == Team.id)
            .where(Team.platform == platform, TeamAdmin.person_external_id == external_id)
            .order_by(Team.name)
        )
    )
    checklist = await _held_items(session, platform, needles)
    messages = [
        HeldMessage(*row)
        for row in await session.execute(
            select(Team.name, OutboxMessage.kind, OutboxMessage.status, OutboxMessage.not_before)
            .join(Team, Team.id == OutboxMessage.team_id)
            .where(OutboxMessage.platform == platform, OutboxMessage.recipient == external_id)
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        )
    ]
    audit = []
    events = await session.execute(
        select(
            Team.name, AuditEvent.action, AuditEvent.actor, AuditEvent.detail, AuditEvent.created_at
        )
        .outerjoin(Team, Team.id == AuditEvent.team_id)
        .where(
            in_platform_audit(platform),
            or_(
                may_mention(AuditEvent.actor, needles),
                may_mention(cast(AuditEvent.detail, Text), needles),
            ),
        )
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    for team, action, actor, detail, at in events:
        by_them = mentions(actor, needles)
        if by_them or mentions(json.dumps(detail, ensure_ascii=False), needles):
            audit.append(HeldAuditEvent(team, action, by_them, at))
    return HeldData(
        platform=platform,
        external_id=external_id,
        name=person.display_name if person else None,
        locale=person.locale if person else None,
        timezone=person.timezone if person else None,
        away_until=person.away_until if person else None,
        first_seen=person.created_at if person else None,
        responses=responses,
        invitations=invitations,
        admin_of=admin_of,
        checklist=checklist,
        messages=messages,
        audit=audit,
    )


async def _held_responses(session: AsyncSession, person_id: int) -> list[HeldResponse]:
    rows = (
        await session.execute(
            select(
                Response, Snapshot.number, Snapshot.status, Team.name, Team.platform, Team.anonymous
            )
            .join(Snapshot, Snapshot.id == Response.snapshot_id)
            .join(Team, Team.id == Snapshot.team_id)
            .where(Response.person_id == person_id)
            .order_by(Team.name, Snapshot.number)
        )
    ).all()
    answers: dict[int, list[HeldAnswer]] = {}
    if rows:
        found = await session.scalars(
            select(AnswerRow)
            .where(AnswerRow.response_id.in_([row[0].id for row in rows]))
            .order_by(AnswerRow.response_id, AnswerRow.id)
        )
        for a in found:
            answers.setdefault(a.response_id, []).append(
                HeldAnswer(
                    a.question_id, a.state, a.adoption, a.number, a.text, a.note, a.answered_at
                )
            )
    return [
        HeldResponse(
            team=team,
            team_platform=team_platform,
            team_anonymous=anonymous,
            snapshot=number,
            snapshot_status=snapshot_status,
            status=response.status,
            locale=response.locale,
            started_at=response.started_at,
            submitted_at=response.submitted_at,
            answers=answers.get(response.id, []),
        )
        for response, number, snapshot_status, team, team_platform, anonymous in rows
    ]


async def _held_items(session: AsyncSession, platform: str, needles: list[str]) -> list[HeldItem]:
    rows = await session.execute(
        select(ActionItem, Snapshot.number, Team.name)
        .join(Snapshot, Snapshot.id == ActionItem.snapshot_id)
        .join(Team, Team.id == Snapshot.team_id)
        .where(
            Team.platform == platform,
            or_(may_mention(ActionItem.done_by, needles), may_mention(ActionItem.owner, needles)),
        )
        .order_by(Team.name, Snapshot.number, ActionItem.position)
    )
    held = []
    for item, number, team in rows:
        done, owned = mentions(item.done_by, needles), mentions(item.owner, needles)
        if done or owned:
            held.append(
                HeldItem(
                    team=team,
                    snapshot=number,
                    number=item.position,
                    text=item.text,
                    state=item.state,
                    done_by_them=done,
                    done_at=item.done_at if done else None,
                    owned_by_them=owned,
                    due=item.due if owned else None,
                )
            )
    return held
