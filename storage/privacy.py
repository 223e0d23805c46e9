"""A person's traces outside their answers: what forget-me erases beside them (export-me
reads the same places: storage/held_data.py).

Answers are handled by `forgetting.forget_person` (deleted, or kept as anonymous numbers in
closed snapshots). Everything else that names the person — by their platform id or by their
display name — is erased here: messages queued for them, invitations, admin roles, names on
checklists, in the audit trail and on schedules, delivery records that carry their id, and a
Slack installation they made. Names are matched as whole words, so forgetting "Al" leaves
"Alp" alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    cast,
    column,
    delete,
    inspect,
    or_,
    select,
    table,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.forgetting import delete_team
from storage.models import (
    ActionItem,
    AuditEvent,
    Invitee,
    OutboxMessage,
    Person,
    Response,
    SeenUpdate,
    Snapshot,
    Team,
    TeamAdmin,
    TeamSchedule,
)

FORGOTTEN = "(forgotten)"  # what stands where a forgotten person's name or id was
PERSONAL_TEAM_PREFIX = "personal:"  # a team that is one person alone (both chat channels)
# slack-sdk's installation store: the installer's user id and user token live there.
SLACK_INSTALLATIONS = table(
    "slack_installations",
    column("user_id", String),
    column("user_token", String),
    column("user_scopes", String),
    column("user_refresh_token", String),
    column("user_token_expires_at"),
)
_UNSYNCED = {"synchronize_session": False}  # no ORM objects of these rows are loaded


@dataclass(frozen=True)
class Traces:
    """Who is being forgotten: their platform id, their record (if any) and every name they
    go by (the stored one, and the platform's current one when it differs)."""

    platform: str
    external_id: str
    person_id: int | None
    names: frozenset[str]

    @property
    def needles(self) -> list[str]:
        return sorted({self.external_id, *self.names} - {""})


def mentions(value: str | None, needles: Iterable[str]) -> bool:
    """Whether ``value`` names any of ``needles`` as a whole word."""
    if not value:
        return False
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", value) for n in needles if n)


def _scrubbed(value: Any, needles: list[str]) -> Any:
    """A JSON value with every string that names the person replaced."""
    if isinstance(value, str):
        return FORGOTTEN if mentions(value, needles) else value
    if isinstance(value, list):
        return [_scrubbed(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, needles) for key, item in value.items()}
    return value


def may_mention(
    target: ColumnElement[Any] | InstrumentedAttribute[Any], needles: list[str]
) -> ColumnElement[bool]:
    """Rows whose text may name the person: a coarse filter, refined by `mentions`. JSON
    text holds non-ASCII names escaped ("Ay\\u015fe"), so both spellings are looked for."""
    spellings = {s for n in needles for s in (n, json.dumps(n)[1:-1])}
    return or_(*(target.contains(s, autoescape=True) for s in sorted(spellings)))


async def _blank_names(
    session: AsyncSession,
    attribute: InstrumentedAttribute[Any],
    needles: list[str],
    replacement: str | None,
    *where: ColumnElement[bool],
) -> None:
    """Replace the values of a name column that name the person."""
    entity = attribute.class_
    keys = list(inspect(entity).primary_key)
    rows = await session.execute(
        select(*keys, attribute).where(may_mention(attribute, needles), *where)
    )
    matched = [tuple(row[:-1]) for row in rows if mentions(row[-1], needles)]
    if matched:
        await session.execute(
            update(entity)
            .where(tuple_(*keys).in_(matched))
            .values({attribute: replacement})
            .execution_options(**_UNSYNCED)
        )


async def _scrub_audit(
    session: AsyncSession, needles: list[str], *where: ColumnElement[bool]
) -> None:
    """The audit trail keeps what was done and when, never by or to whom (once forgotten)."""
    found = await session.execute(
        select(AuditEvent.id, AuditEvent.actor, AuditEvent.detail).where(
            or_(
                may_mention(AuditEvent.actor, needles),
                may_mention(cast(AuditEvent.detail, Text), needles),
            ),
            *where,
        )
    )
    for event_id, actor, detail in found:
        new_actor = FORGOTTEN if mentions(actor, needles) else actor
        new_detail = _scrubbed(detail, needles)
        if (new_actor, new_detail) != (actor, detail):
            await session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event_id)
                .values(actor=new_actor, detail=new_detail)
                .execution_options(**_UNSYNCED)
            )


async def erase_in_team(session: AsyncSession, traces: Traces, team_id: int) -> None:
    """The person's traces in one team (their answers aside)."""
    snapshots = select(Snapshot.id).where(Snapshot.team_id == team_id)
    await _erase(session, traces, team_id=team_id, snapshots=snapshots)


