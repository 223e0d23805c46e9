"""A team's group: administrators start and close snapshots, members join by a deep link, and
the results and the live action-plan checklist are posted here.

The group is the team (its chat id is the team's id on this platform), so nobody picks a team
by name and nobody outside the group can act on it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from telegram import (
    Chat,
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import TelegramError

from bot.anonymity import anonymous_counts
from bot.deadlines import MAX_DEADLINE_DAYS, parse_deadline
from bot.press_checks import ANOTHER_TEAM, NOT_FOR_YOU, checklist_team_id
from bot.service_errors import UserError
from bot.telegram.common import (
    PLATFORM,
    Context,
    Handlers,
    acknowledge,
    display_name,
    personal_team_id,
)
from bot.telegram.membership import in_group
from bot.telegram.render import fit, plan_text
from bot.telegram.results import post_results, results_withheld, send_export
from conversations.i18n import N_, Localizer
from storage.models import Team

_PLAN_BUTTON = re.compile(r"p:([0-9]{1,9}):([0-9]{1,3}):([01])")
_ADMINS = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


class Groups(Handlers):
    def _team_loc(self, team: Team) -> Localizer:
        return self.assessments.localizer(team.locale)

    @staticmethod
    def _actor(update: Update) -> str:
        user = update.effective_user
        return display_name(user) if user else "(anonymous admin)"

    async def _is_admin(self, update: Update) -> bool:
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or chat is None:
            return False
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True  # an administrator posting anonymously, as the group itself
        if user is None:
            return False
        try:
            member = await self.bot.get_chat_member(chat.id, user.id)
        except TelegramError:  # e.g. someone posting as a channel: not a member Telegram knows
            return False
        return member.status in _ADMINS

    async def _team_or_hint(self, update: Update) -> Team | None:
        chat = update.effective_chat
        team = await self.assessments.team_at(PLATFORM, str(chat.id)) if chat else None
        if team is None:
            await self.say(
                update,
                N_(
                    "This group has no assessment yet. An administrator can start one with /assess."
                ),
            )
        return team

    # ------------------------------------------------------------------ commands

    async def assess(self, update: Update, context: Context) -> None:
        """/assess [days | YYYY-MM-DD]: open a snapshot (or invite to the open one again)."""
        chat, user, message = update.effective_chat, update.effective_user, update.effective_message
        if chat is None or message is None:
            return
        loc = self.loc_for(user)
        if not await self._is_admin(update):
            await self.say(update, N_("Only the group's administrators can start an assessment."))
            return
        try:
            deadline = parse_deadline(context.args or [], dt.datetime.now(dt.UTC))
        except ValueError:
            await message.reply_text(
                loc._(
                    "Give the deadline as a number of days (1 to {most}) or a date like "
                    "2026-12-31, for example /assess 14.",
                    most=MAX_DEADLINE_DAYS,
                )
            )
            return
        invitation = await self.assessments.start_snapshot(
            PLATFORM,
            str(chat.id),
            chat.title or str(chat.id),
            by=self._actor(update),
            deadline=deadline,
            locale=user.language_code if user else None,
        )
        team = await self.assessments.team(invitation.team_id)
        loc = self.assessments.localizer(team.locale)
        intro = (
            loc._(
                "{team}: the customer-service maturity assessment, snapshot {number}.",
                team=team.name,
                number=invitation.number,
            )
            if invitation.created
            else loc._(
                "Snapshot {number} of {team} is already open; here is its link again.",
                team=team.name,
                number=invitation.number,
            )
        )
        text = "\n\n".join(
            [
                "📝 " + intro,
                loc._(
                    "{count} short questions, about 10 minutes. Your answers stay private: "
                    "this group sees only the team's results.",
                    count=len(self.assessments.sequence),
                ),
                loc._("Please answer by {date}.", date=loc.date(invitation.deadline.date())),
            ]
        )
        link = f"https://t.me/{self.bot.username}?start={invitation.token}"
        button = InlineKeyboardButton(loc._("Take the assessment"), url=link)
        await message.reply_text(text, reply_markup=InlineKeyboardMarkup([[button]]))

    async def status(self, update: Update, _context: Context) -> None:
        """Who has answered the latest snapshot: names only, never answers."""
        team = await self._team_or_hint(update)
        message = update.effective_message
        if team is None or message is None:
            return
        loc = self._team_loc(team)
        try:
            found = await self.assessments.status(team)
        except UserError as error:
            await self.refuse(update, error, loc)
            return
        if found.is_open and found.deadline is not None:
            head = loc._(
                "Snapshot {number} is open until {date}.",
                number=found.number,
                date=loc.date(found.deadline.date()),
            )
        elif found.is_open:
            head = loc._("Snapshot {number} is open.", number=found.number)
        else:
            head = loc._("Snapshot {number} is closed.", number=found.number)
        lines = [head]
        if found.anonymous:  # anonymous mode: how many, not who (bot/anonymity.py)
            lines.append(anonymous_counts(loc, len(found.submitted), len(found.in_progress)))
        elif found.submitted:
            lines.append(
                loc._(
                    "Submitted ({count}): {names}",
                    count=len(found.submitted),
                    names=", ".join(found.submitted),
                )
            )
        if found.in_progress and not found.anonymous:
            lines.append(
                loc._(
                    "Still answering ({count}): {names}",
                    count=len(found.in_progress),
                    names=", ".join(found.in_progress),
                )
            )
        if not found.submitted and not found.in_progress:
            lines.append(loc._("Nobody has started yet."))
        await message.reply_text(fit("\n".join(lines)))

    async def close(self, update: Update, _context: Context) -> None:
        """/close: close the snapshot and post the results here."""
        chat = update.effective_chat
        if chat is None:
            return
        if not await self._is_admin(update):
            await self.say(update, N_("Only the group's administrators can close the assessment."))
            return
        team = await self._team_or_hint(update)
        if team is None:
            return
        loc = self._team_loc(team)
        try:
            number = await self.assessments.close(team, self._actor(update))
        except UserError as error:
            await self.refuse(update, error, loc)
            return
        await post_results(self, chat.id, team, loc, closed=number)

    async def report(self, update: Update, _context: Context) -> None:
        shown = await self._results_for(update)
        if shown is not None:
            team, loc, message = shown
            await post_results(self, message.chat_id, team, loc)

    async def plan(self, update: Update, _context: Context) -> None:
        """The checklist for the group to tick. While the latest snapshot is below the
        anonymity threshold, the plan of the last one at or above it."""
        team, message = await self._team_or_hint(update), update.effective_message
        if team is None or message is None:
            return
        loc = self._team_loc(team)
        current = await self.assessments.plan(team)
        if not current.items and await results_withheld(self, team, loc, message):
            return
        checklist = plan_text(current, loc, self.assessments.questionnaire)
        await message.reply_text(checklist.text, reply_markup=checklist.keyboard)

    async def export(self, update: Update, context: Context) -> None:
        shown = await self._results_for(update)
        if shown is not None:
            team, loc, _message = shown
            await send_export(self, update, context, team, loc)

    async def _results_for(self, update: Update) -> tuple[Team, Localizer, Message] | None:
        """The group's team and language, for showing its results — None when it has none,
        or they are hidden for now (each said so)."""
        team, message = await self._team_or_hint(update), update.effective_message
        if team is None or message is None:
            return None
        loc = self._team_loc(team)
        if await results_withheld(self, team, loc, message):
            return None
        return team, loc, message

    async def forget_me(self, update: Update, _context: Context) -> None:
        await self.say(
            update, N_("Send /forget_me to me in a private chat: your answers are only there.")
        )

    async def language(self, update: Update, context: Context) -> None:
        """/language en|tr in a group: the language of the team's posts (administrators)."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        choice = (context.args or [""])[0].lower()
        loc = self.loc_for(update.effective_user)
        if choice not in self.assessments.localizers:
            await message.reply_text(loc._("Send /language en or /language tr."))
            return
        if not await self._is_admin(update):
            await self.say(update, N_("Only the group's administrators can change its language."))
            return
        await self.assessments.set_team_locale(
            PLATFORM,
            str(chat.id),
            chat.title or str(chat.id),
            choice,
            by=self._actor(update),
        )
        loc = self.assessments.localizer(choice)
        # Said in the chosen language, which the Turkish catalog names as Turkish.
        await message.reply_text(loc._("This group's posts will be in English."))

    async def added(self, update: Update, _context: Context) -> None:
        """The bot joined a group: say what it does and how to start."""
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is None or change.chat.type == Chat.PRIVATE:
            return
        was, now = change.old_chat_member.status, change.new_chat_member.status
        joined = was in (ChatMember.LEFT, ChatMember.BANNED) and now in (
            ChatMember.MEMBER,
            ChatMember.ADMINISTRATOR,
        )
        if not joined:
            return
        loc = self.loc_for(change.from_user)
        await self.bot.send_message(
            change.chat.id,
            loc._(
                "Hello! I run this team's customer-service maturity assessment. An "
                "administrator starts it with /assess; everyone answers in a private chat with "
                "me, and the team's results and action plan come back here. /help lists "
                "everything."
            ),
        )

    async def migrated(self, update: Update, _context: Context) -> None:
        """A group upgraded to a supergroup gets a new chat id; the team moves with it."""
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id is not None:
            await self.assessments.move_team(
                PLATFORM, str(message.chat_id), str(message.migrate_to_chat_id)
            )

    # ------------------------------------------------------------------ the checklist

    async def tick(self, update: Update, _context: Context) -> None:
        """A checklist button: tick the item on or off, then show everyone the new state."""
        query, user, chat = update.callback_query, update.effective_user, update.effective_chat
        if query is None or user is None:
            return
        loc = self.loc_for(user)
        matched = _PLAN_BUTTON.fullmatch(query.data or "")
        message = query.message
        if matched is None or chat is None or not isinstance(message, Message):
            await acknowledge(query, loc._("This button no longer works."))
            return
        snapshot_id, number, done = int(matched[1]), int(matched[2]), matched[3] == "1"
        in_a_group = chat.type != Chat.PRIVATE
        if in_a_group and not await in_group(self.bot, chat.id, user.id):
            await acknowledge(query, loc._(NOT_FOR_YOU))
            return
        team = await self.assessments.team_at(
            PLATFORM, str(chat.id) if in_a_group else personal_team_id(user)
        )
        owner = await checklist_team_id(self.assessments.database, snapshot_id)
        if owner is not None and (team is None or owner != team.id):
            await acknowledge(query, loc._(ANOTHER_TEAM))
            return
        if team is None:
            await acknowledge(query, loc._("This team no longer exists."))
            return
        try:
            current = await self.assessments.tick(
                team, number, done, display_name(user), snapshot_id=snapshot_id
            )
        except UserError as error:
            await acknowledge(query, error.localized(loc)[:200])
            return
        await acknowledge(query)
        checklist = plan_text(current, self._team_loc(team), self.assessments.questionnaire)
        with contextlib.suppress(TelegramError):  # someone else's tap got there first: same text
            await message.edit_text(checklist.text, reply_markup=checklist.keyboard)
