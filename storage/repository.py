"""Reads and writes for the assessment, one function per question the application asks.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from conversations.action_plan import ItemKind, PlanItem, PlannedItem
from conversations.report import ChangeNote
from conversations.scoring import Respondent
from conversations.state import Answer, AnswerState, ResponseState, ResponseStatus
from storage.models import (
    ActionItem,
    AnswerRow,
    AuditEvent,
    Base,
    Invitee,
    Person,
    Response,
    SeenUpdate,
    Snapshot,
    Team,
    TeamAdmin,
    TeamSchedule,
    utcnow,
)


class NotFound(LookupError):
    pass


def _dialect(connection: Connection | AsyncSession) -> str:
    if isinstance(connection, AsyncSession):
        return connection.get_bind().dialect.name
    return connection.dialect.name


def _dialect_insert(dialect: str, table: Any) -> Any:
    """INSERT with the dialect's ON CONFLICT support (both PostgreSQL and SQLite have it)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _insert(session: AsyncSession, table: Any) -> Any:
    return _dialect_insert(_dialect(session), table)


# ---------------------------------------------------------------------- teams and people


_Identified = TypeVar("_Identified", Team, Person)


async def _get_or_insert(
    session: AsyncSession,
    model: type[_Identified],
    platform: str,
    external_id: str,
    **values: Any,
) -> _Identified:
    """The row for (platform, external id), inserted with ``values`` when there is none; safe
    when two first messages from the same team or person arrive at once."""
    statement = _insert(session, model).values(
        platform=platform, external_id=external_id, created_at=utcnow(), **values
    )
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["platform", "external_id"])
    )
    row = await session.scalar(
        select(model).where(model.platform == platform, model.external_id == external_id)
    )
    assert row is not None
    return row


async def get_or_create_team(
    session: AsyncSession,
    platform: str,
    external_id: str,
    name: str,
    locale: str = "en",
    anonymity_threshold: int = 3,
) -> Team:
    return await _get_or_insert(
        session,
        Team,
        platform,
        external_id,
        name=name,
        locale=locale,
        timezone="UTC",
        anonymity_threshold=anonymity_threshold,
    )


async def teams_named(session: AsyncSession, name: str) -> Sequence[Team]:
    return (await session.scalars(select(Team).where(Team.name == name).order_by(Team.id))).all()


async def get_or_create_person(
    session: AsyncSession,
    platform: str,
    external_id: str,
    display_name: str,
    locale: str | None = None,
) -> Person:
    return await _get_or_insert(
        session, Person, platform, external_id, display_name=display_name, locale=locale
    )


async def find_team(session: AsyncSession, platform: str, external_id: str) -> Team | None:
    return await session.scalar(
        select(Team).where(Team.platform == platform, Team.external_id == external_id)
    )


async def find_person(session: AsyncSession, platform: str, external_id: str) -> Person | None:
    return await session.scalar(
        select(Person).where(Person.platform == platform, Person.external_id == external_id)
    )


# ---------------------------------------------------------------------- snapshots


async def latest_snapshot(
    session: AsyncSession, team_id: int, *, for_update: bool = False
) -> Snapshot | None:
    """The team's newest snapshot; ``for_update`` locks it (on PostgreSQL) for the rest of the
    transaction, so plan syncs and ticks on it happen one at a time."""
    query = (
        select(Snapshot)
        .where(Snapshot.team_id == team_id)
        .order_by(Snapshot.number.desc())
        .limit(1)
    )
    return await session.scalar(query.with_for_update() if for_update else query)


async def team_snapshots(session: AsyncSession, team_id: int) -> Sequence[Snapshot]:
    return (
        await session.scalars(
            select(Snapshot).where(Snapshot.team_id == team_id).order_by(Snapshot.number)
        )
    ).all()


async def lock_team(session: AsyncSession, team_id: int) -> None:
    """Serialise snapshot changes of one team (a no-op lock on SQLite, whose writes are
    serial anyway)."""
    await session.execute(select(Team.id).where(Team.id == team_id).with_for_update())


async def close_snapshot(session: AsyncSession, snapshot: Snapshot) -> None:
    snapshot.status = "closed"
    snapshot.closed_at = utcnow()
    await session.flush()


