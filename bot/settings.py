"""Settings from the environment (prefix ``CSMM_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.database import default_database_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSMM_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    questionnaire: str | None = None  # path to another questionnaire file
    # For new teams; unset means the questionnaire file's default (3).
    anonymity_threshold: int | None = Field(default=None, ge=1, le=50)


TELEGRAM_API = "https://api.telegram.org/bot"


class TelegramSettings(BaseSettings):
    """The Telegram channel's settings: named as Telegram's own tools name them."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", extra="ignore")

    # A secret: never printed, never logged (repr hides it).
    bot_token: SecretStr | None = None
    # The Bot API base URL, token appended, as python-telegram-bot's base_url.
    api_url: str = TELEGRAM_API
    # Webhook mode: the secret Telegram sends with each update (unset: a new one per start).
    webhook_secret: SecretStr | None = None


SLACK_API = "https://slack.com/api/"


class SlackSettings(BaseSettings):
    """The Slack channel's settings, named as Slack's own tools name them."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", extra="ignore")

    # Secrets: never printed, never logged (repr hides them).
    bot_token: SecretStr | None = None  # one workspace; unset with OAuth (many workspaces)
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None  # Socket Mode
    client_id: str | None = None  # OAuth: installation into many workspaces
    client_secret: SecretStr | None = None
    # The Web API base URL, as slack-sdk's base_url (GovSlack, or a local test server).
    api_url: str = SLACK_API
