"""The app manifest a new user pastes asks for what the app uses, and points at what it serves."""

from __future__ import annotations

from pathlib import Path

import yaml

import bot.slack
from bot.slack.app import COMMAND, EVENTS_PATH, REDIRECT_PATH, SCOPES

MANIFEST = Path(bot.slack.__file__).parent / "manifest.yaml"


def test_manifest_scopes_command_and_urls_match_the_app() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(SCOPES)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is True  # mentions arrive as <@U…>, which `admin` reads
    settings = manifest["settings"]
    for url in (
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ):
        assert url.endswith(EVENTS_PATH)
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "message.im",
        "app_uninstalled",  # installations are deleted when a workspace removes the app
        "tokens_revoked",
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
