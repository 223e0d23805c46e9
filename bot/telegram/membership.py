"""Whether a Telegram user belongs to a team's group, or runs it, as Telegram says now
(getChatMember). Unlike the invitation link's check, these refuse when Telegram can't tell: a
press that changes a team's data needs a yes."""

from __future__ import annotations

from telegram import Bot, ChatMember
from telegram.error import TelegramError

from bot.telegram.common import is_personal, log

ADMINS = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
OUTSIDE = (ChatMember.LEFT, ChatMember.BANNED)


async def _status(bot: Bot, chat_id: int, user_id: int) -> str | None:
    try:
        return (await bot.get_chat_member(chat_id, user_id)).status
    except TelegramError as error:
        log.info("membership not checked: %s", type(error).__name__)
        return None


async def in_group(bot: Bot, chat_id: int, user_id: int) -> bool:
    """A member of the group now (a restricted member counts; one who left does not)."""
    status = await _status(bot, chat_id, user_id)
    return status is not None and status not in OUTSIDE


async def runs_team(bot: Bot, external_id: str, user_id: int) -> bool:
    """An administrator of the team's group (a personal team: its own person)."""
    if is_personal(external_id):
        return external_id == f"personal:{user_id}"
    try:
        chat_id = int(external_id)
    except ValueError:
        return False
    return await _status(bot, chat_id, user_id) in ADMINS
