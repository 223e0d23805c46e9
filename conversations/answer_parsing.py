"""Typed answers read into ``Answer`` values: adoption numbers and words, role options,
numbers in the person's locale, free text. Pure functions of the questionnaire and the text."""

from __future__ import annotations

import re
from collections.abc import Mapping

from conversations.i18n import Localizer, NumberParseError, fold
from conversations.questionnaire import NumberQuestion, Questionnaire, RoleQuestion, TextQuestion
from conversations.questions import Question, QuestionKind
from conversations.state import Answer, AnswerState


class InvalidInput(Exception):
    """Typed input that does not answer the question; the message is already localized."""


def number_example(loc: Localizer, question: NumberQuestion) -> str:
    """The question's own sample answer, written the way the person's language writes it."""
    if question.integer:
        return loc.number(int(question.example))
    return loc.number(question.example)


class AnswerParser:
    def __init__(self, questionnaire: Questionnaire, localizers: Mapping[str, Localizer]) -> None:
        self.questionnaire = questionnaire
        self.localizers = dict(localizers)
        # Adoption values keyed by their folded labels in every language (None: don't know).
        self.scale_words: dict[str, int | None] = {}
        for loc in self.localizers.values():
            for point in questionnaire.scale:
                self.scale_words[fold(loc._(point.label))] = point.value
            self.scale_words[fold(loc._(questionnaire.dont_know.label))] = None

    def looks_like_an_answer(self, text: str) -> bool:
        """A bare "3", "-0" or "Repeatable": typed to answer a question, not to explain."""
        return not any(ch.isalpha() for ch in text) or fold(text) in self.scale_words

    def parse(self, loc: Localizer, question: Question, text: str) -> Answer:
        source = question.source
        if question.kind is QuestionKind.PRACTICE:
            return self._adoption(loc, question, text)
        if isinstance(source, RoleQuestion):
            return self._role(loc, question, source, text)
        if isinstance(source, NumberQuestion):
            return self._number(loc, question, source, text)
        assert isinstance(source, TextQuestion)
        return self._text(loc, question, source, text)

    def option_answer(self, question: Question, value: str) -> Answer | None:
        """The answer a pressed option button carries, if it is one of the question's."""
        if question.kind is QuestionKind.PRACTICE and value in {"0", "1", "2", "3"}:
            return Answer(question.id, AnswerState.ANSWERED, int(value))
        if isinstance(question.source, RoleQuestion) and value in {
            o.id for o in question.source.options
        }:
            return Answer(question.id, AnswerState.ANSWERED, value)
        return None

    def _adoption(self, loc: Localizer, question: Question, text: str) -> Answer:
        folded = fold(text)
        if re.fullmatch(r"[0-4]", folded):
            number = int(folded)
            if number == 0:
                return Answer(question.id, AnswerState.DONT_KNOW)
            return Answer(question.id, AnswerState.ANSWERED, number - 1)
        if folded in self.scale_words:
            value = self.scale_words[folded]
            if value is None:
                return Answer(question.id, AnswerState.DONT_KNOW)
            return Answer(question.id, AnswerState.ANSWERED, value)
        raise InvalidInput(
            loc._(
                "Please answer with a number from 1 to 4 (or 0 for don't know), "
                "or with one of the words: {words}.",
                words=", ".join(loc._(p.label) for p in self.questionnaire.scale),
            )
        )

    def _role(self, loc: Localizer, question: Question, source: RoleQuestion, text: str) -> Answer:
        folded = fold(text)
        for index, option in enumerate(source.options, start=1):
            labels = {fold(other._(option.label)) for other in self.localizers.values()}
            if folded == str(index) or folded in labels:
                return Answer(question.id, AnswerState.ANSWERED, option.id)
        raise InvalidInput(
            loc._(
                "Please pick one of the options by its number, 1 to {last}.",
                last=len(source.options),
            )
        )

    def _number(
        self, loc: Localizer, question: Question, source: NumberQuestion, text: str
    ) -> Answer:
        try:
            value = loc.parse_number(text)
        except NumberParseError:
            if any(ch.isdigit() for ch in text):  # a number, written another locale's way
                raise InvalidInput(
                    loc._(
                        "Write the number like this: {example} — "
                        "decimals come after “{separator}”.",
                        example=number_example(loc, source),
                        separator=loc.decimal_symbol,
                    )
                ) from None
            raise InvalidInput(
                loc._(
                    "That doesn't look like a number. Type it like this: {example}.",
                    example=number_example(loc, source),
                )
            ) from None
        if not source.min <= value <= source.max:
            raise InvalidInput(
                loc._(
                    "Please give a number from {low} to {high}.",
                    low=loc.number(source.min),
                    high=loc.number(source.max),
                )
            )
        if source.integer and value != value.to_integral_value():
            raise InvalidInput(loc._("Please give a whole number."))
        # float(Decimal("-0")) is -0.0, which would be stored and shown as "-0".
        return Answer(question.id, AnswerState.ANSWERED, float(value) + 0.0)

    def _text(self, loc: Localizer, question: Question, source: TextQuestion, text: str) -> Answer:
        if not any(ch.isalnum() for ch in text):
            raise InvalidInput(loc._("Please answer in words."))
        if len(text) > source.max_length:
            raise InvalidInput(
                loc._(
                    "Please keep your answer under {limit} characters; this one has {count}.",
                    limit=loc.number(source.max_length),
                    count=loc.number(len(text)),
                )
            )
        return Answer(question.id, AnswerState.ANSWERED, " ".join(text.split()))
