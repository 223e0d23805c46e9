"""A team's privacy settings — its anonymity threshold and anonymous mode — and what anonymous
mode does to the answers it stores.

In anonymous mode a response is linked to its person only while they answer (resuming needs
it). When they submit, the answers move to a new response row that names nobody
(``person_id`` NULL, no link to any earlier response, times kept to the day), and the person's
own row stays behind as a receipt: submitted, with no answers. The receipt is what still knows
that they submitted — so they are not nudged, not invited to answer twice, and a channel's
status can count them — and it holds nothing they answered. What this costs: no "last time"
answers in the next snapshot, and no changes after submitting.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.engine import Connection

from bot.disclosure import MAX_THRESHOLD, MIN_THRESHOLD
from bot.payload_ids import parse_id
from conversations.engine import Turn
from conversations.i18n import N_, Localizer
from conversations.replies import Notice
from conversations.state import ResponseState, ResponseStatus
from storage import audit_trail
from storage.database import Database
from storage.models import AnswerRow, Base, Response, Snapshot, Team

_responses = Base.metadata.tables[Response.__tablename__]
_answers = Base.metadata.tables[AnswerRow.__tablename__]
_snapshots = Base.metadata.tables[Snapshot.__tablename__]
_teams = Base.metadata.tables[Team.__tablename__]
SUBMITTED = ResponseStatus.SUBMITTED.value

_TEAM_IS_ANONYMOUS = (
    select(_teams.c.anonymous)
    .select_from(
        _responses.join(_snapshots, _snapshots.c.id == _responses.c.snapshot_id).join(
            _teams, _teams.c.id == _snapshots.c.team_id
        )
    )
    .where(_responses.c.id == bindparam("response_id"))
)


def is_receipt(state: ResponseState) -> bool:
    """A submitted response without answers: what anonymous mode leaves the person (a
    response with answers always has some once submitted)."""
    return state.status is ResponseStatus.SUBMITTED and not state.answers


def receipt_turn(loc: Localizer, state: ResponseState) -> Turn | None:
    """What a person who submitted anonymously is told when they come back, instead of an
    empty list of "their" answers to change; None for any other response."""
    if not is_receipt(state):
        return None
    text = loc._(
        "You have submitted your answers. This team answers anonymously, so they are no "
        "longer linked to you: they can't be shown to you or changed."
    )
    return Turn(state, replies=(Notice(text),))


def _day(moment: dt.datetime | None) -> dt.datetime:
    """Midnight UTC of ``moment``'s day: when anonymous answers were given, kept to the day."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:  # SQLite hands naive UTC back through Core
        moment = moment.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(moment.astimezone(dt.UTC).date(), dt.time(), dt.UTC)


def detach(connection: Connection, response_id: int) -> int:
    """Move a submitted response's answers to a new row that names nobody; the person's row
    stays as their receipt. Returns the new row's id."""
    row = connection.execute(
        select(
            _responses.c.snapshot_id,
            _responses.c.locale,
            _responses.c.position,
            _responses.c.submitted_at,
        ).where(_responses.c.id == response_id)
    ).one()
    day = _day(row.submitted_at)
    anonymous_id: int = connection.execute(
        insert(_responses)
        .values(
            snapshot_id=row.snapshot_id,
            person_id=None,
            locale=row.locale,
            status=SUBMITTED,
            position=row.position,
            returning_to_review=False,
            started_at=day,
            updated_at=day,
            submitted_at=day,
            previous_response_id=None,
            note_for=None,
        )
        .returning(_responses.c.id)
    ).scalar_one()
    connection.execute(
        update(_answers)
        .where(_answers.c.response_id == response_id)
        .values(response_id=anonymous_id, answered_at=day)
    )
    connection.execute(
        update(_responses)
        .where(_responses.c.id == response_id)
        .values(
            started_at=day,
            updated_at=day,
            submitted_at=day,
            previous_response_id=None,
            note_for=None,
        )
    )
    return anonymous_id


def detach_if_anonymous(connection: Connection, response_id: int) -> None:
    """Just submitted: in an anonymous team the answers leave the person's row."""
    if connection.execute(_TEAM_IS_ANONYMOUS, {"response_id": response_id}).scalar():
        detach(connection, response_id)


def _detach_team(connection: Connection, team_id: int) -> int:
    """Every submitted response of the team that still names its person, detached."""
    linked = connection.scalars(
        select(_responses.c.id)
        .join(_snapshots, _snapshots.c.id == _responses.c.snapshot_id)
        .where(
            _snapshots.c.team_id == team_id,
            _responses.c.person_id.is_not(None),
            _responses.c.status == SUBMITTED,
            exists().where(_answers.c.response_id == _responses.c.id),
        )
        .order_by(_responses.c.id)
    ).all()
    for response_id in linked:
        detach(connection, response_id)
    # Answers still being given offer nothing from before from now on, nor ask why one
    # changed since then.
    connection.execute(
        update(_responses)
        .where(
            _responses.c.snapshot_id.in_(
                select(_snapshots.c.id).where(_snapshots.c.team_id == team_id)
            ),
            _responses.c.previous_response_id.is_not(None),
        )
        .values(previous_response_id=None, note_for=None)
    )
    return len(linked)


