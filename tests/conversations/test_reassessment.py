"""Re-assessment: last snapshot's answers offered again, kept with one input, and a short note
asked for when an answer changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conversations.engine import MAX_NOTE_CHARS, Conversation, Turn
from conversations.replies import (
    AnswerEcho,
    NoteRequest,
    Notice,
    Paused,
    QuestionReply,
    Submitted,
)
from conversations.state import REVIEW, Answer, AnswerState, ResponseState, ResponseStatus
from tests.conversations.test_engine import (
    answer_all,
    asked,
    at_question,
    errors,
    first_practice,
)


def returning(conversation: Conversation, locale: str = "en") -> ResponseState:
    """A person in their second snapshot: last time they answered Ad hoc everywhere, with a
    role and a skipped free-text question."""
    state = conversation.new_state(locale)
    for question in conversation.sequence.questions:
        if question.kind == "practice":
            state.previous[question.id] = Answer(question.id, AnswerState.ANSWERED, 1)
        elif question.kind == "role":
            state.previous[question.id] = Answer(question.id, AnswerState.ANSWERED, "manager")
        else:
            state.previous[question.id] = Answer(question.id, AnswerState.SKIPPED)
    return state


def note_request(turn: Turn) -> NoteRequest:
    request = turn.replies[-1]
    assert isinstance(request, NoteRequest), turn.replies
    return request


def at_first_practice(conversation: Conversation, locale: str = "en") -> ResponseState:
    return replace(returning(conversation, locale), position=first_practice(conversation))


def test_each_question_shows_last_time_and_a_keep_button(conversation: Conversation) -> None:
    state = at_first_practice(conversation)
    question = conversation.question_reply(state, conversation.sequence.by_id(state.position))
    assert question.previous == "Last time: Ad hoc"
    assert question.keep is not None
    assert question.keep.payload == f"q:{state.position}:keep"
    assert question.keep.number == "same"
    assert "same" in question.hint


def test_welcome_back_explains_keeping(conversation: Conversation) -> None:
    turn = conversation.welcome(returning(conversation))
    intro = turn.replies[0]
    assert isinstance(intro, Notice)
    assert intro.text.startswith("Welcome back")


def test_a_skipped_answer_last_time_is_nothing_to_keep(conversation: Conversation) -> None:
    text_question = next(q for q in conversation.sequence.questions if q.kind == "text")
    state = replace(returning(conversation), position=text_question.id)
    question = conversation.question_reply(state, text_question)
    assert question.previous is None
    assert question.keep is None
    turn = conversation.handle_text(state, "same")
    assert errors(turn) == ["There is no answer from last time to keep."]
    assert not turn.saved


def test_keep_by_word_button_and_in_turkish(conversation: Conversation) -> None:
    state = at_first_practice(conversation)
    for turn in (
        conversation.handle_text(state, "same"),
        conversation.handle_text(state, "KEEP"),
        conversation.handle_button(state, f"q:{state.position}:keep"),
        conversation.handle_text(replace(state, locale="tr"), "aynı"),
        conversation.handle_text(replace(state, locale="tr"), "AYNI"),
    ):
        assert turn.saved == (Answer(state.position, AnswerState.ANSWERED, 1),)
        assert turn.state.note_for is None  # nothing changed: no note asked
        assert isinstance(asked(turn), QuestionReply)


def test_the_role_is_kept_too(conversation: Conversation) -> None:
    role = conversation.questionnaire.role.id
    state = replace(returning(conversation), position=role)
    turn = conversation.handle_text(state, "same")
    assert turn.saved == (Answer(role, AnswerState.ANSWERED, "manager"),)


def test_a_changed_answer_asks_why_then_stores_the_note(conversation: Conversation) -> None:
    state = at_first_practice(conversation)
    practice = state.position
    turn = conversation.handle_text(state, "3")
    assert turn.saved == (Answer(practice, AnswerState.ANSWERED, 2),)
    assert isinstance(turn.replies[0], AnswerEcho)
    request = note_request(turn)
    assert "Repeatable" in request.text
    assert "Ad hoc" in request.text
    assert request.buttons[0].payload == f"n:{practice}:skip"
    assert turn.state.note_for == practice
    next_question = turn.state.position
    assert next_question != practice

    noted = conversation.handle_text(turn.state, "  We hired a   QA lead  ")
    assert noted.saved == (Answer(practice, AnswerState.ANSWERED, 2, "We hired a QA lead"),)
    assert noted.state.note_for is None
    assert noted.state.answers[practice].note == "We hired a QA lead"
    assert asked(noted).question_id == next_question


def test_dont_know_after_an_answer_counts_as_a_change(conversation: Conversation) -> None:
    state = at_first_practice(conversation)
    turn = conversation.handle_text(state, "0")
    assert turn.state.note_for == state.position


def test_a_skip_is_not_a_change(conversation: Conversation) -> None:
    state = at_first_practice(conversation)
    turn = conversation.handle_text(state, "skip")
    assert turn.state.note_for is None


def test_the_note_can_be_skipped_by_word_or_button(conversation: Conversation) -> None:
    state = conversation.handle_text(at_first_practice(conversation), "4").state
    practice = state.note_for
    assert practice is not None
    for turn in (
        conversation.handle_text(state, "skip"),
        conversation.handle_text(replace(state, locale="tr"), "atla"),
        conversation.handle_button(state, f"n:{practice}:skip"),
    ):
        assert turn.state.note_for is None
        assert not turn.saved
        assert asked(turn).question_id == state.position


def test_back_from_the_note_returns_to_the_question(conversation: Conversation) -> None:
    state = conversation.handle_text(at_first_practice(conversation), "4").state
    turn = conversation.handle_text(state, "back")
    assert turn.state.note_for is None
    assert asked(turn).question_id == turn.state.position == first_practice(conversation)


def test_bad_notes_are_refused_and_the_note_is_asked_again(conversation: Conversation) -> None:
    state = conversation.handle_text(at_first_practice(conversation), "4").state
    for text, error in (
        ("!!!", "A note needs words"),
        ("7", "A note needs words"),  # no answer to the next question either
        ("x" * (MAX_NOTE_CHARS + 1), "under 500 characters"),
        ("submit", "Write a short note"),  # the review is not next: nothing to submit
        ("", "empty"),
    ):
        turn = conversation.handle_text(state, text)
        assert not turn.saved, text
        assert any(error in message for message in errors(turn)), (text, errors(turn))
        assert turn.state == state
        assert isinstance(turn.replies[-1], NoteRequest)


def test_buttons_of_questions_are_stale_during_the_note(conversation: Conversation) -> None:
    start = at_first_practice(conversation)
    state = conversation.handle_text(start, "4").state
    stale = conversation.handle_button(state, f"q:{start.position}:2")
    assert stale.state == state
    assert errors(stale)
    assert not stale.saved
    wrong_note = conversation.handle_button(state, "n:someone_else:skip")
    assert wrong_note.state == state and errors(wrong_note)


def test_pause_language_and_resume_keep_the_note_pending(conversation: Conversation) -> None:
    state = conversation.handle_text(at_first_practice(conversation), "4").state
    paused = conversation.handle_text(state, "pause")
    assert isinstance(paused.replies[-1], Paused)
    assert paused.state.note_for == state.note_for
    resumed = conversation.resume(paused.state)
    assert isinstance(resumed.replies[-1], NoteRequest)
    turkish = conversation.handle_text(state, "language tr")
    assert turkish.state.locale == "tr"
    assert turkish.state.note_for == state.note_for
    assert (
        "Geçen sefer" in note_request(turkish).text or "geçen sefer" in note_request(turkish).text
    )
    why = conversation.handle_text(state, "why")
    assert "report" in why.replies[0].text  # type: ignore[union-attr]
    assert why.state == state


def test_free_text_that_starts_with_a_command_word_is_a_note(conversation: Conversation) -> None:
    state = conversation.handle_text(at_first_practice(conversation), "4").state
    turn = conversation.handle_text(state, "change management finally got a budget")
    assert turn.saved[0].note == "change management finally got a budget"


def test_review_shows_what_changed_since_last_time(conversation: Conversation) -> None:
    state = at_first_practice(conversation)
    state = conversation.handle_text(state, "4").state
    state = conversation.handle_text(state, "skip").state
    review = conversation.review(replace(state, position=REVIEW))
    number = conversation.sequence.number_of(first_practice(conversation))
    line = review.lines[number - 1]
    assert line.answer == "Systematic (last time: Ad hoc)"


def test_no_previous_snapshot_means_no_last_time(conversation: Conversation) -> None:
    state = at_question(conversation, first_practice(conversation))
    turn = conversation.handle_text(state, "3")
    assert turn.state.note_for is None
    assert asked(turn).previous is None
    assert errors(conversation.handle_text(state, "same"))


def test_two_word_inputs_at_the_note_step(conversation: Conversation) -> None:
    state = conversation.handle_text(at_first_practice(conversation), "4").state
    # A language problem is a note; "language tr" still switches.
    assert conversation.handle_text(state, "Dil sorunu").saved[0].note == "Dil sorunu"
    assert conversation.handle_text(state, "change management").saved[0].note == (
        "change management"
    )
    assert conversation.handle_text(state, "dil tr").state.locale == "tr"
    # "change 5" is the command: no note, straight to question 5.
    changed = conversation.handle_text(state, "değiştir 5")
    assert not changed.saved
    assert changed.state.note_for is None
    assert changed.state.position == conversation.sequence.at(5).id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "locale", "state", "value"),
    [
        ("3", "en", AnswerState.ANSWERED, 2),
        ("Repeatable", "en", AnswerState.ANSWERED, 2),
        ("sistematik", "en", AnswerState.ANSWERED, 3),
        ("SİSTEMATİK", "tr", AnswerState.ANSWERED, 3),
        ("Ara sıra", "tr", AnswerState.ANSWERED, 1),
        ("0", "en", AnswerState.DONT_KNOW, None),
        ("don't know", "en", AnswerState.DONT_KNOW, None),
        ("bilmiyorum", "tr", AnswerState.DONT_KNOW, None),
        ("same", "en", AnswerState.ANSWERED, 1),  # last time's answer to the next question
        ("aynı", "tr", AnswerState.ANSWERED, 1),
    ],
)
def test_an_answer_at_the_note_skips_it_and_answers_the_next_question(
    conversation: Conversation, typed: str, locale: str, state: AnswerState, value: int | None
) -> None:
    """A script piping one answer per line, or someone answering the next question straight
    away, goes on without a note instead of being stuck at "A note needs words"."""
    asked_note = conversation.handle_text(at_first_practice(conversation, locale), "4").state
    changed, following = asked_note.note_for, asked_note.position
    assert changed is not None
    turn = conversation.handle_text(asked_note, typed)
    assert not errors(turn), errors(turn)
    assert turn.saved == (Answer(following, state, value),)
    assert turn.state.answers[changed].note is None
    echo = turn.replies[0]
    assert isinstance(echo, AnswerEcho) and echo.question_id == following
    if (state, value) == (AnswerState.ANSWERED, 1):  # the same as last time: no note asked
        assert turn.state.note_for is None
        assert asked(turn).question_id == turn.state.position
    else:  # changed again: the note is asked about the question just answered
        assert turn.state.note_for == following
        assert note_request(turn).question_id == following


def test_an_answer_at_the_note_before_a_number_question_answers_it(
    conversation: Conversation,
) -> None:
    last_practice = [q.id for q in conversation.sequence.questions if q.kind == "practice"][-1]
    state = replace(returning(conversation), position=last_practice)
    asked_note = conversation.handle_text(state, "4").state
    number = conversation.sequence.by_id(asked_note.position)
    assert asked_note.note_for == last_practice and number.kind == "number"
    turn = conversation.handle_text(asked_note, "4")
    assert turn.saved == (Answer(number.id, AnswerState.ANSWERED, 4.0),)
    assert turn.state.note_for is None


def test_at_the_last_note_before_the_review_submit_submits(conversation: Conversation) -> None:
    """Changing one answer from the review asks for a note; "submit" there sends the
    answers, while a stray "4" still answers nothing (the review ignores bare numbers)."""
    state = answer_all(conversation, "2")
    state = replace(state, previous=returning(conversation).previous)
    practice = first_practice(conversation)
    state = conversation.handle_text(state, f"change {conversation.sequence.number_of(practice)}")
    state = conversation.handle_text(state.state, "4").state
    assert state.note_for == practice and state.position == REVIEW
    stray = conversation.handle_text(state, "4")
    assert not stray.saved and any("A note needs words" in e for e in errors(stray))
    sent = conversation.handle_text(state, "submit")
    assert sent.submitted and sent.state.status is ResponseStatus.SUBMITTED
    assert sent.state.note_for is None
    assert isinstance(sent.replies[-1], Submitted)


def test_words_at_the_note_before_a_free_text_question_stay_a_note(
    conversation: Conversation,
) -> None:
    """Without numbers in between (a questionnaire of one's own), a sentence at the note is the
    note, never the next free-text answer."""
    practice = [q.id for q in conversation.sequence.questions if q.kind == "practice"][-1]
    text_question = next(q.id for q in conversation.sequence.questions if q.kind == "text")
    state = replace(returning(conversation), position=practice, note_for=practice)
    state.answers[practice] = Answer(practice, AnswerState.ANSWERED, 3)
    state = replace(state, position=text_question)
    turn = conversation.handle_text(state, "We hired two people")
    assert turn.saved == (Answer(practice, AnswerState.ANSWERED, 3, "We hired two people"),)
    assert turn.state.position == text_question
    # A piped "4" is still no lockup there: it answers the free-text question, as it would
    # have without the note.
    piped = conversation.handle_text(state, "4")
    assert piped.saved == (Answer(text_question, AnswerState.ANSWERED, "4"),)
    assert piped.state.note_for is None


def test_answering_the_same_again_keeps_the_note(conversation: Conversation) -> None:
    start = at_first_practice(conversation)
    practice = start.position
    state = conversation.handle_text(start, "4").state
    state = conversation.handle_text(state, "hired a QA lead").state
    state = conversation.handle_text(state, "back").state
    assert state.position == practice
    again = conversation.handle_text(state, "4")
    assert again.saved == (Answer(practice, AnswerState.ANSWERED, 3, "hired a QA lead"),)
    assert again.state.note_for is None  # the reason is already there: not asked twice
    other = conversation.handle_text(state, "3")
    assert other.saved == (Answer(practice, AnswerState.ANSWERED, 2),)
    assert other.state.note_for == practice  # a different answer needs its own reason
