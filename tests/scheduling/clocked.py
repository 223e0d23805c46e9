"""`csmm` with its clock set: ``python -m tests.scheduling.clocked START ARGS…`` runs ``csmm
ARGS…`` with its wall clock at START (an ISO date and time with its UTC offset) and running on
from there at its normal pace (time-machine, ``tick=True``).

``START@SECONDS`` says that the clock read START at the real Unix time SECONDS: a process that
takes a while to start (imports on a busy machine) then still agrees with its caller, and with
other processes started the same way, on what time it is.

Tests run real `csmm serve` processes this way on the morning a snapshot opens. Only the wall
clock moves: monotonic time, and so the event loop's timers, stays as it is.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import time_machine

USAGE = "usage: python -m tests.scheduling.clocked ISO-START[@UNIX-SECONDS] [CSMM-ARGS…]"


def start_of(argument: str) -> dt.datetime:
    when, _, since = argument.partition("@")
    start = dt.datetime.fromisoformat(when)
    if start.tzinfo is None:
        raise SystemExit(f"{when}: give the start with its UTC offset")
    if since:
        start += dt.timedelta(seconds=time.time() - float(since))
    return start


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(USAGE)
    with time_machine.travel(start_of(argv[0]), tick=True):
        # time-machine's clock starts ticking at its first reading, not when travel starts:
        # read it now, or the imports' seconds would be lost.
        time.time()
        from bot.cli import cli  # imported on the moved clock, like everything after it

        cli.main(args=argv[1:], prog_name="csmm")


if __name__ == "__main__":
    main(sys.argv[1:])
