"""The App Home tab — the person's waiting assessments and their teams' latest levels — and the
schedule settings modal (what the scheduler works from)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deadlines import MAX_DEADLINE_DAYS
from bot.payload_ids import parse_id
from bot.rosters import Schedule
from bot.scheduling import settings
from bot.service_errors import UserError
from bot.slack.blocks import Block, button, context, escape, section
from bot.slack.common import PLATFORM, Body, Shared, SlackUser, log, workspace_of_team
from conversations.i18n import Localizer
from conversations.nudge_words import nudge_days_in_words
from conversations.report_lines import history_line
from storage.models import Team

ENTER_ACTION = "home:enter"
SCHEDULE_ACTION = "home:schedule"
SCHEDULE_VIEW = "schedule"
DEADLINE_CHOICES = (7, 10, 14, 21, 28)


class Home:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.assessments = shared.assessments

    async def publish(self, client: AsyncWebClient, user_id: str) -> None:
        user = await self.shared.directory.user(client, user_id)
        loc = await self.shared.loc_for(client, user_id)
        blocks: list[Block] = [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": loc._("Customer-service maturity")},
            }
        ]
        waiting = [p for p in await self.assessments.pending(PLATFORM, user_id) if not p.submitted]
        if waiting:
            heading = loc._("Waiting for your answers")
            blocks.append(section(f"*{escape(heading)}*"))
        for place in waiting[:20]:
            due = (
                loc._("answer by {date}", date=loc.date(place.deadline.date()))
                if place.deadline
                else ""
            )
            label = loc._("Continue") if place.started else loc._("Start")
            block = section(
                " · ".join(
                    part
                    for part in (
                        f"*{escape(place.team_name)}*",
                        escape(loc._("snapshot {number}", number=place.snapshot_number)),
                        escape(due),
                    )
                    if part
                )
            )
            block["accessory"] = button(label, ENTER_ACTION, str(place.team_id), style="primary")
            blocks.append(block)
        teams = [
            team
            for team in await self.assessments.person_teams(PLATFORM, user_id)
            if not team.external_id.startswith("personal:")
        ]
        if teams:
            heading = loc._("Your teams")
            blocks.append(section(f"*{escape(heading)}*"))
        for team in teams[:20]:
            history = await self.assessments.history(team)
            scored = [snapshot for snapshot in history if snapshot.scored and snapshot.closed_on]
            latest = (
                history_line(loc, self.assessments.questionnaire, scored[-1])
                if scored
                else loc._("no results yet")
            )
            block = section(f"*{escape(team.name)}*\n{escape(latest)}")
            if await self.shared.is_admin(user, team, workspace_of_team(team.external_id)):
                block["accessory"] = button(loc._("Schedule…"), SCHEDULE_ACTION, str(team.id))
            blocks.append(block)
        if not waiting and not teams:
            blocks.append(
                section(
                    escape(
                        loc._(
                            "Nothing is waiting for you. An admin starts a team's assessment "
                            "with /maturity start in its channel; write me anything to take one "
                            "for yourself."
                        )
                    )
                )
            )
        blocks.append(context(escape(loc._("/maturity help lists everything I do."))))
        await client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks[:100]})

    # ------------------------------------------------------------------ schedule modal

    async def schedule_pressed(self, body: Body, client: AsyncWebClient) -> None:
        user = await self.shared.directory.user(client, body["user"]["id"])
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        team = await self._team(value)
        if team is None or not await self.shared.is_admin(
            user, team, workspace_of_team(team.external_id)
        ):
            return
        await self.open_schedule(client, str(body.get("trigger_id", "")), team, user)

    async def _team(self, value: str) -> Team | None:
        team_id = parse_id(value)
        if team_id is None:
            return None
        try:
            return await self.assessments.team(team_id)
        except UserError:
            return None

    async def open_schedule(
        self, client: AsyncWebClient, trigger_id: str, team: Team, user: SlackUser
    ) -> None:
        loc = await self.shared.loc_for(client, user.id)
        current = await self.shared.rosters.schedule(team.id)
        await client.views_open(trigger_id=trigger_id, view=schedule_view(loc, team, current))

    async def schedule_submitted(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        """Check the modal's values; wrong ones are shown beside their fields."""
        try:
            user = await self.shared.directory.user(client, body["user"]["id"])
        except SlackApiError as error:
            # Unacknowledged, the submission would be answered with a 500: say it instead.
            refused = self.shared.localizer(None)._(
                "Slack refused a step of this ({reason}). Please try again.",
                reason=error.response.get("error", "?"),
            )
            await ack(response_action="errors", errors={"deadline": refused})
            return
        loc = await self.shared.loc_for(client, user.id)
        view = body.get("view") or {}
        team = await self._team(str(view.get("private_metadata", "")))
        if team is None or not await self.shared.is_admin(
            user, team, workspace_of_team(team.external_id)
        ):
            await ack(
                response_action="errors",
                errors={"deadline": loc._("Only this team's admins can change its schedule.")},
            )
            return
        try:
            schedule = read_schedule(view.get("state", {}).get("values", {}))
        except UserError as error:
            field = str(error.params.get("field", "deadline"))
            await ack(response_action="errors", errors={field: error.localized(loc)})
            return
        except (ValueError, KeyError, TypeError, AttributeError):  # not what the modal sends
            await ack(
                response_action="errors", errors={"deadline": loc._("Please check the values.")}
            )
            return
        # Stored before the modal closes: whoever looks next (the App Home, /maturity
        # schedule, the scheduler) sees it.
        await self.shared.rosters.save_schedule(
            team.id, schedule, by=user.name, timezone=user.timezone
        )
        await ack()
        try:
            await self.publish(client, user.id)
        except SlackApiError as error:
            log.info("home not refreshed: %s", error.response.get("error"))