async def open_snapshot(
    session: AsyncSession, team_id: int, questionnaire_id: str, version: str
) -> Snapshot:
    """The team's open snapshot; the next one is opened when there is none."""
    # Lock the team so two people arriving together can't both open snapshot number n + 1.
    await lock_team(session, team_id)
    latest = await latest_snapshot(session, team_id)
    if latest is not None and latest.status == "open":
        return latest
    snapshot = Snapshot(
        team_id=team_id,
        number=(latest.number + 1) if latest else 1,
        questionnaire_id=questionnaire_id,
        questionnaire_version=version,
        status="open",
        opened_at=utcnow(),
    )
    session.add(snapshot)
    await session.flush()
    return snapshot


async def snapshot_by_token(session: AsyncSession, token: str) -> Snapshot | None:
    return await session.scalar(select(Snapshot).where(Snapshot.invite_token == token))


@dataclass(frozen=True)
class Participation:
    """A person's place in one open snapshot of one of their teams."""

    team: Team
    snapshot: Snapshot
    response_id: int
    status: str  # in_progress | submitted
    updated_at: dt.datetime


async def open_participations(
    session: AsyncSession, platform: str, external_id: str
) -> list[Participation]:
    """The person's responses in snapshots still open, the most recently active first."""
    rows = await session.execute(
        select(Team, Snapshot, Response.id, Response.status, Response.updated_at)
        .join(Snapshot, Snapshot.id == Response.snapshot_id)
        .join(Team, Team.id == Snapshot.team_id)
        .join(Person, Person.id == Response.person_id)
        .where(
            Person.platform == platform,
            Person.external_id == external_id,
            Snapshot.status == "open",
        )
        .order_by(Response.updated_at.desc(), Response.id.desc())
    )
    return [Participation(*row) for row in rows]


async def unstarted_snapshots(
    session: AsyncSession, platform: str, external_id: str
) -> list[tuple[Team, Snapshot]]:
    """Open snapshots of the person's teams (those they answered for before, or were invited
    to) that they have not started yet."""
    person = (
        select(Person.id)
        .where(Person.platform == platform, Person.external_id == external_id)
        .scalar_subquery()
    )
    their_teams = (
        select(Snapshot.team_id)
        .join(Response, Response.snapshot_id == Snapshot.id)
        .where(Response.person_id == person)
    )
    invited = select(Invitee.snapshot_id).where(Invitee.person_id == person)
    started = select(Response.snapshot_id).where(Response.person_id == person)
    rows = await session.execute(
        select(Team, Snapshot)
        .join(Snapshot, Snapshot.team_id == Team.id)
        .where(
            Snapshot.status == "open",
            Team.id.in_(their_teams) | Snapshot.id.in_(invited),
            Snapshot.id.not_in(started),
        )
        .order_by(Snapshot.opened_at.desc())
    )
    return [(team, snapshot) for team, snapshot in rows]


async def touch_response(session: AsyncSession, response_id: int) -> None:
    """Make the response the person's most recent, the one their next message continues."""
    await session.execute(
        update(Response).where(Response.id == response_id).values(updated_at=utcnow())
    )


async def snapshot_people(session: AsyncSession, snapshot_id: int) -> list[tuple[str, str]]:
    """(name, response status) of everyone who has started the snapshot, by name."""
    rows = await session.execute(
        select(Person.display_name, Response.status)
        .join(Person, Person.id == Response.person_id)
        .where(Response.snapshot_id == snapshot_id)
        .order_by(Person.display_name, Person.id)
    )
    return [(name, status) for name, status in rows]


# ---------------------------------------------------------------------- redeliveries


_seen = Base.metadata.tables[SeenUpdate.__tablename__]


@cache
def _mark_seen(dialect: str) -> Any:
    return (
        _dialect_insert(dialect, _seen)
        .values(channel=bindparam("channel"), key=bindparam("key"), seen_at=bindparam("seen_at"))
        .on_conflict_do_nothing(index_elements=["channel", "key"])
    )


def mark_seen(connection: Connection, channel: str, key: str) -> bool:
    """Record a platform update as handled; False when it already was (a redelivery)."""
    result = connection.execute(
        _mark_seen(_dialect(connection)), {"channel": channel, "key": key, "seen_at": utcnow()}
    )
    return bool(result.rowcount)


