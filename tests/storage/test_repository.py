"""Storage through the assessment service, on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text, update

from bot.assessments import Assessments
from bot.service_types import Participant
from conversations.state import REVIEW, AnswerState, ResponseState, ResponseStatus
from storage import answering
from storage.database import Database, SchemaError
from storage.models import ActionItem, AnswerRow, AuditEvent, Person, Response, Snapshot


async def stored_state(database: Database, response_id: int) -> ResponseState:
    return await database.run(lambda c: answering.load_state(c, response_id, for_update=False))


def who(person: str, team: str = "team") -> Participant:
    return Participant("console", team, team, person, person)


async def answer_everything(assessments: Assessments, response_id: int, value: str) -> None:
    for _ in range(len(assessments.sequence)):
        await assessments.handle_text(response_id, value)
    turn = await assessments.handle_text(response_id, "submit")
    assert turn.state.status is ResponseStatus.SUBMITTED


async def test_each_answer_is_committed_before_the_reply(
    assessments: Assessments, database: Database
) -> None:
    opened = await assessments.open(who("a"))
    turn = await assessments.handle_text(opened.response_id, "2")
    assert turn.saved
    # A separate connection sees it as soon as handle_text returned.
    other = Database(database.url)
    state = await stored_state(other, opened.response_id)
    await other.dispose()
    assert state.answers["role"].value == "team_lead"
    assert state.position == turn.state.position


async def test_answers_are_unique_per_response_and_question(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    await assessments.handle_text(opened.response_id, "1")
    await assessments.handle_text(opened.response_id, "back")
    await assessments.handle_text(opened.response_id, "3")
    async with assessments.database.reading() as session:
        rows = (await session.execute(select(AnswerRow.question_id, AnswerRow.text))).all()
    assert rows == [("role", "manager")]


async def test_resume_returns_to_the_same_question(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    for value in ["1", "2", "3"]:
        await assessments.handle_text(opened.response_id, value)
    again = await assessments.open(who("a"))
    assert again.response_id == opened.response_id and not again.created
    question = assessments.sequence.at(4)
    assert question is not None and again.turn.state.position == question.id


async def test_concurrent_answers_never_fail(assessments: Assessments) -> None:
    """Many people answering at once: no 'database is locked', every answer stored."""
    people = [await assessments.open(who(f"p{i}")) for i in range(30)]

    async def answer(response_id: int) -> None:
        for value in ["2", "3", "4", "1", "0"]:
            await assessments.handle_text(response_id, value)

    await asyncio.gather(*(answer(p.response_id) for p in people))
    async with assessments.database.reading() as session:
        count = await session.scalar(select(func.count()).select_from(AnswerRow))
    assert count == 30 * 5


async def test_same_person_twice_at_once_stays_consistent(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    turns = await asyncio.gather(
        *(assessments.handle_text(opened.response_id, "2") for _ in range(8))
    )
    state = await stored_state(assessments.database, opened.response_id)
    # Serialised: eight answers to eight consecutive questions, none lost or doubled.
    assert len(state.answers) == 8
    assert {t.state.position for t in turns} == {q.id for q in assessments.sequence.questions[1:9]}


async def test_submitted_answers_are_editable_until_the_snapshot_closes(
    assessments: Assessments,
) -> None:
    opened = await assessments.open(who("a"))
    await answer_everything(assessments, opened.response_id, "3")
    turn = await assessments.handle_text(opened.response_id, "change 2")
    turn = await assessments.handle_text(opened.response_id, "4")
    assert turn.submitted and turn.state.position == REVIEW
    async with assessments.database.transaction() as session:
        await session.execute(update(Snapshot).values(status="closed"))
    refused = await assessments.handle_text(opened.response_id, "change 2")
    assert refused.saved == ()
    state = await stored_state(assessments.database, opened.response_id)
    assert state.answers["ch_omni"].value == 3 and not state.snapshot_open


async def test_report_aggregates_people_and_plan_keeps_ticks(assessments: Assessments) -> None:
    for name, value in [("a", "4"), ("b", "2")]:
        opened = await assessments.open(who(name))
        await answer_everything(assessments, opened.response_id, value)
    team = await assessments.find_team("team")
    report = await assessments.report(team)
    assert report.result.respondents == 2
    assert round(report.result.overall or 0) == 67
    plan = (await assessments.plan(team)).items
    first = plan[0]
    await assessments.tick(team, 1, True, "lead")
    # Someone edits answers so that item no longer applies: a ticked item stays in the plan.
    again = (await assessments.plan(team)).items
    assert again[0].key == first.key and again[0].done and again[0].done_by == "lead"
    async with assessments.database.reading() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions == ["plan.done"]


async def test_forget_deletes_open_answers_and_anonymises_closed_ones(
    assessments: Assessments,
) -> None:
    first = await assessments.open(who("a"))
    await answer_everything(assessments, first.response_id, "3")
    async with assessments.database.transaction() as session:
        await session.execute(update(Snapshot).values(status="closed"))
    second = await assessments.open(who("a"))  # a new snapshot opens
    assert second.snapshot_number == 2
    await assessments.handle_text(second.response_id, "1")
    await assessments.handle_text(second.response_id, "3")

    team = await assessments.find_team("team")
    deleted, kept = await assessments.forget(team, "console", "a", "admin")
    free_text = len(assessments.questionnaire.free_text) + 1  # and the role
    assert deleted == 2 + free_text
    assert kept == len(assessments.sequence) - free_text
    async with assessments.database.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0
        links = (await session.execute(select(Response.person_id))).scalars().all()
        assert links == [None]
        texts = await session.scalar(
            select(func.count()).select_from(AnswerRow).where(AnswerRow.text.is_not(None))
        )
        assert texts == 0


async def test_schema_checks(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    await database.check_schema()  # migrated: fine
    async with database.transaction() as session:
        head = await session.scalar(text("SELECT version_num FROM alembic_version"))
        await session.execute(text("UPDATE alembic_version SET version_num = 'abc123'"))
    try:
        with pytest.raises(SchemaError, match="csmm db upgrade"):
            await database.check_schema()
    finally:  # the PostgreSQL database is shared by the session's tests
        async with database.transaction() as session:
            await session.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head}
            )
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaError, match="no CSMM schema yet"):
        await empty.check_schema()
    await empty.check_schema(create_if_empty=True)
    await empty.check_schema()
    await empty.dispose()


async def test_dont_know_and_skip_are_stored(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    await assessments.handle_text(opened.response_id, "skip")
    await assessments.handle_text(opened.response_id, "0")
    state = await stored_state(assessments.database, opened.response_id)
    assert state.answers["role"].state is AnswerState.SKIPPED
    assert state.answers["ch_omni"].state is AnswerState.DONT_KNOW


async def test_control_characters_never_reach_the_database(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    await assessments.handle_text(opened.response_id, "change 34")
    turn = await assessments.handle_text(opened.response_id, "Slow\x00 replies\x1b[31m")
    assert turn.saved
    await assessments.handle_text(opened.response_id, "\x00\x07")  # nothing printable: refused
    state = await stored_state(assessments.database, opened.response_id)
    assert state.answers[assessments.sequence.at(34).id].value == "Slow replies[31m"  # type: ignore[union-attr]


def second_service(assessments: Assessments) -> Assessments:
    """Another engine on the same database, as a second process would have (own pool, own lock)."""
    return Assessments(
        Database(assessments.database.url), assessments.questionnaire, assessments.localizers
    )


async def test_two_writers_on_one_response_lose_nothing(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    other = second_service(assessments)

    async def skips(service: Assessments) -> None:
        for _ in range(17):
            await service.handle_text(opened.response_id, "skip")

    await asyncio.gather(skips(assessments), skips(other))
    await other.database.dispose()
    state = await stored_state(assessments.database, opened.response_id)
    assert len(state.answers) == 34  # every skip landed on its own question
    assert state.position == assessments.sequence.at(35).id  # type: ignore[union-attr]


async def test_concurrent_reports_do_not_collide(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    await answer_everything(assessments, opened.response_id, "2")
    services = [second_service(assessments) for _ in range(5)]
    team = await assessments.find_team("team")
    reports = await asyncio.gather(*(s.report(team) for s in [assessments, *services]))
    for service in services:
        await service.database.dispose()
    plans = {tuple(line for s in r.view.sections for line in s.lines) for r in reports}
    assert len(plans) == 1
    async with assessments.database.reading() as session:
        keys = (await session.scalars(select(ActionItem.key))).all()
    assert len(keys) == len(set(keys)) > 0


async def test_plan_keeps_items_someone_took_on(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    await answer_everything(assessments, opened.response_id, "3")  # level 3: level-4 blockers
    team = await assessments.find_team("team")
    plan = (await assessments.plan(team)).items
    first = plan[0]
    assert first.key.startswith("practice:")
    await assessments.assign(team, 1, "Ayşe", None, "lead")
    # The blocker goes away: its practice becomes Systematic.
    number = assessments.sequence.number_of(first.key.removeprefix("practice:"))
    await assessments.handle_text(opened.response_id, f"change {number}")
    await assessments.handle_text(opened.response_id, "4")
    again = (await assessments.plan(team)).items
    kept = [item for item in again if item.key == first.key]
    assert kept and kept[0].owner == "Ayşe"
    unowned = plan[1].key
    assert unowned in {item.key for item in again}  # still a blocker: still there


async def test_forgetting_the_last_respondent_empties_report_and_plan(
    assessments: Assessments,
) -> None:
    opened = await assessments.open(who("solo"))
    await answer_everything(assessments, opened.response_id, "1")
    team = await assessments.find_team("team")
    assert (await assessments.plan(team)).items
    await assessments.forget(team, "console", "solo", "admin")
    report = await assessments.report(team)
    assert report.view.empty_note is not None
    assert report.view.sections == ()  # no blockers, no stale plan
    assert (await assessments.plan(team)).items == []


async def test_chosen_language_carries_into_the_next_snapshot(assessments: Assessments) -> None:
    opened = await assessments.open(who("a"))
    await assessments.handle_text(opened.response_id, "language tr")
    async with assessments.database.transaction() as session:
        await session.execute(update(Snapshot).values(status="closed"))
    later = await assessments.open(who("a"))
    assert later.snapshot_number == 2
    assert later.turn.state.locale == "tr"


async def test_new_teams_take_the_configured_anonymity_threshold(
    assessments: Assessments,
) -> None:
    configured = Assessments(
        assessments.database, assessments.questionnaire, assessments.localizers, 5
    )
    default = Assessments(assessments.database, assessments.questionnaire, assessments.localizers)
    await configured.open(who("a", team="five"))
    await default.open(who("a", team="default"))
    assert (await assessments.find_team("five")).anonymity_threshold == 5
    assert (await assessments.find_team("default")).anonymity_threshold == 3
