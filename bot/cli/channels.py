"""`csmm telegram`, `slack` and `serve`: run the chat channels until stopped."""

from __future__ import annotations

import asyncio
import logging

import click
from click.core import ParameterSource

from bot.assessments import Assessments
from bot.cli.channel_credentials import (
    checked_telegram_token,
    secret_value,
    slack_config,
    slack_refusal,
)
from bot.cli.errors import CliError, friendly_errors
from bot.cli.options import LANG_OPTION, cli_localizer
from bot.cli.service import run_coroutine, until_stopped
from bot.logs import keep_out_of_logs
from bot.settings import SlackSettings, TelegramSettings


def _failed_bootstrap(record: logging.LogRecord) -> bool:
    """Drop python-telegram-bot's traceback of a setWebhook/deleteWebhook that failed at start:
    it raises the error too, and the command reports it in one line."""
    failed = record.levelno >= logging.ERROR and record.getMessage().startswith(
        "Network Retry Loop (Bootstrap"
    )
    return not failed


@click.command(short_help="Run the Telegram bot (long polling, or a webhook).")
@click.option(
    "--webhook-url",
    metavar="URL",
    help="Have Telegram send updates to this public HTTPS URL instead of polling for them. "
    "A reverse proxy forwards it to --listen:--port.",
)
@click.option(
    "--listen",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="With --webhook-url: the address the webhook server listens on.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="With --webhook-url: the port it listens on.",
)
@click.option(
    "--url-path",
    metavar="PATH",
    help="With --webhook-url: the path it answers on, if the proxy changes it "
    "(default: the URL's path).",
)
@LANG_OPTION
@click.pass_context
@friendly_errors
def telegram(
    ctx: click.Context,
    webhook_url: str | None,
    listen: str,
    port: int,
    url_path: str | None,
    lang: str | None,
) -> None:
    """Run the Telegram bot until Ctrl-C: people answer in a private chat with it.

    Needs TELEGRAM_BOT_TOKEN (from @BotFather); TELEGRAM_API_URL points at another Bot API
    server (default: Telegram's own). Without --webhook-url the bot polls for updates. With it,
    Telegram posts them to that URL, and requests without the webhook's secret are refused
    (403): TELEGRAM_WEBHOOK_SECRET, or else a new random one at each start.
    """
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    from bot.telegram.app import build_application, run_polling
    from bot.telegram.webhook import is_valid_secret, is_webhook_url, new_secret, run_webhook

    loc = cli_localizer(lang)
    webhook_only = ("listen", "port", "url_path")
    if webhook_url is None and any(
        ctx.get_parameter_source(name) is not ParameterSource.DEFAULT for name in webhook_only
    ):
        raise click.UsageError(loc._("--listen, --port and --url-path go with --webhook-url."))
    settings = TelegramSettings()
    token = checked_telegram_token(loc, settings)
    secret = settings.webhook_secret.get_secret_value().strip() if settings.webhook_secret else ""
    if webhook_url is not None and not is_webhook_url(webhook_url):
        raise CliError(
            loc,
            loc._(
                "--webhook-url needs a full URL that Telegram can reach, such as "
                "https://bot.example.com/telegram, not “{url}”.",
                url=webhook_url,
            ),
        )
    if webhook_url is not None and secret and not is_valid_secret(secret):
        raise CliError(
            loc,
            loc._(
                "TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters: letters A–Z and a–z, "
                "digits, _ and -."
            ),
        )
    secret = secret or new_secret()
    keep_out_of_logs(token, secret)
    logging.getLogger("telegram.ext").addFilter(_failed_bootstrap)

    async def serve(assessments: Assessments, stop: asyncio.Event) -> None:
        application = build_application(assessments, token, settings.api_url)
        if webhook_url is None:
            await run_polling(application, stop)
        else:
            await run_webhook(
                application,
                stop,
                url=webhook_url,
                secret=secret,
                listen=listen,
                port=port,
                url_path=url_path,
            )

    try:
        run_coroutine(until_stopped(serve))
    except InvalidToken:
        raise CliError(
            loc, loc._("Telegram did not accept TELEGRAM_BOT_TOKEN: check it with @BotFather.")
        ) from None
    except TelegramError as exc:
        reason = exc.message.replace(token, "…")
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            # httpx's reasons (connection refused, timed out, …), which name no URL
            message = loc._("Could not reach the Bot API: {reason}", reason=reason)
        else:  # e.g. setWebhook refusing the URL
            message = loc._("Telegram refused: {reason}", reason=reason)
        raise CliError(loc, message) from None


