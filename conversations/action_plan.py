"""The action plan: one item per blocker plus the model's standard steps for the team's level."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from conversations.questionnaire import Questionnaire
from conversations.scoring import Result


class ItemKind(StrEnum):
    BLOCKER = "blocker"
    STEP = "step"


@dataclass(frozen=True)
class PlannedItem:
    """An item the result calls for; ``key`` identifies it across re-computations."""

    key: str
    kind: ItemKind
    text: str  # msgid from the questionnaire file
    dimension_id: str | None = None


@dataclass(frozen=True)
class PlanItem:
    """A stored checklist item as people see it; ``number`` is its position in the plan."""

    number: int
    key: str
    kind: ItemKind
    text: str
    dimension_id: str | None
    done: bool
    done_by: str | None = None
    done_at: dt.datetime | None = None
    owner: str | None = None
    due: dt.date | None = None


def build_plan(questionnaire: Questionnaire, result: Result) -> list[PlannedItem]:
    items = [
        PlannedItem(
            key=f"practice:{blocker.practice_id}",
            kind=ItemKind.BLOCKER,
            text=questionnaire.practices[blocker.practice_id].action,
            dimension_id=questionnaire.dimension_of[blocker.practice_id].id,
        )
        for blocker in result.blockers
    ]
    items += [
        PlannedItem(key=f"step:{step.id}", kind=ItemKind.STEP, text=step.text)
        for step in questionnaire.level(result.level).steps
    ]
    return items
