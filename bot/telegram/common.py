"""What the private-chat and group handlers share: the service, the bot, and how to answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, CallbackQuery, ChatMember, Update, User
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.assessments import Assessments
from bot.service_errors import UserError
from bot.service_types import Participant
from conversations.i18n import Localizer

PLATFORM = "telegram"
log = logging.getLogger("bot.telegram")

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Awaitable[None]]


def personal_team_id(user: User) -> str:
    return f"personal:{user.id}"


def is_personal(external_id: str) -> bool:
    return external_id.startswith("personal:")


def display_name(user: User) -> str:
    return user.full_name or user.username or str(user.id)


def participant(user: User) -> Participant:
    """A person in their private chat, answering for their own, personal team."""
    name = display_name(user)
    return Participant(PLATFORM, personal_team_id(user), name, str(user.id), name)


class Handlers:
    def __init__(self, assessments: Assessments, bot: Bot) -> None:
        self.assessments = assessments
        self.bot = bot
        # Charts take a few hundred milliseconds of CPU: drawn off the event loop, one at a time.
        self._drawing = asyncio.Lock()

    def loc_for(self, user: User | None) -> Localizer:
        return self.assessments.localizer(user.language_code if user else None)

    async def say(self, update: Update, text: str, loc: Localizer | None = None) -> None:
        """Reply with one message; ``text`` is a msgid, translated for the sender."""
        message = update.effective_message
        if message is not None:
            loc = loc or self.loc_for(update.effective_user)
            await message.reply_text(loc._(text))

    async def refuse(self, update: Update, error: UserError, loc: Localizer | None = None) -> None:
        message = update.effective_message
        if message is not None:
            loc = loc or self.loc_for(update.effective_user)
            await message.reply_text("⚠️ " + error.localized(loc))

    async def is_member(self, external_id: str, user_id: int) -> bool:
        """Whether the person belongs to the team's group now (their own team: always), as far
        as Telegram says."""
        if is_personal(external_id):
            return True
        if not external_id.lstrip("-").isdecimal():
            return False  # not a Telegram group's id: no one here belongs to it
        try:
            member = await self.bot.get_chat_member(int(external_id), user_id)
        except TelegramError as error:
            # Can't tell (the bot left the group, or Telegram failed): the invitation's secret
            # still admits them, as it would without this check.
            log.info("membership not checked: %s", type(error).__name__)
            return True
        return member.status not in (ChatMember.LEFT, ChatMember.BANNED)

    async def draw(self, render: Callable[..., bytes], *args: Any) -> bytes:
        async with self._drawing:
            return await asyncio.to_thread(render, *args)


async def acknowledge(query: CallbackQuery, alert: str | None = None) -> None:
    """Answer a button press (Telegram shows a spinner until then); an alert for ``alert``.
    Best effort: after a slow turn Telegram calls the query too old, and the work is done."""
    with contextlib.suppress(TelegramError):
        await query.answer(alert, show_alert=alert is not None)
