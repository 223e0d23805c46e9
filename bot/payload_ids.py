"""Ids read back from buttons, callbacks, modals and command arguments.

Whatever a client sends back is untrusted: "²" passes `str.isdigit` yet `int()` refuses it,
and a 26-digit id overflows PostgreSQL's integer columns inside the query. Only ASCII digits
that fit a 32-bit signed integer are ids; anything else names nothing, and the handler
answers it as the stale or forged press it is.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(text: object) -> int | None:
    """The id `text` spells, or None when it spells none we could have sent."""
    if not isinstance(text, str) or not 0 < len(text) <= _MAX_DIGITS:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None
