"""The terminal channel: one person answering in a terminal, or from a file/pipe of lines."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from bot.assessments import Assessments, Participant
from bot.console.render import render_reply, render_report
from conversations.replies import Paused, Reply, Submitted
from conversations.state import ResponseStatus

PLATFORM = "console"
PROMPT = "› "


def _program() -> str:
    """How to call `csmm` again: by name when it is on PATH, else by the path it lives at."""
    if shutil.which("csmm"):
        return "csmm"
    installed = Path(sys.executable).parent / "csmm"
    return shlex.quote(os.path.relpath(installed)) if installed.exists() else "csmm"


def participant(team: str, user: str) -> Participant:
    return Participant(PLATFORM, team, team, user, user)


async def _read_line(stream: TextIO, interactive: bool) -> str | None:
    """The next line, or None at end of input (Ctrl-D, end of the pipe)."""
    if interactive:
        try:
            return await asyncio.to_thread(input, PROMPT)
        except EOFError:
            return None
    line = await asyncio.to_thread(stream.readline)
    return line.rstrip("\r\n") if line else None


async def run_console(
    assessments: Assessments,
    team: str,
    user: str,
    locale: str | None,
    *,
    stdin: TextIO = sys.stdin,
    echo: Callable[[str], None] = click.echo,
) -> int:
    interactive = stdin.isatty()
    opened = await assessments.open(participant(team, user), locale)
    response_id = opened.response_id
    state = opened.turn.state
    for reply in opened.turn.replies:
        echo(render_reply(reply))

    resume_command = f"{_program()} console --team {shlex.quote(team)} --user {shlex.quote(user)}"

    async def show_report() -> None:
        found = await assessments.find_team(team)
        report = await assessments.report(found, state.locale)
        echo(render_report(report.view))

    while True:
        try:
            line = await _read_line(stdin, interactive)
        except KeyboardInterrupt:
            line = None
        if line is None:
            if state.status is not ResponseStatus.SUBMITTED:
                loc = assessments.localizer(state.locale)
                echo("")
                echo(
                    loc._(
                        "Your answers so far are saved. To continue, run: {command}",
                        command=resume_command,
                    )
                )
            return 0
        if not interactive:
            echo(click.style(PROMPT + line, dim=True))
        turn = await assessments.handle_text(response_id, line)
        state = turn.state
        replies: tuple[Reply, ...] = turn.replies
        for reply in replies:
            echo(render_reply(reply))
        if any(isinstance(r, Submitted) for r in replies):
            await show_report()
            if interactive:
                return 0
        if any(isinstance(r, Paused) for r in replies):
            loc = assessments.localizer(state.locale)
            echo(loc._("To continue later, run: {command}", command=resume_command))
            return 0
