"""The conversation engine: answering, commands, review, and every kind of bad input."""

from __future__ import annotations

import pytest

from conversations.engine import Conversation, Turn
from conversations.replies import (
    AnswerEcho,
    Notice,
    Paused,
    QuestionReply,
    ReviewReply,
    Submitted,
    Tone,
)
from conversations.state import REVIEW, AnswerState, ResponseState, ResponseStatus


def first_practice(conversation: Conversation) -> str:
    return next(q.id for q in conversation.sequence.questions if q.kind == "practice")


def at_question(conversation: Conversation, question_id: str, locale: str = "en") -> ResponseState:
    state = conversation.new_state(locale)
    state.position = question_id
    return state


def notices(turn: Turn) -> list[Notice]:
    return [r for r in turn.replies if isinstance(r, Notice)]


def errors(turn: Turn) -> list[str]:
    return [n.text for n in notices(turn) if n.tone is Tone.ERROR]


def asked(turn: Turn) -> QuestionReply:
    question = turn.replies[-1]
    assert isinstance(question, QuestionReply), turn.replies
    return question


def answer_all(conversation: Conversation, value: str, locale: str = "en") -> ResponseState:
    state = conversation.new_state(locale)
    while state.position != REVIEW:
        turn = conversation.handle_text(state, value)
        assert not errors(turn), (state.position, errors(turn))
        state = turn.state
    return state


def test_welcome_then_first_question(conversation: Conversation) -> None:
    turn = conversation.welcome(conversation.new_state("en"))
    assert isinstance(turn.replies[0], Notice)
    question = asked(turn)
    assert question.progress.startswith(f"1/{len(conversation.sequence)} · ")
    assert [o.number for o in question.options] == ["1", "2", "3", "4"]


def test_practice_options_are_numbered_1_to_4_with_0_for_dont_know(
    conversation: Conversation,
) -> None:
    state = at_question(conversation, first_practice(conversation))
    question = asked(conversation.resume(state))
    numbered = {o.number: o.label for o in question.options}
    assert numbered == {
        "1": "Missing",
        "2": "Ad hoc",
        "3": "Repeatable",
        "4": "Systematic",
        "0": "Don't know",
    }


@pytest.mark.parametrize(
    ("typed", "locale", "value"),
    [
        ("1", "en", 0),
        ("2", "en", 1),
        ("3", "en", 2),
        ("4", "en", 3),
        ("Repeatable", "en", 2),
        ("ad HOC", "en", 1),
        ("SİSTEMATİK", "en", 3),
        ("sistematik", "tr", 3),
        ("SISTEMATIK", "tr", 3),
        ("ara sıra", "en", 1),
        ("ARA SIRA", "tr", 1),
        ("Tekrarlanabilir", "en", 2),
        ("yok", "en", 0),
        ("  systematic  ", "tr", 3),
    ],
)
def test_practice_answer_by_number_or_word_in_either_language(
    conversation: Conversation, typed: str, locale: str, value: int
) -> None:
    practice = first_practice(conversation)
    turn = conversation.handle_text(at_question(conversation, practice, locale), typed)
    assert not errors(turn)
    assert turn.saved[0].question_id == practice
    assert turn.saved[0].state is AnswerState.ANSWERED
    assert turn.saved[0].value == value
    assert isinstance(turn.replies[0], AnswerEcho)
    assert turn.state.position != practice


@pytest.mark.parametrize("typed", ["0", "don't know", "Bilmiyorum", "BİLMİYORUM", "dont know"])
def test_dont_know(conversation: Conversation, typed: str) -> None:
    practice = first_practice(conversation)
    turn = conversation.handle_text(at_question(conversation, practice), typed)
    assert turn.saved[0].state is AnswerState.DONT_KNOW
    assert turn.saved[0].value is None


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "😀", "🙂🙂", "5", "-1", "maybe", "x" * 10_000, "1 2", "systematicc", "change"],
)
@pytest.mark.parametrize("locale", ["en", "tr"])
def test_invalid_practice_input_explains_and_asks_again(
    conversation: Conversation, typed: str, locale: str
) -> None:
    practice = first_practice(conversation)
    state = at_question(conversation, practice, locale)
    state.answers = {
        "role": conversation.handle_text(at_question(conversation, "role"), "2").saved[0]
    }
    turn = conversation.handle_text(state, typed)
    assert errors(turn), typed
    assert turn.saved == ()
    assert turn.state.position == practice
    assert asked(turn).question_id == practice
    assert turn.state.answers == state.answers  # nothing already answered is lost


