"""Locale formatting and matching: Babel's formats, Turkish İ/ı folding, platform locales."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conversations.i18n import Localizer, NumberParseError, fold, normalize_locale


def test_turkish_formats(localizers: dict[str, Localizer]) -> None:
    tr, en = localizers["tr"], localizers["en"]
    assert tr.percent(0.875) == "%87,5" and en.percent(0.875) == "87.5%"
    assert tr.percent(0.0) == "%0" and en.percent(1 / 3) == "33.3%"
    assert tr.number(1200) == "1.200" and en.number(1200) == "1,200"
    assert tr.date(dt.date(2026, 11, 22)) == "22 Kasım 2026"
    assert en.date(dt.date(2026, 11, 22)) == "November 22, 2026"


@pytest.mark.parametrize(
    ("locale", "typed", "value"),
    [
        ("tr", "87,5", "87.5"),
        ("en", "87.5", "87.5"),
        ("tr", "1.200", "1200"),
        ("en", "1,200", "1200"),
    ],
)
def test_parse_numbers(
    localizers: dict[str, Localizer], locale: str, typed: str, value: str
) -> None:
    assert localizers[locale].parse_number(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "abc", "1,2,3.4", "∞", "1e5", "--1"])
def test_parse_rejects(localizers: dict[str, Localizer], typed: str) -> None:
    with pytest.raises(NumberParseError):
        localizers["en"].parse_number(typed)


def test_fold_handles_turkish_dotted_and_dotless_i() -> None:
    assert fold("SİSTEMATİK") == fold("Sistematik") == fold("sistematik") == fold("SISTEMATIK")
    assert fold("DEĞİŞTİR") == "degistir"
    assert fold("  Don’t   know ") == "dont know"


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("tr", "tr"),
        ("tr-TR", "tr"),
        ("TR_tr", "tr"),
        ("en-US", "en"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_normalize_locale(platform: str | None, expected: str) -> None:
    assert normalize_locale(platform) == expected
