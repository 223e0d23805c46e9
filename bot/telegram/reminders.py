"""Telegram's courier: what the scheduler's queued messages become in a group and in private
chats. A bot can't list a group's members, so a snapshot is announced in the group with its
link, and people who have answered the team before (and so have a private chat with the bot)
are also invited and nudged there. Python-telegram-bot's rate limiter paces the sends
(30 a second overall, 20 a minute per group) and waits out any 429.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.assessments import Assessments
from bot.scheduling import cycle as kinds
from bot.scheduling.reminders import (
    Context,
    Reminders,
    no_answers_text,
    parse_away,
    parse_snooze,
    review_text,
    snoozed_text,
)
from bot.scheduling.sender import Outcome, Outgoing, Skip
from bot.scheduling.snooze_checks import may_snooze
from bot.service_errors import UserError
from bot.telegram.common import PLATFORM, Handlers, acknowledge, display_name, is_personal
from bot.telegram.common import Context as Context_
from bot.telegram.membership import runs_team
from bot.telegram.render import plan_text
from bot.telegram.results import post_results
from conversations.i18n import Localizer
from storage.models import Snapshot, Team

log = logging.getLogger("bot.telegram")
SNOOZE = "snooze"
# Messages in flight at once. Enough for 30 a second at Telegram's round trip (under 0.3 s),
# and few: a leader killed mid-send leaves at most this many sent but not marked, which the
# next leader sends again.
CONCURRENCY = 8


def snooze_data(kind: str, team_id: int, snapshot_id: int | None) -> str:
    return f"{SNOOZE}:{kind}:{team_id}:{snapshot_id or 0}"


class TelegramCourier:
    platform = PLATFORM
    concurrency = CONCURRENCY

    def __init__(self, assessments: Assessments, bot: Bot) -> None:
        self.assessments = assessments
        self.bot = bot
        self.handlers = Handlers(assessments, bot)
        self.reminders = Reminders(assessments, PLATFORM)

    async def deliver(self, message: Outgoing) -> Outcome:
        await self.bot.initialize()  # once: links need the bot's username
        context = await self.reminders.context(message)
        if context is None:
            return Skip("team deleted")
        if is_personal(context.team.external_id):
            return Skip("a personal assessment has no group")
        try:
            return await self._deliver(message, context)
        except Forbidden:  # blocked the bot, or the bot was removed from the group
            return Skip("forbidden")
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return Skip("chat not found")
            raise

    async def _deliver(self, message: Outgoing, context: Context) -> Outcome:
        team, snapshot = context.team, context.snapshot
        group = int(team.external_id)
        team_loc = self.assessments.localizer(team.locale)
        kind = message.kind
        if kind == kinds.REPORT:
            await post_results(self.handlers, group, team, team_loc)
        elif kind == kinds.REVIEW:
            return await self._review(message, team, team_loc)
        elif snapshot is None:
            return Skip("no snapshot")
        elif kind == kinds.NO_ANSWERS:
            await self.bot.send_message(group, no_answers_text(team_loc, snapshot.number))
        elif snapshot.status != "open":
            return Skip("snapshot closed")
        elif kind == kinds.ANNOUNCE:
            await self._to_group(message, context, snapshot, team_loc, reminder=False)
            await self.reminders.fan_out(
                message, kinds.INVITE, await self.reminders.known_people(team)
            )
        elif kind == kinds.NUDGE_ROUND:
            today = dt.datetime.now(context.cadence.zone).date()
            people = await self.reminders.known_people(team)
            waiting = await self.reminders.waiting(snapshot, people, today)
            await self._to_group(message, context, snapshot, team_loc, reminder=True)
            await self.reminders.fan_out(message, kinds.NUDGE, waiting)
        else:  # a person's invitation or nudge
            return await self._to_person(message, context, snapshot)
        return None

    async def _to_group(
        self,
        message: Outgoing,
        context: Context,
        snapshot: Snapshot,
        loc: Localizer,
        *,
        reminder: bool,
    ) -> None:
        team = context.team
        deadline = _deadline_day(context, snapshot)
        text = invitation_text(loc, team, snapshot, len(self.assessments.sequence),
                               reminder=reminder, private=False, deadline=deadline)  # fmt: skip
        rows = [[self._link(loc, snapshot)]]
        if reminder:
            rows.append([self._snooze(loc, message.kind, team.id, snapshot.id)])
        await self.bot.send_message(int(team.external_id), text,
                                    reply_markup=InlineKeyboardMarkup(rows))  # fmt: skip

    async def _to_person(self, message: Outgoing, context: Context, snapshot: Snapshot) -> Outcome:
        person = await self.reminders.person(message.recipient)
        if person is None:
            return Skip("unknown person")
        if message.kind == kinds.NUDGE and (why := await self.reminders.why_not_nudge(
            context, message.recipient
        )):  # fmt: skip
            return why
        if (later := self.reminders.slot(context, person.timezone)) is not None:
            return later
        loc = self.assessments.localizer(person.locale or context.team.locale)
        reminder = message.kind == kinds.NUDGE
        text = invitation_text(loc, context.team, snapshot, len(self.assessments.sequence),
                               reminder=reminder, private=True,
                               deadline=_deadline_day(context, snapshot))  # fmt: skip
        rows = [[self._link(loc, snapshot)]]
        if reminder:
            rows.append([self._snooze(loc, kinds.NUDGE, context.team.id, snapshot.id)])
        await self.bot.send_message(int(message.recipient), text,
                                    reply_markup=InlineKeyboardMarkup(rows))  # fmt: skip
        return None

    async def _review(self, message: Outgoing, team: Team, loc: Localizer) -> Outcome:
        plan = await self.assessments.plan(team)
        open_items = sum(not item.done for item in plan.items)
        if not open_items:
            return Skip("no open action items")
        checklist = plan_text(plan, loc, self.assessments.questionnaire)
        group = int(team.external_id)
        snooze = self._snooze(loc, kinds.REVIEW, team.id, message.snapshot_id)
        await self.bot.send_message(
            group,
            "🔁 " + review_text(loc, open_items),
            reply_markup=InlineKeyboardMarkup([[snooze]]),
        )
        await self.bot.send_message(group, checklist.text, reply_markup=checklist.keyboard)
        return None

    def _link(self, loc: Localizer, snapshot: Snapshot) -> InlineKeyboardButton:
        link = f"https://t.me/{self.bot.username}?start={snapshot.invite_token}"
        return InlineKeyboardButton(loc._("Take the assessment"), url=link)

    @staticmethod
    def _snooze(
        loc: Localizer, kind: str, team_id: int, snapshot_id: int | None
    ) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            loc._("Snooze until tomorrow"), callback_data=snooze_data(kind, team_id, snapshot_id)
        )

    # ------------------------------------------------------------------ people's answers

    async def snoozed(self, update: Update, _context: Context_) -> None:
        """ "Snooze until tomorrow": the reminder is queued again, and the message says when
        it comes back instead of offering the button."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or not isinstance(query.message, Message):
            return
        pressed = parse_snooze(query.data or "")
        loc = self.handlers.loc_for(user)

        async def runs(team: Team) -> bool:
            return await runs_team(self.bot, team.external_id, user.id)

        if pressed is None or not await may_snooze(
            self.reminders.database, PLATFORM, pressed, str(user.id), runs
        ):
            await acknowledge(query, loc._("This button is not for you."))
            return
        kind, team_id, snapshot_id = pressed.kind, pressed.team_id, pressed.snapshot_id
        recipient = str(user.id) if kind == kinds.NUDGE else ""
        snoozed = await self.reminders.snooze(team_id, snapshot_id, kind, recipient, None)
        await acknowledge(query)
        if snoozed is None:
            return
        note = snoozed_text(loc, *snoozed, display_name(user))
        markup = query.message.reply_markup
        rows = [
            [button for button in row if not str(button.callback_data or "").startswith(SNOOZE)]
            for row in (markup.inline_keyboard if markup else ())
        ]
        with contextlib.suppress(BadRequest):  # pressed twice: the text is the same already
            await query.edit_message_text(
                f"{query.message.text or ''}\n\n{note}",
                reply_markup=InlineKeyboardMarkup([row for row in rows if row]),
            )

    async def away(self, update: Update, context: Context_) -> None:
        """/away YYYY-MM-DD | off: no nudges, and not counted as missing, until then."""
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        loc = self.handlers.loc_for(user)
        try:
            until = parse_away(context.args or [], dt.datetime.now(dt.UTC).date())
        except UserError as error:
            await message.reply_text(error.localized(loc))
            return
        said = await self.reminders.set_away(
            str(user.id), display_name(user), until, loc, "/away off"
        )
        await message.reply_text(said)


