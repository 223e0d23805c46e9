"""What the channel benchmarks share: quiet logs that still count problems, and percentiles."""

from __future__ import annotations

import logging
from collections import Counter


class LogCounter(logging.Handler):
    """Counts warnings and errors instead of printing hundreds of them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[f"{record.name}: {record.getMessage()[:120]}"] += 1


def quiet_logs(*chatty: str) -> LogCounter:
    """Warnings and errors counted, not printed; the ``chatty`` loggers' INFO lines dropped."""
    counter = LogCounter()
    logging.getLogger().addHandler(counter)  # instead of logging's last-resort printing
    for name in chatty:
        logging.getLogger(name).setLevel(logging.WARNING)
    return counter


def p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
