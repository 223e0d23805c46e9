"""Turkish that reads right whatever the team is called, and formal (siz) where the bot tells
people what to do."""

from __future__ import annotations

import re

import pytest

from bot.i18n import localizers
from bot.telegram.app import GROUP_COMMANDS, PRIVATE_COMMANDS
from tests.test_catalogs import LOCALES, read

# A team's name is whatever people called it ("Destek Ekibi", "#destek", "Support Team"):
# a message that adds "ekibi" after it reads "Destek Ekibi ekibinin".
NOUN_AFTER_A_TEAM = re.compile(r"(\{team\}|“\{team\}”|“\{name\}”)\s+(ekib|ekip|takım)", re.I)

# The second person singular, where it can be told apart from other forms: bare imperatives
# of the verbs the menus use, and "-dığın" (where you left off). Formal Turkish says "silin",
# "kaldığınız". ("Sonuçların" is also "of the results", so "your" is checked the other way
# round: an entry that says "your" in English says "-ınız" in Turkish.)
INFORMAL = re.compile(
    r"\b(sil|başlat|sürdür|al|değiştir|kapat|paylaş|işaretle|gönder|yaz|seç|bas|gör|yanıtla)\b"
    r"|\b\w+(dığın|diğin|duğun|düğün|tığın|tiğin|tuğun|tüğün)\b",
    re.IGNORECASE,
)
FORMAL_YOUR = re.compile(r"\w(ınız|iniz|unuz|ünüz)", re.IGNORECASE)


def formal(english: str, turkish: str) -> bool:
    says_your = re.search(r"\byour\b", english, re.IGNORECASE) is not None
    return not INFORMAL.search(turkish) and (not says_your or bool(FORMAL_YOUR.search(turkish)))


def test_no_message_adds_team_after_a_team_name() -> None:
    catalog = read(LOCALES / "tr" / "LC_MESSAGES" / "messages.po", "tr")
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [s for s in strings if message.id and s and NOUN_AFTER_A_TEAM.search(str(s))]
    assert found == []


@pytest.mark.parametrize("team", ["Destek Ekibi", "Support Team", "#destek"])
def test_a_team_name_stands_alone_in_every_sentence(team: str) -> None:
    tr = localizers()["tr"]
    catalog = read(LOCALES / "tr" / "LC_MESSAGES" / "messages.po", "tr")
    for message in catalog:
        if not isinstance(message.id, str) or "{team}" not in message.id:
            continue  # plural entries name no team
        values = {name: "1" for name in re.findall(r"\{(\w+)\}", message.id)}
        text = tr._(message.id, **{**values, "team": team})
        assert not re.search(re.escape(team) + r"”?\s+(ekib|ekip)", text, re.I), text


def test_the_telegram_command_menus_are_formal() -> None:
    tr = localizers()["tr"]
    entries = {text: tr._(text) for _command, text in PRIVATE_COMMANDS + GROUP_COMMANDS}
    assert {en: tr for en, tr in entries.items() if not formal(en, tr)} == {}


def test_the_formality_check_catches_the_old_menu() -> None:
    old = {
        "Delete your answers": "Yanıtlarını sil",
        "Your results so far": "Şimdiye kadarki sonuçların",
        "Start or continue the assessment": "Değerlendirmeyi başlat ya da kaldığın yerden sürdür",
        "Switch language: en or tr": "Dili değiştir: en ya da tr",
    }
    assert not any(formal(en, tr) for en, tr in old.items())
    new = {
        "Delete your answers": "Yanıtlarınızı silin",
        "Your results so far": "Şimdiye kadarki sonuçlarınız",
        "When snapshots and reminders happen": "Değerlendirme turlarının ve hatırlatmaların zamanı",
    }
    assert all(formal(en, tr) for en, tr in new.items())


# Phrasings a native reader stumbled on (issue 15); the catalog says these otherwise now.
STUMBLED_ON = (
    "{time} itibarıyla",  # "…saat 10:00 itibarıyla…": a reminder comes at a time, not "as of" it
    "değerlendirmesinin {number}. değerlendirme turu",
    "düğmelere basılmasını",
    "tamamlananların alanları",
    "hatırlatma günleri: {nudges}",  # the days are words now, not "2, -1"
)


def test_phrasings_that_read_badly_are_gone() -> None:
    catalog = read(LOCALES / "tr" / "LC_MESSAGES" / "messages.po", "tr")
    strings = [
        str(s)
        for message in catalog
        for s in (message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    assert [(p, s) for p in STUMBLED_ON for s in strings if s and p in s] == []
