"""The free-text answers of a snapshot in its report: without names, identical answers
counted together, most-said first (never in the order people answered, which could tell who
wrote what)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire

MAX_SHOWN = 12  # answers listed per question; the rest are counted
# A long answer is shortened in the report so the report still fits a chat message; the export
# keeps every word.
MAX_QUOTE_CHARS = 280


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTE_CHARS else text[: MAX_QUOTE_CHARS - 1].rstrip() + "…"


def _key(text: str) -> str:
    """Answers that differ only in case, spacing or a final full stop are the same answer."""
    return " ".join(text.split()).casefold().rstrip(".!")


def grouped(texts: Sequence[str]) -> list[tuple[str, int]]:
    """(answer as most often written, how many gave it), most-said first, then alphabetical."""
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        spellings.setdefault(_key(text), Counter())[text] += 1
    groups = [(c.most_common(1)[0][0], sum(c.values())) for c in spellings.values()]
    return sorted(groups, key=lambda group: (-group[1], _key(group[0])))


def free_text_lines(loc: Localizer, texts: Sequence[str]) -> tuple[str, ...]:
    groups = grouped(texts)
    lines = [
        loc.ngettext("“{text}” ({n} person)", "“{text}” ({n} people)", count, text=_quote(text))
        if count > 1
        else f"“{_quote(text)}”"
        for text, count in groups[:MAX_SHOWN]
    ]
    rest = sum(count for _, count in groups[MAX_SHOWN:])
    if rest:
        lines.append(loc.ngettext("…and {n} more answer", "…and {n} more answers", rest))
    return tuple(lines)


def free_text_sections(
    loc: Localizer, questionnaire: Questionnaire, answers: Mapping[str, Sequence[str]]
) -> list[tuple[str, tuple[str, ...]]]:
    """(heading, lines) for each free-text question someone answered, in questionnaire order."""
    sections = []
    for question in questionnaire.free_text:
        texts = answers.get(question.id) or ()
        if texts:
            heading = loc.ngettext(
                "{label} ({n} answer)",
                "{label} ({n} answers)",
                len(texts),
                label=loc._(question.label),
            )
            sections.append((heading, free_text_lines(loc, texts)))
    return sections
