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
    note: str | None = None  # why it differs from the person's previous snapshot, if they said

    def same_as(self, other: Answer) -> bool:
        """The same answer, whatever note either carries."""
        return (self.state, self.value) == (other.state, other.value)


@dataclass
class ResponseState:
    locale: str
    position: str  # a question id, or REVIEW
    status: ResponseStatus = ResponseStatus.IN_PROGRESS
    answers: dict[str, Answer] = field(default_factory=dict)
    # Set while a person edits one answer from the review step: answering returns there.
    returning_to_review: bool = False
    snapshot_open: bool = True
    # The person's answers in the team's previous snapshot: offered to keep, one input each.
    previous: dict[str, Answer] = field(default_factory=dict)
    # Set while asking why the answer to this question changed since last time.
    note_for: str | None = None

    def previous_answer(self, question_id: str) -> Answer | None:
        """Last snapshot's answer to offer again; a skipped one is nothing to keep."""
        answer = self.previous.get(question_id)
        return answer if answer is not None and answer.state is not AnswerState.SKIPPED else None
