"""One-line pieces of a report that channels also show on their own: scores, score changes,
action-plan items and snapshots."""

from __future__ import annotations

from conversations.action_plan import PlanItem
from conversations.history import SnapshotScore
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.report_view import PlanRow


def score_text(loc: Localizer, score: float | None) -> str:
    return loc.number(round(score), 0) if score is not None else "–"


def adoption_text(loc: Localizer, questionnaire: Questionnaire, adoption: float | None) -> str:
    if adoption is None:
        return loc._("unknown (no one could rate it)")
    if adoption == int(adoption):
        return loc._(questionnaire.scale[int(adoption)].label)
    low, high = questionnaire.scale[int(adoption)], questionnaire.scale[int(adoption) + 1]
    return loc._("between {low} and {high}", low=loc._(low.label), high=loc._(high.label))


def delta_text(loc: Localizer, delta: int | None) -> str:
    if delta is None:
        return ""
    if delta > 0:
        return f"▲ +{loc.number(delta)}"
    if delta < 0:
        return f"▼ −{loc.number(-delta)}"
    return "= 0"


def rounded_delta(now: float | None, before: float | None) -> int | None:
    return round(now) - round(before) if now is not None and before is not None else None


def plan_row(loc: Localizer, questionnaire: Questionnaire, item: PlanItem) -> PlanRow:
    text = loc._(item.text)
    if item.dimension_id:
        dimension = next(d for d in questionnaire.dimensions if d.id == item.dimension_id)
        text = f"{loc._(dimension.title)}: {text}"
    details = []
    if item.owner:
        details.append(loc._("owner: {name}", name=item.owner))
    if item.due:
        details.append(loc._("due {date}", date=loc.date(item.due)))
    if item.done and item.done_by and item.done_at:
        details.append(
            loc._("done by {name} on {date}", name=item.done_by, date=loc.date(item.done_at.date()))
        )
    return PlanRow(item.number, item.done, text, "; ".join(details))


def plan_line(loc: Localizer, questionnaire: Questionnaire, item: PlanItem) -> str:
    row = plan_row(loc, questionnaire, item)
    box = "[x]" if row.done else "[ ]"
    suffix = f" ({row.details})" if row.details else ""
    return f"{row.number:>2}. {box} {row.text}{suffix}"


def history_line(loc: Localizer, questionnaire: Questionnaire, snapshot: SnapshotScore) -> str:
    """One snapshot in a line: number, date, level, score and responses."""
    responses = loc.ngettext("{n} response", "{n} responses", snapshot.submitted)
    state = loc._("open") if snapshot.closed_on is None else loc._("closed")
    if not snapshot.scored:
        return loc._(
            "Snapshot {number} · {date} · no scores yet · {responses} · {state}",
            number=snapshot.number,
            date=loc.date(snapshot.opened_on),
            responses=responses,
            state=state,
        )
    result = snapshot.result
    return loc._(
        "Snapshot {number} · {date} · level {level} ({name}) · score {score} · {responses} · "
        "{state}",
        number=snapshot.number,
        date=loc.date(snapshot.opened_on),
        level=result.level,
        name=loc._(questionnaire.level(result.level).name),
        score=score_text(loc, result.overall),
        responses=responses,
        state=state,
    )
