"""What a report says: a few strongest and weakest dimensions (or "all equal"), short labels in
the numbers block, and the free-text answers without names, identical ones counted together."""

from __future__ import annotations

import datetime as dt

import pytest

from conversations.free_text import free_text_lines, grouped
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.report import build_report
from conversations.report_view import ReportView, SectionKind, SnapshotInfo
from conversations.scoring import Respondent, score
from conversations.standings import moved_lines, standing_lines
from conversations.state import Answer, AnswerState

PROBLEM, NEED = "biggest_problem", "key_requirement"


def person(
    questionnaire: Questionnaire,
    key: str,
    value: int = 2,
    low: frozenset[str] = frozenset(),
    extra: dict[str, float | str] | None = None,
) -> Respondent:
    """Every practice at ``value``, except those of the dimensions in ``low`` (Missing)."""
    answers = {
        pid: Answer(pid, AnswerState.ANSWERED, 0 if d.id in low else value)
        for d in questionnaire.dimensions
        for pid in (p.id for p in d.practices)
    }
    for question_id, given in (extra or {}).items():
        answers[question_id] = Answer(question_id, AnswerState.ANSWERED, given)
    return Respondent(key, answers, "agent")


def report(questionnaire: Questionnaire, loc: Localizer, team: list[Respondent]) -> ReportView:
    result = score(questionnaire, team)
    info = SnapshotInfo("Destek", 1, dt.date(2026, 4, 1), "2026.1", len(team), 0)
    return build_report(questionnaire, result, [], info, loc)


def lines(view: ReportView, kind: str) -> tuple[str, ...]:
    section = view.section(kind)
    assert section is not None, [s.kind for s in view.sections]
    return section.lines


