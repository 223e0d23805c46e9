"""Slack's courier: what the scheduler's queued messages become in a team's channel and in
people's DMs. A snapshot is announced in the channel and every human member gets an
invitation by DM; nudges go by DM to invitees who have not submitted and are not away. The
Web API client retries 429s itself (Retry-After), so a few sends in flight keep within
Slack's per-method limits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.rosters import Invited
from bot.scheduling import cycle as kinds
from bot.scheduling.reminders import (
    Context,
    Reminders,
    no_answers_text,
    parse_snooze,
    review_text,
    snoozed_text,
)
from bot.scheduling.sender import Outcome, Outgoing, Skip
from bot.scheduling.snooze_checks import may_snooze
from bot.service_types import Invitation
from bot.slack.blocks import actions, button, context, escape, section
from bot.slack.common import (
    PLATFORM,
    Body,
    Shared,
    channel_members,
    channel_of,
    where_pressed,
    workspace_of_team,
)
from bot.slack.dm import DirectMessages
from bot.slack.invitation import START_ACTION
from bot.slack.membership import tell_presser
from bot.slack.results import Results
from conversations.i18n import Localizer
from storage.models import Snapshot, Team

log = logging.getLogger("bot.slack")
SNOOZE_ACTION = "snooze"
CONCURRENCY = 4
# Errors after which a message can never go: not worth retrying.
PERMANENT = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "user_not_found",
     "account_inactive", "cannot_dm_bot", "user_disabled", "team_not_found"}
)  # fmt: skip

ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]


def snooze_value(kind: str, team_id: int, snapshot_id: int | None) -> str:
    return f"{kind}:{team_id}:{snapshot_id or 0}"


class SlackCourier:
    platform = PLATFORM
    concurrency = CONCURRENCY

    def __init__(
        self, shared: Shared, dm: DirectMessages, results: Results, client_for: ClientFor
    ) -> None:
        self.shared = shared
        self.assessments = shared.assessments
        self.dm = dm
        self.results = results
        self.client_for = client_for
        self.reminders = Reminders(shared.assessments, PLATFORM)

    async def deliver(self, message: Outgoing) -> Outcome:
        found = await self.reminders.context(message)
        if found is None:
            return Skip("team deleted")
        client = await self.client_for(workspace_of_team(found.team.external_id))
        if client is None:
            return Skip("workspace not installed")
        try:
            return await self._deliver(client, message, found)
        except SlackApiError as error:
            reason = str(error.response.get("error", "?"))
            if reason in PERMANENT:
                return Skip(reason)
            raise

    async def _deliver(self, client: AsyncWebClient, message: Outgoing, found: Context) -> Outcome:
        team, snapshot = found.team, found.snapshot
        channel = channel_of(team.external_id)
        team_loc = self.shared.localizer(team.locale)
        kind = message.kind
        if kind == kinds.REPORT:
            await self.results.post(client, team)
        elif kind == kinds.REVIEW:
            return await self._review(client, message, team, team_loc)
        elif snapshot is None:
            return Skip("no snapshot")
        elif kind == kinds.NO_ANSWERS:
            text = no_answers_text(team_loc, snapshot.number)
            await client.chat_postMessage(
                channel=channel, text=text, blocks=[section(escape(text))]
            )
        elif snapshot.status != "open":
            return Skip("snapshot closed")
        elif kind == kinds.ANNOUNCE:
            text = team_loc._(
                "It's time for snapshot {number} of the customer-service maturity assessment. "
                "I've sent each of you a direct message with the questions; please answer by "
                "{date}. Only the team's results are shown here.",
                number=snapshot.number,
                date=team_loc.date(found.cadence.local_date(snapshot.deadline or message.due)),
            )
            await client.chat_postMessage(channel=channel, text=text,
                                          blocks=[section(f"📝 {escape(text)}")])  # fmt: skip
            await self.reminders.fan_out(
                message, kinds.INVITE, await channel_members(client, channel)
            )
        elif kind == kinds.NUDGE_ROUND:
            today = dt.datetime.now(found.cadence.zone).date()
            invited = await self.reminders.invited(snapshot)
            await self.reminders.fan_out(
                message, kinds.NUDGE, await self.reminders.waiting(snapshot, invited, today)
            )
        elif kind == kinds.INVITE:
            return await self._invite(client, message, found, snapshot)
        else:
            return await self._nudge(client, message, found, snapshot)
        return None

    async def _invite(
        self, client: AsyncWebClient, message: Outgoing, found: Context, snapshot: Snapshot
    ) -> Outcome:
        user = await self.shared.directory.user_or_none(client, message.recipient)
        if user is None or not user.is_human:
            return Skip("not a person")
        if (later := self.reminders.slot(found, user.timezone)) is not None:
            return later
        # In the team's time zone: the invitation shows the deadline's date as the channel's
        # announcement and the nudges do (in UTC it may already be the next day).
        deadline = (snapshot.deadline or message.due).astimezone(found.cadence.zone)
        invitation = Invitation(
            found.team.id, snapshot.number, snapshot.invite_token or "", deadline, created=True
        )
        channel, ts = await self.dm.invite(client, user, found.team, invitation)
        await self.shared.rosters.add_invitee(
            found.team.id, snapshot.number, Invited(user.id, user.name, channel, ts, user.timezone)
        )
        return None

    async def _nudge(
        self, client: AsyncWebClient, message: Outgoing, found: Context, snapshot: Snapshot
    ) -> Outcome:
        if (why := await self.reminders.why_not_nudge(found, message.recipient)) is not None:
            return why
        user = await self.shared.directory.user_or_none(client, message.recipient)
        if user is None or not user.is_human:
            return Skip("not a person")
        if (later := self.reminders.slot(found, user.timezone)) is not None:
            return later
        chosen = await self.assessments.person_locale(PLATFORM, user.id)
        loc = self.shared.localizer(chosen or user.locale or found.team.locale)
        deadline = found.cadence.local_date(snapshot.deadline or message.due)
        text = loc._(
            "Reminder: snapshot {number} of {team} is still waiting for your answers. Please "
            "answer by {date}; it takes about 10 minutes.",
            number=snapshot.number,
            team=found.team.name,
            date=loc.date(deadline),
        )
        away = loc._("Away for a while? Tell me with /maturity away and the date you are back.")
        opened = await client.conversations_open(users=user.id)
        buttons = [
            button(loc._("Answer now"), START_ACTION, snapshot.invite_token or "", style="primary"),
            button(loc._("Snooze until tomorrow"), SNOOZE_ACTION,
                   snooze_value(kinds.NUDGE, found.team.id, snapshot.id)),
        ]  # fmt: skip
        await client.chat_postMessage(
            channel=opened["channel"]["id"],
            text=text,
            blocks=[section(f"⏰ {escape(text)}"), actions(buttons), context(escape(away))],
        )
        return None

    async def _review(
        self, client: AsyncWebClient, message: Outgoing, team: Team, loc: Localizer
    ) -> Outcome:
        plan = await self.assessments.plan(team)
        open_items = sum(not item.done for item in plan.items)
        if not open_items:
            return Skip("no open action items")
        text = review_text(loc, open_items)
        snooze = button(loc._("Snooze until tomorrow"), SNOOZE_ACTION,
                        snooze_value(kinds.REVIEW, team.id, message.snapshot_id))  # fmt: skip
        await client.chat_postMessage(
            channel=channel_of(team.external_id),
            text=text,
            blocks=[section(f"🔁 {escape(text)}"), actions([snooze])],
        )
        await self.results.post_checklist(client, team)
        return None

    async def snoozed(self, body: Body, client: AsyncWebClient, respond: AsyncRespond) -> None:
        """ "Snooze until tomorrow": the reminder is queued again, and its buttons give way to
        when it comes back. Only for whom the reminder is (see snooze_checks)."""
        pressed = parse_snooze(str((body.get("actions") or [{}])[0].get("value", "")))
        message = body.get("message") or {}
        user_id, channel, _ts = where_pressed(body)
        user = await self.shared.directory.user_or_none(client, user_id)

        async def runs(team: Team) -> bool:
            assert user is not None
            return await self.shared.is_admin(user, team, workspace_of_team(team.external_id))

        if (
            pressed is None
            or user is None
            or not message.get("ts")
            or not await may_snooze(self.reminders.database, PLATFORM, pressed, user.id, runs)
        ):
            loc = await self.shared.loc_for(client, user_id)
            await tell_presser(
                client, respond, channel, user_id, loc._("This button is not for you.")
            )
            return
        kind, team_id, snapshot_id = pressed.kind, pressed.team_id, pressed.snapshot_id
        recipient = user.id if kind == kinds.NUDGE else ""
        snoozed = await self.reminders.snooze(team_id, snapshot_id, kind, recipient, user.timezone)
        if snoozed is None:
            return
        loc = await self.shared.loc_for(client, user.id)
        note = snoozed_text(loc, *snoozed, user.name)
        kept = [block for block in message.get("blocks") or [] if block.get("type") != "actions"]
        await client.chat_update(
            channel=str((body.get("channel") or {}).get("id", "")),
            ts=str(message["ts"]),
            text=str(message.get("text") or note),
            blocks=[*kept, context(escape(note))],
        )
