"""The lines of a report that single dimensions out: strongest and weakest, better and worse
since last time. A few names at most, and a plain "all equal" when the scores do not tell the
dimensions apart."""

from __future__ import annotations

from collections.abc import Mapping

from conversations.i18n import Localizer

MAX_NAMED = 3  # more names than this is a list, not a highlight


def _score(loc: Localizer, score: int) -> str:
    return loc.number(score, 0)


def standing_lines(
    loc: Localizer, scores: Mapping[str, float | None], titles: Mapping[str, str]
) -> tuple[str, ...]:
    """Compared on the rounded scores the report shows, so "equal" means equal to the reader.
    Empty with fewer than two scored dimensions: there is nothing to compare."""
    shown = {d: round(s) for d, s in scores.items() if s is not None}
    if len(shown) < 2:
        return ()
    top, bottom = max(shown.values()), min(shown.values())
    if top == bottom:
        return (
            loc._(
                "All {count} dimensions score the same: {score}.",
                count=loc.number(len(shown)),
                score=_score(loc, top),
            ),
        )
    strongest = [d for d, s in shown.items() if s == top]
    weakest = [d for d, s in shown.items() if s == bottom]
    if len(strongest) <= MAX_NAMED:
        best = loc._(
            "Strongest: {areas} ({score})",
            areas=", ".join(titles[d] for d in strongest),
            score=_score(loc, top),
        )
    else:
        best = loc._(
            "Strongest: {count} dimensions share the top score, {score}",
            count=loc.number(len(strongest)),
            score=_score(loc, top),
        )
    if len(weakest) <= MAX_NAMED:
        worst = loc._(
            "Weakest: {areas} ({score})",
            areas=", ".join(titles[d] for d in weakest),
            score=_score(loc, bottom),
        )
    else:
        worst = loc._(
            "Weakest: {count} dimensions share the lowest score, {score}",
            count=loc.number(len(weakest)),
            score=_score(loc, bottom),
        )
    return (best, worst)


def moved_lines(
    loc: Localizer, moved: list[tuple[int, str]], titles: Mapping[str, str]
) -> tuple[str, ...]:
    """The "Better: …" and "Worse: …" lines from (change of the rounded score, dimension id)
    pairs: the biggest moves first (equal moves in questionnaire order), at most three named."""
    up = [d for delta, d in sorted(moved, key=lambda m: -m[0]) if delta > 0]
    down = [d for delta, d in sorted(moved, key=lambda m: m[0]) if delta < 0]
    lines = []
    if up:
        if len(up) <= MAX_NAMED:
            lines.append(loc._("Better: {areas}", areas=", ".join(titles[d] for d in up)))
        else:
            lines.append(
                loc._(
                    "Better in {count} dimensions, most of all: {areas}",
                    count=loc.number(len(up)),
                    areas=", ".join(titles[d] for d in up[:MAX_NAMED]),
                )
            )
    if down:
        if len(down) <= MAX_NAMED:
            lines.append(loc._("Worse: {areas}", areas=", ".join(titles[d] for d in down)))
        else:
            lines.append(
                loc._(
                    "Worse in {count} dimensions, most of all: {areas}",
                    count=loc.number(len(down)),
                    areas=", ".join(titles[d] for d in down[:MAX_NAMED]),
                )
            )
    return tuple(lines)
