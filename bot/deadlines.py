"""How long a snapshot stays open, and a start command's deadline argument."""

from __future__ import annotations

import datetime as dt

from bot.payload_ids import parse_id

DEFAULT_DEADLINE = dt.timedelta(days=14)  # how long a snapshot stays open unless told otherwise
MAX_DEADLINE_DAYS = 90


def parse_deadline(args: list[str], now: dt.datetime) -> dt.datetime | None:
    """A start command's arguments: nothing (the default), a number of days, or an ISO date."""
    if not args:
        return None
    word = args[0]
    days = parse_id(word)
    if days is not None:
        if not 1 <= days <= MAX_DEADLINE_DAYS:
            raise ValueError(word)
        return now + dt.timedelta(days=days)
    day = dt.date.fromisoformat(word)  # ValueError when it is not a date
    deadline = dt.datetime.combine(day, dt.time(23, 59), dt.UTC)
    if not now < deadline <= now + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ValueError(word)
    return deadline
