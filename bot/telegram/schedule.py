"""/schedule in a group: the team's schedule and its next dates, changed by administrators
with inline choices (deadline, sending time, working days, go-live today) or by words for
what buttons can't offer (`/schedule go-live 2027-03-01`, `timezone Europe/Istanbul`,
`hours 09:00-18:00`, `nudges 2,-1`)."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.scheduling import settings
from bot.scheduling.reminders import zone_or_none
from bot.service_errors import UserError
from bot.telegram.common import PLATFORM, Context, acknowledge
from bot.telegram.groups import Groups
from conversations.i18n import N_, Localizer, fold
from storage.models import Team

PREFIX = "sch"
# Words after /schedule → the setting they change (English and Turkish).
WORDS = {
    "go-live": "go_live", "golive": "go_live", "canlıya-geçiş": "go_live", "başlangıç": "go_live",
    "deadline": "deadline_days", "süre": "deadline_days",
    "time": "send_at", "saat": "send_at",
    "hours": "hours", "mesai": "hours",
    "days": "working_days", "günler": "working_days",
    "timezone": "timezone", "saat-dilimi": "timezone",
    "nudges": "nudge_days", "hatırlatma": "nudge_days",
}  # fmt: skip
WORDS_FOLDED = {fold(word): field for word, field in WORDS.items()}
DEADLINES = (7, 14, 21)
SEND_TIMES = ("09:00", "10:00", "14:00")
WEEKS = (("12345", N_("Mon–Fri")), ("71234", N_("Sun–Thu")), ("1234567", N_("Every day")))


class GroupSchedule(Groups):
    async def command(self, update: Update, context: Context) -> None:
        chat, user, message = update.effective_chat, update.effective_user, update.effective_message
        if chat is None or message is None:
            return
        loc = self.loc_for(user)
        args = context.args or []
        team = await self.assessments.ensure_team(
            PLATFORM, str(chat.id), chat.title or str(chat.id), user.language_code if user else None
        )
        if args:
            if not await self._is_admin(update):
                await self.say(
                    update, N_("Only the group's administrators can change the schedule.")
                )
                return
            field = WORDS_FOLDED.get(fold(args[0]))
            if field is None or len(args) < 2:
                await message.reply_text(self._usage(loc))
                return
            try:
                await settings.save(self.assessments, team, {field: args[1]}, self._actor(update))
            except UserError as error:
                await self.refuse(update, error, loc)
                return
        await message.reply_text(await self._text(team, loc), reply_markup=self._keyboard(loc))

    async def pressed(self, update: Update, _context: Context) -> None:
        query, chat, user = update.callback_query, update.effective_chat, update.effective_user
        if query is None or chat is None or not isinstance(query.message, Message):
            return
        loc = self.loc_for(user)
        if not await self._is_admin(update):
            await acknowledge(
                query, loc._("Only the group's administrators can change the schedule.")
            )
            return
        field, _, value = (query.data or "").removeprefix(f"{PREFIX}:").partition(":")
        team = await self.assessments.team_at(PLATFORM, str(chat.id))
        if team is None or field not in ("deadline_days", "send_at", "working_days", "go_live"):
            await acknowledge(query)
            return
        change: dict[str, Any] = {field: value}
        if field == "go_live":  # today where the team is
            zone = zone_or_none(team.timezone) or dt.UTC
            change[field] = dt.datetime.now(zone).date().isoformat()
        try:
            await settings.save(self.assessments, team, change, self._actor(update))
        except UserError as error:  # a value none of our buttons carries
            await acknowledge(query, error.localized(loc)[:200])
            return
        await acknowledge(query, None)
        text = await self._text(team, loc)
        with contextlib.suppress(BadRequest):  # the same choice again: nothing changed on screen
            await query.edit_message_text(text, reply_markup=self._keyboard(loc))

    async def _text(self, team: Team, loc: Localizer) -> str:
        return "🗓 " + "\n".join(await settings.describe(self.assessments, team, loc))

    @staticmethod
    def _usage(loc: Localizer) -> str:
        return loc._(
            "Change the schedule with the buttons, or with words: /schedule go-live 2027-03-01, "
            "/schedule timezone Europe/Istanbul, /schedule hours 09:00-18:00, "
            "/schedule nudges 2,-1."
        )

    @staticmethod
    def _keyboard(loc: Localizer) -> InlineKeyboardMarkup:
        def choice(label: str, field: str, value: str) -> InlineKeyboardButton:
            return InlineKeyboardButton(label, callback_data=f"{PREFIX}:{field}:{value}")

        return InlineKeyboardMarkup(
            [
                [
                    choice(loc._("{n} days to answer", n=n), "deadline_days", str(n))
                    for n in DEADLINES
                ],
                [choice(time, "send_at", time) for time in SEND_TIMES],
                [choice(loc._(label), "working_days", days) for days, label in WEEKS],
                [choice(loc._("Go live today"), "go_live", "today")],
            ]
        )
