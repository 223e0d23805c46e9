"""`/maturity threshold [N]` and `/maturity anonymous [on|off]` in a team's channel: its
anonymity threshold and anonymous mode, shown to anyone and changed by the team's admins
(each change in the audit trail)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import anonymity
from bot.disclosure import MAX_THRESHOLD, MIN_THRESHOLD, THRESHOLD_COMMANDS
from bot.slack.common import PLATFORM
from storage.models import Team

if TYPE_CHECKING:
    from bot.slack.command_call import Call
    from bot.slack.commands import Commands

ANONYMOUS_COMMAND = "/maturity anonymous"


class PrivacySettings:
    def __init__(self, commands: Commands) -> None:
        self.commands = commands
        self.assessments = commands.assessments

    async def threshold(self, call: Call) -> None:
        """`threshold`: the settings; `threshold N`: change the threshold (admins)."""
        team = await self._team(call)
        if team is None:
            return
        if not call.args:
            await call.say(self._settings(call, team))
            return
        try:
            threshold = anonymity.parse_threshold(call.args[0])
        except anonymity.ThresholdOutOfRange:
            await call.say(
                call.loc._(anonymity.THRESHOLD_RANGE, least=MIN_THRESHOLD, most=MAX_THRESHOLD)
            )
            return
        await anonymity.set_threshold(self.assessments.database, team, threshold, call.user.name)
        await call.say("✅ " + anonymity.threshold_text(call.loc, threshold))

    async def anonymous(self, call: Call) -> None:
        """`anonymous`: the settings; `anonymous on|off`: change anonymous mode (admins)."""
        team = await self._team(call)
        if team is None:
            return
        switch = anonymity.parse_switch(call.args[0]) if call.args else None
        if switch is None:
            await call.say(self._settings(call, team))
            return
        detached = await anonymity.set_anonymous(
            self.assessments.database, team, switch, call.user.name
        )
        await call.say("✅ " + anonymity.anonymous_text(call.loc, switch, detached))

    async def _team(self, call: Call) -> Team | None:
        """The channel's team. A change (any argument) is for its admins only, who may set it
        up before the first assessment; anyone sees the settings of a team that exists."""
        commands = self.commands
        if not call.args:
            return await commands.team_of(call)
        if await commands.needs_channel(call):
            return None
        team = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if await commands.refuse_unless_admin(call, team):
            return None
        if team is None:
            team = await self.assessments.ensure_team(
                PLATFORM, call.team_external_id, await call.team_name(), call.user.locale
            )
        return team

    def _settings(self, call: Call, team: Team) -> str:
        return anonymity.settings_text(
            call.loc, team, THRESHOLD_COMMANDS[PLATFORM], ANONYMOUS_COMMAND
        )
