"""CSV and JSON exports of a snapshot: one row per answer and one per dimension.

CSV holds one table per file (``answers`` or ``dimensions``); JSON holds both in one document:
``{"team", "snapshot", "level", "overall_score", "respondents", "dont_know_rate", "dimensions":
[...], "answers": [...]}``. Respondents appear as R1, R2, … unless the team chose to export
names. A practice answer's ``value`` is on the scale people answer on: 1 Missing … 4 Systematic,
0 for don't know (its ``label`` says which); numbers, role ids and free text are as given.
Labels, section and dimension titles are in the export's language; ids and column names stay
English, for scripts. Scores are 0–100 with two decimals, as computed (the report rounds them to
whole numbers).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conversations.history import Change
from conversations.i18n import N_, Localizer
from conversations.questionnaire import NumberQuestion, RoleQuestion
from conversations.questions import QuestionKind, QuestionSequence
from conversations.scoring import Result
from conversations.state import AnswerState
from storage.snapshot_results import AnswerRecord

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
OVERALL_TITLE = N_("Overall")
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


DONT_KNOW_VALUE = 0  # what people type for "don't know"; the scale itself runs 1–4


def _score(value: float | None) -> float | None:
    # + 0.0: a difference of two equal scores can round to -0.0, which JSON would keep.
    return round(value, 2) + 0.0 if value is not None else None


def _translate(loc: Localizer | None) -> Callable[[str], str]:
    """The export's language; without one, the questionnaire's own (English) words."""
    return loc._ if loc is not None else str


def answer_rows(
    export: SnapshotExport, sequence: QuestionSequence, loc: Localizer | None = None
) -> list[dict[str, Any]]:
    pseudonyms: dict[int, str] = {}
    questionnaire = sequence.questionnaire
    scale = questionnaire.scale
    _ = _translate(loc)
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
                # Stored 0–3 for scoring; exported as the 1–4 the person chose.
                label = _(scale[value].label)
                value += 1
            elif isinstance(question.source, RoleQuestion):
                label = next((_(o.label) for o in question.source.options if o.id == value), "")
            elif isinstance(question.source, NumberQuestion):
                value = float(value) + 0.0 if isinstance(value, int | float) else value
                if question.source.integer and isinstance(value, float):
                    value = int(value)
        elif answer.state is AnswerState.DONT_KNOW:
            label = _(questionnaire.dont_know.label)
            if question.kind is QuestionKind.PRACTICE:
                value = DONT_KNOW_VALUE
        rows.append(
            {
                "team": export.team,
                "snapshot": export.number,
                "questionnaire_version": export.questionnaire_version,
                "respondent": (record.person_name or pseudonym) if export.names else pseudonym,
                "response_status": record.response_status,
                "question_number": sequence.number_of(question.id),
                "question_id": question.id,
                "section": _(question.section),
                "kind": question.kind.value,
                "state": answer.state.value,
                "value": value,
                "label": label,
                "note": answer.note,
                "answered_at": record.answered_at.isoformat(),
            }
        )
    return rows


def dimension_rows(
    export: SnapshotExport, sequence: QuestionSequence, loc: Localizer | None = None
) -> list[dict[str, Any]]:
    """One row per dimension, then one (dimension_id "overall") for the weighted overall."""
    questionnaire = sequence.questionnaire
    _ = _translate(loc)
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
        change = _score(now - then) if now is not None and then is not None else None
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
            _(d.title),
            d.weight,
            result.dimensions.get(d.id),
            before.dimensions.get(d.id) if before else None,
        )
        for d in questionnaire.dimensions
    ]
    total_weight = sum(d.weight for d in questionnaire.dimensions)
    rows.append(
        row(
            OVERALL,
            _(OVERALL_TITLE),
            total_weight,
            result.overall,
            before.overall if before else None,
        )
    )
    return rows


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def export_csv(
    export: SnapshotExport, sequence: QuestionSequence, table: str, loc: Localizer | None = None
) -> str:
    if table == "dimensions":
        return _csv(DIMENSION_COLUMNS, dimension_rows(export, sequence, loc))
    return _csv(ANSWER_COLUMNS, answer_rows(export, sequence, loc))


def export_json(
    export: SnapshotExport, sequence: QuestionSequence, loc: Localizer | None = None
) -> str:
    _ = _translate(loc)
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
        "level": {"number": result.level, "name": _(level.name)} if level else None,
        "overall_score": _score(result.overall),
        "respondents": result.respondents,
        "dont_know_rate": (
            round(result.dont_know_rate, 4) if result.dont_know_rate is not None else None
        ),
        "dimensions": [
            {k: v for k, v in row.items() if k not in _SNAPSHOT_FIELDS}
            for row in dimension_rows(export, sequence, loc)
            if row["dimension_id"] != OVERALL
        ],
        "answers": [
            {k: v for k, v in row.items() if k not in _SNAPSHOT_FIELDS}
            for row in answer_rows(export, sequence, loc)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
