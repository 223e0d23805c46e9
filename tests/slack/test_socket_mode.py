"""Socket Mode: the app opens a WebSocket to Slack (apps.connections.open with the app-level
token) and every slash command, button press and event arrives as an envelope on it, which the
app acknowledges by its envelope id. The same listeners run as over HTTP; a dropped connection
is opened again by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.server import run_socket_mode
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, config_for, settle, team_channel
from tests.slack.journey import ANSWER, CONTROLS, start


@asynccontextmanager
async def over_the_socket(fake: FakeSlack, assessments: Assessments) -> AsyncIterator[None]:
    """The app connected through Socket Mode, with the fake sending everything over it."""
    channel = SlackChannel(assessments, config_for(fake))
    stop = asyncio.Event()
    fake.transport = "socket"
    task = asyncio.create_task(run_socket_mode(channel, stop, app_token=fake.app_token))
    try:
        await fake.wait_socket_connected()
        yield
    finally:
        await settle()
        stop.set()
        await asyncio.wait_for(task, 15)


def question(fake: FakeSlack, user_id: str) -> Any:
    """The newest message in the person's DM with answer buttons."""
    for message in reversed(fake.dm(user_id)):
        if any(ANSWER.match(str(b.get("value") or "")) for b in fake.buttons(message)):
            return message
    return None


async def answer_one(fake: FakeSlack, user_id: str) -> dict[str, Any]:
    """Press the first answer option of the person's current question and wait for the next
    question; returns the app's ack of the press."""
    shown = question(fake, user_id)
    assert shown is not None, f"{user_id} has no question to answer"
    options = [
        b
        for b in fake.buttons(shown)
        if (m := ANSWER.match(str(b.get("value") or ""))) and m.group("action") not in CONTROLS
    ]
    assert options, f"no answer options in {fake.buttons(shown)}"
    value = options[0]["value"]
    status, ack = await fake.press(user_id, lambda b: b["value"] == value, message=shown)
    assert status == 200

    def moved_on() -> bool:
        now = question(fake, user_id)
        return now is not None and now.ts != shown.ts

    await fake.wait_for(moved_on)
    # The pressed question was edited into its answer.
    assert next(m for m in fake.dm(user_id) if m.ts == shown.ts).edits
    return dict(ack)


def progress(fake: FakeSlack, user_id: str) -> str:
    shown = question(fake, user_id)
    return shown.text if shown is not None else ""


async def test_a_command_and_button_presses_arrive_through_socket_mode(
    fake: FakeSlack, assessments: Assessments
) -> None:
    team_channel(fake)
    envelopes = 0
    async with over_the_socket(fake, assessments):
        assert fake.socket_connections == 1
        # The connection was opened with the app-level token, never the bot token.
        opened = [c for c in fake.calls if c.method == "apps.connections.open"]
        assert [c.token for c in opened] == [fake.app_token]

        status, _ack = await fake.command(ADMIN, CHANNEL, "start")
        envelopes += 1
        assert status == 200
        for person in (ADMIN, AYSE, BOB):
            await fake.wait_for(lambda p=person: any(fake.buttons(m) for m in fake.dm(p)))
        assert [b["text"] for m in fake.dm(BOB) for b in fake.buttons(m)] == ["Start"]
        assert [b["text"] for m in fake.dm(AYSE) for b in fake.buttons(m)] == ["Başla"]
        assert fake.dm("UGONE") == []
        # Web API calls go out with the bot token, as over HTTP.
        posted = [c for c in fake.calls if c.method == "chat.postMessage"]
        assert posted and {c.token for c in posted} == {fake.bot_token}

        await start(fake, BOB)
        envelopes += 1
        assert progress(fake, BOB).startswith("1/35")
        await answer_one(fake, BOB)
        await answer_one(fake, BOB)
        envelopes += 2
        assert progress(fake, BOB).startswith("3/35")

        # Slack drops the connection: the app opens a new one by itself (a new
        # apps.connections.open, a new single-use URL) and later envelopes still arrive.
        await fake.drop_socket()
        await fake.wait_for(lambda: fake.socket_connections >= 2)
        await fake.wait_socket_connected()
        await answer_one(fake, BOB)
        envelopes += 1
        assert progress(fake, BOB).startswith("4/35")
        await start(fake, AYSE, "Başla")
        await answer_one(fake, AYSE)
        envelopes += 2
        assert progress(fake, AYSE).startswith("2/35")

        # ... and once more, with Slack's own "disconnect" notice (refresh_requested).
        await fake.drop_socket(graceful=True)
        await fake.wait_for(lambda: fake.socket_connections >= 3)
        await fake.wait_socket_connected()
        status, _ack = await fake.command(ADMIN, CHANNEL, "status")
        envelopes += 1
        assert status == 200
        await fake.wait_for(lambda: any("In progress (2)" in e.text for e in fake.ephemerals))
        await answer_one(fake, BOB)
        envelopes += 1
        assert progress(fake, BOB).startswith("5/35")
        assert len([c for c in fake.calls if c.method == "apps.connections.open"]) >= 3

    # Every envelope was acknowledged exactly once, by its own envelope id.
    ids = [str(a.get("envelope_id")) for a in fake.socket_acks]
    assert len(ids) == envelopes
    assert len(set(ids)) == envelopes and all(ids)


async def test_a_repeated_envelope_is_acknowledged_and_handled_once(
    fake: FakeSlack, assessments: Assessments
) -> None:
    """Socket Mode redelivers an envelope when its ack was lost: the retry is acked again and
    changes nothing."""
    team_channel(fake)
    async with over_the_socket(fake, assessments):
        await fake.command(ADMIN, CHANNEL, "start")
        await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(BOB)))
        await start(fake, BOB)
        before = len(fake.dm(BOB))
        event = fake.message_event(BOB, "pause")
        event_id = "Ev0SOCKETRETRY"
        envelope = {
            "token": fake.verification_token,
            "team_id": fake.team_id,
            "api_app_id": fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": fake.team_id,
                    "user_id": fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        assert await fake.socket_send("events_api", envelope) == {}
        await fake.wait_for(lambda: len(fake.dm(BOB)) > before)
        assert fake.dm(BOB)[-1].text.startswith("Paused")
        answered = len(fake.dm(BOB))
        await fake.socket_send("events_api", envelope, retry_attempt=1, retry_reason="timeout")
        # A later envelope is handled; by then the retry would have been too.
        await fake.command(ADMIN, CHANNEL, "status")
        await fake.wait_for(lambda: any("In progress (1)" in e.text for e in fake.ephemerals))
        await settle()
        assert len(fake.dm(BOB)) == answered
    assert len(fake.socket_acks) == 5
