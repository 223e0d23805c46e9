"""Forget-me and export-me through the service, on SQLite and PostgreSQL: after forgetting,
no cell of any table (read from the database itself, not listed here) holds the person's id
or name, while the colleague's data and the team's anonymous numbers stay; export-me reads
back everything the traces left."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from bot.anonymity import set_anonymous
from bot.assessments import Assessments
from bot.personal_data import export_me
from storage.models import ActionItem, AnswerRow, Response
from tests.person_traces import FREE_TEXT, NOTE, Someone, answer, leave_traces
from tests.table_dump import cells_containing, dump_tables

PERSON = Someone("console", "nesrin.aydogan", "Nesrin Aydoğan")
COLLEAGUE = Someone("console", "derya.kaya", "Derya Kaya")
# Her name and id with a few letters more: someone else, whom forgetting her must leave alone.
NAMESAKE = Someone("console", "nesrin.aydoganlar", "Nesrin Aydoğanlar")


async def marked_items(assessments: Assessments) -> list[tuple[int, str, str | None, str | None]]:
    """(position, state, ticked by, owner) of the checklist items anyone marked."""
    query = (
        select(ActionItem.position, ActionItem.state, ActionItem.done_by, ActionItem.owner)
        .where(
            (ActionItem.state == "done")
            | ActionItem.owner.is_not(None)
            | ActionItem.due.is_not(None)
        )
        .order_by(ActionItem.position)
    )
    async with assessments.database.reading() as session:
        return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def test_forgetting_everywhere_leaves_no_cell_with_the_id_or_the_name(
    assessments: Assessments, database_url: str
) -> None:
    team = await leave_traces(assessments, PERSON, COLLEAGUE, "support", "Support desk")
    before = await dump_tables(database_url)
    assert cells_containing(before, [PERSON.external_id]) and cells_containing(
        before, [PERSON.name]
    )

    deleted, kept = await assessments.forget_everywhere(PERSON.platform, PERSON.external_id)
    assert deleted > 0 and kept > 0

    after = await dump_tables(database_url)
    assert cells_containing(after, [PERSON.external_id, PERSON.name]) == []
    # The colleague keeps everything: their answers, their item, their queued reminder.
    assert cells_containing(after, [COLLEAGUE.external_id])
    items = await marked_items(assessments)
    assert items == [
        (1, "done", None, None),
        (2, "open", None, None),
        (3, "open", None, COLLEAGUE.name),
    ]
    # Closed snapshots keep her numbers, unlinked; nothing she wrote stays.
    async with assessments.database.reading() as session:
        anonymous = await session.scalar(
            select(func.count()).select_from(Response).where(Response.person_id.is_(None))
        )
        written = await session.scalar(
            select(func.count())
            .select_from(AnswerRow)
            .where((AnswerRow.note == NOTE) | (AnswerRow.text == FREE_TEXT))
        )
    assert anonymous == 2
    # Only the colleague's free text is left, from the two snapshots they answered.
    assert written == 2 * len(assessments.questionnaire.free_text)
    history = await assessments.history(team)
    assert [entry.submitted for entry in history[:2]] == [2, 2]


async def test_forgetting_in_one_team_keeps_what_another_team_needs(
    assessments: Assessments, database_url: str
) -> None:
    await leave_traces(assessments, PERSON, COLLEAGUE, "support", "Support desk")
    other = await leave_traces(assessments, PERSON, COLLEAGUE, "sales", "Sales desk")
    await assessments.forget(other, PERSON.platform, PERSON.external_id, "operator")
    still = await dump_tables(database_url)
    assert cells_containing(still, [PERSON.external_id])  # Support desk still has her
    held = json.loads(
        await export_me(
            assessments, PERSON.platform, PERSON.external_id, assessments.localizer("en")
        )
        or "{}"
    )
    assert held["teams"] == ["Support desk"]

    support = await assessments.find_team("Support desk")
    await assessments.forget(support, PERSON.platform, PERSON.external_id, "operator")
    gone = await dump_tables(database_url)
    assert cells_containing(gone, [PERSON.external_id, PERSON.name]) == []


async def test_export_me_holds_every_answer_on_the_scale_people_answer_on(
    assessments: Assessments,
) -> None:
    await leave_traces(assessments, PERSON, COLLEAGUE, "support", "Support desk")
    loc = assessments.localizer("tr")
    document = await export_me(assessments, PERSON.platform, PERSON.external_id, loc)
    assert document is not None
    held = json.loads(document)
    assert held["person"] == {
        "platform": "console",
        "id": PERSON.external_id,
        "name": PERSON.name,
        "language": "tr",
        "time_zone": "Europe/Rome",
        "away_until": "2031-02-01",
        "first_seen": held["person"]["first_seen"],
    }
    assert held["teams"] == ["Support desk"] and held["admin_of"] == ["Support desk"]
    assert held["scale"]["0"] and set(held["scale"]) == {"0", "1", "2", "3", "4"}
    first, second, third = held["responses"]
    assert [r["snapshot"] for r in held["responses"]] == [1, 2, 3]
    assert (first["status"], third["status"]) == ("submitted", "in_progress")
    practices = [a for a in first["answers"] if a["kind"] == "practice"]
    assert {a["value"] for a in practices} == {2}  # typed 2, stored 1
    assert {a["value"] for a in second["answers"] if a["kind"] == "practice"} == {4}
    assert any(a["note"] == NOTE for a in second["answers"])
    assert any(a["value"] == FREE_TEXT for a in first["answers"])
    assert first["role"] and all(a["question"] for a in first["answers"])
    questions = assessments.sequence
    role = first["answers"][0]
    assert role["question"] == loc._(questions.questions[0].text)  # in her language
    items = held["checklist_items"]
    assert [(i["item"], i["ticked_by_you"], i["owned_by_you"]) for i in items] == [
        (1, True, False),
        (2, False, True),
    ]
    assert items[1]["due"] == "2031-01-31"
    assert held["messages"] == [
        {"team": "Support desk", "kind": "nudge", "status": "pending",
         "not_before": "2031-01-08T09:00:00+00:00"}
    ]  # fmt: skip
    assert held["invitations"][0]["snapshot"] == 3
    actions = {(e["action"], e["by_you"]) for e in held["audit_events"]}
    assert {("snapshot.new", True), ("team.admin.add", True), ("plan.assign", False)} <= actions
    # Nothing of the colleague's.
    assert COLLEAGUE.external_id not in document
    assert (
        dt.datetime.fromisoformat(held["exported_at"]).tzinfo is not None
        and held["format"] == "csmm-personal-data/1"
    )


async def test_export_me_of_someone_never_seen_is_nothing(assessments: Assessments) -> None:
    await leave_traces(assessments, PERSON, COLLEAGUE, "support", "Support desk")
    loc = assessments.localizer("en")
    assert await export_me(assessments, "console", "nobody.at.all", loc) is None
    assert await export_me(assessments, "telegram", PERSON.external_id, loc) is None


async def test_names_and_ids_are_matched_whole(assessments: Assessments) -> None:
    await leave_traces(assessments, PERSON, NAMESAKE, "support", "Support desk")
    await assessments.forget_everywhere(PERSON.platform, PERSON.external_id)
    assert (await marked_items(assessments))[2] == (3, "open", None, NAMESAKE.name)
    held = json.loads(
        await export_me(assessments, "console", NAMESAKE.external_id, assessments.localizer("en"))
        or "{}"
    )
    assert held["person"]["name"] == NAMESAKE.name
    assert [m["kind"] for m in held["messages"]] == ["nudge"]
    assert len(held["responses"]) == 2


async def test_export_me_in_an_anonymous_team_holds_no_submitted_answers(
    assessments: Assessments,
) -> None:
    """Anonymous mode unlinks answers at submit: export-me shows that they submitted, and
    nothing they answered; forgetting them leaves no trace either."""
    who = PERSON.who("support", "Support desk")
    await answer(assessments, COLLEAGUE.who("support", "Support desk"), "3", notes=False)
    team = await assessments.find_team("Support desk")
    await set_anonymous(assessments.database, team, True, by=COLLEAGUE.name)
    await answer(assessments, who, "2", notes=False)
    loc = assessments.localizer("en")
    held = json.loads(await export_me(assessments, "console", PERSON.external_id, loc) or "{}")
    [response] = held["responses"]
    assert response["team_answers_anonymously"] is True
    assert (response["status"], response["answers"]) == ("submitted", [])
    assert FREE_TEXT not in json.dumps(held)