async def forget_seen(session: AsyncSession, channel: str, before: dt.datetime) -> int:
    """Drop records of updates too old to be redelivered."""
    result = await session.execute(
        delete(SeenUpdate).where(SeenUpdate.channel == channel, SeenUpdate.seen_at < before)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- responses


async def get_or_create_response(
    session: AsyncSession, snapshot_id: int, person_id: int, locale: str, first_question: str
) -> tuple[int, bool]:
    """The person's response in the snapshot as (id, created). A new one remembers the
    person's submitted response in the team's latest earlier snapshot, whose answers it offers
    again."""
    earlier = aliased(Snapshot)
    previous = (
        select(Response.id)
        .join(earlier, earlier.id == Response.snapshot_id)
        .where(
            Response.person_id == person_id,
            Response.status == "submitted",  # a response left half-done has little to offer
            earlier.team_id
            == select(Snapshot.team_id).where(Snapshot.id == snapshot_id).scalar_subquery(),
            earlier.number
            < select(Snapshot.number).where(Snapshot.id == snapshot_id).scalar_subquery(),
        )
        .order_by(earlier.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = _insert(session, Response).values(
        snapshot_id=snapshot_id,
        person_id=person_id,
        locale=locale,
        status="in_progress",
        position=first_question,
        returning_to_review=False,
        started_at=utcnow(),
        updated_at=utcnow(),
        previous_response_id=previous,
    )
    inserted = await session.execute(
        statement.on_conflict_do_nothing(index_elements=["snapshot_id", "person_id"]).returning(
            Response.id
        )
    )
    new_id = inserted.scalar()
    if new_id is not None:
        return new_id, True
    existing = await session.scalar(
        select(Response.id).where(
            Response.snapshot_id == snapshot_id, Response.person_id == person_id
        )
    )
    assert existing is not None
    return existing, False


_STATES = {state.value: state for state in AnswerState}


def _answer(
    question_id: str,
    state: str,
    adoption: int | None,
    number: float | None,
    text: str | None,
    note: str | None = None,
) -> Answer:
    """An answer from its stored columns; the column that holds a value says its kind."""
    value = adoption if adoption is not None else number if number is not None else text
    return Answer(question_id, _STATES[state], value, note)


def _answer_from_row(row: Any) -> Answer:
    return _answer(row.question_id, row.state, row.adoption, row.number, row.text, row.note)


# The answering hot path runs Core statements built once on the tables (not ORM entities): the
# ORM's bulk-persistence and session-synchronisation machinery tripled the cost of each answer.
_responses = Base.metadata.tables[Response.__tablename__]
_answers = Base.metadata.tables[AnswerRow.__tablename__]
_snapshots = Base.metadata.tables[Snapshot.__tablename__]
# One round trip: the response and its snapshot's status, joined with every answer so far.
_STATE_QUERY = (
    select(
        _responses.c.locale,
        _responses.c.position,
        _responses.c.status,
        _responses.c.returning_to_review,
        _responses.c.note_for,
        _responses.c.previous_response_id,
        _snapshots.c.status.label("snapshot_status"),
        _answers.c.question_id,
        _answers.c.state,
        _answers.c.adoption,
        _answers.c.number,
        _answers.c.text,
        _answers.c.note,
    )
    .join(_snapshots, _snapshots.c.id == _responses.c.snapshot_id)
    .outerjoin(_answers, _answers.c.response_id == _responses.c.id)
    .where(_responses.c.id == bindparam("response_id"))
)
_STATE_QUERY_LOCKED = _STATE_QUERY.with_for_update(of=_responses)
_PREVIOUS_ANSWERS = select(
    _answers.c.question_id,
    _answers.c.state,
    _answers.c.adoption,
    _answers.c.number,
    _answers.c.text,
    _answers.c.note,
).where(_answers.c.response_id == bindparam("response_id"))
_ANSWER_COLUMNS = ("state", "adoption", "number", "text", "note", "answered_at")


@cache
def _upsert_answer(dialect: str) -> Any:
    statement = _dialect_insert(dialect, _answers)
    return statement.on_conflict_do_update(
        index_elements=["response_id", "question_id"],
        set_={name: statement.excluded[name] for name in _ANSWER_COLUMNS},
    )


_UPDATE_RESPONSE = (
    update(_responses)
    .where(_responses.c.id == bindparam("response_id"))
    .values(
        locale=bindparam("locale"),
        position=bindparam("position"),
        status=bindparam("status"),
        returning_to_review=bindparam("returning_to_review"),
        note_for=bindparam("note_for"),
        updated_at=bindparam("updated_at"),
    )
)
_MARK_SUBMITTED = (
    update(_responses)
    .where(_responses.c.id == bindparam("response_id"))
    .values(submitted_at=bindparam("submitted_at"))
)


def load_state(
    connection: Connection, response_id: int, *, for_update: bool = True
) -> ResponseState:
    """The response as the engine sees it (run inside `Database.run`)."""
    locked = for_update and _dialect(connection) == "postgresql"
    query = _STATE_QUERY_LOCKED if locked else _STATE_QUERY
    rows = connection.execute(query, {"response_id": response_id}).all()
    if not rows:
        raise NotFound(f"response {response_id} does not exist")
    locale, position, status, returning, note_for, previous_id, snapshot_status = rows[0][:7]
    answers: dict[str, Answer] = {}
    # Positional unpacking: this loop runs for every answer on every input a person sends.
    for *_, question_id, state, adoption, number, text, note in rows:
        if question_id is None:
            continue
        answers[question_id] = _answer(question_id, state, adoption, number, text, note)
    previous: dict[str, Answer] = {}
    if previous_id is not None:
        for row in connection.execute(_PREVIOUS_ANSWERS, {"response_id": previous_id}):
            previous[row.question_id] = _answer_from_row(row)
    return ResponseState(
        locale=locale,
        position=position,
        status=ResponseStatus(status),
        answers=answers,
        returning_to_review=returning,
        snapshot_open=snapshot_status == "open",
        previous=previous,
        note_for=note_for,
    )


def save_state(
    connection: Connection,
    response_id: int,
    state: ResponseState,
    saved: Sequence[Answer],
    *,
    submitted_now: bool = False,
) -> None:
    now = utcnow()
    if saved:
        rows = [
            {
                "response_id": response_id,
                "question_id": answer.question_id,
                "state": answer.state.value,
                "adoption": answer.value if isinstance(answer.value, int) else None,
                "number": answer.value if isinstance(answer.value, float) else None,
                "text": answer.value if isinstance(answer.value, str) else None,
                "note": answer.note,
                "answered_at": now,
            }
            for answer in saved
        ]
        connection.execute(_upsert_answer(_dialect(connection)), rows)
    connection.execute(
        _UPDATE_RESPONSE,
        {
            "response_id": response_id,
            "locale": state.locale,
            "position": state.position,
            "status": state.status.value,
            "returning_to_review": state.returning_to_review,
            "note_for": state.note_for,
            "updated_at": now,
        },
    )
    if submitted_now:
        connection.execute(_MARK_SUBMITTED, {"response_id": response_id, "submitted_at": now})


_people = Base.metadata.tables[Person.__tablename__]
_UPDATE_PERSON_LOCALE = (
    update(_people)
    .where(
        _people.c.id
        == select(_responses.c.person_id)
        .where(_responses.c.id == bindparam("response_id"))
        .scalar_subquery()
    )
    .values(locale=bindparam("locale"))
)


def remember_locale(connection: Connection, response_id: int, locale: str) -> None:
    """A language chosen mid-way becomes the person's language for later snapshots too."""
    connection.execute(_UPDATE_PERSON_LOCALE, {"response_id": response_id, "locale": locale})


async def set_responses_locale(session: AsyncSession, response_ids: list[int], locale: str) -> None:
    if response_ids:
        await session.execute(
            update(Response).where(Response.id.in_(response_ids)).values(locale=locale)
        )


@dataclass(frozen=True)
class ResponseCounts:
    submitted: int
    in_progress: int


async def response_counts(session: AsyncSession, snapshot_id: int) -> ResponseCounts:
    # A submitted response without answers is a receipt of anonymous mode (bot/anonymity.py):
    # its answers are counted in the row they moved to.
    answered = select(AnswerRow.id).where(AnswerRow.response_id == Response.id).exists()
    rows = await session.execute(
        select(Response.status, func.count())
        .where(Response.snapshot_id == snapshot_id, (Response.status != "submitted") | answered)
        .group_by(Response.status)
    )
    counts: dict[str, int] = {status: count for status, count in rows}
    return ResponseCounts(counts.get("submitted", 0), counts.get("in_progress", 0))


async def submitted_respondents(
    session: AsyncSession, snapshot_id: int, role_question: str
) -> list[Respondent]:
    rows = await session.execute(
        select(
            AnswerRow.response_id,
            AnswerRow.question_id,
            AnswerRow.state,
            AnswerRow.adoption,
            AnswerRow.number,
            AnswerRow.text,
            AnswerRow.note,
        )
        .join(Response, Response.id == AnswerRow.response_id)
        .where(Response.snapshot_id == snapshot_id, Response.status == "submitted")
        .order_by(AnswerRow.response_id)
    )
    by_response: dict[int, dict[str, Answer]] = {}
    for row in rows:
        by_response.setdefault(row.response_id, {})[row.question_id] = _answer_from_row(row)
    respondents = []
    for response_id, answers in by_response.items():
        role = answers.get(role_question)
        respondents.append(
            Respondent(
                key=str(response_id),
                answers=answers,
                role=role.value if role and isinstance(role.value, str) else None,
            )
        )
    return respondents


# ---------------------------------------------------------------------- action plan


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


async def change_notes(session: AsyncSession, snapshot_id: int) -> list[ChangeNote]:
    """The notes submitted respondents gave for answers that changed since last time."""
    rows = await session.execute(
        select(AnswerRow.question_id, AnswerRow.note)
        .join(Response, Response.id == AnswerRow.response_id)
        .where(
            Response.snapshot_id == snapshot_id,
            Response.status == "submitted",
            AnswerRow.note.is_not(None),
        )
        .order_by(AnswerRow.response_id, AnswerRow.id)
    )
    return [ChangeNote(question_id, note or "") for question_id, note in rows]


# ---------------------------------------------------------------------- export and forgetting


@dataclass(frozen=True)
class AnswerRecord:
    response_id: int
    response_status: str
    question_id: str
    answer: Answer
    answered_at: dt.datetime
    person_name: str | None = None  # None once the person was forgotten


async def snapshot_answers(session: AsyncSession, snapshot_id: int) -> list[AnswerRecord]:
    rows = await session.execute(
        select(AnswerRow, Response.status, Person.display_name)
        .join(Response, Response.id == AnswerRow.response_id)
        .outerjoin(Person, Person.id == Response.person_id)
        .where(Response.snapshot_id == snapshot_id)
        .order_by(AnswerRow.response_id, AnswerRow.id)
    )
    return [
        AnswerRecord(
            row.response_id,
            status,
            row.question_id,
            _answer_from_row(row),
            row.answered_at,
            name,
        )
        for row, status, name in rows
    ]


async def delete_team(session: AsyncSession, team_id: int) -> int:
    """Delete a team with everything it holds; returns how many answers went."""
    snapshots = select(Snapshot.id).where(Snapshot.team_id == team_id)
    responses = select(Response.id).where(Response.snapshot_id.in_(snapshots))
    answers = await session.scalar(
        select(func.count()).select_from(AnswerRow).where(AnswerRow.response_id.in_(responses))
    )
    unsynced = {"synchronize_session": False}
    # Children first, explicitly: SQLite enforces ON DELETE only with its foreign keys on.
    for statement in (
        delete(AnswerRow).where(AnswerRow.response_id.in_(responses)),
        update(Response)
        .where(Response.previous_response_id.in_(responses))
        .values(previous_response_id=None),
        delete(Response).where(Response.snapshot_id.in_(snapshots)),
        delete(ActionItem).where(ActionItem.snapshot_id.in_(snapshots)),
        delete(Snapshot).where(Snapshot.team_id == team_id),
        delete(AuditEvent).where(AuditEvent.team_id == team_id),
        delete(Team).where(Team.id == team_id),
    ):
        await session.execute(statement.execution_options(**unsynced))
    return answers or 0


async def person_team_ids(session: AsyncSession, person_id: int) -> list[int]:
    rows = await session.scalars(
        select(Snapshot.team_id)
        .join(Response, Response.snapshot_id == Snapshot.id)
        .where(Response.person_id == person_id)
        .distinct()
    )
    return sorted(rows)


async def forget_person(session: AsyncSession, person_id: int, team_id: int) -> tuple[int, int]:
    """Delete a person's answers for a team: in open snapshots entirely, in closed ones all but
    anonymous numbers, so the team's history keeps its shape. The person's record goes too
    once nothing links to it.

    Returns (answers deleted, answers kept anonymously).
    """
    responses = (
        await session.execute(
            select(Response.id, Snapshot.status)
            .join(Snapshot, Snapshot.id == Response.snapshot_id)
            .where(Response.person_id == person_id, Snapshot.team_id == team_id)
            # Same order as answering (response row, then its answers): no deadlock between them.
            .with_for_update(of=Response)
        )
    ).all()
    open_ids = [rid for rid, status in responses if status == "open"]
    closed_ids = [rid for rid, status in responses if status != "open"]
    deleted = 0
    if open_ids:
        result = await session.execute(delete(AnswerRow).where(AnswerRow.response_id.in_(open_ids)))
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
        await session.execute(delete(Response).where(Response.id.in_(open_ids)))
    kept = 0
    if closed_ids:
        # Free text can name people; numbers and adoption values cannot.
        result = await session.execute(
            delete(AnswerRow).where(
                AnswerRow.response_id.in_(closed_ids), AnswerRow.text.is_not(None)
            )
        )
        deleted += result.rowcount or 0  # type: ignore[attr-defined]
        await session.execute(
            update(AnswerRow)
            .where(AnswerRow.response_id.in_(closed_ids), AnswerRow.note.is_not(None))
            .values(note=None)
        )
        kept = (
            await session.scalar(
                select(func.count())
                .select_from(AnswerRow)
                .where(AnswerRow.response_id.in_(closed_ids))
            )
            or 0
        )
        await session.execute(
            # Nor does anything chain their anonymous responses from one snapshot to the next.
            update(Response)
            .where(Response.id.in_(closed_ids))
            .values(person_id=None, previous_response_id=None)
        )
    # Their name goes from the team's checklist and audit trail too.
    name = await session.scalar(select(Person.display_name).where(Person.id == person_id))
    team_snapshots = select(Snapshot.id).where(Snapshot.team_id == team_id)
    unsynced = {"synchronize_session": False}  # no ORM objects of these rows are loaded here
    for column in (ActionItem.done_by, ActionItem.owner):
        await session.execute(
            update(ActionItem)
            .where(ActionItem.snapshot_id.in_(team_snapshots), column == name)
            .values({column: None})
            .execution_options(**unsynced)
        )
    await session.execute(
        update(AuditEvent)
        .where(AuditEvent.team_id == team_id, AuditEvent.actor == name)
        .values(actor="(forgotten)")
        .execution_options(**unsynced)
    )
    await drop_person_if_unused(session, person_id)
    return deleted, kept


async def drop_person_if_unused(session: AsyncSession, person_id: int) -> None:
    """Delete the person's record (their name) once no response links to it."""
    remaining = await session.scalar(
        select(func.count()).select_from(Response).where(Response.person_id == person_id)
    )
    if not remaining:
        await session.execute(delete(Person).where(Person.id == person_id))


# ---------------------------------------------------------------------- invitees


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


# ---------------------------------------------------------------------- team settings


async def team_admin_ids(session: AsyncSession, team_id: int) -> set[str]:
    rows = await session.scalars(
        select(TeamAdmin.person_external_id).where(TeamAdmin.team_id == team_id)
    )
    return set(rows)


async def set_team_admin(
    session: AsyncSession, team_id: int, person_external_id: str, by: str, *, admin: bool
) -> bool:
    """Add or remove a team administrator; False when that changed nothing."""
    found = await session.get(TeamAdmin, (team_id, person_external_id))
    if admin and found is None:
        session.add(TeamAdmin(team_id=team_id, person_external_id=person_external_id, added_by=by))
        return True
    if not admin and found is not None:
        await session.delete(found)
        return True
    return False


async def set_team_timezone(session: AsyncSession, team_id: int, timezone: str) -> None:
    await session.execute(update(Team).where(Team.id == team_id).values(timezone=timezone))


async def team_schedule(session: AsyncSession, team_id: int) -> TeamSchedule | None:
    return await session.get(TeamSchedule, team_id)


async def save_team_schedule(
    session: AsyncSession, team_id: int, by: str, **settings: Any
) -> TeamSchedule:
    schedule = await session.get(TeamSchedule, team_id)
    if schedule is None:
        schedule = TeamSchedule(team_id=team_id, updated_by=by, **settings)
        session.add(schedule)
    else:
        for name, value in settings.items():
            setattr(schedule, name, value)
        schedule.updated_by, schedule.updated_at = by, utcnow()
    return schedule


async def record_audit(
    session: AsyncSession, team_id: int | None, actor: str, action: str, **detail: Any
) -> None:
    session.add(AuditEvent(team_id=team_id, actor=actor, action=action, detail=detail))