def invitation_text(
    loc: Localizer,
    team: Team,
    snapshot: Snapshot,
    count: int,
    *,
    reminder: bool,
    private: bool,
    deadline: dt.date | None,
) -> str:
    if reminder:
        intro = loc._(
            "Reminder: snapshot {number} of {team} is still waiting for your answers.",
            team=team.name,
            number=snapshot.number,
        )
    else:
        intro = loc._(
            "{team}: the customer-service maturity assessment, snapshot {number}.",
            team=team.name,
            number=snapshot.number,
        )
    parts = [
        "📝 " + intro,
        loc._(
            "{count} short questions, about 10 minutes. Your answers stay private: the group "
            "sees only the team's results.",
            count=count,
        )
        if private
        else loc._(
            "{count} short questions, about 10 minutes. Your answers stay private: "
            "this group sees only the team's results.",
            count=count,
        ),
    ]
    if deadline is not None:
        parts.append(loc._("Please answer by {date}.", date=loc.date(deadline)))
    if reminder:
        parts.append(loc._("Away for a while? Send me /away and the date you are back."))
    return "\n\n".join(parts)


def _deadline_day(context: Context, snapshot: Snapshot) -> dt.date | None:
    """The deadline's date where the team is."""
    return context.cadence.local_date(snapshot.deadline) if snapshot.deadline else None
