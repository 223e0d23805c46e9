"""A snapshot's responses read back for reports and exports: how many there are, the
submitted answers, the notes on changed answers, and every answer with its respondent.

Every function takes the session of the caller's unit of work; none commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.report_view import ChangeNote
from conversations.scoring import Respondent
from conversations.state import Answer
from storage.answering import answer_from_row
from storage.models import AnswerRow, Person, Response


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
        by_response.setdefault(row.response_id, {})[row.question_id] = answer_from_row(row)
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
            answer_from_row(row),
            row.answered_at,
            name,
        )
        for row, status, name in rows
    ]
