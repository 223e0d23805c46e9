"""Localisation seam of the engine.

The engine produces finished, localized text: every reply is built through a ``Localizer`` that
wraps a gettext translations object (loaded by the composition root) and Babel's formatting for
the person's locale. Messages use named ``{placeholders}`` (python-brace-format).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Protocol

from babel import Locale, numbers
from babel.dates import format_date, format_datetime, format_time

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "tr")
DEFAULT_LOCALE = "en"


class Translations(Protocol):
    def gettext(self, message: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...
    # Babel types its pgettext result loosely (str | object); we only ever get str back.
    def pgettext(self, context: str, message: str, /) -> object: ...


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated later, at use)."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a string with a context (msgctxt) for extraction; translated later with pgettext."""
    return message


def normalize_locale(value: str | None) -> str:
    """Map a platform locale ("tr-TR", "en_US", None) onto a supported one."""
    if value:
        base = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
        if base in SUPPORTED_LOCALES:
            return base
    return DEFAULT_LOCALE


def fold(text: str) -> str:
    """Fold text for matching typed words: case-, accent- and dotted/dotless-i-insensitive.

    "SİSTEMATİK", "Sistematik" and "sistematik" fold alike, and so do "Değiştir" and "degistir",
    so people on an English keyboard can still type Turkish words.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = stripped.replace("ı", "i").replace("I", "i").lower()
    lowered = re.sub(r"['’`´]", "", lowered)
    return " ".join(lowered.split())


@cache
def _percent_pattern(locale: str) -> str:
    """The locale's own percent pattern, allowing one decimal place."""
    pattern: str = Locale.parse(locale).percent_formats[None].pattern
    return pattern.replace("#,##0", "#,##0.#", 1)


def _signless_zero(value: float | int | Decimal, decimals: int) -> float | int | Decimal:
    """Zero for anything shown as zero: -0.0, or -0.04 at one decimal, would print as "-0"."""
    return 0 if round(value, decimals) == 0 else value


class NumberParseError(ValueError):
    pass


@dataclass(frozen=True)
class Localizer:
    locale: str
    translations: Translations

    def _(self, message: str, /, **params: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    def pgettext(self, context: str, message: str, /) -> str:
        return str(self.translations.pgettext(context, message))

    def number(self, value: float | int | Decimal, max_decimals: int = 1) -> str:
        pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
        return numbers.format_decimal(
            _signless_zero(value, max_decimals), format=pattern, locale=self.locale
        )

    def percent(self, fraction: float) -> str:
        """0.875 → "87.5%" in English, "%87,5" in Turkish: the sign sits where the locale wants."""
        return numbers.format_percent(
            _signless_zero(fraction, 3), format=_percent_pattern(self.locale), locale=self.locale
        )

    def date(self, value: dt.date, format: str = "long") -> str:
        """Babel's long date (22 Kasım 2026); ``format="medium"`` (22 Kas 2026) where space is
        short."""
        return format_date(value, format=format, locale=self.locale)

    def datetime(self, value: dt.datetime) -> str:
        return format_datetime(value, format="medium", locale=self.locale)

    def time(self, value: dt.time) -> str:
        """Babel's short time: "10:00", "10:00 AM" where the locale writes it so."""
        return format_time(value, format="short", locale=self.locale)

    def weekday(self, iso_day: int) -> str:
        """The day's name (1 is Monday): "Monday", "Pazartesi"."""
        return str(Locale.parse(self.locale).days["format"]["wide"][iso_day - 1])

    @property
    def decimal_symbol(self) -> str:
        return str(numbers.get_decimal_symbol(self.locale))

    def parse_number(self, text: str) -> Decimal:
        """Parse a number typed in this locale ("87,5" in Turkish, "87.5" in English)."""
        cleaned = text.strip().replace("%", "").replace("\u00a0", " ").strip()
        cleaned = cleaned.replace("−", "-")
        if not re.fullmatch(r"[+-]?[\d.,' ]+", cleaned) or not re.search(r"\d", cleaned):
            raise NumberParseError(text)
        try:
            value = numbers.parse_decimal(cleaned.replace(" ", ""), locale=self.locale, strict=True)
        except (numbers.NumberFormatError, InvalidOperation) as exc:
            raise NumberParseError(text) from exc
        if not value.is_finite():
            raise NumberParseError(text)
        return value