class ThresholdOutOfRange(ValueError):
    pass


def parse_threshold(word: str) -> int:
    """A threshold typed in a chat or on the command line: a whole number 1–50."""
    threshold = parse_id(word)
    if threshold is None or not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ThresholdOutOfRange(word)
    return threshold


THRESHOLD_RANGE = N_("The threshold is a whole number from {least} to {most}.")


async def set_threshold(database: Database, team: Team, threshold: int, by: str) -> None:
    """The least number of submitted responses whose results a chat may see."""
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ThresholdOutOfRange(str(threshold))
    async with database.transaction() as session:
        row = await session.get(Team, team.id, with_for_update=True)
        if row is None:
            return
        before = row.anonymity_threshold
        row.anonymity_threshold = threshold
        await audit_trail.record_audit(
            session, team.id, by, "team.threshold", threshold=threshold, was=before
        )
    team.anonymity_threshold = threshold


async def set_anonymous(database: Database, team: Team, anonymous: bool, by: str) -> int:
    """Turn anonymous mode on or off. Turning it on detaches every answer the team already
    holds from its person; turning it off links nothing back. Returns how many responses were
    detached."""
    async with database.transaction() as session:
        row = await session.get(Team, team.id, with_for_update=True)
        if row is None:
            return 0
        row.anonymous = anonymous
        detached = 0
        if anonymous:
            detached = await session.run_sync(lambda sync: _detach_team(sync.connection(), team.id))
        await audit_trail.record_audit(
            session, team.id, by, "team.anonymous", anonymous=anonymous, detached=detached
        )
    team.anonymous = anonymous
    return detached


def anonymous_counts(loc: Localizer, submitted: int, in_progress: int) -> str:
    """A status line of an anonymous team: how many have submitted and how many are still
    answering, never who."""
    return loc._(
        "Answers are anonymous: {submitted} submitted, {in_progress} still answering.",
        submitted=submitted,
        in_progress=in_progress,
    )


ON_WORDS = frozenset({"on", "yes", "true", "1", "açık", "acik", "evet"})
OFF_WORDS = frozenset({"off", "no", "false", "0", "kapalı", "kapali", "hayır", "hayir"})


def parse_switch(word: str) -> bool | None:
    """on/off in English or Turkish; None for anything else."""
    folded = word.strip().lower()
    return True if folded in ON_WORDS else False if folded in OFF_WORDS else None


def threshold_text(loc: Localizer, threshold: int) -> str:
    return loc.ngettext(
        "Anonymity threshold: {n}. Results reach this chat once at least {n} person has submitted.",
        "Anonymity threshold: {n}. Results reach this chat once at least {n} people have "
        "submitted.",
        threshold,
    )


def anonymous_text(loc: Localizer, anonymous: bool, detached: int = 0) -> str:
    if not anonymous:
        return loc._(
            "Anonymous mode is off: answers submitted from now on stay linked to the person, "
            "so the next snapshot can show them their answers from last time. Answers already "
            "unlinked stay anonymous."
        )
    text = loc._(
        "Anonymous mode is on: submitted answers keep no link to the person. What it costs: "
        "nobody sees their answers from last time in the next snapshot, and answers can't be "
        "changed once submitted."
    )
    if detached:
        text += " " + loc.ngettext(
            "{n} response already submitted was unlinked.",
            "{n} responses already submitted were unlinked.",
            detached,
        )
    return text


def settings_text(
    loc: Localizer, team: Team, threshold_command: str, anonymous_command: str
) -> str:
    """A team's privacy settings and how an administrator changes them."""
    return "\n".join(
        [
            threshold_text(loc, team.anonymity_threshold),
            loc._("Anonymous mode: on") if team.anonymous else loc._("Anonymous mode: off"),
            loc._(
                "Administrators change them with {threshold} and a number from {least} to "
                "{most}, and with {anonymous} on or off.",
                threshold=threshold_command,
                anonymous=anonymous_command,
                least=MIN_THRESHOLD,
                most=MAX_THRESHOLD,
            ),
        ]
    )


def submitted_text(loc: Localizer, team: Team) -> str:
    """What someone who just submitted to an anonymous team is told: their answers are no
    longer theirs to change (what the engine says about changing them until the close does
    not hold here)."""
    return loc.ngettext(
        "“{team}” answers anonymously: your answers are no longer linked to you, so they can't "
        "be changed now. Its results are shown once at least {n} person has submitted, and no "
        "one sees your own answers.",
        "“{team}” answers anonymously: your answers are no longer linked to you, so they can't "
        "be changed now. Its results are shown once at least {n} people have submitted, and no "
        "one sees your own answers.",
        team.anonymity_threshold,
        team=team.name,
    )