def test_error_messages_are_localized(conversation: Conversation) -> None:
    practice = first_practice(conversation)
    english = errors(conversation.handle_text(at_question(conversation, practice, "en"), "maybe"))
    turkish = errors(conversation.handle_text(at_question(conversation, practice, "tr"), "maybe"))
    assert english != turkish
    assert "Sistematik" in turkish[0]
    assert "Systematic" in english[0]


def number_question(conversation: Conversation, question_id: str) -> ResponseState:
    assert question_id in conversation.sequence
    return at_question(conversation, question_id)


@pytest.mark.parametrize(
    ("question_id", "locale", "typed", "value"),
    [
        ("csat", "tr", "87,5", 87.5),
        ("csat", "en", "87.5", 87.5),
        ("csat", "tr", "%87,5", 87.5),
        ("csat", "en", "87.5%", 87.5),
        ("contacts_month", "tr", "12.500", 12500.0),
        ("contacts_month", "en", "12,500", 12500.0),
        ("nps", "en", "-20", -20.0),
        ("first_response", "en", "0", 0.0),
    ],
)
def test_numbers_in_the_persons_locale(
    conversation: Conversation, question_id: str, locale: str, typed: str, value: float
) -> None:
    state = number_question(conversation, question_id)
    state.locale = locale
    turn = conversation.handle_text(state, typed)
    assert not errors(turn), errors(turn)
    assert turn.saved[0].value == value


@pytest.mark.parametrize(
    ("question_id", "locale", "typed"),
    [
        ("csat", "en", "101"),
        ("csat", "en", "-1"),
        ("nps", "en", "150"),
        ("contacts_month", "en", "12.5"),  # whole numbers only
        ("csat", "tr", "87.5"),  # a dot groups thousands in Turkish
        ("csat", "en", "eighty"),
        ("csat", "en", "NaN"),
        ("csat", "en", "1e400"),
    ],
)
def test_bad_numbers_are_refused(
    conversation: Conversation, question_id: str, locale: str, typed: str
) -> None:
    state = number_question(conversation, question_id)
    state.locale = locale
    turn = conversation.handle_text(state, typed)
    assert errors(turn)
    assert turn.saved == ()
    assert turn.state.position == question_id


def test_range_error_shows_range_in_locale_format(conversation: Conversation) -> None:
    state = number_question(conversation, "contacts_month")
    state.locale = "tr"
    message = errors(conversation.handle_text(state, "20000000"))[0]
    assert "10.000.000" in message


def test_free_text(conversation: Conversation) -> None:
    question = conversation.questionnaire.free_text[0].id
    turn = conversation.handle_text(
        at_question(conversation, question), "  Slow   replies on email "
    )
    assert turn.saved[0].value == "Slow replies on email"
    too_long = conversation.handle_text(at_question(conversation, question), "a" * 1001)
    assert errors(too_long) and too_long.saved == ()
    emoji = conversation.handle_text(at_question(conversation, question), "😡😡")
    assert errors(emoji) and emoji.saved == ()


def test_role_by_number_and_word(conversation: Conversation) -> None:
    assert (
        conversation.handle_text(at_question(conversation, "role"), "3").saved[0].value == "manager"
    )
    assert (
        conversation.handle_text(at_question(conversation, "role"), "YÖNETİCİ").saved[0].value
        == "manager"
    )
    bad = conversation.handle_text(at_question(conversation, "role"), "9")
    assert errors(bad) and bad.saved == ()


