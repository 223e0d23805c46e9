"""State transitions of one person's response: the conversation, without any I/O.

Every call takes the current ``ResponseState`` and an input (typed text or a button payload) and
returns a ``Turn``: the new state, the answers to store and the replies to send. The caller stores
the turn before it sends the replies, so nothing that was acknowledged can be lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from conversations.answer_parsing import AnswerParser, InvalidInput
from conversations.commands import LANGUAGE_LABELS, Command, CommandWords, ParsedCommand
from conversations.explanations import why_text
from conversations.i18n import Localizer
from conversations.prompts import DONT_KNOW_PAYLOAD, KEEP_PAYLOAD, Prompts
from conversations.questions import QuestionKind, QuestionSequence
from conversations.replies import (
    AnswerEcho,
    Notice,
    Paused,
    Reply,
    Submitted,
    Tone,
)
from conversations.state import REVIEW, Answer, AnswerState, ResponseState, ResponseStatus

MAX_INPUT_CHARS = 4000  # longer messages are refused before any parsing
MAX_NOTE_CHARS = 500  # a note explains one changed answer: a line or two
_CONTROL_PAYLOADS = {
    "back": Command.BACK,
    "skip": Command.SKIP,
    "pause": Command.PAUSE,
    "why": Command.WHY,
    DONT_KNOW_PAYLOAD: Command.DONT_KNOW,
    KEEP_PAYLOAD: Command.SAME,
}


@dataclass(frozen=True)
class Turn:
    state: ResponseState
    saved: tuple[Answer, ...] = ()
    replies: tuple[Reply, ...] = ()
    submitted: bool = False  # the submitted answers changed: refresh the team's results


class Conversation(Prompts):
    def __init__(self, sequence: QuestionSequence, localizers: Mapping[str, Localizer]) -> None:
        super().__init__(sequence, localizers)
        self.commands = CommandWords(self.localizers.values())
        self.parser = AnswerParser(self.questionnaire, self.localizers)

    # ------------------------------------------------------------------ entry points

    def new_state(self, locale: str) -> ResponseState:
        return ResponseState(locale=locale, position=self.sequence.questions[0].id)

    def welcome(self, state: ResponseState) -> Turn:
        return Turn(state, replies=(Notice(self._welcome_text(state)), *self.current(state)))

    def resume(self, state: ResponseState) -> Turn:
        return Turn(state, replies=self.current(state))

    def handle_text(self, state: ResponseState, text: str) -> Turn:
        loc = self._loc(state)
        if not state.snapshot_open:
            return self._closed(state)
        # Control characters (NUL above all, which PostgreSQL refuses in text) never reach storage.
        stripped = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t").strip()
        if not stripped:
            return self._invalid(state, loc._("Your message was empty."))
        if len(stripped) > MAX_INPUT_CHARS:
            return self._invalid(
                state,
                loc._(
                    "That message is too long ({count} characters).",
                    count=loc.number(len(stripped)),
                ),
            )
        command = self.commands.parse(stripped)
        if state.note_for is not None:
            return self._note_input(state, state.note_for, command, stripped)
        # In a free-text answer, "Change management" or "Dil sorunu" are words, not commands:
        # there only a bare command word counts.
        at_text = state.position != REVIEW and (
            self.sequence.by_id(state.position).kind is QuestionKind.TEXT
        )
        if command is not None and not (at_text and command.argument is not None):
            return self._command(state, command)
        if state.position == REVIEW:
            return self._invalid(state, self._review_help(loc, state))
        question = self.sequence.by_id(state.position)
        try:
            answer = self.parser.parse(loc, question, stripped)
        except InvalidInput as exc:
            return self._invalid(state, str(exc))
        return self._record(state, answer)

    def handle_button(self, state: ResponseState, payload: str) -> Turn:
        loc = self._loc(state)
        if not state.snapshot_open:
            return self._closed(state)
        parts = payload.split(":")
        if parts[0] == "n" and len(parts) == 3 and parts[2] == "skip":
            if parts[1] != state.note_for:
                return self._stale(state)
            return self._end_note(state)
        if state.note_for is not None and parts[0] in ("q", "r"):
            return self._stale(state)
        if parts[0] == "r" and len(parts) >= 2:
            if state.position != REVIEW:
                return self._stale(state)
            if parts[1] == "submit":
                return self._command(state, ParsedCommand(Command.SUBMIT))
            if parts[1] == "change" and len(parts) == 3:
                return self._command(state, ParsedCommand(Command.CHANGE, parts[2]))
        elif parts[0] == "q" and len(parts) == 3 and parts[1] in self.sequence:
            if parts[1] != state.position:
                return self._stale(state)
            question = self.sequence.by_id(parts[1])
            control = _CONTROL_PAYLOADS.get(parts[2])
            if control is not None:
                return self._command(state, ParsedCommand(control))
            answer = self.parser.option_answer(question, parts[2])
            if answer is not None:
                return self._record(state, answer)
        return self._invalid(state, loc._("That button is not one I know."))

    # ------------------------------------------------------------------ transitions

    def _command(self, state: ResponseState, parsed: ParsedCommand) -> Turn:
        loc = self._loc(state)
        command = parsed.command
        at_review = state.position == REVIEW
        if command is Command.CONTINUE:
            return self.resume(state)
        if command is Command.PAUSE:
            return Turn(state, replies=(Paused(self._paused_text(loc)),))
        if command is Command.LANGUAGE:
            return self._change_language(state, parsed.argument)
        if command is Command.CHANGE:
            return self._change(state, parsed.argument)
        if command is Command.SUBMIT:
            if not at_review:
                return self._invalid(
                    state,
                    loc._("You can submit at the review step, after the last question."),
                )
            return self._submit(state)
        if at_review:
            if command is Command.BACK and state.status is ResponseStatus.IN_PROGRESS:
                last = self.sequence.questions[-1]
                return self._move(state, last.id)
            return self._invalid(state, self._review_help(loc, state))
        question = self.sequence.by_id(state.position)
        if command is Command.BACK:
            previous = self.sequence.before(question.id)
            if previous is None:
                return self._invalid(state, loc._("This is the first question."))
            return self._move(replace(state, returning_to_review=False), previous.id)
        if command is Command.SKIP:
            if question.id in state.answers:  # skipping past an answer keeps it
                return self._move(
                    replace(state, returning_to_review=False),
                    self._next_position(state, question.id, state.answers),
                )
            return self._record(state, Answer(question.id, AnswerState.SKIPPED))
        if command is Command.DONT_KNOW:
            return self._record(state, Answer(question.id, AnswerState.DONT_KNOW))
        if command is Command.SAME:
            last_time = state.previous_answer(question.id)
            if last_time is None:
                return self._invalid(state, loc._("There is no answer from last time to keep."))
            return self._record(state, Answer(question.id, last_time.state, last_time.value))
        return Turn(
            state,
            replies=(Notice(why_text(loc, self.questionnaire, question)), *self.current(state)),
        )

    def _record(self, state: ResponseState, answer: Answer) -> Turn:
        loc = self._loc(state)
        question = self.sequence.by_id(answer.question_id)
        answers = {**state.answers, answer.question_id: answer}
        given = state.answers.get(question.id)
        if given is not None and given.note and answer.same_as(given):
            # Giving the same answer again keeps the reason already given for it.
            answer = replace(answer, note=given.note)
            answers[question.id] = answer
        position = self._next_position(state, answer.question_id, answers)
        last_time = state.previous_answer(question.id)
        changed = (
            question.kind is QuestionKind.PRACTICE
            and last_time is not None
            and answer.state is not AnswerState.SKIPPED
            and not answer.same_as(last_time)
            and not answer.note
        )
        new_state = replace(
            state,
            answers=answers,
            position=position,
            returning_to_review=False,
            note_for=question.id if changed else None,
        )
        echo = AnswerEcho(
            question.id,
            self._progress(loc, question),
            self._question_text(loc, question),
            self.answer_label(loc, answer),
        )
        replies: list[Reply] = [echo]
        resubmitted = new_state.status is ResponseStatus.SUBMITTED
        if resubmitted:
            replies.append(
                Notice(
                    loc._("Saved. Your submitted answers now include this change."), Tone.SUCCESS
                )
            )
        replies += self.current(new_state)
        return Turn(new_state, saved=(answer,), replies=tuple(replies), submitted=resubmitted)

    def _submit(self, state: ResponseState) -> Turn:
        loc = self._loc(state)
        new_state = replace(state, status=ResponseStatus.SUBMITTED)
        text = loc._(
            "Thank you — your answers are in. You can still change them until the assessment "
            "closes: type {change} and the answer's number.",
            change=CommandWords.word(loc, Command.CHANGE),
        )
        return Turn(new_state, replies=(Submitted(text),), submitted=True)

    def _change(self, state: ResponseState, argument: str | None) -> Turn:
        loc = self._loc(state)
        number = _question_number(argument)
        question = self.sequence.at(number) if number is not None else None
        if question is None:
            return self._invalid(
                state,
                loc._(
                    "Type {change} and an answer number from 1 to {total}, for example {change} 5.",
                    change=CommandWords.word(loc, Command.CHANGE),
                    total=len(self.sequence),
                ),
            )
        back_to_review = state.position == REVIEW or state.returning_to_review
        return self._move(replace(state, returning_to_review=back_to_review), question.id)

    def _change_language(self, state: ResponseState, argument: str | None) -> Turn:
        locale = self.commands.language(argument)
        if locale is None or locale not in self.localizers:
            loc = self._loc(state)
            return self._invalid(
                state,
                loc._(
                    "I speak English (en) and Turkish (tr): type {language} en or {language} tr.",
                    language=CommandWords.word(loc, Command.LANGUAGE),
                ),
            )
        new_state = replace(state, locale=locale)
        loc = self._loc(new_state)
        notice = Notice(
            loc._("From now on I'll speak {language}.", language=loc._(LANGUAGE_LABELS[locale])),
            Tone.SUCCESS,
        )
        return Turn(new_state, replies=(notice, *self.current(new_state)))

    def _move(self, state: ResponseState, position: str) -> Turn:
        new_state = replace(state, position=position)
        return Turn(new_state, replies=self.current(new_state))

    def _next_position(
        self, state: ResponseState, after: str, answers: Mapping[str, Answer]
    ) -> str:
        if state.returning_to_review or state.status is ResponseStatus.SUBMITTED:
            return REVIEW
        return self._next_unanswered(after, answers)

    def _next_unanswered(self, after: str, answers: Mapping[str, Answer]) -> str:
        start = self.sequence.number_of(after)  # index of the question after ``after``
        ordered = self.sequence.questions[start:] + self.sequence.questions[:start]
        for question in ordered:
            if question.id not in answers:
                return question.id
        return REVIEW

    # ------------------------------------------------------------------ notes on changes

    def _note_input(
        self, state: ResponseState, question_id: str, command: ParsedCommand | None, text: str
    ) -> Turn:
        """Input while asked why an answer changed: a note, or a few commands that make sense."""
        loc = self._loc(state)
        bare = command.command if command is not None and command.argument is None else None
        if bare is Command.SKIP:
            return self._end_note(state)
        if bare is Command.BACK:
            return self._move(replace(state, note_for=None), question_id)
        if bare is Command.WHY:
            explanation = loc._(
                "The report lists these notes, without names, next to the scores that moved: "
                "they tell the team what actually changed."
            )
            return Turn(state, replies=(Notice(explanation), *self.current(state)))
        if command is not None and bare in (Command.PAUSE, Command.CONTINUE):
            return self._command(state, command)
        meant_for_next = self._answer_after_note(state, bare, text)
        if meant_for_next is not None:
            return meant_for_next
        if command is not None and command.command is Command.LANGUAGE:
            # "dil tr" switches language; "Dil sorunu" ("a language problem") is a note.
            if bare is not None or self.commands.language(command.argument) is not None:
                return self._command(state, command)
        elif command is not None and command.command is Command.CHANGE:
            if _question_number(command.argument) is not None:
                return self._change(replace(state, note_for=None), command.argument)
        elif bare is not None:  # "submit" before the review means nothing as a note
            return self._invalid(state, self.note_request(state, question_id).hint)
        if self.parser.looks_like_an_answer(text):
            # A "3" that answers nothing next (the review is next, or it is out of range there)
            # is still no note.
            return self._invalid(
                state,
                loc._(
                    "A note needs words. Type {skip} to go on without one.",
                    skip=CommandWords.word(loc, Command.SKIP),
                ),
            )
        if len(text) > MAX_NOTE_CHARS:
            return self._invalid(
                state,
                loc._(
                    "Please keep the note under {limit} characters; this one has {count}.",
                    limit=loc.number(MAX_NOTE_CHARS),
                    count=loc.number(len(text)),
                ),
            )
        noted = replace(state.answers[question_id], note=" ".join(text.split()))
        new_state = replace(state, answers={**state.answers, question_id: noted}, note_for=None)
        thanks = Notice(loc._("Noted — thank you."), Tone.SUCCESS)
        return Turn(new_state, saved=(noted,), replies=(thanks, *self.current(new_state)))

    def _answer_after_note(
        self, state: ResponseState, bare: Command | None, text: str
    ) -> Turn | None:
        """Input at the note prompt that answers what comes next ("4", "Repeatable", "don't
        know", "same"; "submit" when the review is next) goes on without a note and is taken
        as that answer: a script that pipes one answer per line, or a person who reads the
        next question's options rather than the note's, never gets stuck here. None: not
        such an answer."""
        after = replace(state, note_for=None)
        if after.position == REVIEW:
            return self._command(after, ParsedCommand(bare)) if bare is Command.SUBMIT else None
        question = self.sequence.by_id(after.position)
        if bare is Command.DONT_KNOW or (
            bare is Command.SAME and after.previous_answer(question.id) is not None
        ):
            return self._command(after, ParsedCommand(bare))
        if bare is not None or not self.parser.looks_like_an_answer(text):
            return None  # a sentence is the note, even when a free-text question comes next
        try:
            answer = self.parser.parse(self._loc(state), question, text)
        except InvalidInput:
            return None
        return self._record(after, answer)

    def _end_note(self, state: ResponseState) -> Turn:
        new_state = replace(state, note_for=None)
        return Turn(new_state, replies=self.current(new_state))

    # ------------------------------------------------------------------ refusals

    def _invalid(self, state: ResponseState, message: str) -> Turn:
        if state.position == REVIEW:
            # The review lists every answer; repeating it after each typo would bury the hint.
            help_text = self._review_help(self._loc(state), state)
            text = message if help_text in message else f"{message}\n{help_text}"
            return Turn(state, replies=(Notice(text, Tone.ERROR),))
        return Turn(state, replies=(Notice(message, Tone.ERROR), *self.current(state)))

    def _stale(self, state: ResponseState) -> Turn:
        loc = self._loc(state)
        notice = Notice(
            loc._("That button belongs to an earlier question. Here is where you are now."),
            Tone.ERROR,
        )
        return Turn(state, replies=(notice, *self.current(state)))

    def _closed(self, state: ResponseState) -> Turn:
        loc = self._loc(state)
        text = loc._("This assessment is closed, so answers can no longer be changed.")
        return Turn(state, replies=(Notice(text, Tone.ERROR),))


def _question_number(argument: str | None) -> int | None:
    """The number in "change 12": ASCII digits only ("²" is a digit to `isdigit`, not to int)."""
    if argument is None or not (argument.isascii() and argument.isdigit()):
        return None
    return int(argument)
