"""SQLAlchemy models: teams, people, snapshots, responses, answers, action items, invitees,
administrators, schedules, audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    anonymity_threshold: Mapped[int] = mapped_column(Integer, default=3)
    # Exports name respondents only when the team chose so; otherwise R1, R2, …
    export_names: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Anonymous mode: submitted answers keep no link to the person (bot/anonymity.py).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Neither nudged nor counted as missing until this day (inclusive).
    away_until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("team_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the team
    questionnaire_id: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The secret in a group's "Take the assessment" link: whoever has it may answer this snapshot.
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    team: Mapped[Team] = relationship(lazy="raise")


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("snapshot_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), index=True
    )
    # NULL once the person asked to be forgotten: the numbers stay, anonymous.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    position: Mapped[str] = mapped_column(String(32))
    returning_to_review: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The same person's response in the team's previous snapshot, whose answers each question
    # offers to keep ("Last time: Ad hoc").
    previous_response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL")
    )
    # Set while the person is asked why an answer changed since last time.
    note_for: Mapped[str | None] = mapped_column(String(32))


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # answered | dont_know | skipped
    adoption: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)  # why it changed since the last snapshot
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (UniqueConstraint("snapshot_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # blocker | step
    text: Mapped[str] = mapped_column(Text)  # msgid; translated when shown
    dimension_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(8), default="open")  # open | done
    done_by: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    owner: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[dt.date | None] = mapped_column(Date)


class SeenUpdate(Base):
    """A platform update already acted on, recorded in the same transaction as its effect, so
    a redelivery — even after a crash and restart — changes nothing."""

    __tablename__ = "seen_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Invitee(Base):
    """Someone a snapshot was sent to (a Slack DM): who has not answered yet, and where their
    invitation message is, for nudges and for closing once everyone has submitted."""

    __tablename__ = "invitees"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(64))  # the chat the invitation went to
    message_ref: Mapped[str | None] = mapped_column(String(64))  # that message's id
    invited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamAdmin(Base):
    """A person the team names as one of its administrators, beside the platform's own."""

    __tablename__ = "team_admins"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    person_external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamSchedule(Base):
    """When a team's snapshots fall due: the settings the scheduler works from."""

    __tablename__ = "team_schedules"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    go_live: Mapped[dt.date | None] = mapped_column(Date)
    deadline_days: Mapped[int] = mapped_column(Integer, default=14)
    send_at: Mapped[str] = mapped_column(String(5), default="10:00")  # local time, HH:MM
    working_days: Mapped[str] = mapped_column(String(7), default="12345")  # ISO weekdays
    first_after_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    second_after_months: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    every_months: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    # Comma-separated: positive days after opening, negative days before the deadline.
    nudge_days: Mapped[str] = mapped_column(String(32), default="2,-1", server_default="2,-1")
    work_start: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="18:00", server_default="18:00")
    review_every_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    review_before_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduleRun(Base):
    """A team-level event of the cycle that has run: a job that fires twice acts once."""

    __tablename__ = "schedule_runs"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """One message to send: written before it is sent, marked once sent. Its key (team,
    kind, due time, recipient) is unique, so whatever asks for it twice gets it once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_waiting", "platform", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(128))  # a person's id; "" for the team
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when the event behind it fell due
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # pending → sending → sent | skipped | failed
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))


class AuditEvent(Base):
    """What an administrator did, by whom and when: the trail behind every admin action."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
