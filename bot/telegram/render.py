"""Neutral replies as Telegram messages: text plus an inline keyboard of short callback data."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from conversations.replies import (
    AnswerEcho,
    Button,
    NoteRequest,
    Notice,
    Paused,
    QuestionReply,
    Reply,
    ReviewReply,
    Submitted,
    Tone,
)
from conversations.report import ReportView

MAX_MESSAGE_CHARS = 4096  # Telegram refuses longer texts
_TONE_MARKS = {Tone.ERROR: "⚠️ ", Tone.SUCCESS: "✅ ", Tone.INFO: ""}


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def _keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in rows]
    )


def _fit(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def render(reply: Reply) -> OutgoingMessage:
    if isinstance(reply, QuestionReply):
        lines = [reply.progress, "", reply.text]
        if reply.current:
            lines += ["", reply.current]
        if reply.previous:
            lines += ["", reply.previous]
        scale = [b for b in reply.options if b.number != "0"]
        rest = [b for b in reply.options if b.number == "0"]
        rows = [
            [reply.keep] if reply.keep else [],
            scale[:2],
            scale[2:],
            rest,
            list(reply.controls),
        ]
        return OutgoingMessage(_fit("\n".join(lines)), _keyboard(rows))
    if isinstance(reply, NoteRequest):
        return OutgoingMessage(
            _fit(f"{reply.text}\n\n{reply.hint}"), _keyboard([list(reply.buttons)])
        )
    if isinstance(reply, AnswerEcho):
        return OutgoingMessage(_fit(f"{reply.progress}\n\n{reply.text}\n\n✔️ {reply.answer}"))
    if isinstance(reply, Notice):
        return OutgoingMessage(_fit(_TONE_MARKS[reply.tone] + reply.text))
    if isinstance(reply, ReviewReply):
        lines = [reply.title, ""]
        # Shortened statements keep all 35 answers inside one message.
        lines += [
            f"{line.number}. {textwrap.shorten(line.text, 48, placeholder='…')} → {line.answer}"
            for line in reply.lines
        ]
        lines += ["", reply.hint]
        return OutgoingMessage(_fit("\n".join(lines)), _keyboard([list(reply.buttons)]))
    if isinstance(reply, Submitted | Paused):
        return OutgoingMessage(_fit(reply.text))
    raise TypeError(f"cannot render {type(reply).__name__}")


def report_text(view: ReportView) -> str:
    """The report as one plain message: headline figures, then each section."""
    lines = [view.title, view.subtitle, ""]
    if view.empty_note:
        lines += [view.responses_line, "", view.empty_note]
    else:
        lines += [view.level_line, view.level_summary, view.overall_line, view.responses_line]
    for section in view.sections:
        lines += ["", section.heading, *(f"• {line}" for line in section.lines)]
    return _fit("\n".join(lines))
