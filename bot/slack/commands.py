"""`/maturity` and its subcommands. Each is acknowledged at once (Slack waits 3 seconds at
most) and answered afterwards through the command's response URL: to the caller alone unless
the channel should see it."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.anonymity import anonymous_counts
from bot.deadlines import MAX_DEADLINE_DAYS, parse_deadline
from bot.person_erasure import forgotten_text
from bot.rosters import Invited
from bot.scheduling.reminders import Reminders, parse_away, zone_or_none
from bot.service_errors import UserError
from bot.service_types import Invitation
from bot.slack.blocks import Block, actions, button, escape, report_blocks, section
from bot.slack.common import (
    PLATFORM,
    Body,
    Shared,
    SlackUser,
    channel_members,
    log,
    personal_team_id,
    team_key,
)
from bot.slack.dm import DirectMessages
from bot.slack.home import Home
from bot.slack.personal_data import export_me_to_dm
from bot.slack.privacy_settings import PrivacySettings
from bot.slack.results import Results
from conversations.commands import LANGUAGE_LABELS
from conversations.i18n import SUPPORTED_LOCALES, Localizer, fold
from storage.models import Team

INVITE_CONCURRENCY = 4  # DMs sent at once: Slack's per-method limits allow a few per second
FORGET_YES, FORGET_NO = "forget:yes", "forget:no"
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

# Every spelling a subcommand answers to, folded (lower case, Turkish dotted/dotless i alike).
ALIASES = {
    "start": ("start", "başlat", "basla", "başla"),
    "status": ("status", "durum"),
    "close": ("close", "kapat", "bitir"),
    "report": ("report", "rapor"),
    "plan": ("plan", "eylem-planı"),
    "schedule": ("schedule", "takvim", "zamanla"),
    "language": ("language", "dil"),
    "export": ("export", "dışa-aktar", "aktar", "indir"),
    "forget-me": ("forget-me", "forget", "beni-unut", "unut"),
    "export-me": ("export-me", "verilerim", "verilerimi-indir"),
    "admin": ("admin", "admins", "yönetici"),
    "away": ("away", "izin", "izinli", "uzakta"),
    "threshold": ("threshold", "eşik"),
    "anonymous": ("anonymous", "anonim"),
    "help": ("help", "yardım", "?"),
}
SUBCOMMANDS = {fold(alias): name for name, aliases in ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Call:
    """One `/maturity` call: who, where, and what they typed after the subcommand."""

    body: Body
    client: AsyncWebClient
    respond: AsyncRespond
    user: SlackUser
    loc: Localizer
    args: list[str]

    @property
    def workspace(self) -> str:
        return str(self.body.get("team_id", ""))

    @property
    def channel(self) -> str:
        return str(self.body.get("channel_id", ""))

    @property
    def team_external_id(self) -> str:
        return team_key(self.workspace, self.channel)

    async def team_name(self) -> str:
        """The channel's name, for reports. Slash commands from private channels and group
        DMs name them only "privategroup" or "mpdm-…": then the Web API says."""
        name = str(self.body.get("channel_name") or "")
        if not name or name == "privategroup" or name.startswith("mpdm-"):
            try:
                found = await self.client.conversations_info(channel=self.channel)
                name = str(found["channel"].get("name") or self.channel)
            except SlackApiError as error:
                log.info("channel name not found: %s", error.response.get("error"))
                name = name or self.channel
        return f"#{name}"

    async def say(self, text: str) -> None:
        """Plain text to the caller alone."""
        await self.tell(text, [section(escape(text))])

    async def tell(self, text: str, blocks: list[Block]) -> None:
        """A message only the caller sees, where they typed the command. Through the Web API
        first; through the command's response URL when the app can't post there (a channel
        it isn't in)."""
        try:
            await self.client.chat_postEphemeral(
                channel=self.channel, user=self.user.id, text=text, blocks=blocks
            )
        except SlackApiError as error:
            log.info(
                "ephemeral note not posted (%s): via the response URL", error.response.get("error")
            )
            await self.respond(text=text, blocks=blocks)


class Commands:
    def __init__(self, shared: Shared, dm: DirectMessages, results: Results, home: Home) -> None:
        self.shared = shared
        self.assessments = shared.assessments
        self.dm = dm
        self.results = results
        self.home = home
        privacy = PrivacySettings(self)
        self._subcommands: dict[str, Callable[[Call], Awaitable[None]]] = {
            "start": self.start,
            "status": self.status,
            "close": self.close,
            "report": self.report,
            "plan": self.plan,
            "schedule": self.schedule,
            "language": self.language,
            "export": self.export,
            "forget-me": self.forget_me,
            "export-me": self.export_me,
            "admin": self.admin,
            "away": self.away,
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

    async def _team(self, call: Call) -> Team | None:
        """The channel's team; None (said so) when it has never had an assessment."""
        team = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if team is None:
            await call.say(
                call.loc._(
                    "This channel has no assessment yet. An admin starts one with /maturity start."
                )
            )
        return team

    async def _refuse_unless_admin(self, call: Call, team: Team | None) -> bool:
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

    async def _needs_channel(self, call: Call) -> bool:
        if not self._in_dm(call):
            return False
        await call.say(
            call.loc._("Use this in the channel of the team you want to assess, not in a DM.")
        )
        return True

    # ------------------------------------------------------------------ subcommands

    async def start(self, call: Call) -> None:
        """`start [days | YYYY-MM-DD]`: open a snapshot for the channel and DM its members."""
        if await self._needs_channel(call):
            return
        # One start per channel at a time: two at once would both invite everyone.
        async with self.shared.per_person.turn(f"start:{call.team_external_id}"):
            await self._start(call)

    async def _start(self, call: Call) -> None:
        existing = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if await self._refuse_unless_admin(call, existing):
            return
        try:
            deadline = parse_deadline(call.args, dt.datetime.now(dt.UTC))
        except ValueError:
            await call.say(
                call.loc._(
                    "Give the deadline as a number of days (1 to {most}) or a date like "
                    "2026-12-31, for example /maturity start 14.",
                    most=MAX_DEADLINE_DAYS,
                )
            )
            return
        try:
            members = await channel_members(call.client, call.channel)
        except SlackApiError as error:
            log.info("members not listed: %s", error.response.get("error"))
            members = []
        if not members:
            await call.say(
                call.loc._(
                    "I can't see this channel's members. Add me to the channel first "
                    "(/invite @CSMM Bot), then try again."
                )
            )
            return
        invitation = await self.assessments.start_snapshot(
            PLATFORM,
            call.team_external_id,
            await call.team_name(),
            by=call.user.name,
            deadline=deadline,
            locale=call.user.locale,
        )
        team = await self.assessments.team(invitation.team_id)
        team_loc = self.shared.localizer(team.locale)
        date = team_loc.date(invitation.deadline.date())
        if invitation.created:
            # Posted before anyone is invited: the results come here too, so a channel the
            # app can't post in stops the start now, not at the close.
            intro = team_loc._(
                "{name} started the customer-service maturity assessment (snapshot {number}). "
                "I've sent each of you a direct message with the questions; please answer by "
                "{date}. Only the team's results are shown here.",
                name=call.user.name,
                number=invitation.number,
                date=date,
            )
            if not await self._announce(call, intro):
                return
        already = {record.external_id for record in await self.shared.rosters.invitees(team.id)}
        invited, failed = await self._invite_all(call.client, team, invitation, members, already)
        if not invitation.created and invited:
            await self._announce(
                call,
                team_loc._(
                    "Snapshot {number} is open until {date}: new members of this channel have "
                    "been sent the questions too.",
                    number=invitation.number,
                    date=date,
                ),
            )
        summary = [
            call.loc.ngettext(
                "Invited {n} person by direct message.",
                "Invited {n} people by direct message.",
                len(invited),
            )
        ]
        if failed:
            summary.append(call.loc._("Could not reach: {names}.", names=", ".join(sorted(failed))))
        if not invitation.created and not invited:
            summary = [
                call.loc._(
                    "Snapshot {number} is already open, until {date}, and everyone here has "
                    "been invited.",
                    number=invitation.number,
                    date=call.loc.date(invitation.deadline.date()),
                )
            ]
        await call.say(" ".join(summary))

    async def _announce(self, call: Call, text: str) -> bool:
        """Tell the channel; False (and the caller told why) when the app can't post there."""
        try:
            await call.client.chat_postMessage(
                channel=call.channel, text=text, blocks=[section(f"📝 {escape(text)}")]
            )
        except SlackApiError as error:
            log.info("channel announcement not posted: %s", error.response.get("error"))
            await call.say(
                call.loc._(
                    "I can't post in this channel, so its results could not be posted here "
                    "either. Add me to it (/invite @CSMM Bot), then run /maturity start again."
                )
            )
            return False
        return True

    async def _invite_all(
        self,
        client: AsyncWebClient,
        team: Team,
        invitation: Invitation,
        members: list[str],
        already: set[str],
    ) -> tuple[list[str], list[str]]:
        """DM each human member not invited yet; (invited names, names not reached)."""
        gate = asyncio.Semaphore(INVITE_CONCURRENCY)
        invited: list[str] = []
        failed: list[str] = []

        async def one(user_id: str) -> None:
            async with gate:
                user = await self.shared.directory.user_or_none(client, user_id)
                if user is None or not user.is_human or user.id in already:
                    return
                try:
                    channel, ts = await self.dm.invite(client, user, team, invitation)
                except SlackApiError as error:
                    log.info("invitation not sent: %s", error.response.get("error"))
                    failed.append(user.name)
                    return
                await self.shared.rosters.add_invitee(
                    team.id,
                    invitation.number,
                    Invited(user.id, user.name, channel, ts, user.timezone),
                )
                invited.append(user.name)

        await asyncio.gather(*(one(member) for member in dict.fromkeys(members)))
        return invited, failed

    async def status(self, call: Call) -> None:
        """Who has answered the latest snapshot: names only, never answers."""
        team = await self._team(call)
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
        team = await self._team(call)
        if team is None or await self._refuse_unless_admin(call, team):
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
        team = await self._team(call)
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
        team = await self._team(call)
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
        if await self._needs_channel(call):
            return
        team = await self.assessments.team_at(PLATFORM, call.team_external_id)
        if await self._refuse_unless_admin(call, team):
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
            if await self._refuse_unless_admin(call, team):
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
        if await self._needs_channel(call) or await self._refuse_unless_admin(call, team):
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

    async def away(self, call: Call) -> None:
        """`away YYYY-MM-DD | off`: no nudges, and not counted as missing, until then."""
        zone = zone_or_none(call.user.timezone) or dt.UTC
        until = parse_away(call.args, dt.datetime.now(zone).date())
        said = await Reminders(self.assessments, PLATFORM).set_away(
            call.user.id, call.user.name, until, call.loc, call.loc._("/maturity away off")
        )
        await call.say(said)

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
