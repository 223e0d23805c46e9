"""/report, /plan and /export in a private chat: the results of the team the person answers
for (their own, or their group's), while they are still its member and as far as the team's
anonymity threshold lets anyone see them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot, Message, Update, User

from bot.assessments import Assessments
from bot.service_types import Opened
from bot.telegram.common import Context, Handlers, is_personal
from bot.telegram.render import plan_text, report_text
from bot.telegram.results import results_withheld, send_export
from conversations.i18n import N_, Localizer
from storage.models import Team


class PrivateResults(Handlers):
    def __init__(
        self, assessments: Assessments, bot: Bot, where: Callable[[User], Awaitable[Opened | None]]
    ) -> None:
        super().__init__(assessments, bot)
        self._where = where  # the response the person is answering, if any

    async def report(self, update: Update, _context: Context) -> None:
        """The report of the team the person answers for (their own, or their group's)."""
        mine = await self._mine(update)
        if mine is not None:
            team, loc, message = mine
            built = await self.assessments.report(team, loc.locale)
            await message.reply_text(report_text(built.view))

    async def plan(self, update: Update, _context: Context) -> None:
        """The plan of the last snapshot whose results may be shown (bot/disclosure.py)."""
        mine = await self._members_team(update)
        if mine is not None:
            team, loc, message = mine
            current = await self.assessments.plan(team)
            if not current.items and await results_withheld(self, team, loc, message):
                return
            outgoing = plan_text(current, loc, self.assessments.questionnaire)
            # Only a personal plan is ticked here; a team ticks its plan in its group.
            personal = is_personal(team.external_id)
            await message.reply_text(
                outgoing.text, reply_markup=outgoing.keyboard if personal else None
            )

    async def export(self, update: Update, context: Context) -> None:
        """/export or /export pdf: the report as a PDF; /export csv: the dimension scores."""
        mine = await self._mine(update)
        if mine is not None:
            team, loc, _message = mine
            await send_export(self, update, context, team, loc)

    async def _mine(self, update: Update) -> tuple[Team, Localizer, Message] | None:
        """The team of the person's current response and their language — None when there
        is none, or its results so far are hidden (each said so)."""
        mine = await self._members_team(update)
        if mine is None or await results_withheld(self, *mine):
            return None
        return mine

    async def _members_team(self, update: Update) -> tuple[Team, Localizer, Message] | None:
        """The team of the person's current response, if they are still its member (else
        said why not), and their language."""
        user, message = update.effective_user, update.effective_message
        opened = await self._where(user) if user else None
        if message is None:
            return None
        if opened is None:
            await self.say(update, N_("You have no assessment yet. Send /start to begin one."))
            return None
        team = await self.assessments.team(opened.team_id)
        loc = self.assessments.localizer(opened.turn.state.locale)
        if user is not None and not await self.is_member(team.external_id, user.id):
            # Left the group (or was removed): the team's results are no longer theirs to see.
            gone = loc._(
                "You are no longer a member of “{team}”, so its results are not shown to you.",
                team=team.name,
            )
            await message.reply_text(gone)
            return None
        return team, loc, message
