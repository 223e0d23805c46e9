"""A team's report as localized, channel-neutral sections."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.action_plan import PlanItem
from conversations.free_text import free_text_sections
from conversations.history import Change, PlanOutcome, SnapshotScore
from conversations.i18n import N_, Localizer
from conversations.questionnaire import Questionnaire
from conversations.report_lines import (
    delta_text,
    history_line,
    plan_line,
    plan_row,
    rounded_delta,
    score_text,
)
from conversations.report_sections import (
    blocker_section,
    change_section,
    level_change,
    notes_section,
    numbers_section,
)
from conversations.report_view import (
    ChangeNote,
    DimensionRow,
    ReportView,
    Section,
    SectionKind,
    SnapshotInfo,
)
from conversations.scoring import Result
from conversations.standings import standing_lines

GROUP_LABELS = {
    "frontline": N_("Frontline"),
    "management": N_("Management"),
    "other": N_("Other roles"),
}


def build_report(
    questionnaire: Questionnaire,
    result: Result,
    plan: Sequence[PlanItem],
    info: SnapshotInfo,
    loc: Localizer,
    *,
    history: Sequence[SnapshotScore] = (),
    change: Change | None = None,
    previous_plan: PlanOutcome | None = None,
    notes: Sequence[ChangeNote] = (),
    plan_snapshot: int | None = None,
) -> ReportView:
    """The report of one snapshot. ``change`` compares it with the previous scored snapshot
    (and is ignored unless it is about this one); ``history`` lists every snapshot of the team;
    ``plan_snapshot`` says which snapshot ``plan`` comes from when not this one."""
    level = questionnaire.level(result.level)
    level_name = loc._(level.name)
    titles = {d.id: loc._(d.title) for d in questionnaire.dimensions}
    sections: list[Section] = []
    if change is not None and change.current.number != info.number:
        change = None

    rows: tuple[DimensionRow, ...] = ()
    if result.respondents:
        before = change.previous.result.dimensions if change else {}
        rows = tuple(
            DimensionRow(
                dimension_id=d,
                title=titles[d],
                score=s,
                score_text=score_text(loc, s),
                delta=rounded_delta(s, before.get(d)),
                delta_text=delta_text(loc, rounded_delta(s, before.get(d))),
            )
            for d, s in result.dimensions.items()
        )
        width = max(len(t) for t in titles.values())
        sections.append(
            Section(
                loc._("Scores by dimension"),
                tuple(
                    f"{row.title:<{width}}  {row.score_text:>3}  {row.delta_text}".rstrip()
                    for row in rows
                ),
                SectionKind.SCORES,
            )
        )
        standings = standing_lines(loc, result.dimensions, titles)
        if standings:
            sections.append(
                Section(loc._("Strongest and weakest"), standings, SectionKind.STRENGTHS)
            )
    if change is not None:
        sections.append(change_section(loc, questionnaire, change, titles, previous_plan))

    blockers = blocker_section(loc, questionnaire, result, titles)
    if blockers is not None:
        sections.append(blockers)

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
                SectionKind.GAPS,
            )
        )
    if notes:
        sections.append(notes_section(loc, questionnaire, notes, titles, change))
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
                SectionKind.GROUPS,
            )
        )
    if result.numbers:
        sections.append(numbers_section(loc, questionnaire, result))
    for heading, lines in free_text_sections(loc, questionnaire, result.free_text):
        sections.append(Section(heading, lines, SectionKind.FREE_TEXT))
    plan_heading = ""
    if plan:
        done = sum(1 for item in plan if item.done)
        plan_heading = loc._("Action plan ({done} of {total} done)", done=done, total=len(plan))
        if plan_snapshot is not None and plan_snapshot != info.number:
            # The new snapshot has no results yet: the team still works on the earlier plan.
            plan_heading = loc._(
                "Action plan of snapshot {number} ({done} of {total} done)",
                number=plan_snapshot,
                done=done,
                total=len(plan),
            )
        sections.append(
            Section(
                plan_heading,
                tuple(plan_line(loc, questionnaire, item) for item in plan),
                SectionKind.PLAN,
            )
        )
    if len(history) > 1:
        sections.append(
            Section(
                loc._("All snapshots"),
                tuple(history_line(loc, questionnaire, snapshot) for snapshot in history),
                SectionKind.HISTORY,
            )
        )

    responses = loc.ngettext("{n} response submitted", "{n} responses submitted", info.submitted)
    if info.in_progress:
        responses += ", " + loc.ngettext("{n} in progress", "{n} in progress", info.in_progress)
    if result.dont_know_rate is not None:
        responses += " · " + loc._("“Don't know”: {rate}", rate=loc.percent(result.dont_know_rate))
    return ReportView(
        title=loc._("Customer service maturity · {team}", team=info.team),
        date_text=loc.date(info.opened_on),
        dimensions=rows,
        plan=tuple(plan_row(loc, questionnaire, item) for item in plan),
        plan_heading=plan_heading,
        level_change=level_change(loc, questionnaire, change) if change else None,
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
