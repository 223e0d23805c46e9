"""Neutral reply types: what the engine says, with no platform markup.

Text is already localized. Each channel renders these its own way (terminal lines, Telegram
inline keyboards, Slack blocks). Button payloads are short (≤ 64 bytes, Telegram's limit) and
self-describing: ``q:<question id>:<action>``, ``n:<question id>:<action>`` (the note about a
changed answer) or ``r:<action>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tone(StrEnum):
    INFO = "info"
    ERROR = "error"
    SUCCESS = "success"


@dataclass(frozen=True)
class Button:
    label: str
    payload: str
    number: str | None = None  # what to type instead of pressing it ("3"), when it has one


@dataclass(frozen=True)
class QuestionReply:
    question_id: str
    progress: str  # "7/35 · Measurement & KPIs"
    text: str
    hint: str  # how to answer by typing
    options: tuple[Button, ...]
    controls: tuple[Button, ...]
    current: str | None = None  # the answer already given, when revisiting
    previous: str | None = None  # "Last time: Ad hoc", in a re-assessment
    keep: Button | None = None  # confirms last time's answer with one press


@dataclass(frozen=True)
class NoteRequest:
    """Asks, optionally, why an answer changed since the previous snapshot."""

    question_id: str
    text: str
    hint: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class AnswerEcho:
    """Confirms an answer; chat channels edit the question message into this text."""

    question_id: str
    progress: str
    text: str
    answer: str


@dataclass(frozen=True)
class Notice:
    text: str
    tone: Tone = Tone.INFO


@dataclass(frozen=True)
class ReviewLine:
    number: int
    section: str
    text: str
    answer: str


@dataclass(frozen=True)
class ReviewReply:
    title: str
    lines: tuple[ReviewLine, ...]
    hint: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Submitted:
    """The response was submitted (or re-submitted after changes); channels show the report."""

    text: str


@dataclass(frozen=True)
class Paused:
    text: str


Reply = QuestionReply | NoteRequest | AnswerEcho | Notice | ReviewReply | Submitted | Paused
