"""One `/maturity` call (who typed it, where, and the words after the subcommand) and every
spelling each subcommand answers to, in English and Turkish."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import Block, escape, section
from bot.slack.common import Body, SlackUser, log, team_key
from conversations.i18n import Localizer, fold

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
