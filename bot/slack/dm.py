"""The questionnaire in a person's direct messages with the app.

Each answer is stored in one unit of work, together with the Slack interaction or event that
carried it, before anything is sent: a retried event or a repeated press changes nothing. A
pressed answer edits its question message into the answer (`chat.update`) and the next
question follows. Buttons carry their response's id, so one left over from another team's or an
earlier snapshot's questionnaire gets an ephemeral note and changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import anonymity, disclosure
from bot.payload_ids import parse_id
from bot.service_errors import AlreadyHandled, NoLongerOpen, UserError
from bot.service_types import Invitation, Opened
from bot.slack.blocks import (
    SlackMessage,
    escape,
    render,
    report_blocks,
    section,
    unpin,
)
from bot.slack.common import (
    PLATFORM,
    Body,
    Shared,
    SlackUser,
    ephemeral,
    log,
    personal_team_id,
    where_pressed,
)
from bot.slack.deliveries import as_typed, dedupe_key, interaction_key
from bot.slack.invitation import NOT_A_MEMBER, invitation_message
from bot.slack.membership import has_left, may_join
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
from storage.models import Team


@dataclass(frozen=True)
class Live:
    """The question message whose buttons are live in a person's DM."""

    channel: str
    ts: str
    question_id: str
    message: SlackMessage


Step = Callable[[int], Awaitable[Turn]]
OnSubmitted = Callable[[AsyncWebClient, int], Awaitable[bool]]  # True: it closed the snapshot


