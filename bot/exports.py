"""CSV and JSON exports of a snapshot's answers: one row per answer, respondents pseudonymised."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from conversations.questionnaire import NumberQuestion, RoleQuestion
from conversations.questions import QuestionKind, QuestionSequence
from conversations.state import AnswerState
from storage.models import Snapshot
from storage.repository import AnswerRecord

COLUMNS = (
    "team",
    "snapshot",
    "questionnaire_version",
    "respondent",
    "response_status",
    "question_number",
    "question_id",
    "section",
    "kind",
    "state",
    "value",
    "label",
    "answered_at",
)


def answer_rows(
    team: str, snapshot: Snapshot, records: Sequence[AnswerRecord], sequence: QuestionSequence
) -> list[dict[str, Any]]:
    pseudonyms: dict[int, str] = {}
    scale = sequence.questionnaire.scale
    rows = []
    for record in records:
        if record.question_id not in sequence:
            continue  # a question dropped from a later questionnaire version
        question = sequence.by_id(record.question_id)
        respondent = pseudonyms.setdefault(record.response_id, f"R{len(pseudonyms) + 1}")
        answer = record.answer
        value: Any = answer.value
        label = ""
        if answer.state is AnswerState.ANSWERED:
            if question.kind is QuestionKind.PRACTICE and isinstance(value, int):
                label = scale[value].label
            elif isinstance(question.source, RoleQuestion):
                label = next((o.label for o in question.source.options if o.id == value), "")
            elif isinstance(question.source, NumberQuestion) and question.source.integer:
                value = int(value) if isinstance(value, float) else value
        rows.append(
            {
                "team": team,
                "snapshot": snapshot.number,
                "questionnaire_version": snapshot.questionnaire_version,
                "respondent": respondent,
                "response_status": record.response_status,
                "question_number": sequence.number_of(question.id),
                "question_id": question.id,
                "section": question.section,
                "kind": question.kind.value,
                "state": answer.state.value,
                "value": value,
                "label": label,
                "answered_at": record.answered_at.isoformat(),
            }
        )
    return rows


def write_answers(
    fmt: str,
    team: str,
    snapshot: Snapshot,
    records: Sequence[AnswerRecord],
    sequence: QuestionSequence,
) -> str:
    rows = answer_rows(team, snapshot, records, sequence)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()
