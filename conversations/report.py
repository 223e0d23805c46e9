"""A team's report as localized, channel-neutral sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.action_plan import PlanItem
from conversations.i18n import N_, Localizer
from conversations.questionnaire import Questionnaire
from conversations.scoring import Result

GROUP_LABELS = {
    "frontline": N_("Frontline"),
    "management": N_("Management"),
    "other": N_("Other roles"),
}


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
class Section:
    heading: str
    lines: tuple[str, ...]


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


def score_text(loc: Localizer, score: float | None) -> str:
    return loc.number(round(score), 0) if score is not None else "–"


def _adoption_text(loc: Localizer, questionnaire: Questionnaire, adoption: float | None) -> str:
    if adoption is None:
        return loc._("unknown (no one could rate it)")
    if adoption == int(adoption):
        return loc._(questionnaire.scale[int(adoption)].label)
    low, high = questionnaire.scale[int(adoption)], questionnaire.scale[int(adoption) + 1]
    return loc._("between {low} and {high}", low=loc._(low.label), high=loc._(high.label))


def plan_line(loc: Localizer, questionnaire: Questionnaire, item: PlanItem) -> str:
    box = "[x]" if item.done else "[ ]"
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
    suffix = f" ({'; '.join(details)})" if details else ""
    return f"{item.number:>2}. {box} {text}{suffix}"


def build_report(
    questionnaire: Questionnaire,
    result: Result,
    plan: Sequence[PlanItem],
    info: SnapshotInfo,
    loc: Localizer,
) -> ReportView:
    level = questionnaire.level(result.level)
    level_name = loc._(level.name)
    titles = {d.id: loc._(d.title) for d in questionnaire.dimensions}
    sections: list[Section] = []

    if result.respondents:
        width = max(len(t) for t in titles.values())
        sections.append(
            Section(
                loc._("Scores by dimension"),
                tuple(
                    f"{titles[d]:<{width}}  {score_text(loc, s):>3}"
                    for d, s in result.dimensions.items()
                ),
            )
        )
        scored = [(s, d) for d, s in result.dimensions.items() if s is not None]
        if len(scored) >= 2 and max(scored)[0] != min(scored)[0]:
            top, bottom = max(scored)[0], min(scored)[0]
            strongest = ", ".join(titles[d] for s, d in scored if s == top)
            weakest = ", ".join(titles[d] for s, d in scored if s == bottom)
            sections.append(
                Section(
                    loc._("Strongest and weakest"),
                    (
                        loc._("Strongest: {areas}", areas=strongest),
                        loc._("Weakest: {areas}", areas=weakest),
                    ),
                )
            )

    # With no answers there are no blockers to speak of; empty_note says why.
    if result.respondents and result.next_level is not None and result.blockers:
        next_name = loc._(questionnaire.level(result.next_level).name)
        lines = []
        for blocker in result.blockers:
            practice = questionnaire.practices[blocker.practice_id]
            dimension = questionnaire.dimension_of[blocker.practice_id]
            lines.append(
                loc._(
                    "{dimension}: {statement} — now {adoption}, needs {required}",
                    dimension=titles[dimension.id],
                    statement=loc._(practice.statement),
                    adoption=_adoption_text(loc, questionnaire, blocker.adoption),
                    required=loc._(questionnaire.scale[blocker.required].label),
                )
            )
        heading = loc._(
            "What stands between you and level {number} ({name})",
            number=result.next_level,
            name=next_name,
        )
        sections.append(Section(heading, tuple(lines)))
    elif result.respondents and result.next_level is None:
        sections.append(
            Section(
                loc._("Blockers"),
                (loc._("None: every practice meets the top level. Keep it there."),),
            )
        )

    if result.gaps:
        sections.append(
            Section(
                loc._("Where people see things differently"),
                tuple(
                    loc._(
                        "{statement} — answers range from {low} to {high}",
                        statement=loc._(questionnaire.practices[g.practice_id].statement),
                        low=loc._(questionnaire.scale[min(g.values)].label),
                        high=loc._(questionnaire.scale[max(g.values)].label),
                    )
                    for g in result.gaps
                ),
            )
        )
    if result.groups:
        sections.append(
            Section(
                loc._("Scores by role"),
                tuple(
                    loc.ngettext(
                        "{group}: {score} ({n} person)",
                        "{group}: {score} ({n} people)",
                        g.respondents,
                        group=loc._(GROUP_LABELS[g.group]),
                        score=score_text(loc, g.overall),
                    )
                    for g in result.groups
                ),
            )
        )
    if result.numbers:
        lines = []
        for question in questionnaire.numbers:
            summary = result.numbers.get(question.id)
            if summary is None:
                continue
            value = (
                loc.percent(summary.median / 100)
                if question.percent
                else f"{loc.number(summary.median)} {loc._(question.unit)}"
            )
            lines.append(
                loc.ngettext(
                    "{question} {value} (median of {n} answer)",
                    "{question} {value} (median of {n} answers)",
                    summary.respondents,
                    question=loc._(question.text),
                    value=value,
                )
            )
        sections.append(Section(loc._("Your numbers"), tuple(lines)))
    if plan:
        done = sum(1 for item in plan if item.done)
        sections.append(
            Section(
                loc._("Action plan ({done} of {total} done)", done=done, total=len(plan)),
                tuple(plan_line(loc, questionnaire, item) for item in plan),
            )
        )

    responses = loc.ngettext("{n} response submitted", "{n} responses submitted", info.submitted)
    if info.in_progress:
        responses += ", " + loc.ngettext("{n} in progress", "{n} in progress", info.in_progress)
    if result.dont_know_rate is not None:
        responses += " · " + loc._("“Don't know”: {rate}", rate=loc.percent(result.dont_know_rate))
    return ReportView(
        title=loc._("Customer service maturity · {team}", team=info.team),
        subtitle=loc._(
            "Snapshot {number} · {date} · questionnaire {version}",
            number=info.number,
            date=loc.date(info.opened_on),
            version=info.questionnaire_version,
        ),
        level=result.level,
        level_name=level_name,
        level_line=loc._("Level {number} · {name}", number=result.level, name=level_name),
        level_summary=loc._(level.summary),
        overall_line=loc._("Overall score: {score} of 100", score=score_text(loc, result.overall)),
        responses_line=responses,
        sections=tuple(sections),
        empty_note=(
            None
            if result.respondents
            else loc._(
                "No one has submitted answers for this snapshot yet, so there are no scores to "
                "show."
            )
        ),
    )
