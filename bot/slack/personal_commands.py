"""The caller's own subcommands: `forget-me` (asked, then confirmed by a button),
`export-me` (a file in their DM) and `away` (no reminders until a date)."""

from __future__ import annotations

import datetime as dt

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.person_erasure import forgotten_text
from bot.scheduling.reminders import Reminders, parse_away, zone_or_none
from bot.slack.blocks import actions, button, escape, section
from bot.slack.command_call import Call
from bot.slack.common import PLATFORM, Body, Shared, personal_team_id
from bot.slack.dm import DirectMessages
from bot.slack.personal_data import export_me_to_dm

FORGET_YES, FORGET_NO = "forget:yes", "forget:no"


class PersonalCommands:
    def __init__(self, shared: Shared, dm: DirectMessages) -> None:
        self.shared = shared
        self.assessments = shared.assessments
        self.dm = dm

    async def forget_me(self, call: Call) -> None:
        loc = call.loc
        text = loc._(
            "This deletes your answers for every team. Snapshots already closed keep your "
            "scale answers as anonymous numbers, so team results stay as they were published; "
            "your name and written answers go. Delete them?"
        )
        yes = button(loc._("Yes, delete my answers"), FORGET_YES, "yes", style="danger")
        no = button(loc._("Cancel"), FORGET_NO, "no")
        await call.tell(text, [section(escape(text)), actions([yes, no])])

    async def export_me(self, call: Call) -> None:
        """`export-me`: everything held about the caller, as a file in their DM."""
        await export_me_to_dm(self.shared, call.client, call.user.id, call.loc, call.say)

    async def confirm_forget(
        self, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        user_id = body["user"]["id"]
        loc = await self.shared.loc_for(client, user_id)
        action = (body.get("actions") or [{}])[0].get("action_id")
        if action != FORGET_YES:
            text = loc._("Nothing was deleted.")
        else:
            known = await self.shared.directory.user_or_none(client, user_id)
            deleted, kept = await self.assessments.forget_everywhere(
                PLATFORM,
                user_id,
                own_teams=[personal_team_id(user_id)],
                names=[known.name] if known else [],  # their name now, if it changed
            )
            self.dm.forget(user_id)
            self.shared.directory.forget(user_id)
            text = forgotten_text(loc, deleted, kept)
        await respond(text=text, blocks=[section(escape(text))], replace_original=True)

    async def away(self, call: Call) -> None:
        """`away YYYY-MM-DD | off`: no nudges, and not counted as missing, until then."""
        zone = zone_or_none(call.user.timezone) or dt.UTC
        until = parse_away(call.args, dt.datetime.now(zone).date())
        said = await Reminders(self.assessments, PLATFORM).set_away(
            call.user.id, call.user.name, until, call.loc, call.loc._("/maturity away off")
        )
        await call.say(said)
