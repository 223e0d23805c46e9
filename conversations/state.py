"""A person's response as the engine sees it: position, status and answers so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

REVIEW = "@review"  # the position of the review step, after the last question


class AnswerState(StrEnum):
    ANSWERED = "answered"
    DONT_KNOW = "dont_know"
    SKIPPED = "skipped"


class ResponseStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class Answer:
    """One answer. ``value`` is an int (the adoption value 0–3) for practices, a float for
    numbers (whole-number questions too), a str for the role option id and free text; None
    unless answered. Storage relies on these types to pick the column."""

    question_id: str
    state: AnswerState
    value: int | float | str | None = None


@dataclass
class ResponseState:
    locale: str
    position: str  # a question id, or REVIEW
    status: ResponseStatus = ResponseStatus.IN_PROGRESS
    answers: dict[str, Answer] = field(default_factory=dict)
    # Set while a person edits one answer from the review step: answering returns there.
    returning_to_review: bool = False
    snapshot_open: bool = True