def schedule_view(loc: Localizer, team: Team, current: Schedule) -> dict[str, Any]:
    def option(text: str, value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    deadline_options = [
        option(loc.ngettext("{n} day", "{n} days", days), str(days)) for days in DEADLINE_CHOICES
    ]
    if current.deadline_days not in DEADLINE_CHOICES:
        deadline_options.append(
            option(
                loc.ngettext("{n} day", "{n} days", current.deadline_days),
                str(current.deadline_days),
            )
        )
    chosen_deadline = next(o for o in deadline_options if o["value"] == str(current.deadline_days))
    day_options = [option(loc.weekday(day), str(day)) for day in range(1, 8)]
    go_live: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if current.go_live:
        go_live["initial_date"] = current.go_live.isoformat()
    return {
        "type": "modal",
        "callback_id": SCHEDULE_VIEW,
        "private_metadata": str(team.id),
        "title": {"type": "plain_text", "text": loc._("Schedule")[:24]},
        "submit": {"type": "plain_text", "text": loc._("Save")[:24]},
        "close": {"type": "plain_text", "text": loc._("Cancel")[:24]},
        "blocks": [
            section(
                escape(
                    loc._(
                        "{team}: snapshots at go-live + 2 weeks, + 3 months, then every 6 "
                        "months, with reminders for who has not answered.",
                        team=team.name,
                    )
                )
            ),
            {
                "type": "input",
                "block_id": "go_live",
                "optional": True,
                "label": {"type": "plain_text", "text": loc._("Go-live date")},
                "element": go_live,
            },
            {
                "type": "input",
                "block_id": "deadline",
                "label": {"type": "plain_text", "text": loc._("Time to answer")},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": deadline_options,
                    "initial_option": chosen_deadline,
                },
            },
            {
                "type": "input",
                "block_id": "send_at",
                "label": {"type": "plain_text", "text": loc._("Reminders at")},
                "element": {
                    "type": "timepicker",
                    "action_id": "value",
                    "initial_time": current.send_at.strftime("%H:%M"),
                },
            },
            {
                "type": "input",
                "block_id": "working_days",
                "label": {"type": "plain_text", "text": loc._("Working days")},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": day_options,
                    "initial_options": [
                        o for o in day_options if int(o["value"]) in current.working_days
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "hours",
                "label": {"type": "plain_text", "text": loc._("Working hours")},
                "hint": {"type": "plain_text", "text": loc._("No messages outside them.")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": "{}-{}".format(
                        *(t.strftime("%H:%M") for t in current.work_hours)
                    ),
                },
            },
            {
                "type": "input",
                "block_id": "nudge_days",
                "optional": True,
                "label": {"type": "plain_text", "text": loc._("Nudges")},
                "hint": {
                    "type": "plain_text",
                    "text": loc._(
                        "Days after opening, and negative days before the deadline: 2,-1 is "
                        "two days in and the day before. Empty: no nudges."
                    )
                    + " "
                    + loc._("Now: {nudges}.", nudges=nudge_days_in_words(loc, current.nudge_days)),
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": ",".join(str(n) for n in current.nudge_days),
                },
            },
            context(escape(loc._("Times are in your Slack time zone."))),
        ],
    }


def read_schedule(values: dict[str, Any]) -> Schedule:
    """The modal's state as a schedule; ValueError/KeyError when Slack sent something odd."""
    go_live_text = values.get("go_live", {}).get("value", {}).get("selected_date")
    deadline = values["deadline"]["value"]["selected_option"]["value"]
    send_at = values["send_at"]["value"]["selected_time"]
    days = values["working_days"]["value"].get("selected_options") or []
    hour, minute = (int(part) for part in str(send_at).split(":"))
    extras: dict[str, str] = {}
    for field in ("hours", "nudge_days"):
        text = str((values.get(field) or {}).get("value", {}).get("value") or "")
        try:
            extras.update(settings.checked({field: text or "09:00-18:00"} if field == "hours"
                                           else {field: text}))  # fmt: skip
        except UserError as error:  # shown beside the field it is about
            raise UserError(error.message, **{**error.params, "field": field}) from None
    return Schedule(
        go_live=dt.date.fromisoformat(go_live_text) if go_live_text else None,
        deadline_days=min(int(deadline), MAX_DEADLINE_DAYS + 1),
        send_at=dt.time(hour, minute),
        working_days=frozenset(_weekday(day["value"]) for day in days),
        work_hours=(
            dt.time.fromisoformat(extras["work_start"]),
            dt.time.fromisoformat(extras["work_end"]),
        ),
        nudge_days=tuple(int(n) for n in extras.get("nudge_days", "").split(",") if n),
    )


def _weekday(value: object) -> int:
    """A working-day checkbox's value, ISO 1 (Monday) to 7; ValueError for anything else."""
    day = parse_id(value)
    if day is None or not 1 <= day <= 7:
        raise ValueError(value)
    return day
