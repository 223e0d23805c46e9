"""Telegram updates in, engine turns out: the private-chat questionnaire.

Each update is handled in one unit of work (committed by the service) before anything is sent,
so an answer the person saw confirmed is stored even if the bot dies right after. Telegram's
update ids are remembered for a while so a redelivered update changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

from telegram import Bot, BotCommand, Message, Update, User
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.assessments import Assessments, Opened, Participant, UserError
from bot.telegram.render import render, report_text
from conversations.engine import Turn
from conversations.i18n import N_
from conversations.replies import AnswerEcho, Notice, QuestionReply, Reply, Submitted, Tone

PLATFORM = "telegram"
SEEN_UPDATES = 10_000  # how many update ids are remembered for spotting redeliveries
log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


def participant(user: User) -> Participant:
    """A person in their private chat answers for their own, personal team."""
    name = user.full_name or str(user.id)
    return Participant(PLATFORM, f"personal:{user.id}", name, str(user.id), name)


class TelegramChannel:
    def __init__(self, assessments: Assessments, bot: Bot) -> None:
        self.assessments = assessments
        self.bot = bot
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._opened: dict[int, Opened] = {}  # Telegram user id → their open response
        self._question_messages: dict[int, int] = {}  # chat id → message with live buttons

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self._drop_redelivered), group=-1)
        application.add_handler(CommandHandler("start", self.start, private))
        application.add_handler(CommandHandler("language", self.language, private))
        application.add_handler(CommandHandler("help", self.help))
        application.add_handler(CallbackQueryHandler(self.button))
        application.add_handler(
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.text)
        )
        application.add_handler(MessageHandler(private, self.unexpected))
        application.add_error_handler(self.error)

    # ------------------------------------------------------------------ handlers

    async def _drop_redelivered(self, update: Update, _context: Context) -> None:
        if update.update_id in self._seen:
            raise ApplicationHandlerStop
        self._seen[update.update_id] = None
        if len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)

    async def start(self, update: Update, _context: Context) -> None:
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        await self._send(message.chat_id, (await self._open(user)).turn.replies)

    async def language(self, update: Update, context: Context) -> None:
        """/language tr: the engine's own language switch, for this and later snapshots."""
        await self._typed(update, " ".join(["language", *(context.args or [])]))

    async def help(self, update: Update, _context: Context) -> None:
        await self._say(
            update,
            N_(
                "I run the customer-service maturity assessment, one question at a time. "
                "/start begins or continues it, /language en or /language tr switches language. "
                "Press the buttons or type your answers; type why at any question for an "
                "explanation."
            ),
        )

    async def publish_commands(self) -> None:
        """The command menu, in English and in Turkish for Turkish-speaking users."""
        for locale, language_code in (("en", None), ("tr", "tr")):
            loc = self.assessments.localizer(locale)
            commands = [
                BotCommand("start", loc._("Start or continue the assessment")),
                BotCommand("language", loc._("Switch language: en or tr")),
                BotCommand("help", loc._("What this bot does")),
            ]
            await self.bot.set_my_commands(commands, language_code=language_code)

    async def text(self, update: Update, _context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await self._typed(update, message.text)

    async def _typed(self, update: Update, text: str) -> None:
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return

        async def answer(response_id: int) -> Turn:
            return await self.assessments.handle_text(response_id, text)

        turn = await self._turn(user, answer)
        if turn is not None:
            await self._send(message.chat_id, await self._retire_question(message.chat_id, turn))

    async def button(self, update: Update, _context: Context) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        data = query.data or ""

        async def press(response_id: int) -> Turn:
            return await self.assessments.handle_button(response_id, data)

        turn = await self._turn(user, press)
        if turn is None:
            await query.answer()
            return
        first = turn.replies[0] if turn.replies else None
        if isinstance(first, Notice) and first.tone is Tone.ERROR:
            # A stale or unknown button: say so on the spot; nothing changed.
            await query.answer(first.text[:200], show_alert=True)
            return
        await query.answer()
        replies = turn.replies
        message = query.message
        if isinstance(message, Message):
            if isinstance(first, AnswerEcho):
                await self._edit(message, render(first).text)
                replies = replies[1:]
            else:
                await self._edit(message, None)
            self._question_messages.pop(message.chat_id, None)
            await self._send(message.chat_id, replies)

    async def unexpected(self, update: Update, _context: Context) -> None:
        await self._say(
            update, N_("I can only read text and button presses. Type your answer, or /start.")
        )

    async def _say(self, update: Update, message_id: str) -> None:
        """Reply with one message in the sender's Telegram language."""
        user, message = update.effective_user, update.effective_message
        if message is not None:
            loc = self.assessments.localizer(user.language_code if user else None)
            await message.reply_text(loc._(message_id))

    async def error(self, update: object, context: Context) -> None:
        # Never the update or the error's arguments: Bot API URLs carry the token.
        log.warning("update failed: %s", type(context.error).__name__)

    # ------------------------------------------------------------------ helpers

    async def _turn(self, user: User, step: Any) -> Turn | None:
        """Run ``step`` on the person's open response, opening (or reopening) it as needed."""
        opened = self._opened.get(user.id) or await self._open(user)
        try:
            turn: Turn = await step(opened.response_id)
        except UserError:  # their answers were deleted: start afresh
            return (await self._open(user)).turn
        if any(isinstance(reply, Submitted) for reply in turn.replies):
            # By id: people's personal teams are named after them, and names repeat.
            team = await self.assessments.team(opened.team_id)
            report = await self.assessments.report(team, turn.state.locale)
            turn = Turn(turn.state, turn.saved, (*turn.replies, Notice(report_text(report.view))))
        return turn

    async def _open(self, user: User) -> Opened:
        """Start or resume the person's response, and remember it for their next input."""
        opened = await self.assessments.open(participant(user), fallback_locale=user.language_code)
        self._opened[user.id] = opened
        return opened

    async def _retire_question(self, chat_id: int, turn: Turn) -> tuple[Reply, ...]:
        """A question answered by typing turns into its answer, like a pressed one, so no
        dead keyboard stays behind; returns the replies still to send."""
        replies = turn.replies
        if not turn.saved and not any(isinstance(r, QuestionReply) for r in replies):
            return replies
        message_id = self._question_messages.pop(chat_id, None)
        if message_id is None:
            return replies
        first = replies[0] if replies else None
        with contextlib.suppress(BadRequest):  # already edited, or too old to edit
            if isinstance(first, AnswerEcho):
                await self.bot.edit_message_text(render(first).text, chat_id, message_id)
                return replies[1:]
            await self.bot.edit_message_reply_markup(chat_id, message_id)
        return replies

    async def _edit(self, message: Message, text: str | None) -> None:
        try:
            if text is None:
                await message.edit_reply_markup(None)
            else:
                await message.edit_text(text)
        except BadRequest:
            pass  # "message is not modified" or gone: nothing to fix

    async def _send(self, chat_id: int, replies: tuple[Reply, ...]) -> None:
        for reply in replies:
            outgoing = render(reply)
            sent = await self.bot.send_message(
                chat_id, outgoing.text, reply_markup=outgoing.keyboard
            )
            if isinstance(reply, QuestionReply):
                self._question_messages[chat_id] = sent.message_id


def build_application(
    assessments: Assessments, token: str, api_url: str
) -> Application[Any, Any, Any, Any, Any, Any]:
    file_url = api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    channel = TelegramChannel(assessments, application.bot)
    channel.register(application)
    application.bot_data["channel"] = channel
    return application


async def run_polling(
    application: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event
) -> None:
    """Poll until ``stop`` is set; updates are confirmed to Telegram as they are fetched."""
    async with application:
        await application.bot_data["channel"].publish_commands()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await stop.wait()
        await application.updater.stop()
        await application.stop()
