"""A team's report as localized, channel-neutral sections."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.action_plan import PlanItem
from conversations.free_text import free_text_sections
from conversations.history import Change, PlanOutcome, SnapshotScore
from conversations.i18n import N_, Localizer
from conversations.questionnaire import Questionnaire
from conversations.scoring import Result
from conversations.standings import moved_lines, standing_lines

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


def score_text(loc: Localizer, score: float | None) -> str:
    return loc.number(round(score), 0) if score is not None else "–"


def _adoption_text(loc: Localizer, questionnaire: Questionnaire, adoption: float | None) -> str:
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


def _rounded_delta(now: float | None, before: float | None) -> int | None:
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


def _level_change(loc: Localizer, questionnaire: Questionnaire, change: Change) -> str:
    before = loc._(questionnaire.level(change.level_from).name)
    after = loc._(questionnaire.level(change.level_to).name)
    if change.level_from == change.level_to:
        return loc._("Level unchanged: {name}", name=after)
    return loc._("Level: {before} → {after}", before=before, after=after)


def _change_section(
    loc: Localizer,
    questionnaire: Questionnaire,
    change: Change,
    titles: dict[str, str],
    outcome: PlanOutcome | None,
) -> Section:
    previous = change.previous
    lines = [
        _level_change(loc, questionnaire, change),
        loc._(
            "Overall score: {before} → {after} ({delta})",
            before=score_text(loc, previous.result.overall),
            after=score_text(loc, change.current.result.overall),
            delta=delta_text(
                loc, _rounded_delta(change.current.result.overall, previous.result.overall)
            )
            or "–",
        ),
    ]
    moved = [
        (delta, dimension_id)
        for dimension_id, score in change.current.result.dimensions.items()
        if (delta := _rounded_delta(score, previous.result.dimensions.get(dimension_id)))
    ]
    if moved:
        lines += moved_lines(loc, moved, titles)
    elif any(
        score is not None and previous.result.dimensions.get(dimension_id) is not None
        for dimension_id, score in change.current.result.dimensions.items()
    ):
        lines.append(loc._("No dimension score moved."))
    if outcome is not None:
        line = loc.ngettext(
            "Action plan of snapshot {number}: {done} of {n} action done",
            "Action plan of snapshot {number}: {done} of {n} actions done",
            outcome.total,
            number=outcome.snapshot_number,
            done=outcome.done,
        )
        if outcome.done_dimensions:
            areas = ", ".join(titles[d] for d in outcome.done_dimensions)
            line += " " + loc._("(done in: {areas})", areas=areas)
        lines.append(line)
    if previous.questionnaire_version != change.current.questionnaire_version:
        lines.append(
            loc._(
                "The questionnaire changed in between (version {before} → {after}), so some "
                "scores may have moved because the questions did.",
                before=previous.questionnaire_version,
                after=change.current.questionnaire_version,
            )
        )
    heading = loc._(
        "Since snapshot {number} ({date})",
        number=previous.number,
        date=loc.date(previous.opened_on),
    )
    return Section(heading, tuple(lines), SectionKind.CHANGE)


def _blocker_section(
    loc: Localizer, questionnaire: Questionnaire, result: Result, titles: dict[str, str]
) -> Section | None:
    # With no answers there are no blockers to speak of; empty_note says why.
    if not result.respondents:
        return None
    if result.next_level is None:
        return Section(
            loc._("Blockers"),
            (loc._("None: every practice meets the top level. Keep it there."),),
            SectionKind.BLOCKERS,
        )
    if not result.blockers:
        return None
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
        name=loc._(questionnaire.level(result.next_level).name),
    )
    return Section(heading, tuple(lines), SectionKind.BLOCKERS)


def _notes_section(
    loc: Localizer,
    questionnaire: Questionnaire,
    notes: Sequence[ChangeNote],
    titles: dict[str, str],
    change: Change | None,
) -> Section:
    lines = []
    # The same words from several people are one piece of evidence, said by that many.
    for item, count in Counter(notes).items():
        if item.practice_id not in questionnaire.practices:
            continue  # a question an older questionnaire version asked
        practice = questionnaire.practices[item.practice_id]
        dimension = titles[questionnaire.dimension_of[item.practice_id].id]
        before = change.previous.result.practices.get(item.practice_id) if change else None
        after = change.current.result.practices.get(item.practice_id) if change else None
        if before is not None and after is not None:
            line = loc._(
                "{dimension}: {statement} — team: {before} → {after}. “{note}”",
                dimension=dimension,
                statement=loc._(practice.statement),
                before=_adoption_text(loc, questionnaire, before.adoption),
                after=_adoption_text(loc, questionnaire, after.adoption),
                note=item.note,
            )
        else:
            line = loc._(
                "{dimension}: {statement} — “{note}”",
                dimension=dimension,
                statement=loc._(practice.statement),
                note=item.note,
            )
        lines.append(f"{line} (×{count})" if count > 1 else line)
    heading = loc._("Why answers changed, in people's own words")
    return Section(heading, tuple(lines), SectionKind.NOTES)


def _numbers_section(loc: Localizer, questionnaire: Questionnaire, result: Result) -> Section:
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
                "{label}: {value} (median of {n} answer)",
                "{label}: {value} (median of {n} answers)",
                summary.respondents,
                label=loc._(question.label),
                value=value,
            )
        )
    return Section(loc._("Your numbers"), tuple(lines), SectionKind.NUMBERS)


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
                delta=_rounded_delta(s, before.get(d)),
                delta_text=delta_text(loc, _rounded_delta(s, before.get(d))),
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
        sections.append(_change_section(loc, questionnaire, change, titles, previous_plan))

    blockers = _blocker_section(loc, questionnaire, result, titles)
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
        sections.append(_notes_section(loc, questionnaire, notes, titles, change))
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
        sections.append(_numbers_section(loc, questionnaire, result))
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
        level_change=_level_change(loc, questionnaire, change) if change else None,
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
