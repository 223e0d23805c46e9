"""Nudge days in words: a schedule stores them as day offsets ("2,-1"), people read
"2 days after opening, 1 day before the deadline"."""

from __future__ import annotations

from collections.abc import Iterable

from conversations.i18n import Localizer


def nudge_days_in_words(loc: Localizer, offsets: Iterable[int]) -> str:
    """Positive offsets count from the opening day, negative ones back from the deadline; 0
    sends nothing (the planner skips it). In the order they happen: after opening, earliest
    first, then before the deadline, furthest first."""
    given = set(offsets)
    after = sorted(offset for offset in given if offset > 0)
    before = sorted((-offset for offset in given if offset < 0), reverse=True)
    words = [
        loc.ngettext("{n} day after opening", "{n} days after opening", days) for days in after
    ] + [
        loc.ngettext("{n} day before the deadline", "{n} days before the deadline", days)
        for days in before
    ]
    return ", ".join(words) if words else loc._("no nudges")