class DirectMessages:
    def __init__(self, shared: Shared, on_submitted: OnSubmitted) -> None:
        self.shared = shared
        self.assessments = shared.assessments
        self.on_submitted = on_submitted
        # person → the question whose buttons are live
        self._live: dict[str, Live] = {}
        # person → the response they answer: saves a database round trip on every press
        self._opened: dict[str, Opened] = {}

    def forget(self, user_id: str) -> None:
        """The person's answers were deleted: nothing of theirs is remembered here either."""
        self._opened.pop(user_id, None)
        self._live.pop(user_id, None)

    async def _answer(
        self, user_id: str, step: Step, pinned: int | None = None
    ) -> tuple[Opened, Turn | None] | None:
        """Run ``step`` on the response the person is answering; its turn is None when the
        input was handled before. None: they answer none, or not the one ``pinned`` by a
        button. The remembered response goes first, unless a button names another (another
        process may have moved them on). If it takes no more answers — closed by a new
        snapshot or another process, or deleted — the one open now takes this same input:
        one more lookup, on that path alone. A button of the closed one is told it is closed."""
        remembered = self._opened.get(user_id)
        opened = remembered if remembered and pinned in (None, remembered.response_id) else None
        while True:
            looked_up = opened is None
            if looked_up:
                opened = await self.assessments.current(PLATFORM, user_id)
                self._remember(user_id, opened)
            if opened is None or pinned not in (None, opened.response_id):
                return None
            try:
                turn = await step(opened.response_id)
            except AlreadyHandled:  # a retried event or a repeated press: done already
                return opened, None
            except NoLongerOpen as gone:
                self._remember(user_id, None)
                if pinned is not None and gone.closed is not None:
                    return opened, gone.closed
                if looked_up:  # closed right after it was found: nothing open to go on with
                    return None
                opened = None
                continue
            # Its state as it is now (a language switched mid-way, say)
            self._remember(user_id, replace(opened, turn=turn))
            return opened, turn

    def _remember(self, user_id: str, opened: Opened | None) -> None:
        if opened is None:
            self._opened.pop(user_id, None)
        else:
            self._opened[user_id] = opened

    # ------------------------------------------------------------------ invitations

    async def invite(
        self, client: AsyncWebClient, user: SlackUser, team: Team, invitation: Invitation
    ) -> tuple[str, str]:
        """DM the person an invitation with a Start button; (DM channel, message ts)."""
        chosen = await self.assessments.person_locale(PLATFORM, user.id)
        loc = self.shared.localizer(chosen or user.locale or team.locale)
        opened = await client.conversations_open(users=user.id)
        channel = opened["channel"]["id"]
        message = invitation_message(loc, team, invitation, len(self.assessments.sequence))
        sent = await client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks
        )
        return channel, str(sent["ts"])

    async def start_pressed(self, body: Body, client: AsyncWebClient) -> None:
        """The invitation's Start button: join that snapshot and show its first question (or,
        pressed again, where the person is)."""
        user_id, channel, ts = where_pressed(body)
        token = str((body.get("actions") or [{}])[0].get("value") or "")
        async with self.shared.per_person.turn(user_id):
            key = interaction_key(body)
            if key is not None and not await self.assessments.first_time(PLATFORM, key):
                return  # the same press again: its question is already on its way
            user = await self.shared.directory.user(client, user_id)
            try:
                team = await self.assessments.invited_team(token, PLATFORM)
                if team is not None and not await may_join(
                    client, self.assessments.database, team, token, user_id
                ):
                    raise UserError(NOT_A_MEMBER, channel=team.name)
                opened = await self.assessments.join(
                    token, user.participant("", ""), fallback_locale=user.locale
                )
            except UserError as error:
                loc = await self.shared.loc_for(client, user_id)
                await ephemeral(client, channel, user_id, "⚠️ " + error.localized(loc))
                return
            loc = self._loc(opened)
            with contextlib.suppress(SlackApiError):  # the invitation keeps its button
                note = loc._("Started: the questions follow below.")
                await client.chat_update(
                    channel=channel, ts=ts, text=note, blocks=[section(f"✅ {escape(note)}")]
                )
            await self._enter(client, channel, user_id, opened)

    async def enter_from_home(self, body: Body, client: AsyncWebClient) -> None:
        """The App Home's Start/Continue button: that team's questionnaire, in the DM."""
        user_id = body["user"]["id"]
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        async with self.shared.per_person.turn(user_id):
            user = await self.shared.directory.user(client, user_id)
            # Only a team waiting for the person: a team id alone admits no one.
            waiting = {p.team_id for p in await self.assessments.pending(PLATFORM, user_id)}
            channel = (await client.conversations_open(users=user_id))["channel"]["id"]
            try:
                team_id = parse_id(value)
                if team_id is None or team_id not in waiting:
                    raise UserError(N_("That assessment is no longer open."))
                team = await self.assessments.team(team_id)
                if await has_left(client, team.external_id, user_id):
                    raise UserError(NOT_A_MEMBER, channel=team.name)
                opened = await self.assessments.enter(
                    team_id, user.participant("", ""), user.locale
                )
            except UserError as error:
                loc = await self.shared.loc_for(client, user_id)
                await client.chat_postMessage(channel=channel, text="⚠️ " + error.localized(loc))
                return
            await self._enter(client, channel, user_id, opened)

    # ------------------------------------------------------------------ answering

    async def typed(self, event: Body, client: AsyncWebClient, event_id: str) -> None:
        """A message in the DM: an answer to the current question, or a command like “back”."""
        user_id, channel = event["user"], event["channel"]
        text = as_typed(event.get("text") or "")
        key = dedupe_key("e", event_id)
        async with self.shared.per_person.turn(user_id):

            async def answer(response_id: int) -> Turn:
                return await self.assessments.handle_text(
                    response_id, text, update=(PLATFORM, key), open_only=True
                )

            answered = await self._answer(user_id, answer)
            if answered is None:
                # Recorded first: a retry must not find the questionnaire this opens and
                # take the same message as its first answer.
                if await self.assessments.first_time(PLATFORM, key):
                    await self._greet(client, channel, user_id)
                return
            opened, turn = answered
            if turn is None:
                return
            replies = await self._retire_live(client, user_id, turn)
            await self._send(client, channel, user_id, replies, opened.response_id)
            await self._after(client, channel, opened, turn)

    async def unreadable(self, event: Body, client: AsyncWebClient) -> None:
        """A file, an edit or the like in the DM: not something to answer with."""
        loc = await self.shared.loc_for(client, str(event.get("user")))
        text = loc._(
            "I can only read typed answers and button presses; your answers stay as they were. "
            "Type your answer as a new message."
        )
        await client.chat_postMessage(channel=str(event["channel"]), text=text)

    async def pressed(self, body: Body, client: AsyncWebClient) -> None:
        """A questionnaire button."""
        user_id, channel, ts = where_pressed(body)
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        pinned, payload = unpin(value)
        async with self.shared.per_person.turn(user_id):
            unique = interaction_key(body)
            key = (PLATFORM, unique) if unique else None

            async def press(response_id: int) -> Turn:
                return await self.assessments.handle_button(
                    response_id, payload, update=key, open_only=True
                )

            answered = await self._answer(user_id, press, pinned)
            if answered is None:
                loc = await self.shared.loc_for(client, user_id)
                await ephemeral(
                    client,
                    channel,
                    user_id,
                    loc._(
                        "This button belongs to an assessment you are not answering now. "
                        "Write me anything to see where you are."
                    ),
                )
                return
            opened, turn = answered
            if turn is None:
                return
            first = turn.replies[0] if turn.replies else None
            replies = turn.replies
            pressed = body.get("message") or {}
            without_buttons = _without_buttons(
                SlackMessage(pressed.get("text") or "…", pressed.get("blocks") or [])
            )
            if isinstance(first, Notice) and first.tone is Tone.ERROR:
                # A stale or unknown button: said to the person alone, then where they are.
                if not turn.state.snapshot_open:  # all of it in one note; the buttons go
                    hint = self._loc(opened)._("Write me anything to see what is waiting for you.")
                    note = " ".join([*(r.text for r in replies if isinstance(r, Notice)), hint])
                    await ephemeral(client, channel, user_id, note)
                    await self._edit(client, channel, ts, without_buttons)
                    self._live.pop(user_id, None)
                    return
                await ephemeral(client, channel, user_id, first.text)
                replies = replies[1:]
                if replies:
                    await self._strip_live(client, user_id)
            else:
                self._live.pop(user_id, None)
                if isinstance(first, AnswerEcho):
                    await self._edit(client, channel, ts, render(first))
                    replies = replies[1:]
                else:  # Back, Pause and the like: the pressed message keeps its text
                    await self._edit(client, channel, ts, without_buttons)
            await self._send(client, channel, user_id, replies, opened.response_id)
            await self._after(client, channel, opened, turn)

    async def _after(
        self, client: AsyncWebClient, channel: str, opened: Opened, turn: Turn
    ) -> None:
        """After a submission: what happens next, and the results once everyone is done."""
        if not any(isinstance(reply, Submitted) for reply in turn.replies):
            return
        team = await self.assessments.team(opened.team_id)
        loc = self._loc(opened)
        if team.external_id.startswith("personal:"):
            built = await self.assessments.report(team, loc.locale)
            message = report_blocks(built.view)
        elif await self.on_submitted(client, team.id):
            if await self.assessments.withheld(team) is None:
                text = loc._(
                    "You were the last to answer: the assessment is closed and {team} has its "
                    "results in its channel. No one there sees your own answers.",
                    team=team.name,
                )
            else:
                text = loc._(
                    "You were the last to answer: the assessment is closed. Fewer people "
                    "answered than {team} needs to see results, so its channel gets none this "
                    "time, and no one there sees your own answers.",
                    team=team.name,
                )
            message = SlackMessage(text, [section(escape(text))])
        elif team.anonymous:
            text = anonymity.submitted_text(loc, team)
            message = SlackMessage(text, [section(escape(text))])
        else:
            text = loc._(
                "{team} will see the team's results in its channel when the assessment closes; "
                "no one there sees your own answers. Until then you can still change them here.",
                team=team.name,
            )
            text = f"{text} {disclosure.threshold_note(loc, team)}".strip()
            message = SlackMessage(text, [section(escape(text))])
        await client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)

    # ------------------------------------------------------------------ helpers

    async def _greet(self, client: AsyncWebClient, channel: str, user_id: str) -> None:
        """Nothing in progress: enter a team snapshot waiting for the person, else start one
        for them alone."""
        user = await self.shared.directory.user(client, user_id)
        waiting = [
            p
            for p in await self.assessments.pending(PLATFORM, user_id)
            if not p.submitted
            and not p.external_id.startswith("personal:")
            and not await has_left(client, p.external_id, user_id)
        ]
        opened: Opened | None = None
        if waiting:
            with contextlib.suppress(UserError):  # closed meanwhile
                opened = await self.assessments.enter(
                    waiting[0].team_id, user.participant("", ""), user.locale
                )
        if opened is None:
            opened = await self.assessments.open(
                user.participant(personal_team_id(user_id), user.name), fallback_locale=user.locale
            )
            text = self._loc(opened)._(
                "No team assessment is waiting for you, so here is one for you alone: your own "
                "results at the end. To assess a team, an admin types /maturity start in its "
                "channel."
            )
            await client.chat_postMessage(channel=channel, text=text)
        await self._enter(client, channel, user_id, opened)

    async def _enter(
        self, client: AsyncWebClient, channel: str, user_id: str, opened: Opened
    ) -> None:
        """Make ``opened`` the person's response and show where they are in it."""
        self._remember(user_id, opened)
        await self._strip_live(client, user_id)  # its buttons answer another response
        await self._send(client, channel, user_id, opened.turn.replies, opened.response_id)

    def _loc(self, opened: Opened) -> Localizer:
        return self.shared.localizer(opened.turn.state.locale)

    async def _send(
        self,
        client: AsyncWebClient,
        channel: str,
        user_id: str,
        replies: tuple[Reply, ...],
        response_id: int,
    ) -> None:
        for reply in replies:
            message = render(reply, response_id)
            sent = await client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks
            )
            if isinstance(reply, QuestionReply | NoteRequest):  # a note's button is live too
                self._live[user_id] = Live(channel, str(sent["ts"]), reply.question_id, message)

    async def _edit(
        self, client: AsyncWebClient, channel: str, ts: str, message: SlackMessage
    ) -> None:
        # Best effort: the answer is stored; an old keyboard left behind answers as stale.
        try:
            await client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as error:
            log.info("question not edited: %s", error.response.get("error"))

    async def _strip_live(self, client: AsyncWebClient, user_id: str) -> None:
        shown = self._live.pop(user_id, None)
        if shown is not None:
            await self._edit(client, shown.channel, shown.ts, _without_buttons(shown.message))

    async def _retire_live(
        self, client: AsyncWebClient, user_id: str, turn: Turn
    ) -> tuple[Reply, ...]:
        """A question answered by typing turns into its answer, like a pressed one."""
        replies = turn.replies
        if not turn.saved and not any(isinstance(r, QuestionReply | NoteRequest) for r in replies):
            return replies
        shown = self._live.pop(user_id, None)
        if shown is None:
            return replies
        first = replies[0] if replies else None
        if isinstance(first, AnswerEcho) and first.question_id == shown.question_id:
            await self._edit(client, shown.channel, shown.ts, render(first))
            return replies[1:]
        await self._edit(client, shown.channel, shown.ts, _without_buttons(shown.message))
        return replies


def _without_buttons(message: SlackMessage) -> SlackMessage:
    """A message as it was, minus its buttons: what a question becomes once it is over."""
    blocks = [block for block in message.blocks if block.get("type") != "actions"]
    return SlackMessage(message.text, blocks)
