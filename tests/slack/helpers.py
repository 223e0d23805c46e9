"""Running the Slack app against the fake, and a three-person channel to assess."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.assessments import Assessments
from bot.slack.app import SlackChannel, SlackConfig
from bot.slack.server import run_http
from tests.slack.fake_slack import FakeSlack

CHANNEL = "C0SUPPORT"
ADMIN, AYSE, BOB = "UADMIN", "UAYSE", "UBOB"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_for(fake: FakeSlack, *, oauth: bool = False) -> SlackConfig:
    if oauth:
        return SlackConfig(
            signing_secret=fake.signing_secret,
            api_url=fake.base_url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
        )
    return SlackConfig(
        signing_secret=fake.signing_secret, api_url=fake.base_url, bot_token=fake.bot_token
    )


@asynccontextmanager
async def serving(
    fake: FakeSlack, assessments: Assessments, *, oauth: bool = False
) -> AsyncIterator[SlackChannel]:
    """The app's real HTTP server on a free port, with the fake sending to it."""
    channel = SlackChannel(assessments, config_for(fake, oauth=oauth))
    port = free_port()
    stop = asyncio.Event()
    server = asyncio.create_task(run_http(channel, stop, host="127.0.0.1", port=port))
    await listening(port, server)
    fake.app_url = f"http://127.0.0.1:{port}/slack/events"
    try:
        yield channel
    finally:
        await settle()
        stop.set()
        await server


async def listening(port: int, server: asyncio.Task[None] | None = None) -> None:
    """Wait until something accepts connections on ``port`` (the ``server`` task's error is
    raised if it fails first)."""
    for _ in range(500):
        if server is not None and server.done():
            server.result()
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on port {port}")


async def settle() -> None:
    """Let listeners still running after their acknowledgement finish before the database
    goes away."""
    me = asyncio.current_task()
    for _ in range(300):
        busy = [
            task
            for task in asyncio.all_tasks()
            if task is not me and not task.done() and "run_ack_function" in repr(task.get_coro())
        ]
        if not busy:
            return
        await asyncio.sleep(0.02)


def team_channel(fake: FakeSlack) -> None:
    """#support: an admin, Ayşe (Turkish Slack), Bob, the bot, and a deactivated account."""
    fake.add_user(ADMIN, "Admin Ada", is_admin=True, tz="Europe/London")
    fake.add_user(AYSE, "Ayşe Yılmaz", locale="tr-TR", tz="Europe/Istanbul")
    fake.add_user(BOB, "Bob Stone")
    fake.add_user("UGONE", "Gone Person", deleted=True)
    fake.add_channel(CHANNEL, "support", [ADMIN, AYSE, BOB, fake.bot_user_id, "UGONE"])
