"""The catalogs: the template matches the code, and Turkish is complete and consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[1]
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def messages(catalog: Catalog) -> set[tuple[object, object]]:
    return {(m.context, m.id) for m in catalog if m.id}


def test_template_is_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            "pyproject.toml",
            "-k",
            "NP_:1c,2",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ]
    )
    committed = messages(read(LOCALES / "messages.pot"))
    current = messages(read(fresh))
    assert current - committed == set(), "new strings: run `make catalogs`"
    assert committed - current == set(), "stale strings: run `make catalogs`"


@pytest.mark.parametrize("locale", ["en", "tr"])
def test_catalog_has_every_template_message(locale: str) -> None:
    template = messages(read(LOCALES / "messages.pot"))
    catalog = messages(read(LOCALES / locale / "LC_MESSAGES" / "messages.po", locale))
    assert template - catalog == set(), f"run `make catalogs` to merge into {locale}"


def test_turkish_is_complete_not_fuzzy_and_keeps_placeholders() -> None:
    catalog = read(LOCALES / "tr" / "LC_MESSAGES" / "messages.po", "tr")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} → {string!r}")
            if re.search(r"\}['’]?[a-zçğıöşü]", string):
                problems.append(f"suffix glued to a placeholder: {string!r}")
    assert problems == []


def test_turkish_level_and_scale_names_follow_the_model() -> None:
    catalog = read(LOCALES / "tr" / "LC_MESSAGES" / "messages.po", "tr")
    expected = {
        "Initial": "Başlangıç",
        "Planned": "Planlı Çalışma",
        "Measured": "Ölçülebilir Performans",
        "Optimized": "Yüksek Performans ve Kalite",
        "Missing": "Yok",
        "Ad hoc": "Ara sıra",
        "Repeatable": "Tekrarlanabilir",
        "Systematic": "Sistematik",
        "Don't know": "Bilmiyorum",
    }
    assert {msgid: catalog.get(msgid).string for msgid in expected} == expected  # type: ignore[union-attr]
