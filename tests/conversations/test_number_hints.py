"""Each number question's hint and errors show that question's own example, inside its range,
written the person's way, and typing that example back answers the question."""

from __future__ import annotations

import math

import pytest

from conversations.answer_parsing import number_example
from conversations.engine import Conversation
from conversations.questionnaire import NumberQuestion
from conversations.state import AnswerState
from tests.conversations.test_engine import asked, at_question, errors


def numbers(conversation: Conversation) -> list[NumberQuestion]:
    return list(conversation.questionnaire.numbers)


@pytest.mark.parametrize("locale", ["en", "tr"])
def test_every_example_is_in_range_and_typing_it_back_answers(
    conversation: Conversation, locale: str
) -> None:
    loc = conversation.localizers[locale]
    for question in numbers(conversation):
        example = number_example(loc, question)
        hint = asked(conversation.resume(at_question(conversation, question.id, locale))).hint
        assert example in hint, (question.id, hint)
        turn = conversation.handle_text(at_question(conversation, question.id, locale), example)
        assert not errors(turn), (question.id, example, errors(turn))
        assert turn.saved[0].value == question.example
        assert question.min <= question.example <= question.max


def test_the_nps_and_minutes_hints_fit_their_questions(conversation: Conversation) -> None:
    nps = asked(conversation.resume(at_question(conversation, "nps"))).hint
    assert "from -100 to 100, like 35" in nps
    assert "1,200" not in nps
    minutes = asked(conversation.resume(at_question(conversation, "first_response"))).hint
    assert "like 45 " in minutes and "87.5" not in minutes
    examples = {number_example(conversation.localizers["en"], q) for q in numbers(conversation)}
    assert len(examples) == len(numbers(conversation))  # each question its own


@pytest.mark.parametrize(
    ("question_id", "locale", "shown"),
    [("csat", "en", "0%"), ("csat", "tr", "%0"), ("nps", "en", "0 points"), ("fcr", "en", "0%")],
)
def test_minus_zero_is_stored_and_shown_as_zero(
    conversation: Conversation, question_id: str, locale: str, shown: str
) -> None:
    for typed in ("-0", "−0", "-0.0" if locale == "en" else "-0,0"):
        turn = conversation.handle_text(at_question(conversation, question_id, locale), typed)
        assert not errors(turn), errors(turn)
        answer = turn.saved[0]
        assert answer.state is AnswerState.ANSWERED
        assert isinstance(answer.value, float)
        assert answer.value == 0 and math.copysign(1, answer.value) == 1  # not -0.0
        echoed = conversation.answer_label(conversation.localizers[locale], answer)
        assert echoed == shown and "-" not in echoed


def test_a_stored_minus_zero_is_still_shown_as_zero(conversation: Conversation) -> None:
    """Answers stored before the fix, and any value that rounds to zero, print without a sign."""
    for locale, percent, points in (("en", "0%", "0"), ("tr", "%0", "0")):
        loc = conversation.localizers[locale]
        assert loc.percent(-0.0) == percent
        assert loc.percent(-0.0001) == percent
        assert loc.number(-0.0) == points
        assert loc.number(-0.04) == points
        assert loc.number(-0.4, 0) == points
    assert conversation.localizers["tr"].percent(-0.05) == "-%5"  # real negatives keep it