def test_back_skip_and_first_question(conversation: Conversation) -> None:
    state = conversation.new_state("en")
    first = conversation.handle_text(state, "back")
    assert errors(first) and first.state.position == "role"
    state = conversation.handle_text(state, "skip").state
    assert state.answers["role"].state is AnswerState.SKIPPED
    practice = state.position
    state = conversation.handle_text(state, "3").state
    back = conversation.handle_text(state, "geri")  # Turkish command words always work
    assert back.state.position == practice
    assert asked(back).current == "Your answer: Repeatable"
    # Answering again moves on past questions already answered.
    forward = conversation.handle_text(back.state, "4")
    assert forward.state.answers[practice].value == 3
    assert forward.state.position == conversation.sequence.after(practice).id  # type: ignore[union-attr]


def test_pause_keeps_position(conversation: Conversation) -> None:
    state = conversation.handle_text(conversation.new_state("en"), "1").state
    turn = conversation.handle_text(state, "pause")
    assert isinstance(turn.replies[0], Paused)
    assert turn.state == state and turn.saved == ()
    resumed = conversation.handle_text(state, "continue")
    assert asked(resumed).question_id == state.position


def test_why_explains_the_scale(conversation: Conversation) -> None:
    turn = conversation.handle_text(
        at_question(conversation, first_practice(conversation), "tr"), "neden"
    )
    explanation = notices(turn)[0].text
    assert "Tekrarlanabilir" in explanation and "Sistematik" in explanation
    assert turn.saved == ()


def test_switch_language_mid_way(conversation: Conversation) -> None:
    practice = first_practice(conversation)
    state = at_question(conversation, practice, "en")
    english = asked(conversation.resume(state)).text
    turn = conversation.handle_text(state, "language tr")
    assert turn.state.locale == "tr"
    assert asked(turn).text != english
    assert asked(turn).question_id == practice
    back = conversation.handle_text(turn.state, "dil en")
    assert back.state.locale == "en" and asked(back).text == english
    unknown = conversation.handle_text(state, "language klingon")
    assert errors(unknown) and unknown.state.locale == "en"


def test_review_submit_and_change(conversation: Conversation) -> None:
    state = answer_all(conversation, "3")
    review = conversation.resume(state).replies[0]
    assert isinstance(review, ReviewReply)
    assert len(review.lines) == len(conversation.sequence)

    for typed in ["3", "4", "0", "skip", "hello"]:  # a bare number is invalid at review
        turn = conversation.handle_text(state, typed)
        assert errors(turn), typed
        assert turn.state.position == REVIEW and turn.saved == ()
        assert "submit" in errors(turn)[0]  # says what works here
        assert not any(isinstance(r, ReviewReply) for r in turn.replies)  # no 35-line repeat

    change = conversation.handle_text(state, "change 5")
    target = conversation.sequence.at(5)
    assert target is not None and change.state.position == target.id
    changed = conversation.handle_text(change.state, "1")
    assert changed.state.position == REVIEW
    assert changed.state.answers[target.id].value == 0

    for bad in ["change 0", "change 99", "change x", "değiştir", "change 9" + "9" * 30]:
        assert errors(conversation.handle_text(changed.state, bad)), bad
    # A forged button: "²" is a digit to str.isdigit, but not to int().
    for payload in ["r:change:²", "r:change:٣", "r:change:" + "9" * 30]:
        assert errors(conversation.handle_button(changed.state, payload)), payload

    submitted = conversation.handle_text(changed.state, "GÖNDER")
    assert submitted.submitted
    assert submitted.state.status is ResponseStatus.SUBMITTED
    assert isinstance(submitted.replies[0], Submitted)


def test_edit_after_submit_until_closed(conversation: Conversation) -> None:
    state = conversation.handle_text(answer_all(conversation, "3"), "submit").state
    edit = conversation.handle_text(state, "değiştir 2")
    assert edit.state.position == conversation.sequence.at(2).id  # type: ignore[union-attr]
    saved = conversation.handle_text(edit.state, "4")
    assert saved.submitted and saved.state.status is ResponseStatus.SUBMITTED
    assert saved.state.position == REVIEW

    closed = ResponseState(**{**saved.state.__dict__, "snapshot_open": False})
    for typed in ["change 2", "4", "submit"]:
        turn = conversation.handle_text(closed, typed)
        assert errors(turn) and turn.saved == () and turn.state == closed


