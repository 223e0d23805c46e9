"""A team's snapshots over time: each one's result, and what changed from one to the next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conversations.action_plan import ItemKind, PlanItem
from conversations.questionnaire import Questionnaire
from conversations.scoring import Result


@dataclass(frozen=True)
class SnapshotScore:
    """One snapshot of a team with its result (``result.respondents`` is 0 when nobody
    submitted, and then there are no scores)."""

    number: int
    opened_on: dt.date
    closed_on: dt.date | None
    questionnaire_version: str
    submitted: int
    in_progress: int
    result: Result

    @property
    def scored(self) -> bool:
        return self.result.respondents > 0


@dataclass(frozen=True)
class PlanOutcome:
    """What became of a snapshot's action plan: "7 of 9 actions done"."""

    snapshot_number: int
    done: int
    total: int
    done_dimensions: tuple[str, ...]  # dimensions of the done blocker items, questionnaire order


@dataclass(frozen=True)
class Change:
    """The latest scored snapshot against the scored one before it."""

    previous: SnapshotScore
    current: SnapshotScore
    overall_delta: float | None
    dimension_deltas: Mapping[str, float | None]

    @property
    def level_from(self) -> int:
        return self.previous.result.level

    @property
    def level_to(self) -> int:
        return self.current.result.level


def _delta(now: float | None, before: float | None) -> float | None:
    return now - before if now is not None and before is not None else None


def scored(history: Sequence[SnapshotScore]) -> list[SnapshotScore]:
    return [snapshot for snapshot in history if snapshot.scored]


def change_since_previous(history: Sequence[SnapshotScore]) -> Change | None:
    """The change between the two latest snapshots that have scores, if there are two."""
    with_scores = scored(history)
    if len(with_scores) < 2:
        return None
    previous, current = with_scores[-2], with_scores[-1]
    return Change(
        previous=previous,
        current=current,
        overall_delta=_delta(current.result.overall, previous.result.overall),
        dimension_deltas={
            dimension_id: _delta(score, previous.result.dimensions.get(dimension_id))
            for dimension_id, score in current.result.dimensions.items()
        },
    )


def plan_outcome(
    questionnaire: Questionnaire, snapshot_number: int, items: Sequence[PlanItem]
) -> PlanOutcome | None:
    if not items:
        return None
    done_dimensions = {
        item.dimension_id for item in items if item.done and item.kind is ItemKind.BLOCKER
    }
    return PlanOutcome(
        snapshot_number=snapshot_number,
        done=sum(1 for item in items if item.done),
        total=len(items),
        done_dimensions=tuple(d.id for d in questionnaire.dimensions if d.id in done_dimensions),
    )
