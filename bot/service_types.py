"""What the assessment service hands the channels: who answers, what they opened, which
snapshots wait for them, a team's status, report and plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from conversations.action_plan import PlanItem
from conversations.engine import Turn
from conversations.history import SnapshotScore
from conversations.i18n import Localizer
from conversations.report_view import ReportView
from conversations.scoring import Result


@dataclass(frozen=True)
class Participant:
    platform: str
    team_id: str
    team_name: str
    person_id: str
    person_name: str


@dataclass(frozen=True)
class Opened:
    response_id: int
    team_id: int
    snapshot_number: int
    created: bool
    turn: Turn


@dataclass(frozen=True)
class Invitation:
    """A team's open snapshot and the secret that lets people join it."""

    team_id: int
    number: int
    token: str
    deadline: dt.datetime
    created: bool  # False: the snapshot was already open and this invites to it again


@dataclass(frozen=True)
class Pending:
    """One of a person's teams whose open snapshot they have started."""

    team_id: int
    external_id: str
    team_name: str
    snapshot_number: int
    deadline: dt.datetime | None
    submitted: bool
    started: bool = True


@dataclass(frozen=True)
class SnapshotStatus:
    """Who has answered the team's latest snapshot: names only, never answers."""

    number: int
    is_open: bool
    deadline: dt.datetime | None
    submitted: list[str]
    in_progress: list[str]
    anonymous: bool = False  # anonymous mode: show how many, not who


@dataclass(frozen=True)
class TeamReport:
    view: ReportView
    result: Result
    snapshot_number: int
    history: tuple[SnapshotScore, ...]
    locale: str


@dataclass(frozen=True)
class TeamPlan:
    """The plan the team works on: the latest snapshot's, or — while the latest has no results
    yet — the one before it."""

    items: list[PlanItem]
    snapshot_number: int | None
    latest_number: int | None
    snapshot_id: int | None = None  # where ticks and assignments go

    def heading(self, loc: Localizer) -> str:
        """ "Action plan (2 of 7 done)", naming the snapshot when it is not the latest; or,
        with no items yet, why there are none."""
        if not self.items or self.snapshot_id is None:
            return loc._(
                "There is no action plan yet: it appears once someone has submitted answers."
            )
        done, total = sum(item.done for item in self.items), len(self.items)
        if self.snapshot_number != self.latest_number:
            return loc._(
                "Action plan of snapshot {number} ({done} of {total} done)",
                number=self.snapshot_number,
                done=done,
                total=total,
            )
        return loc._("Action plan ({done} of {total} done)", done=done, total=total)
