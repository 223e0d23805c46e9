"""A team's results in its channel: the report under one parent message, the radar chart in
its thread, the action plan as a live checklist; and exported documents."""

from __future__ import annotations

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.press_checks import NO_LONGER_WORKS, NOT_FOR_YOU, checklist_team_id, refuse_tick
from bot.reports.exports import export_csv
from bot.reports.pdf import report_pdf
from bot.service_errors import ResultsWithheld, UserError
from bot.service_types import TeamPlan
from bot.slack.blocks import (
    checklist,
    escape,
    headline,
    parse_plan_action,
    report_details,
    section,
)
from bot.slack.common import (
    PLATFORM,
    Body,
    Shared,
    channel_of,
    ephemeral,
    log,
    team_key,
    where_pressed,
    workspace_of,
)
from bot.slack.membership import in_channel, tell_presser
from conversations.i18n import Localizer
from storage.models import Team


class Results:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.assessments = shared.assessments

    def team_loc(self, team: Team) -> Localizer:
        return self.shared.localizer(team.locale)

    async def close_and_post(self, client: AsyncWebClient, team: Team, by: str) -> tuple[int, bool]:
        """Close the team's open snapshot and post its results: its number, and whether the
        results were shown (False: withheld below the anonymity threshold). The snapshot
        stays closed if posting fails (SlackApiError): `/maturity plan` posts again."""
        number = await self.assessments.close(team, by)
        return number, await self.post(client, team)

    async def when_everyone_submitted(self, client: AsyncWebClient, team_id: int) -> bool:
        """Everyone the snapshot went to has submitted: nothing more to wait for. True when
        this closed the snapshot and posted its results."""
        if not await self.shared.rosters.everyone_submitted(team_id):
            return False
        team = await self.assessments.team(team_id)
        try:
            await self.assessments.close(team, "(everyone submitted)")
        except UserError:  # someone else's last answer closed it a moment ago
            return False
        try:
            await self.post(client, team)
        except SlackApiError as error:  # closed all the same; `/maturity plan` posts again
            log.warning("results not posted: %s", error.response.get("error"))
        return True

    async def post(self, client: AsyncWebClient, team: Team) -> bool:
        """Level and scores as the parent message; chart, details and checklist in its
        thread. Below the team's anonymity threshold only how many responded and why nothing
        more (then False)."""
        from bot.reports.charts import radar_png  # matplotlib loads only when a chart is drawn

        loc = self.team_loc(team)
        channel = channel_of(team.external_id)
        try:
            built = await self.assessments.report(team, loc.locale)
        except ResultsWithheld as withheld:
            text = withheld.localized(loc)
            await client.chat_postMessage(
                channel=channel, text=text, blocks=[section(escape(text))]
            )
            return False
        view = built.view
        top = headline(view)
        parent = await client.chat_postMessage(channel=channel, text=top.text, blocks=top.blocks)
        thread = str(parent["ts"])
        if not view.empty_note:
            radar = await self.shared.draw(
                radar_png, self.assessments.questionnaire, built.history, loc
            )
            try:
                await client.files_upload_v2(
                    channel=channel,
                    thread_ts=thread,
                    content=radar,
                    filename=f"csmm-snapshot-{built.snapshot_number}-radar.png",
                    title=view.level_line,
                )
            except SlackApiError as error:  # the scores and the checklist matter more
                log.warning("radar chart not uploaded: %s", error.response.get("error"))
        for part in report_details(view):
            await client.chat_postMessage(
                channel=channel, thread_ts=thread, text=part.text, blocks=part.blocks
            )
        current = await self.assessments.plan(team)
        if current.items:
            plan = checklist(current, loc, self.assessments.questionnaire)
            await client.chat_postMessage(
                channel=channel, thread_ts=thread, text=plan.text, blocks=plan.blocks
            )
        return True

    async def post_checklist(
        self, client: AsyncWebClient, team: Team, current: TeamPlan | None = None
    ) -> None:
        current = current or await self.assessments.plan(team)
        plan = checklist(current, self.team_loc(team), self.assessments.questionnaire)
        await client.chat_postMessage(
            channel=channel_of(team.external_id), text=plan.text, blocks=plan.blocks
        )

    async def ticked(self, body: Body, client: AsyncWebClient, respond: AsyncRespond) -> None:
        """A checklist checkbox: store the item's new state (who, when) and redraw the
        checklist for everyone. Only the channel's members tick its plan."""
        action = (body.get("actions") or [{}])[0]
        target = parse_plan_action(str(action.get("action_id", "")))
        user_id, channel, ts = where_pressed(body)
        team = await self.assessments.team_at(PLATFORM, team_key(workspace_of(body), channel))
        refusal = await self._refuse_tick(client, channel, user_id, target, team)
        if refusal is not None or target is None or team is None:
            loc = await self.shared.loc_for(client, user_id)
            await tell_presser(client, respond, channel, user_id, loc._(refusal or NO_LONGER_WORKS))
            return
        snapshot_id, number = target
        done = bool(action.get("selected_options"))
        user = await self.shared.directory.user(client, user_id)
        # Ticks of one checklist one at a time: each redraw then shows every tick before it,
        # never an older state over a newer one.
        async with self.shared.per_person.turn(f"plan:{channel}:{ts}"):
            try:
                current = await self.assessments.tick(
                    team, number, done, user.name, snapshot_id=snapshot_id
                )
            except UserError as error:
                loc = await self.shared.loc_for(client, user_id)
                await ephemeral(client, channel, user_id, "⚠️ " + error.localized(loc))
                return
            plan = checklist(current, self.team_loc(team), self.assessments.questionnaire)
            try:
                await client.chat_update(channel=channel, ts=ts, text=plan.text, blocks=plan.blocks)
            except SlackApiError as error:  # the tick is stored; the next redraw shows it
                log.info("checklist not redrawn: %s", error.response.get("error"))

    async def _refuse_tick(
        self,
        client: AsyncWebClient,
        channel: str,
        user_id: str,
        target: tuple[int, int] | None,
        team: Team | None,
    ) -> str | None:
        """Why the person may not tick this checklist here (a msgid); None: they may."""
        if target is None:
            return NO_LONGER_WORKS
        if not await in_channel(client, channel, user_id):
            return NOT_FOR_YOU
        owner = await checklist_team_id(self.assessments.database, target[0])
        return refuse_tick(owner, team.id if team else None)

    async def export(
        self, client: AsyncWebClient, user_id: str, team: Team, loc: Localizer, kind: str
    ) -> None:
        """The team's latest snapshot as a document in the person's DM: a PDF report, or CSV
        dimension scores (aggregates only: nobody receives anyone's own answers)."""
        assessments = self.assessments
        if kind == "csv":
            data = await assessments.export(team)
            content = export_csv(data, assessments.sequence, "dimensions", loc).encode("utf-8")
            filename = f"csmm-snapshot-{data.number}-dimensions.csv"
        else:
            from bot.reports.charts import radar_png, trend_png

            built = await assessments.report(team, loc.locale)
            questionnaire = assessments.questionnaire
            radar = await self.shared.draw(radar_png, questionnaire, built.history, loc)
            trend = await self.shared.draw(trend_png, questionnaire, built.history, loc)
            content = await self.shared.draw(
                lambda: report_pdf(built.view, loc, radar=radar, trend=trend)
            )
            filename = f"csmm-snapshot-{built.snapshot_number}.pdf"
        opened = await client.conversations_open(users=user_id)
        await client.files_upload_v2(
            channel=opened["channel"]["id"],
            content=content,
            filename=filename,
            title=filename,
            initial_comment=loc._("{team}: the latest snapshot.", team=team.name),
        )

    async def withheld_note(self, team: Team, loc: Localizer) -> str | None:
        """Below the team's anonymity threshold its results stay out of every channel
        (bot/disclosure.py): what to say instead, with how many responded."""
        withheld = await self.assessments.withheld(team)
        return withheld.localized(loc) if withheld is not None else None