def test_buttons_and_stale_buttons(conversation: Conversation) -> None:
    practice = first_practice(conversation)
    state = at_question(conversation, practice)
    turn = conversation.handle_button(state, f"q:{practice}:2")
    assert turn.saved[0].value == 2
    stale = conversation.handle_button(turn.state, f"q:{practice}:3")
    assert errors(stale) and stale.saved == ()
    for payload in ["", "q", "q:nope:1", f"q:{practice}:9", "r:submit", "x" * 300, "r:change:zz"]:
        bad = conversation.handle_button(turn.state, payload)
        assert errors(bad) and bad.saved == (), payload
    dk = conversation.handle_button(turn.state, f"q:{turn.state.position}:dk")
    assert dk.saved[0].state is AnswerState.DONT_KNOW


def test_button_payloads_fit_telegram(conversation: Conversation) -> None:
    for question in conversation.sequence.questions:
        reply = asked(conversation.resume(at_question(conversation, question.id)))
        for button in (*reply.options, *reply.controls):
            assert len(button.payload.encode()) <= 64


def test_no_english_question_text_in_turkish(conversation: Conversation) -> None:
    for question in conversation.sequence.questions:
        tr = asked(conversation.resume(at_question(conversation, question.id, "tr")))
        en = asked(conversation.resume(at_question(conversation, question.id, "en")))
        assert tr.text != en.text, question.id
        assert tr.hint != en.hint


@pytest.mark.parametrize(
    "typed", ["Change management is slow", "Dil sorunu yaşıyoruz", "language barriers", "why not"]
)
def test_free_text_that_starts_with_a_command_word_is_text(
    conversation: Conversation, typed: str
) -> None:
    question = conversation.questionnaire.free_text[0].id
    turn = conversation.handle_text(at_question(conversation, question), typed)
    assert not errors(turn)
    assert turn.saved[0].value == typed


def test_skip_keeps_an_answer_already_given(conversation: Conversation) -> None:
    state = answer_all(conversation, "3")
    edit = conversation.handle_text(state, "change 3")
    target = edit.state.position
    skipped = conversation.handle_text(edit.state, "skip")  # changed their mind: keep it
    assert skipped.saved == ()
    assert skipped.state.position == REVIEW
    assert skipped.state.answers[target] == state.answers[target]
    back = conversation.handle_text(conversation.handle_text(state, "change 2").state, "back")
    kept = conversation.handle_text(back.state, "skip")
    assert kept.saved == () and kept.state.answers == state.answers


def test_why_is_specific_to_the_kind_of_question(conversation: Conversation) -> None:
    explanations = {}
    for question_id in ["role", first_practice(conversation), "csat", "biggest_problem"]:
        turn = conversation.handle_text(at_question(conversation, question_id), "why")
        explanations[question_id] = notices(turn)[0].text
    assert len(set(explanations.values())) == 4
    assert "Systematic" in explanations[first_practice(conversation)]
    assert "Systematic" not in explanations["role"]
    assert "singled out" in explanations["role"]


def test_number_in_the_other_locales_format_gets_a_precise_hint(
    conversation: Conversation,
) -> None:
    state = number_question(conversation, "csat")
    state.locale = "tr"
    message = errors(conversation.handle_text(state, "87.5"))[0]
    assert "86,5" in message and "“,”" in message  # the CSAT question's own example


def test_examples_in_errors_fit_the_question(conversation: Conversation) -> None:
    whole = number_question(conversation, "contacts_month")
    whole.locale = "tr"
    for typed in ["87.5", "çok"]:
        message = errors(conversation.handle_text(whole, typed))[0]
        assert "4.800" in message and "87,5" not in message
