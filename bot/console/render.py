"""Terminal rendering of neutral replies and reports: numbered options, progress, colours."""

from __future__ import annotations

import textwrap

import click

from conversations.replies import (
    AnswerEcho,
    NoteRequest,
    Notice,
    Paused,
    QuestionReply,
    Reply,
    ReviewReply,
    Submitted,
    Tone,
)
from conversations.report_view import ReportView

WIDTH = 88
_TONE_COLOURS = {Tone.ERROR: "red", Tone.SUCCESS: "green", Tone.INFO: None}
_LEVEL_COLOURS = {1: "red", 2: "yellow", 3: "cyan", 4: "green"}


def _wrap(text: str, indent: str = "") -> str:
    return "\n".join(
        textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent) or indent
        for line in text.splitlines()
    )


def render_reply(reply: Reply) -> str:
    if isinstance(reply, QuestionReply):
        lines = ["", click.style(f"[{reply.progress}]", fg="blue", bold=True), _wrap(reply.text)]
        for option in reply.options:
            lines.append(f"  {click.style(option.number or '', bold=True):>2}  {option.label}")
        if reply.current:
            lines.append(click.style(reply.current, fg="magenta"))
        if reply.previous:
            lines.append(click.style(reply.previous, fg="cyan"))
        lines.append(click.style(_wrap(reply.hint), dim=True))
        return "\n".join(lines)
    if isinstance(reply, NoteRequest):
        return "\n".join(["", _wrap(reply.text), click.style(_wrap(reply.hint), dim=True)])
    if isinstance(reply, AnswerEcho):
        return click.style(f"  ✓ {reply.answer}", fg="green")
    if isinstance(reply, Notice):
        prefix = "! " if reply.tone is Tone.ERROR else ""
        return click.style(_wrap(prefix + reply.text), fg=_TONE_COLOURS[reply.tone])
    if isinstance(reply, ReviewReply):
        lines = ["", click.style(reply.title, bold=True)]
        for line in reply.lines:
            statement = textwrap.shorten(line.text, 60, placeholder="…")
            lines.append(
                f"{line.number:>3}. {statement} " + click.style(f"→ {line.answer}", fg="magenta")
            )
        lines.append(click.style(_wrap(reply.hint), bold=True))
        return "\n".join(lines)
    if isinstance(reply, Submitted | Paused):
        return click.style(_wrap(reply.text), fg="green")
    raise TypeError(f"cannot render {type(reply).__name__}")


def render_report(view: ReportView) -> str:
    rule = "─" * min(WIDTH, 60)
    lines = [rule, click.style(view.title, bold=True), view.subtitle, rule]
    if view.empty_note:
        lines += [view.responses_line, "", _wrap(view.empty_note)]
    else:
        lines += [
            click.style(view.level_line, fg=_LEVEL_COLOURS[view.level], bold=True),
            _wrap(view.level_summary),
            click.style(view.overall_line, bold=True),
            view.responses_line,
        ]
    for section in view.sections:
        lines += ["", click.style(section.heading, bold=True, underline=True)]
        lines += [_wrap(line, "  ") for line in section.lines]
    lines.append(rule)
    return "\n".join(lines)
