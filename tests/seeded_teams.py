"""Teams whose history is written through the service rather than the chat, for tests about
what a press may not do: a team with a closed, answered snapshot (so an action plan to tick)
and, optionally, a second snapshot open, and reminders queued in the outbox as the scheduler
would queue them. Only the press under test goes through the platform's real protocol."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.assessments import Assessments
from bot.service_types import Participant
from storage import outbox, snapshot_lifecycle
from storage.models import Team

# Practices on "Ad hoc", numbers and free text skipped, then submit.
ANSWERS = ["2"] * 28 + ["skip"] * 7 + ["submit"]


@dataclass(frozen=True)
class SeededTeam:
    team: Team
    answered: int  # the closed snapshot's id: its action plan is the team's checklist
    token: str  # the invitation token of the latest snapshot
    latest: int  # the latest snapshot's id (the open one, when one was opened)
    responses: dict[str, int]  # person → their response id in the latest snapshot


async def _snapshot(
    assessments: Assessments,
    platform: str,
    external_id: str,
    name: str,
    people: dict[str, str],
    submit: set[str],
) -> tuple[int, str, dict[str, int]]:
    invitation = await assessments.start_snapshot(platform, external_id, name, by="seed")
    responses: dict[str, int] = {}
    for person_id, person_name in people.items():
        who = Participant(platform, "", "", person_id, person_name)
        opened = await assessments.join(invitation.token, who, "en")
        responses[person_id] = opened.response_id
        if person_id in submit:
            for text in ANSWERS:
                await assessments.handle_text(opened.response_id, text)
    return invitation.team_id, invitation.token, responses


async def snapshot_id_of(assessments: Assessments, token: str) -> int:
    async with assessments.database.reading() as session:
        snapshot = await snapshot_lifecycle.snapshot_by_token(session, token)
    assert snapshot is not None
    return snapshot.id


async def seeded_team(
    assessments: Assessments,
    platform: str,
    external_id: str,
    name: str,
    people: dict[str, str],
    *,
    open_next: bool = False,
) -> SeededTeam:
    """The team of ``external_id``: everyone in ``people`` (id → name) answered snapshot 1,
    which is closed; with ``open_next``, snapshot 2 is open and nobody has answered it yet
    (each has started, so each has a response in it)."""
    team_id, token, responses = await _snapshot(
        assessments, platform, external_id, name, people, set(people)
    )
    team = await assessments.team(team_id)
    await assessments.close(team, "seed")
    answered = latest = await snapshot_id_of(assessments, token)
    if open_next:
        _team_id, token, responses = await _snapshot(
            assessments, platform, external_id, name, people, set()
        )
        latest = await snapshot_id_of(assessments, token)
    return SeededTeam(await assessments.team(team_id), answered, token, latest, responses)


async def queue(
    assessments: Assessments,
    platform: str,
    team_id: int,
    kind: str,
    snapshot_id: int | None,
    recipient: str = "",
    status: str = outbox.PENDING,
) -> None:
    """A reminder in the outbox, as the scheduler queues it (``status`` once handled)."""
    due = dt.datetime(2026, 1, 5, 7, 0, tzinfo=dt.UTC)
    row = outbox.outbox_row(platform, team_id, kind, due, recipient=recipient,
                            snapshot_id=snapshot_id)  # fmt: skip
    row["status"] = status
    async with assessments.database.transaction() as session:
        await outbox.enqueue(session, [row])