def test_eight_tied_dimensions_are_counted_not_listed(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    view = report(
        questionnaire, localizers["en"], [person(questionnaire, "a", 3, frozenset({"people"}))]
    )
    strongest, weakest = lines(view, SectionKind.STRENGTHS)
    assert strongest == "Strongest: 8 dimensions share the top score, 100"
    assert weakest == "Weakest: People (0)"
    turkish = report(
        questionnaire, localizers["tr"], [person(questionnaire, "a", 3, frozenset({"people"}))]
    )
    assert "8" in lines(turkish, SectionKind.STRENGTHS)[0]


def test_equal_scores_say_so(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    view = report(questionnaire, localizers["en"], [person(questionnaire, "a", 2)])
    assert lines(view, SectionKind.STRENGTHS) == ("All 9 dimensions score the same: 67.",)
    turkish = report(questionnaire, localizers["tr"], [person(questionnaire, "a", 2)])
    assert "67" in lines(turkish, SectionKind.STRENGTHS)[0]


@pytest.mark.parametrize("low", [1, 2, 3, 4, 5, 6, 7, 8])
def test_never_more_than_three_names_on_either_side(
    questionnaire: Questionnaire, localizers: dict[str, Localizer], low: int
) -> None:
    loc = localizers["en"]
    titles = {d.id: d.title for d in questionnaire.dimensions}
    scores: dict[str, float | None] = {d: (10.0 if i < low else 90.0) for i, d in enumerate(titles)}
    strongest, weakest = standing_lines(loc, scores, titles)
    for line, count in ((strongest, len(titles) - low), (weakest, low)):
        named = sum(title in line for title in titles.values())
        assert named == (count if count <= 3 else 0), line
    # Scores that round alike are equal to the reader, and said so.
    assert standing_lines(loc, {"channels": 66.6, "people": 66.7}, titles) == (
        "All 2 dimensions score the same: 67.",
    )
    assert standing_lines(loc, {"channels": 50.0, "people": None}, titles) == ()


def test_the_numbers_block_names_each_number_by_its_label(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    numbers: dict[str, float | str] = {
        "contacts_month": 4800.0,
        "csat": 87.5,
        "fcr": 70.0,
        "first_response": 45.0,
        "nps": -0.0,
    }
    team = [person(questionnaire, key, extra=numbers) for key in "ab"]
    english = lines(report(questionnaire, localizers["en"], team), SectionKind.NUMBERS)
    assert english == (
        "Monthly contacts: 4,800 contacts per month (median of 2 answers)",
        "CSAT: 87.5% (median of 2 answers)",
        "First-contact resolution: 70% (median of 2 answers)",
        "First response time: 45 minutes (median of 2 answers)",
        "NPS: 0 points (median of 2 answers)",
    )
    turkish = lines(report(questionnaire, localizers["tr"], team), SectionKind.NUMBERS)
    assert turkish[1].startswith("CSAT: %87,5")
    assert not [q.text for q in questionnaire.numbers if any(q.text in line for line in english)]
    assert not [line for line in english + turkish if "-0" in line or "-%" in line]


def test_free_text_is_shown_grouped_without_names(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    said = ["Not enough staff", "not enough  staff.", "Old ticketing tool", "Not enough staff"]
    team = [
        person(questionnaire, f"person-{i}", extra={PROBLEM: text}) for i, text in enumerate(said)
    ]
    team.append(person(questionnaire, "quiet"))  # answered no free text
    team[0] = person(questionnaire, "person-0", extra={PROBLEM: said[0], NEED: "A shared inbox"})
    view = report(questionnaire, localizers["en"], team)
    free = [s for s in view.sections if s.kind == SectionKind.FREE_TEXT]
    assert [s.heading for s in free] == [
        "Biggest problem today (4 answers)",
        "Most important need (1 answer)",
    ]
    assert free[0].lines == ("“Not enough staff” (3 people)", "“Old ticketing tool”")
    assert free[1].lines == ("“A shared inbox”",)
    assert not [s for s in view.sections if "person-" in " ".join(s.lines)]
    turkish = report(questionnaire, localizers["tr"], team)
    headings = [s.heading for s in turkish.sections if s.kind == SectionKind.FREE_TEXT]
    assert headings[0] == "Bugünkü en büyük sorun (4 yanıt)"
    assert (
        "(3 kişi)"
        in turkish.sections[[s.kind for s in turkish.sections].index("free_text")].lines[0]
    )


def test_many_different_answers_are_cut_and_counted(localizers: dict[str, Localizer]) -> None:
    texts = [f"problem {i:02}" for i in range(15)]
    shown = free_text_lines(localizers["en"], texts)
    assert len(shown) == 13 and shown[-1] == "…and 3 more answers"
    assert grouped(["b", "a", "B", "a"]) == [("a", 2), ("b", 2)]  # ties alphabetical
    long = free_text_lines(localizers["en"], ["word " * 200])
    assert len(long[0]) <= 282 and long[0].endswith("…”")  # the export keeps every word


def test_no_free_text_no_section(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    view = report(questionnaire, localizers["en"], [person(questionnaire, "a")])
    assert not [s for s in view.sections if s.kind == SectionKind.FREE_TEXT]


def test_many_better_dimensions_name_the_three_that_moved_most(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["en"]
    titles = {d.id: d.title for d in questionnaire.dimensions}
    ids = list(titles)
    moved = [(10 * (i + 1), d) for i, d in enumerate(ids[:8])] + [(-5, ids[8])]
    better, worse = moved_lines(loc, moved, titles)
    assert better == (
        f"Better in 8 dimensions, most of all: {titles[ids[7]]}, {titles[ids[6]]}, {titles[ids[5]]}"
    )
    assert worse == f"Worse: {titles[ids[8]]}"
    few = moved_lines(loc, [(5, ids[0]), (12, ids[1])], titles)
    assert few == (f"Better: {titles[ids[1]]}, {titles[ids[0]]}",)
    assert "8" in moved_lines(localizers["tr"], moved, titles)[0]
