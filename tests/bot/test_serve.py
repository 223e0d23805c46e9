"""`csmm serve`: Telegram and Slack in one process, one health check, a clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import database_url_for
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, BOB, CHANNEL, free_port, team_channel
from tests.slack.test_cli import CSMM, Running, slack_env
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url_for(request.param, request, tmp_path)


async def health(port: int) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, await response.json()


async def test_serve_runs_telegram_and_slack_together_and_stops_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    async with FakeSlack() as fake:
        telegram = FakeBotApi(TOKEN)
        await telegram.start()
        try:
            team_channel(fake)
            env = slack_env(
                fake,
                database_url,
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=telegram.base_url,
            )
            out, err = tmp_path / "out.txt", tmp_path / "err.txt"
            with out.open("wb") as stdout, err.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    *CSMM, "serve", "--port", str(port), env=env, stdout=stdout, stderr=stderr
                )
                running = Running(process, out, err)
                try:
                    async with asyncio.timeout(30):
                        while True:
                            assert process.returncode is None, running.output()
                            try:
                                status, body = await health(port)
                            except aiohttp.ClientError:
                                await asyncio.sleep(0.05)
                                continue
                            if body.get("scheduler") == "leading":  # it leads once it has the lock
                                break
                            assert body.get("scheduler") == "standing by", body
                            await asyncio.sleep(0.05)
                    assert status == 200
                    assert body == {
                        "status": "ok",
                        "channels": {
                            "slack": f"http://127.0.0.1:{port}/slack/events",
                            "telegram": "long polling",
                            "scheduler": "on (one leader per database)",
                        },
                        "scheduler": "leading",
                    }
                    # Slack: a signed command into the shared HTTP server.
                    fake.app_url = f"http://127.0.0.1:{port}/slack/events"
                    assert (await fake.command(ADMIN, CHANNEL, "start"))[0] == 200
                    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(BOB)))
                    # Telegram: a private /start, answered through long polling.
                    person = telegram.user(7, "Zeynep", language_code="tr")
                    telegram.send_text(person, "/start")
                    await telegram.wait_for(lambda: telegram.sent(7))
                    assert (await running.stopped()) == 0
                finally:
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
            printed, errors = running.output()
            assert "Slack: http://127.0.0.1:" in printed and "Telegram: long polling" in printed
            assert "Traceback" not in errors
            assert TOKEN not in printed + errors and fake.bot_token not in printed + errors
        finally:
            await telegram.stop()


async def test_serve_with_nothing_configured_says_what_to_set(database_url: str) -> None:
    async with FakeSlack() as fake:
        env = slack_env(fake, database_url, SLACK_BOT_TOKEN=None, SLACK_SIGNING_SECRET=None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        *CSMM,
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert out == b""
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: Nothing to serve: set TELEGRAM_BOT_TOKEN")
