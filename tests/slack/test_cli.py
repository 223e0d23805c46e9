"""The real `csmm slack` process against the fake Slack: it checks its settings and the bot
token before serving, serves signed requests over HTTP (or Socket Mode), refuses forged ones,
stops cleanly on SIGTERM, and never prints a secret. What it cannot work with gets one
localized line and a non-zero exit, never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL, free_port, team_channel

CSMM = [sys.executable, "-m", "bot"]
# The same command with every logger at DEBUG, as an operator chasing a problem would run it
# (`csmm slack` has no log-level option of its own).
DEBUG_CSMM = [
    sys.executable,
    "-c",
    "import logging; logging.basicConfig(level=logging.DEBUG); from bot.cli import main; main()",
]
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANGUAGE")


def slack_env(fake: FakeSlack, database_url: str, **changes: str | None) -> dict[str, str]:
    """The environment `csmm slack` runs in: the fake's credentials and API, this test's
    (migrated) database, the C locale; ``changes`` set a variable, or drop it with None."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "CSMM_")) and k not in LOCALE_VARIABLES
    }
    env.update(
        CSMM_DATABASE_URL=database_url,
        LANG="C",
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_SIGNING_SECRET=fake.signing_secret,
        SLACK_API_URL=fake.base_url,
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class Ran:
    code: int
    out: str
    err: str


async def run_to_the_end(env: dict[str, str], *args: str) -> Ran:
    """`csmm slack ARGS` expected to exit by itself (the fake keeps serving meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        *CSMM,
        "slack",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


@dataclass
class Running:
    process: asyncio.subprocess.Process
    out: Path
    err: Path

    def output(self) -> tuple[str, str]:
        return self.out.read_text(), self.err.read_text()

    async def stopped(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 30)


@contextlib.asynccontextmanager
async def csmm_slack(
    env: dict[str, str], logs: Path, *args: str, debug: bool = False
) -> AsyncIterator[Running]:
    """`csmm slack ARGS` running in the background, its output in files (so that a chatty
    DEBUG log never fills a pipe nobody reads)."""
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *(DEBUG_CSMM if debug else CSMM),
            "slack",
            *args,
            env=env,
            stdout=stdout,
            stderr=stderr,
            stdin=asyncio.subprocess.DEVNULL,
        )
        try:
            yield Running(process, out, err)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def until_healthy(running: Running, port: int) -> None:
    """Poll /healthz until the server answers; fail with its output if it exits first."""
    url = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession() as session, asyncio.timeout(30):
        while True:
            if running.process.returncode is not None:
                raise AssertionError(f"csmm slack exited early: {running.output()}")
            try:
                async with session.get(url) as response:
                    if response.status == 200 and (await response.json()) == {"status": "ok"}:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)


def command_form(fake: FakeSlack, text: str) -> str:
    """A /maturity command's form body as Slack posts it (no response URL: never served)."""
    return urlencode(
        {
            "team_id": fake.team_id,
            "channel_id": CHANNEL,
            "channel_name": "support",
            "user_id": ADMIN,
            "user_name": "Admin Ada",
            "command": "/maturity",
            "text": text,
            "api_app_id": fake.app_id,
            "trigger_id": fake.new_trigger_id(),
        }
    )


def invited(fake: FakeSlack, person: str) -> bool:
    return any(fake.buttons(m) for m in fake.dm(person))


def assert_no_secrets(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} was printed"


async def test_the_command_serves_signed_requests_and_stops_cleanly(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    team_channel(fake)
    port = free_port()
    env = slack_env(fake, database_url)
    async with csmm_slack(env, tmp_path, "--port", str(port), debug=True) as running:
        await until_healthy(running, port)
        # The token was checked once before serving.
        assert [(c.method, c.token) for c in fake.calls] == [("auth.test", fake.bot_token)]
        fake.app_url = f"http://127.0.0.1:{port}/slack/events"

        form = command_form(fake, "start")
        content_type = "application/x-www-form-urlencoded"
        forged = await fake.post_to_app(form, content_type, secret="not-the-signing-secret")
        assert forged[0] == 401
        stale = await fake.post_to_app(form, content_type, timestamp=int(time.time()) - 3600)
        assert stale[0] == 401
        unsigned = await fake.post_to_app(
            form, content_type, headers_extra={"X-Slack-Signature": ""}
        )
        assert unsigned[0] == 401

        status, _ack = await fake.command(ADMIN, CHANNEL, "start")
        assert status == 200
        for person in (ADMIN, AYSE, BOB):
            await fake.wait_for(lambda p=person: invited(fake, p), timeout=30)
        # Only the signed command was served: one invitation each, one announcement.
        assert all(len([m for m in fake.dm(p) if fake.buttons(m)]) == 1 for p in (ADMIN, BOB))
        await fake.wait_for(lambda: any("started" in m.text for m in fake.messages(CHANNEL)))
        assert len([m for m in fake.messages(CHANNEL) if "started" in m.text]) == 1
        assert {c.token for c in fake.calls} == {fake.bot_token}

        assert await running.stopped() == 0
    out, err = running.output()
    assert f"listening on http://127.0.0.1:{port}/slack/events" in out
    assert "DEBUG" in err  # debug logging really was on
    assert "Traceback" not in err and "ERROR" not in err and "CRITICAL" not in err
    assert_no_secrets(out + err, fake.bot_token, fake.signing_secret)


async def test_the_command_runs_in_socket_mode_without_a_signing_secret(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    team_channel(fake)
    env = slack_env(fake, database_url, SLACK_APP_TOKEN=fake.app_token, SLACK_SIGNING_SECRET=None)
    async with csmm_slack(env, tmp_path, "--socket-mode") as running:
        fake.transport = "socket"
        await fake.wait_socket_connected(timeout=30)
        status, _ack = await fake.command(ADMIN, CHANNEL, "start")
        assert status == 200
        for person in (ADMIN, AYSE, BOB):
            await fake.wait_for(lambda p=person: invited(fake, p), timeout=30)
        assert len(fake.socket_acks) == 1
        opened = [c.token for c in fake.calls if c.method == "apps.connections.open"]
        assert opened == [fake.app_token]
        out, err = running.output()

        # Slack goes away while the app is connected and refuses new connections for a
        # while: the app keeps trying, and SIGTERM still stops it, cleanly.
        fake.fail_next("apps.connections.open", status=503, count=1000)
        await fake.drop_socket()
        await fake.wait_for(lambda: len(fake.calls_to("apps.connections.open")) > 1, timeout=30)
        assert await running.stopped() == 0
    assert_no_secrets("".join(running.output()), fake.bot_token, fake.app_token)
    # Until the outage, starting and serving a command printed nothing at all (Socket Mode
    # announces nothing on stdout; a clean start has nothing to warn about on stderr).
    assert out == ""
    assert err == "", f"a clean start printed on stderr: {err!r}"


async def test_an_app_token_slack_rejects_gets_one_line(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """Slack refuses SLACK_APP_TOKEN (apps.connections.open: invalid_auth): the command says
    so in one line and exits, instead of retrying a token that can never work."""
    env = slack_env(fake, database_url, SLACK_APP_TOKEN="xapp-wrong")
    async with csmm_slack(env, tmp_path, "--socket-mode") as running:
        process = running.process
        await fake.wait_for(
            lambda: fake.calls_to("apps.connections.open") or process.returncode is not None,
            timeout=30,
        )
        try:
            # (a bound for a hang, not a measurement: exiting takes a moment)
            code = await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
                then = f"it stopped on SIGTERM (exit {process.returncode})"
            except TimeoutError:
                then = "it ignored SIGTERM too and had to be killed"
            refused = len(fake.calls_to("apps.connections.open"))
            raise AssertionError(
                f"csmm slack --socket-mode kept running after Slack refused SLACK_APP_TOKEN "
                f"({refused} apps.connections.open calls); {then}. "
                f"stderr: {running.output()[1][-1500:]}"
            ) from None
    out, err = running.output()
    assert code == 1, err
    assert err.splitlines() == ["Error: Slack did not accept SLACK_APP_TOKEN (invalid_auth)."]
    assert out == ""
    assert_no_secrets(out + err, "xapp-wrong", fake.bot_token)


CLOSED = "a port nobody listens on"


@pytest.mark.parametrize(
    ("changes", "args", "expected"),
    [
        pytest.param(
            {"SLACK_BOT_TOKEN": None},
            [],
            "Error: Set SLACK_BOT_TOKEN to your app's bot token (it starts with xoxb-)",
            id="no-bot-token",
        ),
        pytest.param(
            # Its form is for Slack to judge: a token of another kind fails auth.test.
            {"SLACK_BOT_TOKEN": "xoxp-a-user-token"},
            [],
            "Error: Slack did not accept SLACK_BOT_TOKEN (invalid_auth).",
            id="not-a-bot-token",
        ),
        pytest.param(
            {"SLACK_SIGNING_SECRET": None},
            [],
            "Error: Set SLACK_SIGNING_SECRET (Basic Information in your app's settings).",
            id="no-signing-secret",
        ),
        pytest.param(
            {"SLACK_BOT_TOKEN": "xoxb-wrong"},
            [],
            "Error: Slack did not accept SLACK_BOT_TOKEN (invalid_auth).",
            id="token-slack-rejects",
        ),
        pytest.param(
            {},
            ["--socket-mode"],
            "Error: Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…).",
            id="socket-mode-without-app-token",
        ),
        pytest.param(
            {"SLACK_API_URL": CLOSED},
            [],
            "Error: Could not reach the Slack API: ",
            id="api-unreachable",
        ),
    ],
)
async def test_what_the_command_cannot_work_with_gets_one_line(
    fake: FakeSlack,
    database_url: str,
    changes: dict[str, str | None],
    args: list[str],
    expected: str,
) -> None:
    if changes.get("SLACK_API_URL") == CLOSED:
        changes = {**changes, "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}
    env = slack_env(fake, database_url, **changes)
    http = [] if "--socket-mode" in args else ["--port", str(free_port())]
    ran = await run_to_the_end(env, *http, *args)
    assert ran.code == 1, ran
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, ran.err
    assert lines[0].startswith(expected), ran.err
    assert "Traceback" not in ran.err
    assert ran.out == ""  # it never claimed to be listening
    assert_no_secrets(ran.out + ran.err, fake.signing_secret, "xoxb-wrong", "xoxp-a-user-token")
    # Nothing but the token check ever reached Slack.
    assert {c.method for c in fake.calls} <= {"auth.test"}


async def test_the_errors_speak_turkish(fake: FakeSlack, database_url: str) -> None:
    """In a Turkish environment, or with --lang tr (both at once, to keep the test short)."""
    environment, option = await asyncio.gather(
        run_to_the_end(
            slack_env(fake, database_url, SLACK_SIGNING_SECRET=None, LANG="tr_TR.UTF-8"),
            "--port",
            str(free_port()),
        ),
        run_to_the_end(
            slack_env(fake, database_url, SLACK_BOT_TOKEN="xoxb-wrong"),
            "--lang",
            "tr",
            "--port",
            str(free_port()),
        ),
    )
    assert environment.code == option.code == 1, (environment, option)
    assert environment.err == (
        "Hata: SLACK_SIGNING_SECRET değişkenini ayarlayın (uygulama ayarlarınızda Basic "
        "Information bölümünde).\n"
    )
    assert option.err == "Hata: Slack, SLACK_BOT_TOKEN belirtecini kabul etmedi (invalid_auth).\n"
    assert "xoxb-wrong" not in option.out + option.err
