"""A person's response while they answer: started (or found), its state loaded and saved on
every input, and its language.

Every function takes the session or connection of the caller's unit of work; none commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from conversations.state import Answer, AnswerState, ResponseState, ResponseStatus
from storage.errors import NotFound
from storage.models import AnswerRow, Base, Person, Response, Snapshot, utcnow
from storage.upserts import dialect_insert, dialect_name, session_insert


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
    statement = session_insert(session, Response).values(
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


def answer_from_row(row: Any) -> Answer:
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
    statement = dialect_insert(dialect, _answers)
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
    locked = for_update and dialect_name(connection) == "postgresql"
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
            previous[row.question_id] = answer_from_row(row)
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
        connection.execute(_upsert_answer(dialect_name(connection)), rows)
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