async def erase_everywhere(session: AsyncSession, traces: Traces) -> None:
    """Every trace of the person in every team, then what is not a team's: their personal
    team, delivery records carrying their id, a Slack installation they made, their record."""
    await _erase(session, traces)
    personal = await session.scalar(
        select(Team.id).where(
            Team.platform == traces.platform,
            Team.external_id == PERSONAL_TEAM_PREFIX + traces.external_id,
        )
    )
    if personal is not None:
        await delete_team(session, personal)
    await _erase_seen_updates(session, traces)
    if traces.platform == "slack":
        await _anonymize_slack_installer(session, traces.external_id)
    if traces.person_id is not None:
        # Any response still linked (there should be none by now) keeps only its numbers.
        await session.execute(
            update(Response)
            .where(Response.person_id == traces.person_id)
            .values(person_id=None, previous_response_id=None)
            .execution_options(**_UNSYNCED)
        )
        await session.execute(
            delete(Person).where(Person.id == traces.person_id).execution_options(**_UNSYNCED)
        )
    # Also any record of the same person under an old name, found by id.
    await session.execute(
        delete(Person)
        .where(Person.platform == traces.platform, Person.external_id == traces.external_id)
        .execution_options(**_UNSYNCED)
    )


async def _erase(
    session: AsyncSession,
    traces: Traces,
    *,
    team_id: int | None = None,
    snapshots: Select[Any] | None = None,
) -> None:
    needles = traces.needles
    # Within the team; else within the platform's teams (another platform's ids and names
    # are other people's), and audit events whose team was deleted.
    platform_teams = select(Team.id).where(Team.platform == traces.platform)
    platform_snapshots = select(Snapshot.id).where(Snapshot.team_id.in_(platform_teams))
    in_team: dict[str, list[ColumnElement[bool]]] = {
        "outbox": [],
        "invitees": [],
        "admins": [TeamAdmin.team_id.in_(platform_teams)],
        "items": [ActionItem.snapshot_id.in_(platform_snapshots)],
        "audit": [in_platform_audit(traces.platform)],
        "schedules": [TeamSchedule.team_id.in_(platform_teams)],
    }
    if team_id is not None and snapshots is not None:
        in_team = {
            "outbox": [OutboxMessage.team_id == team_id],
            "invitees": [Invitee.snapshot_id.in_(snapshots)],
            "admins": [TeamAdmin.team_id == team_id],
            "items": [ActionItem.snapshot_id.in_(snapshots)],
            "audit": [AuditEvent.team_id == team_id],
            "schedules": [TeamSchedule.team_id == team_id],
        }
    # Messages waiting for them (and the record of those sent): they are never messaged again.
    await session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.platform == traces.platform,
            OutboxMessage.recipient == traces.external_id,
            *in_team["outbox"],
        )
        .execution_options(**_UNSYNCED)
    )
    if traces.person_id is not None:
        await session.execute(
            delete(Invitee)
            .where(Invitee.person_id == traces.person_id, *in_team["invitees"])
            .execution_options(**_UNSYNCED)
        )
    await session.execute(
        delete(TeamAdmin)
        .where(
            TeamAdmin.person_external_id == traces.external_id,
            *in_team["admins"],
        )
        .execution_options(**_UNSYNCED)
    )
    await _blank_names(session, TeamAdmin.added_by, needles, FORGOTTEN, *in_team["admins"])
    await _blank_names(session, ActionItem.done_by, needles, None, *in_team["items"])
    await _blank_names(session, ActionItem.owner, needles, None, *in_team["items"])
    await _blank_names(session, TeamSchedule.updated_by, needles, FORGOTTEN, *in_team["schedules"])
    await _scrub_audit(session, needles, *in_team["audit"])


def in_platform_audit(platform: str) -> ColumnElement[bool]:
    """Audit events of the platform's teams, and those whose team was deleted since."""
    return or_(
        AuditEvent.team_id.is_(None),
        AuditEvent.team_id.in_(select(Team.id).where(Team.platform == platform)),
    )


async def _erase_seen_updates(session: AsyncSession, traces: Traces) -> None:
    """Delivery records whose key carries the person's id as one of its parts (Telegram's
    keys are the bot's and the update's ids; Slack's are digests: neither names anyone, but a
    key that ever did would go)."""
    rows = await session.execute(
        select(SeenUpdate.channel, SeenUpdate.key).where(
            SeenUpdate.channel == traces.platform,
            SeenUpdate.key.contains(traces.external_id, autoescape=True),
        )
    )
    carrying = [
        (channel, key) for channel, key in rows if traces.external_id in re.split(r"[:/|]", key)
    ]
    if carrying:
        await session.execute(
            delete(SeenUpdate)
            .where(tuple_(SeenUpdate.channel, SeenUpdate.key).in_(carrying))
            .execution_options(**_UNSYNCED)
        )


def _has_table(session: Session, name: str) -> bool:
    return inspect(session.connection()).has_table(name)


async def _anonymize_slack_installer(session: AsyncSession, user_id: str) -> None:
    """The workspace stays installed (its bot token is the workspace's, not the person's);
    the installer's user id and any user token of theirs go."""
    if not await session.run_sync(_has_table, SLACK_INSTALLATIONS.name):
        return
    installations = SLACK_INSTALLATIONS
    await session.execute(
        update(installations)
        .where(installations.c.user_id == user_id)
        .values(
            user_id=FORGOTTEN,
            user_token=None,
            user_scopes=None,
            user_refresh_token=None,
            user_token_expires_at=None,
        )
    )
