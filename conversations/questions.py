"""The questionnaire flattened into the sequence of questions a person is asked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations.i18n import N_
from conversations.questionnaire import (
    NumberQuestion,
    Practice,
    Questionnaire,
    RoleQuestion,
    TextQuestion,
)


class QuestionKind(StrEnum):
    ROLE = "role"
    PRACTICE = "practice"
    NUMBER = "number"
    TEXT = "text"


# Section titles of the questions that do not belong to a dimension.
ABOUT_YOU = N_("About you")
NUMBERS = N_("Your numbers")
IN_YOUR_WORDS = N_("In your words")


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    section: str  # msgid of the section title shown in the progress line
    source: Practice | NumberQuestion | RoleQuestion | TextQuestion

    @property
    def text(self) -> str:
        return self.source.statement if isinstance(self.source, Practice) else self.source.text


class QuestionSequence:
    """Questions in the order they are asked: role, practices by dimension, numbers, free text."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        items = [Question(questionnaire.role.id, QuestionKind.ROLE, ABOUT_YOU, questionnaire.role)]
        for dimension in questionnaire.dimensions:
            items += [
                Question(p.id, QuestionKind.PRACTICE, dimension.title, p)
                for p in dimension.practices
            ]
        items += [Question(q.id, QuestionKind.NUMBER, NUMBERS, q) for q in questionnaire.numbers]
        items += [
            Question(q.id, QuestionKind.TEXT, IN_YOUR_WORDS, q) for q in questionnaire.free_text
        ]
        self.questions: tuple[Question, ...] = tuple(items)
        self._index = {q.id: i for i, q in enumerate(self.questions)}

    def __len__(self) -> int:
        return len(self.questions)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._index

    def by_id(self, question_id: str) -> Question:
        return self.questions[self._index[question_id]]

    def number_of(self, question_id: str) -> int:
        """1-based position of a question, as shown to people."""
        return self._index[question_id] + 1

    def at(self, number: int) -> Question | None:
        return self.questions[number - 1] if 1 <= number <= len(self.questions) else None

    def after(self, question_id: str) -> Question | None:
        return self.at(self.number_of(question_id) + 1)

    def before(self, question_id: str) -> Question | None:
        number = self.number_of(question_id)
        return self.at(number - 1) if number > 1 else None
