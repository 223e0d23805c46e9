"""A person who has left a trace in as many tables as the service writes: answers with free
text and notes over three snapshots of a team, a ticked checklist item and one they own, an
invitation, a reminder queued for them, a team admin role, a schedule they saved, a language,
a time zone, away dates, audit events, and a delivery record carrying their id. The forget-me
and export-me tests of every channel start from here; the channel adds its own traces.

A colleague answers too, and owns an item whose name contains the person's as a mere prefix
(Alp beside Al): what is theirs must stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.assessments import Assessments
from bot.rosters import Invited, Rosters, Schedule
from bot.scheduling.reminders import Reminders
from bot.service_types import Participant
from conversations.questions import QuestionKind
from conversations.state import REVIEW, ResponseStatus
from storage import outbox
from storage.models import Team

FREE_TEXT = "The queue is far too long on Mondays"
NOTE = "We hired two more agents"


@dataclass(frozen=True)
class Someone:
    platform: str
    external_id: str
    name: str

    def who(self, team_external_id: str, team_name: str) -> Participant:
        return Participant(self.platform, team_external_id, team_name, self.external_id, self.name)


async def answer(
    assessments: Assessments, who: Participant, practice: str, *, notes: bool, submit: bool = True
) -> int:
    """``who`` answers every practice with ``practice`` (typed 1–4), the role with its first
    option, each free-text question in words, numbers skipped, and a note wherever asked why
    an answer changed; submitted unless told not to. The response id."""
    opened = await assessments.open(who)
    state = opened.turn.state
    while state.position != REVIEW:
        if state.note_for is not None:
            text = NOTE if notes else "skip"
        else:
            kind = assessments.sequence.by_id(state.position).kind
            text = {
                QuestionKind.PRACTICE: practice,
                QuestionKind.ROLE: "1",
                QuestionKind.TEXT: FREE_TEXT,
            }.get(kind, "skip")
        state = (await assessments.handle_text(opened.response_id, text)).state
        if not submit and len(state.answers) >= 3:
            return opened.response_id
    turn = await assessments.handle_text(opened.response_id, "submit")
    assert turn.state.status is ResponseStatus.SUBMITTED
    return opened.response_id


async def leave_traces(
    assessments: Assessments,
    person: Someone,
    colleague: Someone,
    team_external_id: str,
    team_name: str,
) -> Team:
    """Three snapshots of the team (two closed, one open and half answered by the person)
    and every other trace listed above. The team."""
    platform, rosters = person.platform, Rosters(assessments.database, person.platform)
    who, other = person.who(team_external_id, team_name), colleague.who(team_external_id, team_name)
    await answer(assessments, who, "2", notes=False)
    await answer(assessments, other, "3", notes=False)
    team = await assessments.team_at(platform, team_external_id)
    assert team is not None
    await assessments.new_snapshot(team, by=person.name)
    await answer(assessments, who, "4", notes=True)
    await answer(assessments, other, "3", notes=False)
    await assessments.tick(team, 1, True, by=person.name)
    await assessments.assign(team, 2, person.name, dt.date(2031, 1, 31), by=colleague.name)
    await assessments.assign(team, 3, colleague.name, None, by=person.name)
    number = await assessments.new_snapshot(team, by=person.name)
    await answer(assessments, who, "1", notes=True, submit=False)
    await rosters.set_admin(team.id, person.external_id, admin=True, by=person.name)
    await rosters.add_invitee(
        team.id,
        number,
        Invited(person.external_id, person.name, f"D-{person.external_id}", "1.5", "Europe/Rome"),
    )
    # Going live in a month: `csmm serve`'s scheduler stores a job for it.
    go_live = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    await rosters.save_schedule(team.id, Schedule(go_live=go_live), by=person.name)
    await assessments.set_person_locale(who, "tr")
    loc = assessments.localizer("en")
    await Reminders(assessments, platform).set_away(
        person.external_id, person.name, dt.date(2031, 2, 1), loc, "/away off"
    )
    due = dt.datetime(2031, 1, 8, 9, 0, tzinfo=dt.UTC)
    async with assessments.database.transaction() as session:
        rows = [
            outbox.outbox_row(platform, team.id, "nudge", due, recipient=person.external_id),
            outbox.outbox_row(platform, team.id, "nudge", due, recipient=colleague.external_id),
        ]
        await outbox.enqueue(session, rows)
    assert await assessments.first_time(platform, f"test:{team.id}:{person.external_id}")
    return team
