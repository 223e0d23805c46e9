"""Neutral replies, reports and checklists as Slack Block Kit: blocks plus the plain text Slack
shows in notifications and where blocks cannot be drawn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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

Block = dict[str, Any]

SECTION_CHARS = 3000  # Slack's limit for a section's text
BUTTON_CHARS = 75  # … and for a button's label
TEXT_CHARS = 3900  # the notification text stays well inside chat.postMessage's 40,000
MAX_BLOCKS = 50  # per message
ANSWER_ACTION = "answer"  # prefix of every questionnaire button's action id
PLAN_ACTION = "plan"  # prefix of every checklist tick's action id
COLUMN_GAP = re.compile(r" {2,}")
_TONE_MARKS = {Tone.ERROR: "⚠️ ", Tone.SUCCESS: "✅ ", Tone.INFO: ""}


@dataclass(frozen=True)
class SlackMessage:
    text: str
    blocks: list[Block] = field(default_factory=list)


def escape(text: str) -> str:
    """Text shown as mrkdwn: Slack reads &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SECTION_CHARS)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, SECTION_CHARS)}]}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(label, BUTTON_CHARS), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(elements: list[Block], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


def pin(response_id: int | None, payload: str) -> str:
    """A questionnaire button's value: the engine's payload bound to its response, so that a
    button of another team's or an earlier snapshot's questionnaire is recognised as stale."""
    return payload if response_id is None else f"{response_id}/{payload}"


def unpin(value: str) -> tuple[int | None, str]:
    head, slash, payload = value.partition("/")
    response_id = parse_id(head) if slash else None
    if response_id is not None:
        return response_id, payload
    return None, value


def _button_rows(rows: list[list[Button]], response_id: int | None) -> list[Block]:
    """Each row an actions block; action ids unique across the message, as Slack requires."""
    blocks, count = [], 0
    for row in rows:
        if not row:
            continue
        elements = []
        for item in row:
            elements.append(
                button(item.label, f"{ANSWER_ACTION}-{count}", pin(response_id, item.payload))
            )
            count += 1
        blocks.append(actions(elements))
    return blocks


def render(reply: Reply, response_id: int | None = None) -> SlackMessage:
    """The reply as a message; its buttons bound to ``response_id`` when given."""
    if isinstance(reply, QuestionReply):
        blocks = [context(escape(reply.progress)), section(f"*{escape(reply.text)}*")]
        notes = [escape(note) for note in (reply.current, reply.previous) if note]
        if notes:
            blocks.append(context("\n".join(notes)))
        scale = [b for b in reply.options if b.number != "0"]
        rest = [b for b in reply.options if b.number == "0"]
        keep = [reply.keep] if reply.keep else []
        # Skip leads the controls: on a question without options (a number, a free text) it
        # is the first button, the one that moves on, rather than Back.
        controls = sorted(reply.controls, key=lambda b: not b.payload.endswith(":skip"))
        blocks += _button_rows([keep, scale, rest, controls], response_id)
        blocks.append(context(escape(reply.hint)))
        return SlackMessage(_cut(f"{reply.progress}\n{reply.text}", TEXT_CHARS), blocks)
    if isinstance(reply, NoteRequest):
        blocks = [section(escape(reply.text)), context(escape(reply.hint))]
        blocks += _button_rows([list(reply.buttons)], response_id)
        return SlackMessage(_cut(reply.text, TEXT_CHARS), blocks)
    if isinstance(reply, AnswerEcho):
        return SlackMessage(
            _cut(f"{reply.text}\n✔️ {reply.answer}", TEXT_CHARS),
            [
                context(escape(reply.progress)),
                section(f"{escape(reply.text)}\n✔️ *{escape(reply.answer)}*"),
            ],
        )
    if isinstance(reply, Notice):
        text = _TONE_MARKS[reply.tone] + reply.text
        return SlackMessage(_cut(text, TEXT_CHARS), [section(escape(text))])
    if isinstance(reply, ReviewReply):
        lines = [
            f"{line.number}. {escape(line.text)} → *{escape(line.answer)}*" for line in reply.lines
        ]
        blocks = [section(f"*{escape(reply.title)}*")]
        blocks += [section(chunk) for chunk in _chunks(lines, SECTION_CHARS)]
        blocks.append(context(escape(reply.hint)))
        blocks += _button_rows([list(reply.buttons)], response_id)
        return SlackMessage(_cut(reply.title, TEXT_CHARS), blocks[-MAX_BLOCKS:])
    if isinstance(reply, Submitted | Paused):
        return SlackMessage(_cut(reply.text, TEXT_CHARS), [section(escape(reply.text))])
    raise TypeError(f"cannot render {type(reply).__name__}")


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Lines joined into texts of at most ``limit`` characters each."""
    chunks: list[str] = []
    current = ""
    for whole in lines:
        line = _cut(whole, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


# ---------------------------------------------------------------------- reports


def headline(view: ReportView) -> SlackMessage:
    """The report's parent message: level and overall score (the details go in its thread)."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(view.title, 150)}},
        context(escape(view.subtitle)),
    ]
    if view.empty_note:
        blocks += [section(escape(view.responses_line)), section(escape(view.empty_note))]
        return SlackMessage(_cut(f"{view.title}\n{view.empty_note}", TEXT_CHARS), blocks)
    lines = [f"*{escape(view.level_line)}*", escape(view.level_summary)]
    if view.level_change:
        lines.append(escape(view.level_change))
    blocks += [
        section("\n".join(lines)),
        section(f"{escape(view.overall_line)}\n{escape(view.responses_line)}"),
    ]
    text = "\n".join([view.title, view.level_line, view.overall_line])
    return SlackMessage(_cut(text, TEXT_CHARS), blocks)