@click.command(short_help="Run the Slack app (HTTP, or Socket Mode).")
@click.option(
    "--socket-mode",
    is_flag=True,
    help="Connect to Slack through Socket Mode (needs SLACK_APP_TOKEN) instead of serving HTTP.",
)
@click.option(
    "--listen",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="HTTP mode: the address to listen on (0.0.0.0 for every interface).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=3000,
    show_default=True,
    help="HTTP mode: the port to listen on.",
)
@LANG_OPTION
@click.pass_context
@friendly_errors
def slack(ctx: click.Context, socket_mode: bool, listen: str, port: int, lang: str | None) -> None:
    """Run the Slack app until Ctrl-C: /maturity in channels, the questions in DMs.

    HTTP mode serves /slack/events (set it as the Request URL of the slash command, events
    and interactivity) and checks each request's signature with SLACK_SIGNING_SECRET.
    SLACK_BOT_TOKEN is the bot token of one workspace; or set SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET to install into many through /slack/install (installations are stored
    in the database). SLACK_API_URL points at another Web API (default: Slack's own).
    """
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.app import SlackChannel, web_client
    from bot.slack.server import run_http, run_socket_mode

    loc = cli_localizer(lang)
    if socket_mode and any(
        ctx.get_parameter_source(name) is not ParameterSource.DEFAULT for name in ("listen", "port")
    ):
        raise click.UsageError(loc._("--listen and --port are for HTTP mode, not --socket-mode."))
    config, app_token = slack_config(loc, socket_mode=socket_mode)

    async def serve(assessments: Assessments, stop: asyncio.Event) -> None:
        channel = SlackChannel(assessments, config)
        if socket_mode:
            await run_socket_mode(channel, stop, app_token=app_token)
            return
        click.echo(
            loc._(
                "Slack app listening on http://{address}:{port}/slack/events",
                address=listen,
                port=port,
            )
        )
        await run_http(channel, stop, host=listen, port=port)

    async def checked_then_served() -> None:
        if config.bot_token:  # a wrong token fails here, in one line, not at the first request
            await web_client(config.api_url, config.bot_token).auth_test()
        await until_stopped(serve)

    try:
        run_coroutine(checked_then_served())
    except SlackApiError as exc:
        raise slack_refusal(loc, exc) from None
    except (SlackClientError, OSError) as exc:
        raise CliError(
            loc, loc._("Could not reach the Slack API: {reason}", reason=type(exc).__name__)
        ) from None


@click.command(short_help="Run every configured channel in one process.")
@click.option(
    "--listen",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="The address of the HTTP server (Slack's requests, /healthz).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="Its port.",
)
@click.option(
    "--no-telegram-polling",
    is_flag=True,
    help="Send Telegram messages (the scheduler's) but leave getUpdates to another replica: "
    "Telegram serves one poller per bot token.",
)
@LANG_OPTION
@friendly_errors
def serve(listen: str, port: int, no_telegram_polling: bool, lang: str | None) -> None:
    """Run Telegram (when TELEGRAM_BOT_TOKEN is set) and Slack (when SLACK_BOT_TOKEN, or
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, are set) together until Ctrl-C or SIGTERM.

    Telegram polls; Slack is served over HTTP at /slack/events, or through Socket Mode when
    SLACK_APP_TOKEN is set. GET /healthz answers 200 while every channel runs.
    """
    import aiohttp
    from slack_sdk.errors import SlackApiError, SlackClientError
    from telegram.error import InvalidToken, TelegramError

    from bot.serve import Channels, serve_channels, startup_lines
    from bot.slack.app import web_client

    loc = cli_localizer(lang)
    telegram_settings, slack_settings = TelegramSettings(), SlackSettings()
    telegram_token = (
        checked_telegram_token(loc, telegram_settings) if telegram_settings.bot_token else None
    )
    slack_wanted = bool(
        slack_settings.bot_token or (slack_settings.client_id and slack_settings.client_secret)
    )
    slack, app_token = (None, "")
    if slack_wanted:
        socket_mode = bool(secret_value(slack_settings.app_token))
        slack, app_token = slack_config(loc, socket_mode=socket_mode)
    if telegram_token is None and slack is None:
        raise CliError(
            loc,
            loc._(
                "Nothing to serve: set TELEGRAM_BOT_TOKEN, or SLACK_BOT_TOKEN and "
                "SLACK_SIGNING_SECRET (see csmm telegram --help and csmm slack --help)."
            ),
        )
    if telegram_token:
        keep_out_of_logs(telegram_token)
    channels = Channels(
        telegram_token=telegram_token,
        telegram_api_url=telegram_settings.api_url,
        slack=slack,
        slack_app_token=app_token or None,
        telegram_polls=not no_telegram_polling,
    )

    async def run(assessments: Assessments, stop: asyncio.Event) -> None:
        for line in startup_lines(channels, loc, host=listen, port=port):
            click.echo(line)
        await serve_channels(assessments, channels, stop, host=listen, port=port)

    async def checked_then_served() -> None:
        if slack is not None and slack.bot_token:
            await web_client(slack.api_url, slack.bot_token).auth_test()
        await until_stopped(run)

    try:
        run_coroutine(checked_then_served())
    except InvalidToken:
        raise CliError(
            loc, loc._("Telegram did not accept TELEGRAM_BOT_TOKEN: check it with @BotFather.")
        ) from None
    except TelegramError as exc:
        raise CliError(loc, loc._("Telegram refused: {reason}", reason=exc.message)) from None
    except SlackApiError as exc:
        raise slack_refusal(loc, exc) from None
    except (SlackClientError, aiohttp.ClientError) as exc:
        raise CliError(
            loc, loc._("Could not reach the Slack API: {reason}", reason=type(exc).__name__)
        ) from None
    except OSError as exc:  # the port is taken, or not ours to take
        raise CliError(
            loc,
            loc._(
                "Could not listen on {address}:{port}: {reason}",
                address=listen,
                port=port,
                reason=exc.strerror or type(exc).__name__,
            ),
        ) from None
