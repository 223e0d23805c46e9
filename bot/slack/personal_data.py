"""`/maturity export-me`: everything held about the person, uploaded as a JSON file into their
own DM with the app (never where they typed it: a channel would see it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.personal_data import FILENAME, export_me
from bot.slack.common import PLATFORM, Shared, log
from conversations.i18n import Localizer


async def export_me_to_dm(
    shared: Shared,
    client: AsyncWebClient,
    user_id: str,
    loc: Localizer,
    say: Callable[[str], Awaitable[None]],
) -> None:
    """Upload the person's document to their DM, or ``say`` that nothing is held."""
    document = await export_me(shared.assessments, PLATFORM, user_id, loc)
    if document is None:
        await say(loc._("I hold nothing about you: you have not answered or set anything here."))
        return
    await say(loc._("Preparing it; it will be in your direct messages in a moment."))
    opened = await client.conversations_open(users=user_id)
    await client.files_upload_v2(
        channel=opened["channel"]["id"],
        content=document.encode("utf-8"),
        filename=FILENAME,
        title=FILENAME,
        initial_comment=loc._(
            "Everything I hold about you, as JSON: your answers and notes, your settings, "
            "your teams. /maturity forget-me deletes it."
        ),
    )
    log.info("personal data exported on request")
