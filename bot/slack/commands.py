"""`/maturity` and its subcommands. Each is acknowledged at once (Slack waits 3 seconds at
most) and answered afterwards through the command's response URL: to the caller alone unless
the channel should see it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.anonymity import anonymous_counts
from bot.service_errors import UserError
from bot.slack.blocks import report_blocks, section
from bot.slack.command_call import SUBCOMMANDS, Call
from bot.slack.common import (
    PLATFORM,
    Body,
    Shared,
    log,
    personal_team_id,
)
from bot.slack.dm import DirectMessages
from bot.slack.home import Home
from bot.slack.personal_commands import PersonalCommands
from bot.slack.privacy_settings import PrivacySettings
from bot.slack.results import Results
from bot.slack.snapshot_start import SnapshotStart
from conversations.commands import LANGUAGE_LABELS
from conversations.i18n import SUPPORTED_LOCALES, fold
from storage.models import Team

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class Commands:
    def __init__(self, shared: Shared, dm: DirectMessages, results: Results, home: Home) -> None:
        self.shared = shared
        self.assessments = shared.assessments
        self.dm = dm
        self.results = results
        self.home = home
        privacy = PrivacySettings(self)
        self.personal = PersonalCommands(shared, dm)
        starting = SnapshotStart(self)
        self._subcommands: dict[str, Callable[[Call], Awaitable[None]]] = {
            "start": starting.start,
            "status": self.status,
            "close": self.close,
            "report": self.report,
            "plan": self.plan,
            "schedule": self.schedule,
            "language": self.language,
            "export": self.export,
            "forget-me": self.personal.forget_me,
            "export-me": self.personal.export_me,
            "admin": self.admin,
            "away": self.personal.away,
            "threshold": privacy.threshold,
            "anonymous": privacy.anonymous,
            "help": self.help,
        }

    async def handle(self, body: Body, client: AsyncWebClient, respond: AsyncRespond) -> None:
        words = str(body.get("text") or "").split()
        name = SUBCOMMANDS.get(fold(words[0])) if words else "help"
        loc = self.shared.localizer(None)
        call: Call | None = None

        async def fail(text: str) -> None:
            if call is not None:
                await call.say("⚠️ " + text)
            else:  # before we knew who asked: through the response URL
                await respond(text="⚠️ " + text)

        try:
            user = await self.shared.directory.user(client, str(body["user_id"]))
            loc = await self.shared.loc_for(client, user.id)
            call = Call(body, client, respond, user, loc, words[1:])
            if name is None:
                await self.help(call, unknown=words[0])
            else:
                await self._subcommands[name](call)
        except UserError as error:
            await fail(error.localized(loc))
        except SlackApiError as error:  # Slack refused a call midway: say so
            log.warning("/maturity %s: Slack said %s", name, error.response.get("error"))
            reason = error.response.get("error", "?")
            await fail(
                loc._("Slack refused a step of this ({reason}). Please try again.", reason=reason)
            )
        except Exception:
            # Whatever broke, the person who typed the command hears about it.
            log.exception("/maturity %s failed", name)
            await fail(loc._("Something went wrong on my side. Please try again."))

    # ------------------------------------------------------------------ helpers

    async def team_of(self, call: Call) -> Team | None:
        """The channel's team; None (said so) when it has never had an assessment."""
        team = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if team is None:
            await call.say(
                call.loc._(
                    "This channel has no assessment yet. An admin starts one with /maturity start."
                )
            )
        return team

    async def refuse_unless_admin(self, call: Call, team: Team | None) -> bool:
        if await self.shared.is_admin(call.user, team, call.workspace):
            return False
        await call.say(
            call.loc._(
                "Only workspace admins and this team's admins can start, close or schedule "
                "assessments. Ask one of them, or ask them to add you with /maturity admin add."
            )
        )
        return True

    def _in_dm(self, call: Call) -> bool:
        return call.channel.startswith("D") or call.body.get("channel_name") == "directmessage"

    async def needs_channel(self, call: Call) -> bool:
        if not self._in_dm(call):
            return False
        await call.say(
            call.loc._("Use this in the channel of the team you want to assess, not in a DM.")
        )
        return True

    # ------------------------------------------------------------------ subcommands

    async def status(self, call: Call) -> None:
        """Who has answered the latest snapshot: names only, never answers."""
        team = await self.team_of(call)
        if team is None:
            return
        loc = call.loc
        found = await self.assessments.status(team)
        invitees = await self.shared.rosters.invitees(team.id)
        started = {record.external_id for record in invitees if record.status is not None}
        away = await self.shared.rosters.away([record.external_id for record in invitees])
        waiting = [
            record.name
            for record in invitees
            if record.external_id not in started and record.external_id not in away
        ]
        away_names = [record.name for record in invitees if record.external_id in away]
        lines = [
            loc._(
                "Snapshot {number} is open until {date}.",
                number=found.number,
                date=loc.date(found.deadline.date()),
            )
            if found.is_open and found.deadline
            else loc._("Snapshot {number} is closed.", number=found.number),
        ]
        if found.anonymous:  # anonymous mode: how many, not who (bot/anonymity.py)
            lines.append(anonymous_counts(loc, len(found.submitted), len(found.in_progress)))
        else:
            lines += [
                loc._(
                    "Submitted ({n}): {names}",
                    n=len(found.submitted),
                    names=", ".join(found.submitted) or "–",
                ),
                loc._(
                    "In progress ({n}): {names}",
                    n=len(found.in_progress),
                    names=", ".join(found.in_progress) or "–",
                ),
            ]
        if found.is_open and invitees:
            lines.append(
                loc._("Not started ({n}): {names}", n=len(waiting), names=", ".join(waiting) or "–")
            )
            if away_names:
                lines.append(
                    loc._("Away ({n}): {names}", n=len(away_names), names=", ".join(away_names))
                )
        await call.say("\n".join(lines))

    async def close(self, call: Call) -> None:
        team = await self.team_of(call)
        if team is None or await self.refuse_unless_admin(call, team):
            return
        try:
            number, shown = await self.results.close_and_post(call.client, team, call.user.name)
        except SlackApiError as error:
            log.warning("results not posted: %s", error.response.get("error"))
            await call.say(
                call.loc._(
                    "The assessment is closed, but I couldn't post its results here ({reason}). "
                    "Add me to the channel (/invite @CSMM Bot); then /maturity plan posts the "
                    "checklist and /maturity report shows the results.",
                    reason=error.response.get("error", "?"),
                )
            )
            return
        await call.say(
            call.loc._("Snapshot {number} is closed; its results are posted here.", number=number)
            if shown
            else call.loc._("Snapshot {number} is closed.", number=number)
        )

    async def _results_team(self, call: Call) -> Team | None:
        """The channel's team, if it has results to show now (else said why not)."""
        team = await self.team_of(call)
        if team is None:
            return None
        hidden = await self.results.withheld_note(team, call.loc)
        if hidden:
            await call.say(hidden)
            return None
        return team

    async def report(self, call: Call) -> None:
        team = await self._results_team(call)
        if team is None:
            return
        built = await self.assessments.report(team, call.loc.locale)
        message = report_blocks(built.view)
        await call.tell(message.text, message.blocks)

    async def plan(self, call: Call) -> None:
        """The checklist, posted for the whole channel to tick. While the latest snapshot is
        below the anonymity threshold, the plan of the last one at or above it."""
        team = await self.team_of(call)
        if team is None:
            return
        current = await self.assessments.plan(team)
        hidden = None if current.items else await self.results.withheld_note(team, call.loc)
        if hidden:
            await call.say(hidden)
            return
        try:
            await self.results.post_checklist(call.client, team, current)
        except SlackApiError as error:
            log.info("checklist not posted: %s", error.response.get("error"))
            await call.say(
                call.loc._("I can't post in this channel. Add me to it first (/invite @CSMM Bot).")
            )

    async def schedule(self, call: Call) -> None:
        """The schedule settings of the channel's team, in a modal."""
        if await self.needs_channel(call):
            return
        team = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if await self.refuse_unless_admin(call, team):
            return
        if team is None:  # scheduled before its first snapshot: the team starts here
            team = await self.assessments.ensure_team(
                PLATFORM, call.team_external_id, await call.team_name(), call.user.locale
            )
        await self.home.open_schedule(
            call.client, str(call.body.get("trigger_id", "")), team, call.user
        )

    async def language(self, call: Call) -> None:
        """`language en|tr`: the caller's language; `language team en|tr`: the channel's."""
        args = [fold(word) for word in call.args]
        for_team = bool(args) and args[0] in ("team", "ekip", "takim")  # folded: takım
        wanted = args[1:] if for_team else args
        chosen = wanted[0] if wanted and wanted[0] in SUPPORTED_LOCALES else None
        if chosen is None:
            options = ", ".join(
                f"{code} ({call.loc._(label)})" for code, label in LANGUAGE_LABELS.items()
            )
            await call.say(
                call.loc._(
                    "Choose a language: /maturity language en or tr ({options}).", options=options
                )
            )
            return
        loc = self.shared.localizer(chosen)
        if for_team:
            team = await self.assessments.team_at(PLATFORM, call.team_external_id)
            if await self.refuse_unless_admin(call, team):
                return
            await self.assessments.set_team_locale(
                PLATFORM, call.team_external_id, await call.team_name(), chosen, by=call.user.name
            )
            await call.say(loc._("This channel's posts will be in English from now on."))
            return
        await self.assessments.set_person_locale(
            call.user.participant(personal_team_id(call.user.id), call.user.name), chosen
        )
        await call.say(loc._("I'll write to you in English from now on."))

    async def export(self, call: Call) -> None:
        """`export pdf|csv`: the latest snapshot as a document, sent to the caller's DM."""
        kind = fold(call.args[0]) if call.args else "pdf"
        if kind not in ("pdf", "csv"):
            await call.say(
                call.loc._(
                    "Use /maturity export pdf for the report, or /maturity export csv for the "
                    "scores."
                )
            )
            return
        team = await self._results_team(call)
        if team is None:
            return
        await call.say(call.loc._("Preparing it; it will be in your direct messages in a moment."))
        await self.results.export(call.client, call.user.id, team, call.loc, kind)

    async def admin(self, call: Call) -> None:
        """`admin` lists the team's admins; `admin add|remove @person` changes them."""
        team = await self.assessments.team_at(PLATFORM, call.team_external_id)
        args = call.args
        mentioned = MENTION.findall(" ".join(args[1:]))
        verb = fold(args[0]) if args else ""
        if verb not in ("add", "remove", "ekle", "cikar", "sil") or not mentioned:  # folded
            names = sorted(await self.shared.rosters.team_admins(team.id)) if team else []
            listed = ", ".join(f"<@{name}>" for name in names) or "–"
            text = call.loc._(
                "This team's admins: {names}. Workspace admins count too. Change with "
                "/maturity admin add @person or /maturity admin remove @person.",
                names=listed,
            )
            await call.tell(text, [section(text)])  # mrkdwn: the mentions show as names
            return
        if await self.needs_channel(call) or await self.refuse_unless_admin(call, team):
            return
        if team is None:
            team = await self.assessments.ensure_team(
                PLATFORM, call.team_external_id, await call.team_name(), call.user.locale
            )
        adding = verb in ("add", "ekle")
        for person in mentioned:
            await self.shared.rosters.set_admin(team.id, person, admin=adding, by=call.user.name)
        people = ", ".join(f"<@{person}>" for person in mentioned)
        text = (
            call.loc._(
                "{people} can now start, close and schedule this team's assessments.", people=people
            )
            if adding
            else call.loc._("{people} no longer run this team's assessments.", people=people)
        )
        await call.tell(text, [section(text)])

    async def help(self, call: Call, unknown: str | None = None) -> None:
        loc = call.loc
        lines = []
        if unknown:
            lines += [loc._("I don't know “{word}”. Here is what I do:", word=unknown), ""]
        lines += [
            loc._(
                "*/maturity start* [days or date] — start an assessment for this channel (admins)"
            ),
            loc._("*/maturity status* — who has answered so far (names only)"),
            loc._("*/maturity close* — close it and post the results here (admins)"),
            loc._("*/maturity report* — the latest results, for you"),
            loc._("*/maturity plan* — the action plan as a checklist for the channel"),
            loc._("*/maturity schedule* — when assessments and reminders happen (admins)"),
            loc._(
                "*/maturity language* en|tr — your language; *language team* en|tr — the channel's"
            ),
            loc._("*/maturity export* pdf|csv — the latest results as a file, sent to you"),
            loc._("*/maturity admin* add|remove @person — who runs this team's assessments"),
            loc._("*/maturity away* YYYY-MM-DD|off — no reminders while you are away"),
            loc._("*/maturity threshold* [number] — fewest answers before results show (admins)"),
            loc._("*/maturity anonymous* [on|off] — answers kept without names (admins)"),
            loc._("*/maturity forget-me* — delete your answers"),
            loc._("*/maturity export-me* — everything I hold about you, as a file sent to you"),
        ]
        text = "\n".join(lines)
        await call.tell(text, [section(text)])
