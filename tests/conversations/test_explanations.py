"""`why` explains the question it is asked at: its own dimension, practice and example, never
another question's."""

from __future__ import annotations

import pytest

from conversations.engine import Conversation
from conversations.questions import QuestionKind
from tests.conversations.test_engine import at_question, notices


def why(conversation: Conversation, question_id: str, locale: str = "en") -> str:
    turn = conversation.handle_text(at_question(conversation, question_id, locale), "why")
    return notices(turn)[0].text


@pytest.mark.parametrize("locale", ["en", "tr"])
def test_every_question_has_its_own_explanation(conversation: Conversation, locale: str) -> None:
    texts = {q.id: why(conversation, q.id, locale) for q in conversation.sequence.questions}
    assert len(set(texts.values())) == len(texts)  # no two questions explained alike


def test_the_response_time_question_does_not_explain_surveys(conversation: Conversation) -> None:
    minutes = why(conversation, "first_response")
    assert "survey" not in minutes.lower()
    assert "first reply" in minutes
    assert "survey" in why(conversation, "csat")
    assert "recommend" in why(conversation, "nps")


def test_a_practice_explains_its_dimension_practice_and_the_scale(
    conversation: Conversation,
) -> None:
    questionnaire = conversation.questionnaire
    for question in conversation.sequence.questions:
        if question.kind is not QuestionKind.PRACTICE:
            continue
        practice = questionnaire.practices[question.id]
        text = why(conversation, question.id)
        assert questionnaire.dimension_of[question.id].why in text
        assert practice.why and practice.why in text
        assert practice.example and practice.example in text
        assert "4 Systematic — There is a clear process" in text
        # The scale is explained without another practice's example.
        others = [p.example for p in questionnaire.practices.values() if p is not practice]
        assert not [example for example in others if example and example in text]


def test_bundled_questions_all_carry_an_explanation(conversation: Conversation) -> None:
    questionnaire = conversation.questionnaire
    assert all(p.why for p in questionnaire.practices.values())
    assert all(q.why for q in questionnaire.numbers)
    assert all(q.why for q in questionnaire.free_text)


def test_turkish_explanations_are_turkish(conversation: Conversation) -> None:
    text = why(conversation, "first_response", "tr")
    english = conversation.questionnaire.numbers[3].why
    assert english is not None and english not in text
