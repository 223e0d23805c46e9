"""/export_me: everything the bot holds about the person, sent to them as a JSON document in
their private chat. In a group it only says where to ask: the file holds their answers."""

from __future__ import annotations

from telegram import Chat, Update

from bot.personal_data import FILENAME, export_me
from bot.telegram.common import PLATFORM, Context, Handlers, log
from conversations.i18n import N_


class PersonalData(Handlers):
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
