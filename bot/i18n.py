"""Loads the gettext catalogs from locales/ into Localizers, one per supported language.

Compiled ``.mo`` files are used when they are up to date; otherwise the ``.po`` file is compiled
in memory, so a checkout works before ``pybabel compile`` ran.
"""

from __future__ import annotations

import io
import os
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from conversations.i18n import SUPPORTED_LOCALES, Localizer

DOMAIN = "messages"


def locales_dir() -> Path:
    configured = os.environ.get("CSMM_LOCALES_DIR")
    if configured:
        return Path(configured)
    packaged = Path(__file__).parent / "locales"  # wheels carry the catalogs here
    return packaged if packaged.is_dir() else Path(__file__).parents[1] / "locales"


def load_translations(locale: str, directory: Path | None = None) -> Translations:
    base = (directory or locales_dir()) / locale / "LC_MESSAGES"
    po_file, mo_file = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    if mo_file.exists() and (
        not po_file.exists() or mo_file.stat().st_mtime >= po_file.stat().st_mtime
    ):
        with mo_file.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po_file.exists():
        raise FileNotFoundError(f"no catalog for {locale!r}: {po_file} is missing")
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def localizers() -> dict[str, Localizer]:
    return {locale: Localizer(locale, load_translations(locale)) for locale in SUPPORTED_LOCALES}
