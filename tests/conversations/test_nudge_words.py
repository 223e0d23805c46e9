"""Nudge days in words: "2,-1" reads "2 days after opening, 1 day before the deadline"."""

from __future__ import annotations

import pytest

from bot.i18n import localizers
from conversations.nudge_words import nudge_days_in_words


@pytest.mark.parametrize(
    ("locale", "offsets", "words"),
    [
        ("en", (2, -1), "2 days after opening, 1 day before the deadline"),
        ("tr", (2, -1), "açılıştan 2 gün sonra, son tarihten 1 gün önce"),
        (
            "en",
            (-1, 1, -3, 5),
            "1 day after opening, 5 days after opening, "
            "3 days before the deadline, 1 day before the deadline",
        ),
        (
            "tr",
            (-1, 1, -3, 5),
            "açılıştan 1 gün sonra, açılıştan 5 gün sonra, "
            "son tarihten 3 gün önce, son tarihten 1 gün önce",
        ),
        ("en", (), "no nudges"),
        ("tr", (), "hatırlatma yok"),
        ("en", (0,), "no nudges"),  # the planner sends nothing on day 0
        ("en", (3, 3), "3 days after opening"),
    ],
)
def test_nudge_days_read_as_words(locale: str, offsets: tuple[int, ...], words: str) -> None:
    assert nudge_days_in_words(localizers()[locale], offsets) == words
