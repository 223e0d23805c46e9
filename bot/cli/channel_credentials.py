"""The Telegram and Slack tokens and secrets from the environment, checked, and what Slack
says when it refuses one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.cli.errors import CliError
from bot.logs import keep_out_of_logs
from bot.settings import SlackSettings, TelegramSettings
from conversations.i18n import Localizer

if TYPE_CHECKING:
    from slack_sdk.errors import SlackApiError

    from bot.slack.app import SlackConfig

TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]+")


def slack_refusal(loc: Localizer, exc: SlackApiError) -> CliError:
    """What Slack refused, in one line: naming the token it would not take, when it was one."""
    reason = str(exc.response.get("error", "unknown"))
    if reason not in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return CliError(loc, loc._("Slack refused: {reason}", reason=reason))
    if str(exc.response.api_url).endswith("/apps.connections.open"):
        return CliError(
            loc, loc._("Slack did not accept SLACK_APP_TOKEN ({reason}).", reason=reason)
        )
    return CliError(loc, loc._("Slack did not accept SLACK_BOT_TOKEN ({reason}).", reason=reason))


def slack_config(loc: Localizer, *, socket_mode: bool) -> tuple[SlackConfig, str]:
    """The Slack settings from the environment, checked: (config, app-level token)."""
    from bot.slack.app import SlackConfig

    settings = SlackSettings()
    secret = secret_value(settings.signing_secret)
    token = secret_value(settings.bot_token)
    app_token = secret_value(settings.app_token)
    client_secret = secret_value(settings.client_secret)
    oauth = bool(settings.client_id and client_secret)
    keep_out_of_logs(*(value for value in (secret, token, app_token, client_secret) if value))
    if not oauth and not token:  # its form is for Slack to judge (auth.test, below)
        raise CliError(
            loc,
            loc._(
                "Set SLACK_BOT_TOKEN to your app's bot token (it starts with xoxb-), or "
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install into many workspaces."
            ),
        )
    if socket_mode and not app_token:
        raise CliError(
            loc, loc._("Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…).")
        )
    if socket_mode and oauth:
        raise CliError(
            loc,
            loc._("Installing into many workspaces (OAuth) needs HTTP mode: drop --socket-mode."),
        )
    if not socket_mode and not secret:
        raise CliError(
            loc,
            loc._("Set SLACK_SIGNING_SECRET (Basic Information in your app's settings)."),
        )
    config = SlackConfig(
        signing_secret=secret,
        api_url=settings.api_url,
        bot_token=None if oauth else token,
        client_id=settings.client_id if oauth else None,
        client_secret=client_secret if oauth else None,
    )

    return config, app_token


def checked_telegram_token(loc: Localizer, settings: TelegramSettings) -> str:
    """TELEGRAM_BOT_TOKEN, checked for a bot token's form."""
    token = secret_value(settings.bot_token)
    if not token:
        raise CliError(loc, loc._("Set TELEGRAM_BOT_TOKEN to the token @BotFather gave you."))
    if not TOKEN_FORMAT.fullmatch(token):
        raise CliError(
            loc,
            loc._(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters)."
            ),
        )
    return token


def secret_value(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value else ""
