"""The report's sections that need more than a line or two to build: the change since the
previous snapshot, the blockers to the next level, people's notes on changed answers and the
team's numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from conversations.history import Change, PlanOutcome
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.report_lines import adoption_text, delta_text, rounded_delta, score_text
from conversations.report_view import ChangeNote, Section, SectionKind
from conversations.scoring import Result
from conversations.standings import moved_lines


def level_change(loc: Localizer, questionnaire: Questionnaire, change: Change) -> str:
    before = loc._(questionnaire.level(change.level_from).name)
    after = loc._(questionnaire.level(change.level_to).name)
    if change.level_from == change.level_to:
        return loc._("Level unchanged: {name}", name=after)
    return loc._("Level: {before} → {after}", before=before, after=after)


def change_section(
    loc: Localizer,
    questionnaire: Questionnaire,
    change: Change,
    titles: dict[str, str],
    outcome: PlanOutcome | None,
) -> Section:
    previous = change.previous
    lines = [
        level_change(loc, questionnaire, change),
        loc._(
            "Overall score: {before} → {after} ({delta})",
            before=score_text(loc, previous.result.overall),
            after=score_text(loc, change.current.result.overall),
            delta=delta_text(
                loc, rounded_delta(change.current.result.overall, previous.result.overall)
            )
            or "–",
        ),
    ]
    moved = [
        (delta, dimension_id)
        for dimension_id, score in change.current.result.dimensions.items()
        if (delta := rounded_delta(score, previous.result.dimensions.get(dimension_id)))
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


def blocker_section(
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
                adoption=adoption_text(loc, questionnaire, blocker.adoption),
                required=loc._(questionnaire.scale[blocker.required].label),
            )
        )
    heading = loc._(
        "What stands between you and level {number} ({name})",
        number=result.next_level,
        name=loc._(questionnaire.level(result.next_level).name),
    )
    return Section(heading, tuple(lines), SectionKind.BLOCKERS)


def notes_section(
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
                before=adoption_text(loc, questionnaire, before.adoption),
                after=adoption_text(loc, questionnaire, after.adoption),
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


def numbers_section(loc: Localizer, questionnaire: Questionnaire, result: Result) -> Section:
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
