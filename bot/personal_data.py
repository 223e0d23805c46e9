"""Export-me: everything CSMM Bot holds about one person, as one JSON document (GDPR Art. 20,
KVKK Art. 11), for every channel to hand over its own way (a file, a Telegram document, a
file in a Slack DM).

Values are the ones people type: practices 1–4 (0 = don't know), numbers as given, free
text and notes as written. Keys are English (the document is meant for machines too); the
question texts, labels and the sentence that explains the document follow the person's
language.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from bot.assessments import Assessments
from conversations.i18n import Localizer
from conversations.questionnaire import NumberQuestion, RoleQuestion
from conversations.questions import QuestionKind, QuestionSequence
from storage.held_data import HeldAnswer, HeldData, HeldResponse, held_data

FILENAME = "csmm-my-data.json"
DONT_KNOW_VALUE = 0  # the value a "don't know" is typed as, beside the scale's 1–4
FORMAT = "csmm-personal-data/1"


async def held_about(
    assessments: Assessments, platform: str, external_id: str, names: Sequence[str] = ()
) -> HeldData:
    async with assessments.database.reading() as session:
        return await held_data(session, platform, external_id, names)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _answer(answer: HeldAnswer, sequence: QuestionSequence, loc: Localizer) -> dict[str, Any]:
    """One answer as typed: the question it answers, in the person's language."""
    known = answer.question_id in sequence
    question = sequence.by_id(answer.question_id) if known else None
    value: Any = None
    label = None
    if answer.state == "dont_know":
        value, label = DONT_KNOW_VALUE, loc._(sequence.questionnaire.dont_know.label)
    elif answer.adoption is not None:
        value = answer.adoption + 1  # stored 0–3, typed 1–4
        scale = sequence.questionnaire.scale
        label = loc._(scale[answer.adoption].label) if answer.adoption < len(scale) else None
    elif answer.number is not None:
        value = answer.number
        source = question.source if question else None
        if isinstance(source, NumberQuestion) and source.integer:
            value = int(answer.number)
    elif answer.text is not None:
        value = answer.text
        if question is not None and isinstance(question.source, RoleQuestion):
            option = next((o for o in question.source.options if o.id == answer.text), None)
            label = loc._(option.label) if option else None
    return {
        "question_number": sequence.number_of(answer.question_id) if known else None,
        "question_id": answer.question_id,
        "question": loc._(question.text) if question else None,
        "section": loc._(question.section) if question else None,
        "kind": question.kind.value if question else None,
        "state": answer.state,
        "value": value,
        "label": label,
        "note": answer.note,
        "answered_at": _iso(answer.answered_at),
    }


def _response(response: HeldResponse, sequence: QuestionSequence, loc: Localizer) -> dict[str, Any]:
    answers = [_answer(answer, sequence, loc) for answer in response.answers]
    role = next(
        (a["label"] for a in answers if a["kind"] == QuestionKind.ROLE.value and a["label"]),
        None,
    )
    return {
        "team": response.team,
        "platform": response.team_platform,
        # In an anonymous team, submitted answers name nobody: they are not the person's to get.
        "team_answers_anonymously": response.team_anonymous,
        "snapshot": response.snapshot,
        "snapshot_status": response.snapshot_status,
        "status": response.status,
        "language": response.locale,
        "role": role,
        "started_at": _iso(response.started_at),
        "submitted_at": _iso(response.submitted_at),
        "answers": answers,
    }


def personal_data_json(
    held: HeldData, sequence: QuestionSequence, loc: Localizer, now: dt.datetime
) -> str:
    """The document export-me hands over."""
    questionnaire = sequence.questionnaire
    scale = {str(DONT_KNOW_VALUE): loc._(questionnaire.dont_know.label)}
    scale |= {str(point.value + 1): loc._(point.label) for point in questionnaire.scale}
    document = {
        "format": FORMAT,
        "about": loc._(
            "Everything CSMM Bot holds about you: your answers with their notes, your "
            "settings, the teams you belong to, checklist items you ticked or own, and messages "
            "queued for you. Practices are on the scale you answered on: 1 to 4, and 0 for "
            "“don't know”."
        ),
        "exported_at": _iso(now),
        "person": {
            "platform": held.platform,
            "id": held.external_id,
            "name": held.name,
            "language": held.locale,
            "time_zone": held.timezone,
            "away_until": _iso(held.away_until),
            "first_seen": _iso(held.first_seen),
        },
        "teams": held.teams,
        "admin_of": held.admin_of,
        "scale": scale,
        "responses": [_response(response, sequence, loc) for response in held.responses],
        "invitations": [
            {"team": i.team, "snapshot": i.snapshot, "invited_at": _iso(i.invited_at)}
            for i in held.invitations
        ],
        "checklist_items": [
            {
                "team": item.team,
                "snapshot": item.snapshot,
                "item": item.number,
                "text": loc._(item.text),
                "state": item.state,
                "ticked_by_you": item.done_by_them,
                "ticked_at": _iso(item.done_at),
                "owned_by_you": item.owned_by_them,
                "due": _iso(item.due),
            }
            for item in held.checklist
        ],
        "messages": [
            {
                "team": m.team,
                "kind": m.kind,
                "status": m.status,
                "not_before": _iso(m.not_before),
            }
            for m in held.messages
        ],
        "audit_events": [
            {"team": e.team, "action": e.action, "by_you": e.by_them, "at": _iso(e.at)}
            for e in held.audit
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


async def export_me(
    assessments: Assessments,
    platform: str,
    external_id: str,
    loc: Localizer,
    names: Sequence[str] = (),
) -> str | None:
    """The person's document; None when nothing at all is stored about them."""
    held = await held_about(assessments, platform, external_id, names)
    if held.empty:
        return None
    return personal_data_json(held, assessments.sequence, loc, dt.datetime.now(dt.UTC))
