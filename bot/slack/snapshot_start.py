"""`/maturity start [days | YYYY-MM-DD]`: open a snapshot for the channel, announce it there,
and invite each human member by direct message (a few at a time, within Slack's limits)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deadlines import MAX_DEADLINE_DAYS, parse_deadline
from bot.rosters import Invited
from bot.service_types import Invitation
from bot.slack.blocks import escape, section
from bot.slack.command_call import Call
from bot.slack.common import PLATFORM, channel_members, log
from storage.models import Team

if TYPE_CHECKING:
    from bot.slack.commands import Commands

INVITE_CONCURRENCY = 4  # DMs sent at once: Slack's per-method limits allow a few per second


class SnapshotStart:
    def __init__(self, commands: Commands) -> None:
        self.commands = commands
        self.shared = commands.shared
        self.assessments = commands.assessments
        self.dm = commands.dm

    async def start(self, call: Call) -> None:
        """`start [days | YYYY-MM-DD]`: open a snapshot for the channel and DM its members."""
        if await self.commands.needs_channel(call):
            return
        # One start per channel at a time: two at once would both invite everyone.
        async with self.shared.per_person.turn(f"start:{call.team_external_id}"):
            await self._start(call)

    async def _start(self, call: Call) -> None:
        existing = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if await self.commands.refuse_unless_admin(call, existing):
            return
        try:
            deadline = parse_deadline(call.args, dt.datetime.now(dt.UTC))
        except ValueError:
            await call.say(
                call.loc._(
                    "Give the deadline as a number of days (1 to {most}) or a date like "
                    "2026-12-31, for example /maturity start 14.",
                    most=MAX_DEADLINE_DAYS,
                )
            )
            return
        try:
            members = await channel_members(call.client, call.channel)
        except SlackApiError as error:
            log.info("members not listed: %s", error.response.get("error"))
            members = []
        if not members:
            await call.say(
                call.loc._(
                    "I can't see this channel's members. Add me to the channel first "
                    "(/invite @CSMM Bot), then try again."
                )
            )
            return
        invitation = await self.assessments.start_snapshot(
            PLATFORM,
            call.team_external_id,
            await call.team_name(),
            by=call.user.name,
            deadline=deadline,
            locale=call.user.locale,
        )
        team = await self.assessments.team(invitation.team_id)
        team_loc = self.shared.localizer(team.locale)
        date = team_loc.date(invitation.deadline.date())
        if invitation.created:
            # Posted before anyone is invited: the results come here too, so a channel the
            # app can't post in stops the start now, not at the close.
            intro = team_loc._(
                "{name} started the customer-service maturity assessment (snapshot {number}). "
                "I've sent each of you a direct message with the questions; please answer by "
                "{date}. Only the team's results are shown here.",
                name=call.user.name,
                number=invitation.number,
                date=date,
            )
            if not await self._announce(call, intro):
                return
        already = {record.external_id for record in await self.shared.rosters.invitees(team.id)}
        invited, failed = await self._invite_all(call.client, team, invitation, members, already)
        if not invitation.created and invited:
            await self._announce(
                call,
                team_loc._(
                    "Snapshot {number} is open until {date}: new members of this channel have "
                    "been sent the questions too.",
                    number=invitation.number,
                    date=date,
                ),
            )
        summary = [
            call.loc.ngettext(
                "Invited {n} person by direct message.",
                "Invited {n} people by direct message.",
                len(invited),
            )
        ]
        if failed:
            summary.append(call.loc._("Could not reach: {names}.", names=", ".join(sorted(failed))))
        if not invitation.created and not invited:
            summary = [
                call.loc._(
                    "Snapshot {number} is already open, until {date}, and everyone here has "
                    "been invited.",
                    number=invitation.number,
                    date=call.loc.date(invitation.deadline.date()),
                )
            ]
        await call.say(" ".join(summary))

    async def _announce(self, call: Call, text: str) -> bool:
        """Tell the channel; False (and the caller told why) when the app can't post there."""
        try:
            await call.client.chat_postMessage(
                channel=call.channel, text=text, blocks=[section(f"📝 {escape(text)}")]
            )
        except SlackApiError as error:
            log.info("channel announcement not posted: %s", error.response.get("error"))
            await call.say(
                call.loc._(
                    "I can't post in this channel, so its results could not be posted here "
                    "either. Add me to it (/invite @CSMM Bot), then run /maturity start again."
                )
            )
            return False
        return True

    async def _invite_all(
        self,
        client: AsyncWebClient,
        team: Team,
        invitation: Invitation,
        members: list[str],
        already: set[str],
    ) -> tuple[list[str], list[str]]:
        """DM each human member not invited yet; (invited names, names not reached)."""
        gate = asyncio.Semaphore(INVITE_CONCURRENCY)
        invited: list[str] = []
        failed: list[str] = []

        async def one(user_id: str) -> None:
            async with gate:
                user = await self.shared.directory.user_or_none(client, user_id)
                if user is None or not user.is_human or user.id in already:
                    return
                try:
                    channel, ts = await self.dm.invite(client, user, team, invitation)
                except SlackApiError as error:
                    log.info("invitation not sent: %s", error.response.get("error"))
                    failed.append(user.name)
                    return
                await self.shared.rosters.add_invitee(
                    team.id,
                    invitation.number,
                    Invited(user.id, user.name, channel, ts, user.timezone),
                )
                invited.append(user.name)

        await asyncio.gather(*(one(member) for member in dict.fromkeys(members)))
        return invited, failed
