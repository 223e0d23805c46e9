"""What a person's conversation shows: the welcome, each question with its buttons and hints,
the review, the request for a note on a changed answer, and answers as labels. No transitions:
``conversations.engine.Conversation`` builds on this to work out each turn."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from conversations.answer_parsing import number_example
from conversations.commands import Command, CommandWords
from conversations.i18n import Localizer
from conversations.questionnaire import NumberQuestion, RoleQuestion
from conversations.questions import Question, QuestionKind, QuestionSequence
from conversations.replies import (
    Button,
    NoteRequest,
    QuestionReply,
    Reply,
    ReviewLine,
    ReviewReply,
)
from conversations.state import REVIEW, Answer, AnswerState, ResponseState, ResponseStatus

DONT_KNOW_PAYLOAD = "dk"
KEEP_PAYLOAD = "keep"


class Prompts:
    def __init__(self, sequence: QuestionSequence, localizers: Mapping[str, Localizer]) -> None:
        self.sequence = sequence
        self.questionnaire = sequence.questionnaire
        self.localizers = dict(localizers)
        self._question_cache: dict[tuple[str, str], QuestionReply] = {}

    # ------------------------------------------------------------------ rendering

    def _welcome_text(self, state: ResponseState) -> str:
        loc = self._loc(state)
        intro = loc._(
            "This is the {title}: {count} short questions about how your team "
            "serves its customers. It takes about 10 minutes; your answers are saved as you go.",
            title=loc._(self.questionnaire.title),
            count=len(self.sequence),
        )
        words = {c: CommandWords.word(loc, c) for c in Command}
        if state.previous:
            intro = loc._(
                "Welcome back to the {title}: {count} questions, each showing your answer from "
                "last time. Type {same} (or press Keep) to confirm one, or give a new answer.",
                title=loc._(self.questionnaire.title),
                count=len(self.sequence),
                same=words[Command.SAME],
            )
        controls = loc._(
            "You can type {back}, {skip}, {why} or {pause} at any question, "
            "and {language} en|tr to switch language.",
            back=words[Command.BACK],
            skip=words[Command.SKIP],
            why=words[Command.WHY],
            pause=words[Command.PAUSE],
            language=words[Command.LANGUAGE],
        )
        return intro + "\n" + controls

    def current(self, state: ResponseState) -> tuple[Reply, ...]:
        if state.note_for is not None:
            return (self.note_request(state, state.note_for),)
        if state.position == REVIEW:
            return (self.review(state),)
        return (self.question_reply(state, self.sequence.by_id(state.position)),)

    def question_reply(self, state: ResponseState, question: Question) -> QuestionReply:
        loc = self._loc(state)
        reply = self._blank_question(loc.locale, question.id)
        given = state.answers.get(question.id)
        if given is not None:
            current = loc._("Your answer: {answer}", answer=self.answer_label(loc, given))
            reply = replace(reply, current=current)
        last_time = state.previous_answer(question.id)
        if last_time is not None:
            label = self.answer_label(loc, last_time)
            same = CommandWords.word(loc, Command.SAME)
            reply = replace(
                reply,
                previous=loc._("Last time: {answer}", answer=label),
                keep=Button(
                    loc._("Keep: {answer}", answer=label), f"q:{question.id}:{KEEP_PAYLOAD}", same
                ),
                hint=loc._("Type {same} to keep last time's answer.", same=same)
                + "\n"
                + reply.hint,
            )
        return reply

    def note_request(self, state: ResponseState, question_id: str) -> NoteRequest:
        loc = self._loc(state)
        question = self.sequence.by_id(question_id)
        before, after = state.previous.get(question_id), state.answers.get(question_id)
        text = loc._(
            "{progress}: you answered {after}; last time it was {before}. What changed? "
            "A line or two helps the team read the report.",
            progress=self._progress(loc, question),
            after=self.answer_label(loc, after),
            before=self.answer_label(loc, before),
        )
        skip = CommandWords.word(loc, Command.SKIP)
        hint = loc._("Write a short note, or type {skip} to go on without one.", skip=skip)
        return NoteRequest(
            question_id, text, hint, (Button(loc._("No note"), f"n:{question_id}:skip", skip),)
        )

    def _blank_question(self, locale: str, question_id: str) -> QuestionReply:
        """A question as asked before any answer: the same every time for a locale, so built
        once (it sits on the answering hot path)."""
        key = (locale, question_id)
        if key not in self._question_cache:
            loc = self.localizers[locale]
            self._question_cache[key] = self._build_question(loc, self.sequence.by_id(question_id))
        return self._question_cache[key]

    def _build_question(self, loc: Localizer, question: Question) -> QuestionReply:
        qid = question.id
        words = {c: CommandWords.word(loc, c) for c in Command}
        options: list[Button] = []
        if question.kind is QuestionKind.PRACTICE:
            for point in self.questionnaire.scale:
                options.append(
                    Button(loc._(point.label), f"q:{qid}:{point.value}", str(point.value + 1))
                )
            options.append(
                Button(
                    loc._(self.questionnaire.dont_know.label), f"q:{qid}:{DONT_KNOW_PAYLOAD}", "0"
                )
            )
            hint = loc._(
                "Type 1–4, or 0 if you don't know. Also: {back}, {skip}, {why}, {pause}.",
                back=words[Command.BACK],
                skip=words[Command.SKIP],
                why=words[Command.WHY],
                pause=words[Command.PAUSE],
            )
        elif isinstance(question.source, RoleQuestion):
            for index, option in enumerate(question.source.options, start=1):
                options.append(Button(loc._(option.label), f"q:{qid}:{option.id}", str(index)))
            hint = loc._(
                "Type 1–{last}. Also: {skip}, {pause}.",
                last=len(options),
                skip=words[Command.SKIP],
                pause=words[Command.PAUSE],
            )
        elif isinstance(question.source, NumberQuestion):
            hint = loc._(
                "Type a number from {low} to {high}, like {example} — "
                "or {skip} if you don't have it.",
                low=loc.number(question.source.min),
                high=loc.number(question.source.max),
                example=number_example(loc, question.source),
                skip=words[Command.SKIP],
            )
        else:
            hint = loc._(
                "Write a short answer — or {skip}.",
                skip=words[Command.SKIP],
            )
        controls = [Button(loc._("Back"), f"q:{qid}:back"), Button(loc._("Skip"), f"q:{qid}:skip")]
        if question.kind is QuestionKind.PRACTICE:
            controls.append(Button(loc._("Why?"), f"q:{qid}:why"))
        controls.append(Button(loc._("Pause"), f"q:{qid}:pause"))
        if self.sequence.number_of(qid) == 1:
            controls.pop(0)
        return QuestionReply(
            question_id=qid,
            progress=self._progress(loc, question),
            text=self._question_text(loc, question),
            hint=hint,
            options=tuple(options),
            controls=tuple(controls),
        )

    def review(self, state: ResponseState) -> ReviewReply:
        loc = self._loc(state)
        lines = []
        for number, question in enumerate(self.sequence.questions, start=1):
            answer = state.answers.get(question.id)
            label = self.answer_label(loc, answer)
            last_time = state.previous_answer(question.id)
            if answer is not None and last_time is not None and not answer.same_as(last_time):
                label = loc._(
                    "{answer} (last time: {previous})",
                    answer=label,
                    previous=self.answer_label(loc, last_time),
                )
            lines.append(
                ReviewLine(
                    number=number,
                    section=loc._(question.section),
                    text=loc._(question.text),
                    answer=label,
                )
            )
        if state.status is ResponseStatus.SUBMITTED:
            title = loc._("Your submitted answers")
            buttons: tuple[Button, ...] = ()
        else:
            title = loc._("Review your answers before you submit them")
            buttons = (Button(loc._("Submit"), "r:submit"),)
        return ReviewReply(title, tuple(lines), self._review_help(loc, state), buttons)

    def answer_label(self, loc: Localizer, answer: Answer | None) -> str:
        if answer is None:
            return loc._("not answered")
        if answer.state is AnswerState.SKIPPED:
            return loc._("skipped")
        if answer.state is AnswerState.DONT_KNOW:
            return loc._(self.questionnaire.dont_know.label)
        question = self.sequence.by_id(answer.question_id)
        source = question.source
        if question.kind is QuestionKind.PRACTICE and isinstance(answer.value, int):
            return loc._(self.questionnaire.scale[answer.value].label)
        if isinstance(source, RoleQuestion):
            labels = {o.id: o.label for o in source.options}
            return loc._(labels.get(str(answer.value), str(answer.value)))
        if isinstance(source, NumberQuestion) and isinstance(answer.value, int | float):
            if source.percent:
                return loc.percent(answer.value / 100)
            return f"{loc.number(answer.value)} {loc._(source.unit)}"
        text = str(answer.value)
        return text if len(text) <= 80 else text[:79] + "…"

    # ------------------------------------------------------------------ messages

    def _loc(self, state: ResponseState) -> Localizer:
        return self.localizers.get(state.locale) or next(iter(self.localizers.values()))

    def _progress(self, loc: Localizer, question: Question) -> str:
        number, total = self.sequence.number_of(question.id), len(self.sequence)
        return f"{number}/{total} · {loc._(question.section)}"

    def _question_text(self, loc: Localizer, question: Question) -> str:
        text = loc._(question.text)
        source = question.source
        if isinstance(source, NumberQuestion) and not source.percent:
            text += f" ({loc._(source.unit)})"
        return text

    def _review_help(self, loc: Localizer, state: ResponseState | None = None) -> str:
        change = CommandWords.word(loc, Command.CHANGE)
        if state is not None and state.status is ResponseStatus.SUBMITTED:
            return loc._(
                "To change an answer, type {change} and its number, for example {change} 5.",
                change=change,
            )
        return loc._(
            "Type {submit} to send your answers, or {change} and a number to edit one, "
            "for example {change} 5.",
            submit=CommandWords.word(loc, Command.SUBMIT),
            change=change,
        )

    def _paused_text(self, loc: Localizer) -> str:
        # Says nothing of how to come back: each channel adds its own way (a message, a command).
        return loc._("Paused. Everything you answered so far is saved.")
