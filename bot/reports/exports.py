"""CSV and JSON exports of a snapshot: one row per answer and one per dimension.

CSV holds one table per file (``answers`` or ``dimensions``); JSON holds both in one document:
``{"team", "snapshot", "level", "overall_score", "respondents", "dont_know_rate", "dimensions":
[...], "answers": [...]}``. Respondents appear as R1, R2, … unless the team chose to export
names. Scores are 0–100 with two decimals, as computed (the report rounds them to whole numbers).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conversations.history import Change
from conversations.questionnaire import NumberQuestion, RoleQuestion
from conversations.questions import QuestionKind, QuestionSequence
from conversations.scoring import Result
from conversations.state import AnswerState
from storage.repository import AnswerRecord

ANSWER_COLUMNS = (
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
    "note",
    "answered_at",
)
DIMENSION_COLUMNS = (
    "team",
    "snapshot",
    "questionnaire_version",
    "dimension_id",
    "dimension",
    "weight",
    "score",
    "previous_score",
    "change",
    "level",
    "respondents",
)
OVERALL = "overall"  # the dimension_id of the row that holds the overall score
# Said once at the top of a JSON export rather than in every row.
_SNAPSHOT_FIELDS = {"team", "snapshot", "questionnaire_version", "level", "respondents"}


@dataclass(frozen=True)
class SnapshotExport:
    team: str
    number: int
    status: str
    opened_at: str
    closed_at: str | None
    questionnaire_version: str
    result: Result
    change: Change | None  # set when the previous snapshot has scores to compare with
    records: Sequence[AnswerRecord]
    names: bool  # the team chose to export respondents' names


def _score(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def answer_rows(export: SnapshotExport, sequence: QuestionSequence) -> list[dict[str, Any]]:
    pseudonyms: dict[int, str] = {}
    scale = sequence.questionnaire.scale
    rows = []
    for record in export.records:
        if record.question_id not in sequence:
            continue  # a question dropped from a later questionnaire version
        question = sequence.by_id(record.question_id)
        pseudonym = pseudonyms.setdefault(record.response_id, f"R{len(pseudonyms) + 1}")
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
                "team": export.team,
                "snapshot": export.number,
                "questionnaire_version": export.questionnaire_version,
                "respondent": (record.person_name or pseudonym) if export.names else pseudonym,
                "response_status": record.response_status,
                "question_number": sequence.number_of(question.id),
                "question_id": question.id,
                "section": question.section,
                "kind": question.kind.value,
                "state": answer.state.value,
                "value": value,
                "label": label,
                "note": answer.note,
                "answered_at": record.answered_at.isoformat(),
            }
        )
    return rows


def dimension_rows(export: SnapshotExport, sequence: QuestionSequence) -> list[dict[str, Any]]:
    """One row per dimension, then one (dimension_id "overall") for the weighted overall."""
    questionnaire = sequence.questionnaire
    result = export.result
    before = export.change.previous.result if export.change else None
    common = {
        "team": export.team,
        "snapshot": export.number,
        "questionnaire_version": export.questionnaire_version,
        "level": result.level if result.respondents else None,
        "respondents": result.respondents,
    }

    def row(key: str, title: str, weight: float, now: float | None, then: float | None) -> Any:
        change = round(now - then, 2) if now is not None and then is not None else None
        return {
            **common,
            "dimension_id": key,
            "dimension": title,
            "weight": weight,
            "score": _score(now),
            "previous_score": _score(then),
            "change": change,
        }

    rows = [
        row(
            d.id,
            d.title,
            d.weight,
            result.dimensions.get(d.id),
            before.dimensions.get(d.id) if before else None,
        )
        for d in questionnaire.dimensions
    ]
    total_weight = sum(d.weight for d in questionnaire.dimensions)
    rows.append(
        row(OVERALL, "Overall", total_weight, result.overall, before.overall if before else None)
    )
    return rows


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def export_csv(export: SnapshotExport, sequence: QuestionSequence, table: str) -> str:
    if table == "dimensions":
        return _csv(DIMENSION_COLUMNS, dimension_rows(export, sequence))
    return _csv(ANSWER_COLUMNS, answer_rows(export, sequence))


def export_json(export: SnapshotExport, sequence: QuestionSequence) -> str:
    result = export.result
    level = sequence.questionnaire.level(result.level) if result.respondents else None
    document = {
        "team": export.team,
        "snapshot": {
            "number": export.number,
            "status": export.status,
            "opened_at": export.opened_at,
            "closed_at": export.closed_at,
            "questionnaire_version": export.questionnaire_version,
        },
        "level": {"number": result.level, "name": level.name} if level else None,
        "overall_score": _score(result.overall),
        "respondents": result.respondents,
        "dont_know_rate": (
            round(result.dont_know_rate, 4) if result.dont_know_rate is not None else None
        ),
        "dimensions": [
            {k: v for k, v in row.items() if k not in _SNAPSHOT_FIELDS}
            for row in dimension_rows(export, sequence)
            if row["dimension_id"] != OVERALL
        ],
        "answers": [
            {k: v for k, v in row.items() if k not in _SNAPSHOT_FIELDS}
            for row in answer_rows(export, sequence)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
