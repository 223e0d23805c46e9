"""Secrets never reach a log line, whoever logs them and at whatever level.

HTTP client libraries log request URLs, and a Bot API URL carries the bot's token; a client
library may log a call's parameters, webhook secrets among them. Quieting those loggers helps
(their INFO lines are noise anyway), but someone debugging turns DEBUG back on. So every log
record is also scrubbed of the registered secrets as it is created, before any handler sees it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
# Chatty at INFO/DEBUG: one line per HTTP request, or per Bot API call with its parameters.
QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "telegram.Bot": logging.INFO,
    "telegram.ext.ExtBot": logging.INFO,
}

_secrets: set[str] = set()
# Tokens we never saw at start: each workspace's bot token arrives in an OAuth exchange, and
# slack-sdk logs that response's body at DEBUG.
SLACK_TOKEN = re.compile(r"\bx(?:ox[abposer]|app)-[A-Za-z0-9-]+")


def _scrub(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return SLACK_TOKEN.sub(REDACTED, text)


def _scrubbing(make_record: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = make_record(*args, **kwargs)
        if not _secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed logging call: logging itself reports it later
            return record
        scrubbed = _scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and record.exc_info[1] is not None:
            # Formatters reuse a record's exc_text: fill it in scrubbed when a secret shows.
            text = logging.Formatter().formatException(record.exc_info)
            if _scrub(text) != text:
                record.exc_text = _scrub(text)
        return record

    factory.scrubs_secrets = True  # type: ignore[attr-defined]
    return factory


def keep_out_of_logs(*secrets: str) -> None:
    """Replace each of ``secrets`` in every log record from now on, and quiet the loggers
    that would otherwise log them line by line."""
    _secrets.update(s for s in secrets if s)
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:  # a level someone set on purpose stays
            logger.setLevel(level)
    current = logging.getLogRecordFactory()
    if not getattr(current, "scrubs_secrets", False):
        logging.setLogRecordFactory(_scrubbing(current))
