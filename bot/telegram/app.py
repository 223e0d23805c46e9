"""The Telegram application: which update goes to which handler, the command menus, and the
polling loop. Private chats run the questionnaire (`private`); groups are teams (`groups`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.assessments import Assessments
from bot.logs import keep_out_of_logs
from bot.telegram.common import PLATFORM, Context, log
from bot.telegram.groups import Groups
from bot.telegram.ordering import PerPersonOrder
from bot.telegram.personal_data import PersonalData
from bot.telegram.privacy_settings import GroupPrivacy
from bot.telegram.private import PrivateChat
from bot.telegram.private_results import PrivateResults
from bot.telegram.reminders import SNOOZE, TelegramCourier
from bot.telegram.schedule import GroupSchedule
from conversations.i18n import N_

SEEN_UPDATES = 10_000  # update ids remembered in memory, for redelivered commands
PRUNE_EVERY = 10_000  # updates between clean-ups of the stored update ids
SEEN_UPDATES_KEPT = dt.timedelta(days=7)  # Telegram keeps an unconfirmed update for 24 hours
TelegramApplication = Application[Any, Any, Any, Any, Any, Any]

# (command, menu description) per chat kind; the descriptions are msgids.
PRIVATE_COMMANDS = (
    ("start", N_("Start or continue the assessment")),
    ("report", N_("Your results so far")),
    ("plan", N_("The action plan")),
    ("export", N_("The report as a PDF, or the scores as CSV")),
    ("language", N_("Switch language: en or tr")),
    ("forget_me", N_("Delete your answers")),
    ("export_me", N_("Everything I hold about you, as a file")),
    ("away", N_("No reminders until a date: /away 2027-01-15, or /away off")),
    ("help", N_("What this bot does")),
)
GROUP_COMMANDS = (
    ("assess", N_("Start the team's assessment (administrators)")),
    ("status", N_("Who has answered so far")),
    ("close", N_("Close the assessment and post the results (administrators)")),
    ("report", N_("The team's results")),
    ("plan", N_("The team's action plan, to tick off")),
    ("export", N_("The report as a PDF, or the scores as CSV")),
    ("language", N_("The group's language: en or tr (administrators)")),
    ("schedule", N_("When snapshots and reminders happen (administrators)")),
    ("threshold", N_("Fewest answers before results show: /threshold 3 (administrators)")),
    ("anonymous", N_("Anonymous answers: /anonymous on or off (administrators)")),
    ("help", N_("What this bot does")),
)


class TelegramChannel:
    def __init__(self, assessments: Assessments, bot: Bot) -> None:
        self.assessments = assessments
        self.bot = bot
        self.private = PrivateChat(assessments, bot)
        self.groups = Groups(assessments, bot)
        self.courier = TelegramCourier(assessments, bot)
        self.schedule = GroupSchedule(assessments, bot)
        self.private_results = PrivateResults(assessments, bot, self.private.where)
        self.personal_data = PersonalData(assessments, bot, self.private.drop_cached)
        self.privacy = GroupPrivacy(assessments, bot)
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._since_pruned = 0

    def register(self, application: TelegramApplication) -> None:
        private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
        new_message = filters.UpdateType.MESSAGE
        p, g = self.private, self.groups
        handlers: list[Any] = [
            CommandHandler("start", p.start, private),
            CommandHandler("help", self.help),
            *(
                CommandHandler(name, handler, private)
                for name, handler in (
                    ("language", p.language),
                    ("report", self.private_results.report),
                    ("plan", self.private_results.plan),
                    ("export", self.private_results.export),
                    ("forget_me", self.personal_data.forget_me),
                    ("export_me", self.personal_data.export_me),
                    ("away", self.courier.away),
                )
            ),
            *(
                CommandHandler(name, handler, groups)
                for name, handler in (
                    ("assess", g.assess),
                    ("status", g.status),
                    ("close", g.close),
                    ("report", g.report),
                    ("plan", g.plan),
                    ("export", g.export),
                    ("language", g.language),
                    ("forget_me", g.forget_me),
                    ("export_me", self.personal_data.in_group),
                    ("schedule", self.schedule.command),
                    ("threshold", self.privacy.threshold),
                    ("anonymous", self.privacy.anonymous),
                )
            ),
            CallbackQueryHandler(g.tick, pattern=r"^p:"),
            CallbackQueryHandler(p.switch_team, pattern=r"^go:[0-9]{1,9}$"),
            CallbackQueryHandler(self.personal_data.confirm_forget, pattern=r"^forget:"),
            CallbackQueryHandler(self.courier.snoozed, pattern=rf"^{SNOOZE}:"),
            CallbackQueryHandler(self.schedule.pressed, pattern=r"^sch:"),
            CallbackQueryHandler(p.button),
            ChatMemberHandler(g.added, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, g.migrated),
            MessageHandler(private & new_message & filters.TEXT & ~filters.COMMAND, p.text),
            MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, p.edited),
            MessageHandler(private & new_message & ~filters.COMMAND, p.unexpected),
            MessageHandler(private & new_message & filters.COMMAND, self.unknown_command),
        ]
        application.add_handler(TypeHandler(Update, self._drop_redelivered), group=-1)
        application.add_handlers(handlers)
        application.add_error_handler(self.error)

    async def _drop_redelivered(self, update: Update, context: Context) -> None:
        if update.update_id in self._seen:
            raise ApplicationHandlerStop
        self._seen[update.update_id] = None
        if len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)
        self._since_pruned += 1
        if self._since_pruned >= PRUNE_EVERY:
            self._since_pruned = 0
            context.application.create_task(
                self.assessments.forget_old_updates(PLATFORM, SEEN_UPDATES_KEPT)
            )

    async def help(self, update: Update, _context: Context) -> None:
        chat = update.effective_chat
        if chat is not None and chat.type != chat.PRIVATE:
            await self.groups.say(
                update,
                N_(
                    "I run this team's customer-service maturity assessment. Administrators: "
                    "/assess starts it (optionally with a deadline: /assess 14 or /assess "
                    "2026-12-31) and /close ends it and posts the results. Everyone: the "
                    "button under /assess opens your questions in a private chat with me; "
                    "/status shows who has answered, /report the results, /plan the action plan "
                    "to tick off, /export the report as a PDF (or /export csv)."
                ),
            )
            return
        await self.private.say(
            update,
            N_(
                "I run the customer-service maturity assessment, one question at a time. "
                "/start begins or continues it, /language en or /language tr switches language. "
                "Press the buttons or type your answers; type why at any question for an "
                "explanation. /report shows the results, /plan the action plan, /export the "
                "report as a PDF, and /forget_me deletes your answers."
            ),
        )

    async def unknown_command(self, update: Update, _context: Context) -> None:
        await self.private.say(update, N_("I don't know that command. /help lists what I can do."))

    async def error(self, update: object, context: Context) -> None:
        # The traceback, not the update (people's answers); bot/logs.py scrubs the token.
        log.warning("update failed: %s", type(context.error).__name__, exc_info=context.error)

    async def publish_commands(self) -> None:
        """The command menus for private chats and for groups, in English and in Turkish
        (shown to people whose Telegram is in Turkish)."""
        scopes = (
            (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
            (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        )
        for locale, language_code in (("en", None), ("tr", "tr")):
            loc = self.assessments.localizer(locale)
            # The default scope, for clients that ask without one, gets the private menu.
            for scope, listed in ((None, PRIVATE_COMMANDS), *scopes):
                commands = [BotCommand(name, loc._(text)) for name, text in listed]
                try:
                    await self.bot.set_my_commands(
                        commands, scope=scope, language_code=language_code
                    )
                except TelegramError as error:  # a menu is a convenience: run without it
                    log.warning("command menu not set: %s", type(error).__name__)

    async def prepare(self) -> None:
        """Before taking updates: publish the menus, and forget update ids too old to come back."""
        await self.publish_commands()
        await self.assessments.forget_old_updates(PLATFORM, SEEN_UPDATES_KEPT)


def build_application(assessments: Assessments, token: str, api_url: str) -> TelegramApplication:
    keep_out_of_logs(token)  # Bot API URLs carry it
    file_url = api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url)
        # 29 a second, spread evenly: the default lets 30 through at once and then one every
        # 33 ms, which Telegram's one-second window answers with 429s that pause every send.
        .rate_limiter(AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 29, max_retries=5))
        .concurrent_updates(PerPersonOrder())
        .build()
    )
    channel = TelegramChannel(assessments, application.bot)
    channel.register(application)
    application.bot_data["channel"] = channel
    return application


async def run_polling(application: TelegramApplication, stop: asyncio.Event) -> None:
    """Poll until ``stop`` is set; updates are confirmed to Telegram as they are fetched."""
    async with application:
        await application.bot_data["channel"].prepare()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES
        )
        await stop.wait()
        await application.updater.stop()
        await application.stop()


async def run_sending(application: TelegramApplication, stop: asyncio.Event) -> None:
    """The bot ready to send (the scheduler's messages) without polling for updates: another
    replica polls, since Telegram serves one getUpdates poller per token."""
    async with application:
        await stop.wait()
