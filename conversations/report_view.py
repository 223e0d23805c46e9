"""What a team's report holds, channel-neutral: the data each channel lays out its own way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class SnapshotInfo:
    team: str
    number: int
    opened_on: dt.date
    questionnaire_version: str
    submitted: int
    in_progress: int
    closed: bool = False


@dataclass(frozen=True)
class ChangeNote:
    """A person's short "why" for a practice answer that differs from their previous
    snapshot's. The report shows it beside the team's change, never the person's own answers."""

    practice_id: str
    note: str


class SectionKind:
    """What a section holds, so a renderer can lay out each kind its own way."""

    SCORES = "scores"
    STRENGTHS = "strengths"
    CHANGE = "change"
    BLOCKERS = "blockers"
    GAPS = "gaps"
    NOTES = "notes"
    GROUPS = "groups"
    NUMBERS = "numbers"
    FREE_TEXT = "free_text"  # one section per free-text question
    PLAN = "plan"
    HISTORY = "history"


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]
    kind: str = ""


@dataclass(frozen=True)
class DimensionRow:
    dimension_id: str
    title: str
    score: float | None
    score_text: str  # "67", or "–" when nobody rated the dimension
    delta: int | None  # change of the rounded score since the previous snapshot
    delta_text: str  # "▲ +12", "▼ −5", "= 0"; empty without a previous snapshot


@dataclass(frozen=True)
class PlanRow:
    number: int
    done: bool
    text: str  # "Channels: Route every contact into one queue"
    details: str  # "owner: Ayşe; due 31 Dec 2026", or empty


@dataclass(frozen=True)
class ReportView:
    title: str
    subtitle: str
    level: int
    level_name: str
    level_line: str  # "Level 3 · Measured"
    level_summary: str
    overall_line: str
    responses_line: str
    sections: tuple[Section, ...]
    empty_note: str | None = None  # set when nobody has submitted yet: there are no scores
    dimensions: tuple[DimensionRow, ...] = ()
    plan: tuple[PlanRow, ...] = ()
    plan_heading: str = ""
    level_change: str | None = None  # "Level: Initial → Planned", from the second snapshot on
    date_text: str = ""  # the snapshot's date in the report's language

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)