def report_details(view: ReportView, *, with_plan: bool = False) -> list[SlackMessage]:
    """The report's sections (scores, blockers, gaps …), each as blocks, in as few messages
    as Slack's 50 blocks allow."""
    blocks: list[Block] = []
    for part in view.sections:
        if part.kind == SectionKind.PLAN and not with_plan:
            continue
        blocks.append(section(f"*{escape(part.heading)}*"))
        # Columns padded for fixed-width text read as one run of words in Slack's font.
        lines = [f"• {escape(COLUMN_GAP.sub(' · ', line.strip()))}" for line in part.lines]
        blocks += [section(chunk) for chunk in _chunks(lines, SECTION_CHARS)]
    return [
        SlackMessage(_cut(view.title, TEXT_CHARS), blocks[start : start + MAX_BLOCKS])
        for start in range(0, len(blocks), MAX_BLOCKS)
    ]


def report_blocks(view: ReportView) -> SlackMessage:
    """The whole report in one message (for the person who asked), cut to Slack's limits."""
    top = headline(view)
    rest = [block for message in report_details(view, with_plan=True) for block in message.blocks]
    return SlackMessage(top.text, [*top.blocks, {"type": "divider"}, *rest][:MAX_BLOCKS])


# ---------------------------------------------------------------------- checklist


def plan_action(snapshot_id: int, number: int) -> str:
    return f"{PLAN_ACTION}:{snapshot_id}:{number}"


def parse_plan_action(action_id: str) -> tuple[int, int] | None:
    """(snapshot id, item number) of a checklist tick's action id."""
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != PLAN_ACTION:
        return None
    snapshot_id, number = parse_id(parts[1]), parse_id(parts[2])
    if snapshot_id is None or number is None:
        return None
    return snapshot_id, number


def checklist(plan: TeamPlan, loc: Localizer, questionnaire: Questionnaire) -> SlackMessage:
    """The action plan, one item per section with a checkbox beside it; who ticked an item and
    when shows under it. Ticking re-renders the message for everyone."""
    heading = plan.heading(loc)
    if not plan.items or plan.snapshot_id is None:
        return SlackMessage(heading, [section(escape(heading))])
    blocks: list[Block] = [section(f"📋 *{escape(heading)}*")]
    done_label = loc._("Done")
    for item in plan.items:
        row = plan_row(loc, questionnaire, item)
        option = {"text": {"type": "plain_text", "text": done_label}, "value": "done"}
        checkbox: Block = {
            "type": "checkboxes",
            "action_id": plan_action(plan.snapshot_id, row.number),
            "options": [option],
        }
        if row.done:
            checkbox["initial_options"] = [option]
        text = f"{'~' if row.done else ''}{row.number}. {escape(row.text)}{'~' if row.done else ''}"
        block = section(text)
        block["accessory"] = checkbox
        blocks.append(block)
        if row.details:  # owner, due date, and who ticked it when
            blocks.append(context(escape(row.details)))
    return SlackMessage(heading, blocks[:MAX_BLOCKS])
