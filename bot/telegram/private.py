"""The questionnaire in a person's private chat with the bot.

Each input is handled in one unit of work, committed by the service before anything is sent, so
an answer the person saw confirmed is stored even if the bot dies right after. Answers carry
Telegram's update id into that same transaction: a redelivered update changes nothing, even
after a restart. After a restart the person's next message or button press finds the response
they were busy with in the database and continues it. Question buttons carry their response's
id, so a button left over from another team's or an earlier snapshot's questionnaire is stale.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import TelegramError

from bot import anonymity, disclosure
from bot.service_errors import AlreadyHandled, NoLongerOpen, UserError
from bot.service_types import Opened, Pending
from bot.telegram.common import (
    PLATFORM,
    Context,
    Handlers,
    acknowledge,
    is_personal,
    participant,
)
from bot.telegram.render import render, report_text, unpin
from conversations.engine import Turn
from conversations.i18n import N_, Localizer
from conversations.replies import (
    AnswerEcho,
    NoteRequest,
    Notice,
    QuestionReply,
    Reply,
    Submitted,
    Tone,
)

Step = Callable[[int], Awaitable[Turn]]


class PrivateChat(Handlers):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._opened: dict[int, Opened] = {}  # Telegram user id → the response they answer
        # chat id → (message, question) whose buttons are live
        self._question_messages: dict[int, tuple[int, str]] = {}

    def _update_key(self, update: Update) -> tuple[str, str]:
        return PLATFORM, f"{self.bot.id}:{update.update_id}"

    # ------------------------------------------------------------------ where a person is

    async def where(self, user: User) -> Opened | None:
        """The response the person is answering: remembered, else the one they were last
        busy with in a snapshot still open."""
        opened = self._opened.get(user.id) or await self.assessments.current(PLATFORM, str(user.id))
        if opened is not None:
            self._opened[user.id] = opened
        return opened

    async def _answer(
        self, user: User, step: Step, pinned: int | None = None
    ) -> tuple[Opened, Turn | None] | None:
        """Run ``step`` on the response the person is answering; its turn is None when there
        is nothing to send. None: they answer none, or not the one ``pinned`` by a button. The
        remembered response goes first, unless a button names another (another process may
        have moved them on). If it takes no more answers — closed by a new snapshot or another
        process, or deleted — the one open now takes this same input: one more lookup, on that
        path alone. A button of the closed one is told it is closed."""
        remembered = self._opened.get(user.id)
        opened = remembered if remembered and pinned in (None, remembered.response_id) else None
        while True:
            looked_up = opened is None
            if looked_up:
                opened = await self.assessments.current(PLATFORM, str(user.id))
                if opened is not None:
                    self._opened[user.id] = opened
            if opened is None or pinned not in (None, opened.response_id):
                return None
            try:
                return opened, await self._turn(user, opened, step)
            except NoLongerOpen as gone:
                self._opened.pop(user.id, None)
                if pinned is not None and gone.closed is not None:
                    hint = self._loc(opened)._("Send /start to see what is waiting for you.")
                    closed = gone.closed
                    return opened, Turn(closed.state, closed.saved, (*closed.replies, Notice(hint)))
                if looked_up:  # closed right after it was found: nothing open to go on with
                    return None
                opened = None

    async def _waiting(self, user: User) -> list[Pending]:
        """Team snapshots waiting for the person, in teams they still belong to."""
        found = []
        for pending in await self.assessments.pending(PLATFORM, str(user.id)):
            if pending.submitted or is_personal(pending.external_id):
                continue
            if await self.is_member(pending.external_id, user.id):
                found.append(pending)
        return found

    async def _enter(self, user: User, chat_id: int, opened: Opened) -> None:
        """Make ``opened`` the person's response and show where they are in it."""
        self._opened[user.id] = opened
        await self._strip_live_question(chat_id)  # its buttons answer another response
        await self._send(chat_id, opened.turn.replies, opened.response_id)

    async def _greet(self, user: User, chat_id: int) -> None:
        """What /start does without a link: continue the current response, else enter a team
        snapshot waiting for the person, else start one for them alone."""
        loc = self.loc_for(user)
        found = await self.assessments.current(PLATFORM, str(user.id))  # resumed afresh
        waiting = await self._waiting(user)
        if found is None and waiting:  # a new snapshot of a team they answered for before
            with contextlib.suppress(UserError):  # closed meanwhile
                found = await self.assessments.enter(
                    waiting[0].team_id, participant(user), user.language_code
                )
        if found is None:
            found = await self.assessments.open(
                participant(user), fallback_locale=user.language_code
            )
            await self.bot.send_message(
                chat_id,
                loc._(
                    "No team assessment is waiting for you, so here is one for you alone: your "
                    "own results at the end. To assess a team, add me to its Telegram group and "
                    "have an administrator send /assess there."
                ),
            )
        others = [p for p in waiting if p.team_id != found.team_id]
        if others:
            await self._offer(user, chat_id, others)
        await self._enter(user, chat_id, found)

    # ------------------------------------------------------------------ commands

    async def start(self, update: Update, context: Context) -> None:
        """/start continues the person's assessment; /start <token> (a group's invitation
        link) joins that team's snapshot."""
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        if not context.args:
            await self._greet(user, message.chat_id)
            return
        token = context.args[0]
        try:
            team = await self.assessments.invited_team(token, PLATFORM)
            if team is not None and not await self.is_member(team.external_id, user.id):
                raise UserError(
                    N_("This invitation is for the members of “{team}”; ask them to add you."),
                    team=team.name,
                )
            opened = await self.assessments.join(token, participant(user), user.language_code)
        except UserError as error:
            await self.refuse(update, error)
            return
        await self._enter(user, message.chat_id, opened)

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

    async def switch_team(self, update: Update, _context: Context) -> None:
        """The button of `_offer`."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        message = query.message
        if message is None or message.chat.type != Chat.PRIVATE:
            await acknowledge(query)
            return
        loc = self.loc_for(user)
        team_id = int((query.data or "go:0").split(":")[1])
        # Only a team the person answered for before: a team id alone admits no one.
        theirs = {p.team_id for p in await self._waiting(user)}
        try:
            if team_id not in theirs:
                raise UserError(N_("That assessment is no longer open."))
            opened = await self.assessments.enter(team_id, participant(user), user.language_code)
        except UserError as error:
            await acknowledge(query, error.localized(loc)[:200])
            return
        await acknowledge(query)
        if isinstance(message, Message):
            with contextlib.suppress(TelegramError):
                await message.edit_reply_markup(None)
        await self._enter(user, message.chat.id, opened)

    async def language(self, update: Update, context: Context) -> None:
        """/language tr: the engine's own language switch, for this and later snapshots."""
        await self._typed(update, " ".join(["language", *(context.args or [])]))

    def drop_cached(self, user_id: int, chat_id: int) -> None:
        """Forget what is remembered of the person's answering (after forget-me)."""
        self._opened.pop(user_id, None)
        self._question_messages.pop(chat_id, None)

    def _loc(self, opened: Opened) -> Localizer:
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
            return await self.assessments.handle_text(response_id, text, update=key, open_only=True)

        answered = await self._answer(user, answer)
        if answered is None:  # nothing to continue: this message is not an answer to anything
            await self._greet(user, message.chat_id)
            return
        opened, turn = answered
        if turn is not None:
            replies = await self._retire_question(message.chat_id, turn)
            await self._send(message.chat_id, replies, opened.response_id)

    async def button(self, update: Update, _context: Context) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        message = query.message
        if message is None or message.chat.type != Chat.PRIVATE:
            # Under an inline-mode message or in a group: never a questionnaire of ours.
            await acknowledge(query, self.loc_for(user)._("This button no longer works."))
            return
        pinned, payload = unpin(query.data or "")
        key = self._update_key(update)

        async def press(response_id: int) -> Turn:
            return await self.assessments.handle_button(
                response_id, payload, update=key, open_only=True
            )

        answered = await self._answer(user, press, pinned)
        if answered is None:
            await acknowledge(
                query,
                self.loc_for(user)._(
                    "This button belongs to an assessment you are not answering now. Send "
                    "/start to see where you are."
                ),
            )
            return
        opened, turn = answered
        if turn is None:
            await acknowledge(query)
            return
        first = turn.replies[0] if turn.replies else None
        replies = turn.replies
        if isinstance(first, Notice) and first.tone is Tone.ERROR:
            # A stale or unknown button: said on the spot, then where the person is now.
            await acknowledge(query, first.text[:200])
            replies = replies[1:]
            if replies:
                await self._strip_live_question(message.chat.id)
        else:
            # The answer is stored: whatever Telegram says from here on, the rest gets sent.
            await acknowledge(query)
            if isinstance(message, Message):
                if isinstance(first, AnswerEcho):
                    await self._edit(message, render(first).text)
                    replies = replies[1:]
                else:
                    await self._edit(message, None)
            self._question_messages.pop(message.chat.id, None)
        await self._send(message.chat.id, replies, opened.response_id)

    async def edited(self, update: Update, _context: Context) -> None:
        await self.say(
            update,
            N_(
                "I don't read edited messages, so your answer stays as it was. To change it, "
                "type back and send the answer again as a new message."
            ),
        )

    async def unexpected(self, update: Update, _context: Context) -> None:
        await self.say(
            update, N_("I can only read text and button presses. Type your answer, or /start.")
        )

    async def _turn(self, user: User, opened: Opened, step: Step) -> Turn | None:
        """Run ``step`` on the person's response. None: nothing to send. `NoLongerOpen`
        passes on to `_answer`."""
        try:
            turn: Turn = await step(opened.response_id)
        except AlreadyHandled:
            # Stored before; if its reply never went out (a crash), show where they are.
            if user.id in self._question_messages:  # a private chat's id is its person's
                return None
            again = await self.assessments.current(PLATFORM, str(user.id))
            return again.turn if again is not None else None
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
        if team.anonymous:
            return Notice(anonymity.submitted_text(loc, team))
        promise = loc._(
            "“{team}” will see the team's results in its group when the assessment "
            "closes; no one there sees your own answers. Until then you can still change "
            "them here.",
            team=team.name,
        )
        return Notice(f"{promise} {disclosure.threshold_note(loc, team)}".strip())

    async def _strip_live_question(self, chat_id: int) -> None:
        shown = self._question_messages.pop(chat_id, None)
        if shown is not None:
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_reply_markup(chat_id, shown[0])

    async def _retire_question(self, chat_id: int, turn: Turn) -> tuple[Reply, ...]:
        """A question answered by typing turns into its answer, like a pressed one, so no
        dead keyboard stays behind; returns the replies still to send."""
        replies = turn.replies
        if not turn.saved and not any(isinstance(r, QuestionReply | NoteRequest) for r in replies):
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

    async def _send(self, chat_id: int, replies: tuple[Reply, ...], response_id: int) -> None:
        for reply in replies:
            outgoing = render(reply, response_id)
            sent = await self.bot.send_message(
                chat_id, outgoing.text, reply_markup=outgoing.keyboard
            )
            if isinstance(reply, QuestionReply | NoteRequest):  # a note's button is live too
                self._question_messages[chat_id] = (sent.message_id, reply.question_id)
