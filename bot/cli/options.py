"""The options the `csmm` commands share, and the language a command speaks in."""

from __future__ import annotations

from pathlib import Path

import click

from bot.console.session import environment_locale
from bot.i18n import localizers
from conversations.i18n import SUPPORTED_LOCALES, Localizer, normalize_locale

LANG_OPTION = click.option(
    "--lang", type=click.Choice(SUPPORTED_LOCALES), help="Language: en (English) or tr (Turkish)."
)
NAME_LENGTH = 100  # team and person names are stored in columns of bounded width


def checked_name(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not 1 <= len(value.strip()) <= NAME_LENGTH:
        message = cli_localizer()._("must be 1 to {limit} characters", limit=NAME_LENGTH)
        raise click.BadParameter(message, param=param)
    return value.strip() if value is not None else None


TEAM_OPTION = click.option("--team", required=True, callback=checked_name, help="The team's name.")


def cli_localizer(lang: str | None = None) -> Localizer:
    """--lang when given, else the language of the environment (LC_ALL, LC_MESSAGES, LANG)."""
    return localizers()[lang or normalize_locale(environment_locale())]


OUTPUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)
