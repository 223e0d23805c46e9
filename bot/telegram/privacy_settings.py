"""/threshold and /anonymous in a group: the team's anonymity threshold and anonymous mode,
shown to anyone and changed by the group's administrators (each change in the audit trail)."""

from __future__ import annotations

from telegram import Update

from bot import anonymity
from bot.disclosure import MAX_THRESHOLD, MIN_THRESHOLD, THRESHOLD_COMMANDS
from bot.telegram.common import PLATFORM, Context
from bot.telegram.groups import Groups
from conversations.i18n import N_
from storage.models import Team

ANONYMOUS_COMMAND = "/anonymous"


class GroupPrivacy(Groups):
    async def threshold(self, update: Update, context: Context) -> None:
        """/threshold: the settings; /threshold N: change the threshold (administrators)."""
        args = context.args or []
        if args and not await self._is_admin(update):
            await self.say(
                update, N_("Only the group's administrators can change the anonymity threshold.")
            )
            return
        team = await self._settings_team(update, args)
        message = update.effective_message
        if team is None or message is None:
            return
        loc = self._team_loc(team)
        if not args:
            await message.reply_text(self._settings(team))
            return
        try:
            threshold = anonymity.parse_threshold(args[0])
        except anonymity.ThresholdOutOfRange:
            await message.reply_text(
                self.loc_for(update.effective_user)._(
                    anonymity.THRESHOLD_RANGE, least=MIN_THRESHOLD, most=MAX_THRESHOLD
                )
            )
            return
        await anonymity.set_threshold(
            self.assessments.database, team, threshold, self._actor(update)
        )
        await message.reply_text("✅ " + anonymity.threshold_text(loc, threshold))

    async def anonymous(self, update: Update, context: Context) -> None:
        """/anonymous: the settings; /anonymous on|off: change anonymous mode
        (administrators)."""
        args = context.args or []
        if args and not await self._is_admin(update):
            await self.say(update, N_("Only the group's administrators can change anonymous mode."))
            return
        team = await self._settings_team(update, args)
        message = update.effective_message
        if team is None or message is None:
            return
        if not args:
            await message.reply_text(self._settings(team))
            return
        switch = anonymity.parse_switch(args[0])
        if switch is None:
            await self.say(update, N_("Send /anonymous on or /anonymous off."))
            return
        detached = await anonymity.set_anonymous(
            self.assessments.database, team, switch, self._actor(update)
        )
        await message.reply_text(
            "✅ " + anonymity.anonymous_text(self._team_loc(team), switch, detached)
        )

    async def _settings_team(self, update: Update, args: list[str]) -> Team | None:
        """The group's team: created when an administrator (``args``: checked already) sets
        it up before the first assessment, only looked up for anyone else."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return None
        if args:
            return await self.assessments.ensure_team(
                PLATFORM,
                str(chat.id),
                chat.title or str(chat.id),
                user.language_code if user else None,
            )
        return await self._team_or_hint(update)

    def _settings(self, team: Team) -> str:
        return anonymity.settings_text(
            self._team_loc(team), team, THRESHOLD_COMMANDS[PLATFORM], ANONYMOUS_COMMAND
        )
