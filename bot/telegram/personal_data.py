"""/export_me: everything the bot holds about the person, sent to them as a JSON document in
their private chat; /forget_me: all of it deleted, once they confirm. In a group both only
say where to ask: the file holds their answers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from telegram import Bot, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.assessments import Assessments
from bot.person_erasure import forgotten_text
from bot.personal_data import FILENAME, export_me
from bot.telegram.common import (
    PLATFORM,
    Context,
    Handlers,
    acknowledge,
    log,
    participant,
    personal_team_id,
)
from conversations.i18n import N_


class PersonalData(Handlers):
    def __init__(
        self, assessments: Assessments, bot: Bot, forgotten: Callable[[int, int], None]
    ) -> None:
        super().__init__(assessments, bot)
        self._forgotten = forgotten  # (user id, chat id): drop what the chat remembers of them

    async def forget_me(self, update: Update, _context: Context) -> None:
        """Ask before deleting: the buttons answer in `confirm_forget`."""
        message = update.effective_message
        if message is None:
            return
        loc = self.loc_for(update.effective_user)
        yes = InlineKeyboardButton(loc._("Yes, delete my answers"), callback_data="forget:yes")
        no = InlineKeyboardButton(loc._("Cancel"), callback_data="forget:no")
        await message.reply_text(
            loc._(
                "This deletes your answers for every team, here and in any group assessment. "
                "Snapshots already closed keep your scale answers as anonymous numbers, so "
                "team results stay as they were published; your name and written answers go. "
                "Delete them?"
            ),
            reply_markup=InlineKeyboardMarkup([[yes, no]]),
        )

    async def confirm_forget(self, update: Update, _context: Context) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        await acknowledge(query)
        message = query.message
        if message is None or message.chat.type != Chat.PRIVATE:
            return
        loc = self.loc_for(user)
        if query.data != "forget:yes":
            text = loc._("Nothing was deleted.")
        else:
            deleted, kept = await self.assessments.forget_everywhere(
                PLATFORM,
                str(user.id),
                own_teams=[personal_team_id(user)],
                names=[participant(user).person_name],  # their name now, if it changed
            )
            self._forgotten(user.id, message.chat.id)
            text = forgotten_text(loc, deleted, kept)
        if isinstance(message, Message):
            with contextlib.suppress(TelegramError):
                await message.edit_text(text)

    async def export_me(self, update: Update, _context: Context) -> None:
        user, message, chat = update.effective_user, update.effective_message, update.effective_chat
        if user is None or message is None or chat is None:
            return
        if chat.type != Chat.PRIVATE:
            await self.in_group(update, _context)
            return
        chosen = await self.assessments.person_locale(PLATFORM, str(user.id))
        loc = self.assessments.localizer(chosen or user.language_code)
        document = await export_me(self.assessments, PLATFORM, str(user.id), loc)
        if document is None:
            await message.reply_text(
                loc._("I hold nothing about you: you have not answered or set anything here.")
            )
            return
        log.info("personal data exported on request")
        await message.reply_document(
            document.encode("utf-8"),
            filename=FILENAME,
            caption=loc._(
                "Everything I hold about you, as JSON: your answers and notes, your settings, "
                "your teams. /forget_me deletes it."
            ),
        )

    async def in_group(self, update: Update, _context: Context) -> None:
        await self.say(
            update,
            N_(
                "Send /export_me to me in a private chat: the file holds your answers, so it "
                "goes only to you."
            ),
        )
