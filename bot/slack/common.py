"""What every Slack handler shares: who people are (``users.info``, cached), the team a channel
stands for, per-person ordering, and drawing charts off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.assessments import Assessments
from bot.rosters import Rosters
from bot.service_types import Participant
from conversations.i18n import Localizer, normalize_locale
from storage.models import Team

PLATFORM = "slack"
SLACKBOT = "USLACKBOT"
USER_TTL = 600.0  # seconds a users.info answer is trusted: admin rights and locales change
log = logging.getLogger("bot.slack")

Body = dict[str, Any]


def team_key(workspace: str, channel: str) -> str:
    """A channel's team: channel ids are unique only within their workspace."""
    return f"{workspace}:{channel}"


def channel_of(external_id: str) -> str:
    return external_id.rpartition(":")[2]


def workspace_of_team(external_id: str) -> str:
    return external_id.partition(":")[0]


def personal_team_id(user_id: str) -> str:
    return f"personal:{user_id}"


async def channel_members(client: AsyncWebClient, channel: str) -> list[str]:
    """Every member of the channel, page by page (`conversations.members`)."""
    members: list[str] = []
    cursor = None
    while True:
        page = await client.conversations_members(channel=channel, cursor=cursor, limit=200)
        members += page.get("members") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return members


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    locale: str | None  # "en", "tr": from the Slack client's language, when Slack says
    timezone: str | None
    is_workspace_admin: bool
    is_human: bool  # not a bot, not Slackbot, not deactivated
    workspace: str = ""  # their own workspace: in a shared channel, not always the channel's

    def participant(self, team_external_id: str, team_name: str) -> Participant:
        return Participant(PLATFORM, team_external_id, team_name, self.id, self.name)

    @classmethod
    def from_api(cls, user: Body) -> SlackUser:
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user["id"]
        )
        locale = user.get("locale")
        return cls(
            id=user["id"],
            name=str(name)[:100],
            locale=normalize_locale(locale) if locale else None,
            timezone=user.get("tz"),
            is_workspace_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
            is_human=not (user.get("is_bot") or user.get("deleted") or user["id"] == SLACKBOT),
            workspace=str(user.get("team_id") or ""),
        )


class Directory:
    """``users.info`` answers, kept for a few minutes: each costs a Web API call, and a
    questionnaire asks about the same person at every step."""

    def __init__(self) -> None:
        self._users: dict[str, tuple[float, SlackUser]] = {}

    async def user(self, client: AsyncWebClient, user_id: str) -> SlackUser:
        found = self._users.get(user_id)
        if found is not None and time.monotonic() - found[0] < USER_TTL:
            return found[1]
        response = await client.users_info(user=user_id, include_locale=True)
        user = SlackUser.from_api(response["user"])
        self._users[user_id] = (time.monotonic(), user)
        return user

    def forget(self, user_id: str) -> None:
        """The person asked to be forgotten: their name, language and time zone go too."""
        self._users.pop(user_id, None)

    async def user_or_none(self, client: AsyncWebClient, user_id: str) -> SlackUser | None:
        try:
            return await self.user(client, user_id)
        except SlackApiError as error:
            log.info("users.info failed: %s", error.response.get("error"))
            return None


class PerPerson:
    """One person's interactions handled one at a time, in arrival order: two quick presses
    must not answer the same question twice. Different people run concurrently."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, person_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(person_id, asyncio.Lock())
        self._waiting[person_id] = self._waiting.get(person_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[person_id] -= 1
            if not self._waiting[person_id]:  # nobody else queued: forget the lock
                del self._waiting[person_id], self._locks[person_id]


class Shared:
    """The services and state every Slack handler uses."""

    def __init__(self, assessments: Assessments) -> None:
        self.assessments = assessments
        self.rosters = Rosters(assessments.database, PLATFORM)
        self.directory = Directory()
        self.per_person = PerPerson()
        # Charts take a few hundred milliseconds of CPU: drawn off the event loop, one at a time.
        self._drawing = asyncio.Lock()

    def localizer(self, locale: str | None) -> Localizer:
        return self.assessments.localizer(locale)

    async def loc_for(self, client: AsyncWebClient, user_id: str) -> Localizer:
        """The person's language: their own choice, else their Slack client's."""
        chosen = await self.assessments.person_locale(PLATFORM, user_id)
        if chosen:
            return self.localizer(chosen)
        user = await self.directory.user_or_none(client, user_id)
        return self.localizer(user.locale if user else None)

    async def is_admin(self, user: SlackUser, team: Team | None, workspace: str) -> bool:
        """The admins and owners of the channel's own ``workspace`` (not of a partner
        organisation sharing the channel), and the people the team names as its admins."""
        if user.is_workspace_admin and user.workspace in ("", workspace):
            return True
        return team is not None and await self.rosters.is_team_admin(team.id, user.id)

    async def draw(self, render: Callable[..., bytes], *args: Any) -> bytes:
        async with self._drawing:
            return await asyncio.to_thread(render, *args)


def workspace_of(body: Body) -> str:
    """The workspace a request comes from, whatever its kind."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or "")


def where_pressed(body: Body) -> tuple[str, str, str]:
    """(person, channel, message ts) of an interaction on a message."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
    return body["user"]["id"], str(channel), str(ts)


async def ephemeral(client: AsyncWebClient, channel: str, user_id: str, text: str) -> None:
    """A note only ``user_id`` sees; best effort (the app may not be able to post there)."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user_id, text=text)
    except SlackApiError as error:
        log.info("ephemeral note not sent: %s", error.response.get("error"))
