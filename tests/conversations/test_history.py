"""Snapshot history in the engine: deltas between scored snapshots, plan outcomes, and how the
report shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from conversations.action_plan import ItemKind, PlanItem
from conversations.history import SnapshotScore, change_since_previous, plan_outcome
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.report import build_report
from conversations.report_lines import delta_text
from conversations.report_view import ChangeNote, SectionKind, SnapshotInfo
from conversations.scoring import score
from tests.conversations.test_scoring import person


def snapshot(questionnaire: Questionnaire, number: int, value: int | None) -> SnapshotScore:
    """Snapshot ``number`` where one person answered every practice ``value``; with
    ``value=None`` nobody submitted."""
    people = [] if value is None else [person(questionnaire, value)]
    return SnapshotScore(
        number=number,
        opened_on=dt.date(2026, 1, 1) + dt.timedelta(days=90 * number),
        closed_on=None,
        questionnaire_version="2026.1",
        submitted=len(people),
        in_progress=0,
        result=score(questionnaire, people),
    )


def info(snapshot: SnapshotScore) -> SnapshotInfo:
    return SnapshotInfo("support", snapshot.number, snapshot.opened_on, "2026.1", 1, 0)


def test_change_skips_snapshots_without_scores(questionnaire: Questionnaire) -> None:
    history = [
        snapshot(questionnaire, 1, 1),
        snapshot(questionnaire, 2, None),
        snapshot(questionnaire, 3, 2),
        snapshot(questionnaire, 4, None),
    ]
    change = change_since_previous(history)
    assert change is not None
    assert (change.previous.number, change.current.number) == (1, 3)
    assert (change.level_from, change.level_to) == (1, 3)
    assert change.overall_delta is not None
    assert round(change.overall_delta) == 33
    assert change_since_previous(history[:2]) is None
    assert change_since_previous([]) is None


def test_plan_outcome_counts_done_items_and_their_dimensions(
    questionnaire: Questionnaire,
) -> None:
    items = [
        PlanItem(1, "practice:a", ItemKind.BLOCKER, "x", "people", True),
        PlanItem(2, "practice:b", ItemKind.BLOCKER, "x", "channels", True),
        PlanItem(3, "practice:c", ItemKind.BLOCKER, "x", "channels", False),
        PlanItem(4, "step:s", ItemKind.STEP, "x", None, True),
    ]
    outcome = plan_outcome(questionnaire, 2, items)
    assert outcome is not None
    assert (outcome.done, outcome.total) == (3, 4)
    assert outcome.done_dimensions == ("channels", "people")  # questionnaire order
    assert plan_outcome(questionnaire, 2, []) is None


def test_delta_text(localizers: dict[str, Localizer]) -> None:
    en, tr = localizers["en"], localizers["tr"]
    assert [delta_text(en, d) for d in (12, -5, 0, None)] == ["▲ +12", "▼ −5", "= 0", ""]
    assert delta_text(tr, 1200) == "▲ +1.200"


def test_report_shows_the_change_only_for_its_own_snapshot(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["tr"]
    history = [snapshot(questionnaire, 1, 1), snapshot(questionnaire, 2, 2)]
    change = change_since_previous(history)
    latest = history[-1]
    view = build_report(
        questionnaire, latest.result, [], info(latest), loc, history=history, change=change
    )
    assert view.level_change == "Seviye: Başlangıç → Ölçülebilir Performans"
    assert {row.delta_text for row in view.dimensions} == {"▲ +34"}
    history_section = view.section(SectionKind.HISTORY)
    assert history_section is not None and len(history_section.lines) == 2

    empty = snapshot(questionnaire, 3, None)
    waiting = build_report(
        questionnaire, empty.result, [], info(empty), loc, history=[*history, empty], change=change
    )
    assert waiting.level_change is None
    assert waiting.section(SectionKind.CHANGE) is None
    assert waiting.empty_note is not None


def test_notes_show_the_team_change_once_per_wording(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    history = [snapshot(questionnaire, 1, 1), snapshot(questionnaire, 2, 2)]
    latest = history[-1]
    practice = next(iter(questionnaire.practices))
    notes = [ChangeNote(practice, "new tool")] * 3 + [
        ChangeNote(practice, "x"),
        ChangeNote("dropped_question", "from an older questionnaire"),
    ]
    view = build_report(
        questionnaire,
        latest.result,
        [],
        info(latest),
        localizers["en"],
        change=change_since_previous(history),
        notes=notes,
    )
    section = view.section(SectionKind.NOTES)
    assert section is not None
    assert len(section.lines) == 2
    # The team's answer, not the person's: individual answers stay with their author.
    assert section.lines[0].endswith("— team: Ad hoc → Repeatable. “new tool” (×3)")
    assert section.lines[1].endswith("— team: Ad hoc → Repeatable. “x”")
    without_change = build_report(
        questionnaire, latest.result, [], info(latest), localizers["en"], notes=notes[:1]
    )
    lines = without_change.section(SectionKind.NOTES).lines  # type: ignore[union-attr]
    assert lines[0].endswith("— “new tool”")


def test_an_earlier_plan_is_labelled_with_its_snapshot(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    empty = snapshot(questionnaire, 2, None)
    item = PlanItem(1, "step:s", ItemKind.STEP, "x", None, True)
    view = build_report(
        questionnaire, empty.result, [item], info(empty), localizers["en"], plan_snapshot=1
    )
    assert view.plan_heading == "Action plan of snapshot 1 (1 of 1 done)"
    own = build_report(
        questionnaire, empty.result, [item], info(empty), localizers["en"], plan_snapshot=2
    )
    assert own.plan_heading == "Action plan (1 of 1 done)"


def test_no_move_is_claimed_when_nothing_could_be_compared(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    history = [snapshot(questionnaire, 1, None), snapshot(questionnaire, 2, 2)]
    unknown = SnapshotScore(
        1,
        dt.date(2026, 1, 1),
        None,
        "2026.1",
        1,
        0,
        score(questionnaire, [person(questionnaire, None)]),
    )
    change = change_since_previous([unknown, history[1]])
    assert change is not None
    view = build_report(
        questionnaire, history[1].result, [], info(history[1]), localizers["en"], change=change
    )
    lines = view.section(SectionKind.CHANGE).lines  # type: ignore[union-attr]
    assert "No dimension score moved." not in lines
    assert not any(line.startswith(("Better", "Worse")) for line in lines)


def test_a_questionnaire_change_between_snapshots_is_pointed_out(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    before = replace(snapshot(questionnaire, 1, 1), questionnaire_version="2025.2")
    latest = snapshot(questionnaire, 2, 2)
    change = change_since_previous([before, latest])
    view = build_report(
        questionnaire, latest.result, [], info(latest), localizers["en"], change=change
    )
    section = view.section(SectionKind.CHANGE)
    assert section is not None
    assert any("version 2025.2 → 2026.1" in line for line in section.lines)
    same = build_report(
        questionnaire,
        latest.result,
        [],
        info(latest),
        localizers["en"],
        change=change_since_previous([snapshot(questionnaire, 1, 1), latest]),
    )
    assert not any("version" in line for line in same.section(SectionKind.CHANGE).lines)  # type: ignore[union-attr]
