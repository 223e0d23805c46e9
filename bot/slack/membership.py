"""Whether a Slack user belongs to a team's channel, and how to tell someone who pressed a
button that it is not theirs (an ephemeral note in the channel; through the press's
response URL where they are not a member and Slack would refuse one)."""

from __future__ import annotations

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.common import channel_members, channel_of, log, personal_team_id
from storage import outbox, snapshot_lifecycle
from storage.database import Database
from storage.models import Team


async def in_channel(client: AsyncWebClient, channel: str, user_id: str) -> bool | None:
    """Whether the person is a member of the channel now; None when Slack won't say (the
    app is not in it, or the call failed)."""
    try:
        return user_id in await channel_members(client, channel)
    except SlackApiError as error:
        log.info("members not listed: %s", error.response.get("error"))
        return None


async def tell_presser(
    client: AsyncWebClient, respond: AsyncRespond, channel: str, user_id: str, text: str
) -> None:
    """A note only the person who pressed sees, wherever they pressed."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        return
    except SlackApiError as error:
        log.info("ephemeral note not sent (%s): via the response URL", error.response.get("error"))
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as error:  # a courtesy note: the refusal stands without it
        log.info("note not sent: %s", type(error).__name__)


async def has_left(client: AsyncWebClient, team_external_id: str, user_id: str) -> bool:
    """Whether Slack says the person is not (or no longer) in the team's channel (a personal
    team, or a channel Slack won't list: no)."""
    if team_external_id.startswith("personal:"):
        return False
    return await in_channel(client, channel_of(team_external_id), user_id) is False


async def may_join(
    client: AsyncWebClient, database: Database, team: Team, token: str, user_id: str
) -> bool:
    """Whether the person may answer the snapshot an invitation's Start button names: a
    member of the team's channel (as Telegram's `/start <token>` checks the group), or, when
    Slack won't list the channel's members, someone that snapshot was sent to."""
    if team.external_id.startswith("personal:"):
        return team.external_id == personal_team_id(user_id)
    member = await in_channel(client, channel_of(team.external_id), user_id)
    if member is not None:
        return member
    async with database.reading() as session:
        snapshot = await snapshot_lifecycle.snapshot_by_token(session, token)
        return snapshot is not None and user_id in await outbox.invited_people(session, snapshot.id)
