"""The questionnaire in a person's private chat with the bot.

Each input is handled in one unit of work, committed by the service before anything is sent, so
an answer the person saw confirmed is stored even if the bot dies right after. Answers carry
Telegram's update id into that same transaction: a redelivered update changes nothing, even
after a restart. After a restart the person's next message or button press finds the response
they were busy with in the database and continues it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import TelegramError

from bot.assessments import AlreadyHandled, Opened, Pending, UserError
from bot.telegram.common import (
    PLATFORM,
    Context,
    Handlers,
    acknowledge,
    is_personal,
    participant,
)
from bot.telegram.render import plan_text, render, report_text
from bot.telegram.results import send_export
from conversations.engine import Turn
from conversations.i18n import N_
from conversations.replies import AnswerEcho, Notice, QuestionReply, Reply, Submitted, Tone

Step = Callable[[int], Awaitable[Turn]]


class PrivateChat(Handlers):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._opened: dict[int, Opened] = {}  # Telegram user id → the response they answer
        # chat id → (message, question) whose buttons are live
        self._question_messages: dict[int, tuple[int, str]] = {}

    def _update_key(self, update: Update) -> tuple[str, str]:
        return PLATFORM, f"{self.bot.id}:{update.update_id}"

    # ------------------------------------------------------------------ commands

    async def start(self, update: Update, context: Context) -> None:
        """/start continues the person's assessment; /start <token> (a group's invitation
        link) joins that team's snapshot."""
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        loc = self.loc_for(user)
        if context.args:
            try:
                opened = await self.assessments.join(
                    context.args[0], participant(user), user.language_code
                )
            except UserError as error:
                await self.refuse(update, error)
                return
            self._opened[user.id] = opened
            await self._send(message.chat_id, opened.turn.replies)
            return
        found = await self.assessments.current(PLATFORM, str(user.id))  # resumed afresh
        waiting = [
            p
            for p in await self.assessments.pending(PLATFORM, str(user.id))
            if not p.submitted and not is_personal(p.external_id)
        ]
        if found is None and waiting:  # a new snapshot of a team they answered for before
            found = await self._open_pending(user, waiting[0])
        if found is None:
            found = await self._open_personal(user)
            await message.reply_text(
                loc._(
                    "No team assessment is waiting for you, so here is one for you alone: your "
                    "own results at the end. To assess a team, add me to its Telegram group and "
                    "have an administrator send /assess there."
                )
            )
        self._opened[user.id] = found
        others = [p for p in waiting if p.team_id != found.team_id]
        if others:
            await self._offer(user, message.chat_id, others)
        await self._send(message.chat_id, found.turn.replies)

    async def _offer(self, user: User, chat_id: int, others: list[Pending]) -> None:
        """Buttons for the person's other team assessments waiting for them."""
        loc = self.loc_for(user)
        buttons = [
            [
                InlineKeyboardButton(
                    loc._("{team}, snapshot {number}", team=p.team_name, number=p.snapshot_number),
                    callback_data=f"go:{p.team_id}",
                )
            ]
            for p in others[:10]
        ]
        await self.bot.send_message(
            chat_id,
            loc._("These teams are waiting for your answers too; tap one to switch to it:"),
            reply_markup=InlineKeyboardMarkup(buttons),
        )

    async def _open_pending(self, user: User, chosen: Pending) -> Opened:
        opened = await self.assessments.enter(chosen.team_id, participant(user), user.language_code)
        self._opened[user.id] = opened
        return opened

    async def switch_team(self, update: Update, _context: Context) -> None:
        """The button of `_offer`."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or not isinstance(query.message, Message):
            return
        loc = self.loc_for(user)
        team_id = int((query.data or "go:0").split(":")[1])
        # Only a team the person answered for before: a team id alone admits no one.
        theirs = {p.team_id for p in await self.assessments.pending(PLATFORM, str(user.id))}
        try:
            if team_id not in theirs:
                raise UserError(N_("That assessment is no longer open."))
            opened = await self.assessments.enter(team_id, participant(user), user.language_code)
        except UserError as error:
            await acknowledge(query, error.localized(loc)[:200])
            return
        await acknowledge(query)
        self._opened[user.id] = opened
        with contextlib.suppress(TelegramError):
            await query.message.edit_reply_markup(None)
        await self._send(query.message.chat_id, opened.turn.replies)

    async def language(self, update: Update, context: Context) -> None:
        """/language tr: the engine's own language switch, for this and later snapshots."""
        await self._typed(update, " ".join(["language", *(context.args or [])]))

    async def forget_me(self, update: Update, _context: Context) -> None:
        """Ask before deleting: the buttons answer in `confirm_forget`."""
        message = update.effective_message
        if message is None:
            return
        loc = self.loc_for(update.effective_user)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        loc._("Yes, delete my answers"), callback_data="forget:yes"
                    ),
                    InlineKeyboardButton(loc._("Cancel"), callback_data="forget:no"),
                ]
            ]
        )
        await message.reply_text(
            loc._(
                "This deletes your answers for every team, here and in any group assessment. "
                "Snapshots already closed keep your scale answers as anonymous numbers, so "
                "team results stay as they were published; your name and written answers go. "
                "Delete them?"
            ),
            reply_markup=keyboard,
        )

    async def confirm_forget(self, update: Update, _context: Context) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        await acknowledge(query)
        loc = self.loc_for(user)
        if query.data != "forget:yes":
            text = loc._("Nothing was deleted.")
        else:
            deleted, kept = await self.assessments.forget_everywhere(PLATFORM, str(user.id))
            self._opened.pop(user.id, None)
            text = loc._(
                "Done: {deleted} answers deleted, {kept} kept only as anonymous numbers.",
                deleted=deleted,
                kept=kept,
            )
        if isinstance(query.message, Message):
            with contextlib.suppress(TelegramError):
                await query.message.edit_text(text)

    async def report(self, update: Update, _context: Context) -> None:
        """The report of the team the person answers for (their own, or their group's)."""
        opened, message = await self._mine(update), update.effective_message
        if opened is None or message is None:
            return
        team = await self.assessments.team(opened.team_id)
        loc = self._loc(opened)
        built = await self.assessments.report(team, loc.locale)
        await message.reply_text(report_text(built.view))

    async def plan(self, update: Update, _context: Context) -> None:
        opened, message = await self._mine(update), update.effective_message
        if opened is None or message is None:
            return
        team = await self.assessments.team(opened.team_id)
        current = await self.assessments.plan(team)
        outgoing = plan_text(current, self._loc(opened), self.assessments.questionnaire)
        # Only a personal plan is ticked here; a team ticks its plan in its group, where all see it.
        await message.reply_text(
            outgoing.text, reply_markup=outgoing.keyboard if is_personal(team.external_id) else None
        )

    async def export(self, update: Update, context: Context) -> None:
        """/export or /export pdf: the report as a PDF; /export csv: the dimension scores."""
        opened, message = await self._mine(update), update.effective_message
        if opened is None or message is None:
            return
        team = await self.assessments.team(opened.team_id)
        await send_export(self, update, context, team, self._loc(opened))

    async def _mine(self, update: Update) -> Opened | None:
        user = update.effective_user
        if user is None:
            return None
        opened = self._opened.get(user.id) or await self.assessments.current(PLATFORM, str(user.id))
        if opened is None:
            await self.say(update, N_("You have no assessment yet. Send /start to begin one."))
        return opened

    def _loc(self, opened: Opened) -> Any:
        return self.assessments.localizer(opened.turn.state.locale)

    # ------------------------------------------------------------------ answering

    async def text(self, update: Update, _context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await self._typed(update, message.text)

    async def _typed(self, update: Update, text: str) -> None:
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        key = self._update_key(update)

        async def answer(response_id: int) -> Turn:
            return await self.assessments.handle_text(response_id, text, update=key)

        turn = await self._turn(user, answer)
        if turn is not None:
            await self._send(message.chat_id, await self._retire_question(message.chat_id, turn))

    async def button(self, update: Update, _context: Context) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        if query.message is None:  # a button under an inline-mode message: not one of ours
            await acknowledge(query)
            return
        chat_id = query.message.chat.id
        data, key = query.data or "", self._update_key(update)

        async def press(response_id: int) -> Turn:
            return await self.assessments.handle_button(response_id, data, update=key)

        turn = await self._turn(user, press)
        if turn is None:
            await acknowledge(query)
            return
        first = turn.replies[0] if turn.replies else None
        if isinstance(first, Notice) and first.tone is Tone.ERROR:
            # A stale or unknown button: say so on the spot; nothing changed.
            await acknowledge(query, first.text[:200])
            return
        # The answer is stored: whatever Telegram says from here on, the person gets the rest.
        await acknowledge(query)
        replies = turn.replies
        if isinstance(query.message, Message):
            if isinstance(first, AnswerEcho):
                await self._edit(query.message, render(first).text)
                replies = replies[1:]
            else:
                await self._edit(query.message, None)
        self._question_messages.pop(chat_id, None)
        await self._send(chat_id, replies)

    async def edited(self, update: Update, _context: Context) -> None:
        await self.say(
            update,
            N_(
                "I don't read edited messages, so your answer stays as it was. To change it, "
                "send the new answer as a new message after typing back."
            ),
        )

    async def unexpected(self, update: Update, _context: Context) -> None:
        await self.say(
            update, N_("I can only read text and button presses. Type your answer, or /start.")
        )

    async def _turn(self, user: User, step: Step) -> Turn | None:
        """Run ``step`` on the person's current response — the one in memory, else the one
        they were last busy with, else their personal one. None: a redelivered update."""
        opened = (
            self._opened.get(user.id)
            or await self.assessments.current(PLATFORM, str(user.id))
            or await self._open_personal(user)
        )
        self._opened[user.id] = opened
        try:
            turn: Turn = await step(opened.response_id)
        except AlreadyHandled:
            return None
        except UserError:  # their answers were deleted: start afresh
            self._opened.pop(user.id, None)
            return (await self._open_personal(user)).turn
        if any(isinstance(reply, Submitted) for reply in turn.replies):
            turn = Turn(turn.state, turn.saved, (*turn.replies, await self._after_submit(opened)))
        return turn

    async def _after_submit(self, opened: Opened) -> Reply:
        # By id: people's personal teams are named after them, and names repeat.
        team = await self.assessments.team(opened.team_id)
        loc = self._loc(opened)
        if is_personal(team.external_id):
            report = await self.assessments.report(team, loc.locale)
            return Notice(report_text(report.view))
        return Notice(
            loc._(
                "{team} will see the team's results in its group when the assessment closes; "
                "no one there sees your own answers. Until then you can still change them here.",
                team=team.name,
            )
        )

    async def _open_personal(self, user: User) -> Opened:
        opened = await self.assessments.open(participant(user), fallback_locale=user.language_code)
        self._opened[user.id] = opened
        return opened

    async def _retire_question(self, chat_id: int, turn: Turn) -> tuple[Reply, ...]:
        """A question answered by typing turns into its answer, like a pressed one, so no
        dead keyboard stays behind; returns the replies still to send."""
        replies = turn.replies
        if not turn.saved and not any(isinstance(r, QuestionReply) for r in replies):
            return replies
        shown = self._question_messages.pop(chat_id, None)
        if shown is None:
            return replies
        message_id, question_id = shown
        first = replies[0] if replies else None
        with contextlib.suppress(TelegramError):  # already edited, too old, or Telegram failed
            if isinstance(first, AnswerEcho) and first.question_id == question_id:
                await self.bot.edit_message_text(render(first).text, chat_id, message_id)
                return replies[1:]
            await self.bot.edit_message_reply_markup(chat_id, message_id)
        return replies

    async def _edit(self, message: Message, text: str | None) -> None:
        # Best effort: "message is not modified", a deleted message or a Telegram error leaves
        # an old keyboard behind, which answers with a stale-button alert if pressed.
        with contextlib.suppress(TelegramError):
            if text is None:
                await message.edit_reply_markup(None)
            else:
                await message.edit_text(text)

    async def _send(self, chat_id: int, replies: tuple[Reply, ...]) -> None:
        for reply in replies:
            outgoing = render(reply)
            sent = await self.bot.send_message(
                chat_id, outgoing.text, reply_markup=outgoing.keyboard
            )
            if isinstance(reply, QuestionReply):
                self._question_messages[chat_id] = (sent.message_id, reply.question_id)
