"""Neutral replies as Telegram messages: text plus an inline keyboard of short callback data."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.payload_ids import parse_id
from bot.service_types import TeamPlan
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
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
from conversations.report_lines import plan_row
from conversations.report_view import ReportView, SectionKind

MAX_MESSAGE_CHARS = 4096  # Telegram refuses longer texts
PLAN_BUTTONS_PER_ROW = 5
_TONE_MARKS = {Tone.ERROR: "⚠️ ", Tone.SUCCESS: "✅ ", Tone.INFO: ""}


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def _keyboard(rows: list[list[Button]], tag: str = "") -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=tag + b.payload) for b in row]
            for row in rows
        ]
    )


def pin(response_id: int | None) -> str:
    """The prefix binding a questionnaire button to its response: pressed once the person has
    moved to another team's or snapshot's response, it is recognised as stale, even when both
    sit at the same question."""
    return "" if response_id is None else f"{response_id}/"


def unpin(data: str) -> tuple[int | None, str]:
    """(response id or None, the engine's payload) of a questionnaire button's data."""
    head, slash, payload = data.partition("/")
    response_id = parse_id(head) if slash else None
    if response_id is not None:
        return response_id, payload
    return None, data


def fit(text: str) -> str:
    """The text cut to what one message may hold."""
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def render(reply: Reply, response_id: int | None = None) -> OutgoingMessage:
    """The reply as a message; its buttons pinned to ``response_id`` when given."""
    tag = pin(response_id)
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
        return OutgoingMessage(fit("\n".join(lines)), _keyboard(rows, tag))
    if isinstance(reply, NoteRequest):
        return OutgoingMessage(
            fit(f"{reply.text}\n\n{reply.hint}"), _keyboard([list(reply.buttons)], tag)
        )
    if isinstance(reply, AnswerEcho):
        return OutgoingMessage(fit(f"{reply.progress}\n\n{reply.text}\n\n✔️ {reply.answer}"))
    if isinstance(reply, Notice):
        return OutgoingMessage(fit(_TONE_MARKS[reply.tone] + reply.text))
    if isinstance(reply, ReviewReply):
        lines = [reply.title, ""]
        # Shortened statements keep all 35 answers inside one message.
        lines += [
            f"{line.number}. {textwrap.shorten(line.text, 48, placeholder='…')} → {line.answer}"
            for line in reply.lines
        ]
        lines += ["", reply.hint]
        return OutgoingMessage(fit("\n".join(lines)), _keyboard([list(reply.buttons)], tag))
    if isinstance(reply, Submitted | Paused):
        return OutgoingMessage(fit(reply.text))
    raise TypeError(f"cannot render {type(reply).__name__}")


def report_text(view: ReportView, *, with_plan: bool = True) -> str:
    """The report as one plain message: headline figures, then each section (the plan too,
    unless it goes out as its own checklist)."""
    lines = [view.title, view.subtitle, ""]
    if view.empty_note:
        lines += [view.responses_line, "", view.empty_note]
    else:
        lines += [view.level_line, view.level_summary, view.overall_line, view.responses_line]
    for section in view.sections:
        if section.kind == SectionKind.PLAN and not with_plan:
            continue
        lines += ["", section.heading, *(f"• {line}" for line in section.lines)]
    return fit("\n".join(lines))


def plan_callback(snapshot_id: int, number: int, done: bool) -> str:
    """A checklist button: the state it sets, not a toggle, so a double tap is harmless."""
    return f"p:{snapshot_id}:{number}:{int(done)}"


def plan_text(plan: TeamPlan, loc: Localizer, questionnaire: Questionnaire) -> OutgoingMessage:
    """The action plan as a checklist whose number buttons tick items on and off."""
    heading = plan.heading(loc)
    if not plan.items or plan.snapshot_id is None:
        return OutgoingMessage(heading)
    lines = [f"📋 {heading}", ""]
    buttons = []
    for item in plan.items:
        row = plan_row(loc, questionnaire, item)
        lines.append(f"{'☑' if row.done else '☐'} {row.number}. {row.text}")
        if row.details:
            lines.append(f"      {row.details}")
        mark = "✅" if row.done else "⬜"
        buttons.append(
            Button(
                f"{mark} {row.number}", plan_callback(plan.snapshot_id, row.number, not row.done)
            )
        )
    lines += ["", loc._("Tap a number to tick that item off, or to open it again.")]
    rows = [
        buttons[start : start + PLAN_BUTTONS_PER_ROW]
        for start in range(0, len(buttons), PLAN_BUTTONS_PER_ROW)
    ]
    return OutgoingMessage(fit("\n".join(lines)), _keyboard(rows))
