"""The terminal channel: one person answering in a terminal, or from a file/pipe of lines.

Lines are read on the main thread between units of work (run on an ``asyncio.Runner``), so
Ctrl-C and Ctrl-D stop cleanly at any point: everything already confirmed stays saved, and the
person is told how to go on. A unit of work in flight is atomic: it is stored whole or not at
all (an answer whose confirmation never appeared may still have been stored).
"""

from __future__ import annotations

import asyncio
import io
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from bot.assessments import Assessments
from bot.console.render import render_reply, render_report
from bot.service_types import Participant
from conversations.i18n import N_
from conversations.replies import Paused, Submitted
from conversations.state import ResponseStatus

PLATFORM = "console"
PROMPT = "› "


def _program() -> str:
    """How to call `csmm` again: by name when it is on PATH, else by the path it lives at."""
    if shutil.which("csmm"):
        return "csmm"
    installed = Path(sys.executable).parent / "csmm"
    return shlex.quote(os.path.relpath(installed)) if installed.exists() else "csmm"


def environment_locale() -> str | None:
    """The terminal's language (LC_ALL, LC_MESSAGES, LANG), when it names one."""
    return os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")


def participant(team: str, user: str) -> Participant:
    return Participant(PLATFORM, team, team, user, user)


def _tolerant(stream: TextIO) -> TextIO:
    """Bytes that are not valid in the stream's encoding become U+FFFD instead of a crash."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")
    return stream


def _read_line(stream: TextIO, interactive: bool) -> str | None:
    """The next line, or None at end of input (Ctrl-D, end of the pipe)."""
    if interactive:
        try:
            return input(PROMPT)
        except EOFError:
            return None
    line = stream.readline()
    return line.rstrip("\r\n") if line else None


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "�" for ch in text)


def run_console(
    runner: asyncio.Runner,
    assessments: Assessments,
    team: str,
    user: str,
    locale: str | None,
    *,
    stdin: TextIO = sys.stdin,
    echo: Callable[[str], None] = click.echo,
) -> int:
    stdin = _tolerant(stdin if stdin is not None else io.StringIO())  # closed stdin: no input
    interactive = stdin.isatty()
    try:
        opened = runner.run(assessments.open(participant(team, user), locale, environment_locale()))
    except KeyboardInterrupt:
        return 0  # stopped before anything was asked: nothing to save, nothing to say
    response_id = opened.response_id
    state = opened.turn.state
    for reply in opened.turn.replies:
        echo(render_reply(reply))
    resume_command = f"{_program()} console --team {shlex.quote(team)} --user {shlex.quote(user)}"

    def resume_hint(text: str) -> None:
        loc = assessments.localizer(state.locale)
        echo("")
        echo(loc._(text, command=resume_command))

    while True:
        try:
            line = _read_line(stdin, interactive)
            if line is None:
                break
            if not interactive:
                echo(click.style(PROMPT + _printable(line), dim=True))
            turn = runner.run(assessments.handle_text(response_id, line))
        except KeyboardInterrupt:
            break
        state = turn.state
        for reply in turn.replies:
            echo(render_reply(reply))
        if any(isinstance(r, Submitted) for r in turn.replies):
            try:
                found = runner.run(assessments.find_team(team))
                echo(render_report(runner.run(assessments.report(found, state.locale)).view))
            except KeyboardInterrupt:
                return 0  # submitted already; `csmm report` shows the report any time
            if interactive:
                return 0
        if any(isinstance(r, Paused) for r in turn.replies):
            resume_hint(N_("To continue later, run: {command}"))
            return 0
    if state.status is not ResponseStatus.SUBMITTED:
        resume_hint(N_("Your answers so far are saved. To continue, run: {command}"))
    return 0
