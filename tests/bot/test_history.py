"""Snapshot history through the service on real databases: three snapshots of one team, the
deltas between them, what became of each action plan, notes on changed answers, and exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.assessments import Assessments
from bot.reports.exports import export_csv, export_json
from bot.service_errors import UserError
from bot.service_types import Participant
from conversations.questions import QuestionKind
from conversations.report_view import SectionKind
from conversations.state import REVIEW, ResponseStatus
from storage import snapshot_lifecycle, snapshot_results, teams_and_people
from storage.models import Response

TEAM = "support"


def who(person: str) -> Participant:
    return Participant("console", TEAM, TEAM, person, person)


async def take(
    assessments: Assessments,
    person: str,
    practice: Callable[[str], str],
    note: Callable[[str], str | None] = lambda _: None,
) -> None:
    """One person answers every question: ``practice(question_id)`` gives the typed answer to
    each practice, ``note(question_id)`` the note when asked why an answer changed."""
    opened = await assessments.open(who(person))
    state = opened.turn.state
    while state.position != REVIEW:
        if state.note_for is not None:
            text = note(state.note_for) or "skip"
        else:
            question = assessments.sequence.by_id(state.position)
            if question.kind is QuestionKind.PRACTICE:
                text = practice(question.id)
            elif question.kind is QuestionKind.ROLE:
                text = "1"
            else:
                text = "skip"
        turn = await assessments.handle_text(opened.response_id, text)
        state = turn.state
    turn = await assessments.handle_text(opened.response_id, "submit")
    assert turn.state.status is ResponseStatus.SUBMITTED


def channels(assessments: Assessments) -> set[str]:
    dimension = next(d for d in assessments.questionnaire.dimensions if d.id == "channels")
    return {p.id for p in dimension.practices}


async def three_snapshots(assessments: Assessments) -> None:
    """1: everyone Ad hoc. 2: channels Repeatable (one person says why), the rest kept.
    3: everything Repeatable. Two items of each plan are ticked before the next snapshot."""
    people = ("ayse", "mehmet", "zeynep")
    for person in people:
        await take(assessments, person, lambda _: "2")
    team = await assessments.find_team(TEAM)
    for number in (1, 2):
        await assessments.tick(team, number, True, "lead")
    assert await assessments.new_snapshot(team, "lead") == 2
    in_channels = channels(assessments)
    for person in people:
        await take(
            assessments,
            person,
            lambda q: "3" if q in in_channels else "same",
            lambda q, who=person: "New shared inbox <3 & routing" if who == "ayse" else None,
        )
    current = await assessments.plan(team)
    assert current.snapshot_number == 2
    await assessments.tick(team, 1, True, "lead")
    await assessments.tick(team, 2, True, "lead")
    assert await assessments.new_snapshot(team, "lead") == 3
    for person in people:
        await take(assessments, person, lambda _: "3")


async def test_history_deltas_and_plan_outcome_across_three_snapshots(
    assessments: Assessments,
) -> None:
    await three_snapshots(assessments)
    team = await assessments.find_team(TEAM)
    history = await assessments.history(team)
    assert [s.number for s in history] == [1, 2, 3]
    assert [s.submitted for s in history] == [3, 3, 3]
    assert [s.result.level for s in history] == [1, 1, 3]
    assert history[0].result.overall == pytest.approx(100 / 3)
    assert history[2].result.overall == pytest.approx(200 / 3)
    assert [s.closed_on is not None for s in history] == [True, True, False]

    report = await assessments.report(team, "en")
    view = report.view
    assert view.level_change == "Level: Initial → Measured"
    rows = {row.dimension_id: row for row in view.dimensions}
    assert rows["channels"].delta == 0 and rows["channels"].delta_text == "= 0"
    assert rows["people"].delta == 34 and rows["people"].delta_text == "▲ +34"  # 33 → 67
    change = view.section(SectionKind.CHANGE)
    assert change is not None
    assert change.heading.startswith("Since snapshot 2")
    plan_line = next(line for line in change.lines if line.startswith("Action plan of"))
    assert "snapshot 2: 2 of" in plan_line
    history_section = view.section(SectionKind.HISTORY)
    assert history_section is not None and len(history_section.lines) == 3


async def test_second_snapshot_report_shows_notes_and_first_plan(
    assessments: Assessments,
) -> None:
    people = ("ayse", "mehmet", "zeynep")
    for person in people:
        await take(assessments, person, lambda _: "2")
    team = await assessments.find_team(TEAM)
    first_plan = await assessments.plan(team)
    await assessments.tick(team, 1, True, "lead")
    await assessments.tick(team, 2, True, "lead")
    await assessments.new_snapshot(team, "lead")

    # Until someone submits in snapshot 2, the team keeps working on snapshot 1's plan.
    waiting = await assessments.plan(team)
    assert (waiting.snapshot_number, waiting.latest_number) == (1, 2)
    empty = await assessments.report(team, "en")
    assert empty.view.empty_note is not None
    assert empty.view.section(SectionKind.HISTORY) is not None
    assert len(empty.view.plan) == len(first_plan.items)
    assert empty.view.plan_heading.startswith("Action plan of snapshot 1 (2 of")

    in_channels = channels(assessments)
    await take(
        assessments,
        "ayse",
        lambda q: "3" if q in in_channels else "same",
        lambda q: "New shared inbox <3 & routing",
    )
    report = (await assessments.report(team, "en")).view
    notes = report.section(SectionKind.NOTES)
    assert notes is not None
    assert len(notes.lines) == len(in_channels)
    assert all(
        "team: Ad hoc → Repeatable. “New shared inbox <3 & routing”" in n for n in notes.lines
    )
    change = report.section(SectionKind.CHANGE)
    assert change is not None
    total = len(first_plan.items)
    assert f"Action plan of snapshot 1: 2 of {total} actions done (done in: Channels)" in (
        change.lines
    )
    assert "Better: Channels" in change.lines


async def test_previous_answers_are_offered_in_the_next_snapshot(
    assessments: Assessments,
) -> None:
    await take(assessments, "ayse", lambda _: "4")
    team = await assessments.find_team(TEAM)
    await assessments.new_snapshot(team, "lead")
    opened = await assessments.open(who("ayse"))
    assert opened.snapshot_number == 2
    state = opened.turn.state
    assert len(state.previous) == len(assessments.sequence)
    question = opened.turn.replies[-1]
    assert getattr(question, "previous", None) == "Last time: Agent"
    # A newcomer in snapshot 2 has nothing to keep.
    newcomer = await assessments.open(who("deniz"))
    assert newcomer.turn.state.previous == {}


async def test_a_new_snapshot_needs_answers_in_the_open_one(assessments: Assessments) -> None:
    await take(assessments, "ayse", lambda _: "2")
    team = await assessments.find_team(TEAM)
    assert await assessments.new_snapshot(team, "lead") == 2
    with pytest.raises(UserError, match="Snapshot 2 is still open"):
        await assessments.new_snapshot(team, "lead")
    assert len(await assessments.history(team)) == 2


async def test_team_without_snapshots_gets_an_empty_report(assessments: Assessments) -> None:
    async with assessments.database.transaction() as session:
        await teams_and_people.get_or_create_team(session, "console", "quiet", "quiet")
    team = await assessments.find_team("quiet")
    report = await assessments.report(team, "tr")
    assert report.view.empty_note is not None
    assert report.history == ()
    assert await assessments.history(team) == []
    with pytest.raises(UserError, match="no assessment yet"):
        await assessments.export(team)
    assert (await assessments.plan(team)).items == []


async def test_everyone_answering_dont_know_gives_a_sensible_report(
    assessments: Assessments,
) -> None:
    for person in ("ayse", "mehmet"):
        await take(assessments, person, lambda _: "0")
    team = await assessments.find_team(TEAM)
    report = await assessments.report(team, "tr")
    assert report.result.overall is None
    assert report.view.level == 1
    assert {row.score_text for row in report.view.dimensions} == {"–"}
    assert "%100" in report.view.responses_line


async def test_forgetting_a_person_removes_their_notes(assessments: Assessments) -> None:
    await take(assessments, "ayse", lambda _: "2")
    team = await assessments.find_team(TEAM)
    await assessments.new_snapshot(team, "lead")
    await take(assessments, "ayse", lambda _: "4", lambda _: "my own words")
    await assessments.new_snapshot(team, "lead")
    await assessments.forget(team, "console", "ayse", "admin")
    history = await assessments.history(team)
    assert [s.submitted for s in history[:2]] == [1, 1]  # the numbers stay, anonymous
    async with assessments.database.reading() as session:
        snapshots = await snapshot_lifecycle.team_snapshots(session, team.id)
        assert await snapshot_results.change_notes(session, snapshots[1].id) == []
        links = await session.scalars(select(Response.previous_response_id))
        assert set(links) == {None}  # nothing chains the anonymous responses together


def as_operator(assessments: Assessments) -> Assessments:
    """The service as the CLI builds it: exports carry every answer (chats get aggregates)."""
    return Assessments(
        assessments.database, assessments.questionnaire, assessments.localizers, operator=True
    )


async def test_exports_agree_with_the_report(assessments: Assessments) -> None:
    await three_snapshots(assessments)
    assessments = as_operator(assessments)
    team = await assessments.find_team(TEAM)
    report = await assessments.report(team, "en")
    data = await assessments.export(team)
    sequence = assessments.sequence

    document = json.loads(export_json(data, sequence))
    assert document["snapshot"]["number"] == 3
    assert document["level"] == {"number": 3, "name": "Measured"}
    assert round(document["overall_score"]) == round(report.result.overall or 0)
    shown = {row.dimension_id: row for row in report.view.dimensions}
    for dimension in document["dimensions"]:
        row = shown[dimension["dimension_id"]]
        assert str(round(dimension["score"])) == row.score_text
        assert round(dimension["score"]) - round(dimension["previous_score"]) == row.delta
    assert len(document["answers"]) == 3 * len(sequence)
    assert {a["respondent"] for a in document["answers"]} == {"R1", "R2", "R3"}

    dimensions = list(csv.DictReader(io.StringIO(export_csv(data, sequence, "dimensions"))))
    assert [r["dimension_id"] for r in dimensions][-1] == "overall"
    for row in dimensions[:-1]:
        assert str(round(float(row["score"]))) == shown[row["dimension_id"]].score_text
    answers = list(csv.DictReader(io.StringIO(export_csv(data, sequence, "answers"))))
    practice_values = [int(a["value"]) for a in answers if a["kind"] == "practice"]
    # Repeatable, exported as typed: 3 on the 1–4 scale
    assert practice_values == [3] * (3 * len(assessments.questionnaire.practices))

    # Snapshot 2's export carries the notes and compares with snapshot 1.
    second = json.loads(export_json(await assessments.export(team, 2), sequence))
    noted = [a for a in second["answers"] if a["note"]]
    assert {a["note"] for a in noted} == {"New shared inbox <3 & routing"}
    channels_row = next(d for d in second["dimensions"] if d["dimension_id"] == "channels")
    assert channels_row["change"] == pytest.approx(100 / 3, abs=0.01)
    with pytest.raises(UserError, match="no snapshot 9"):
        await assessments.export(team, 9)


async def test_exports_name_people_only_when_the_team_chose_so(
    assessments: Assessments,
) -> None:
    await take(assessments, "ayse", lambda _: "2")
    assessments = as_operator(assessments)
    team = await assessments.find_team(TEAM)
    await assessments.set_export_names(team, True, "lead")
    team = await assessments.find_team(TEAM)
    document = json.loads(export_json(await assessments.export(team), assessments.sequence))
    assert {a["respondent"] for a in document["answers"]} == {"ayse"}


async def test_last_time_means_the_last_submitted_answers(assessments: Assessments) -> None:
    await take(assessments, "ayse", lambda _: "4")
    team = await assessments.find_team(TEAM)
    await assessments.new_snapshot(team, "lead")
    half_done = await assessments.open(who("ayse"))
    await assessments.handle_text(half_done.response_id, "same")  # only the role, then gone
    await take(assessments, "mehmet", lambda _: "2")
    await assessments.new_snapshot(team, "lead")
    opened = await assessments.open(who("ayse"))
    assert len(opened.turn.state.previous) == len(assessments.sequence)
    first_practice = next(iter(assessments.questionnaire.practices))
    assert opened.turn.state.previous[first_practice].value == 3  # Systematic, from snapshot 1


async def test_a_chats_export_holds_aggregates_only(assessments: Assessments) -> None:
    """The service as chats use it: scores, never anyone's own answers, even above the
    threshold (bot/disclosure.py)."""
    await three_snapshots(assessments)
    team = await assessments.find_team(TEAM)
    data = await assessments.export(team)
    assert data.result.respondents == 3 and list(data.records) == []
    assert list((await as_operator(assessments).export(team)).records)
