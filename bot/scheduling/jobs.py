"""The scheduler's job functions: module-level, with primitive arguments, so APScheduler can
store a job in the database and find its function again after a restart.

Each one hands its event to the cycle this process runs (bound by the runner when it starts
leading); the cycle makes running one twice harmless.
"""

from __future__ import annotations

import datetime as dt

from bot.scheduling.cycle import Cycle

_cycle: Cycle | None = None


def bind(cycle: Cycle | None) -> None:
    global _cycle  # noqa: PLW0603 - APScheduler calls plain functions: this is their context
    _cycle = cycle


def _bound() -> Cycle:
    if _cycle is None:
        raise RuntimeError("a scheduler job ran with no cycle bound")
    return _cycle


async def open_snapshot(team_id: int, due: str) -> None:
    await _bound().open(team_id, dt.datetime.fromisoformat(due))


async def nudge(team_id: int, snapshot_id: int, due: str) -> None:
    await _bound().nudge(team_id, snapshot_id, dt.datetime.fromisoformat(due))


async def deadline(team_id: int, snapshot_id: int, due: str) -> None:
    await _bound().deadline(team_id, snapshot_id, dt.datetime.fromisoformat(due))


async def review(team_id: int, snapshot_id: int, due: str) -> None:
    await _bound().review(team_id, snapshot_id, dt.datetime.fromisoformat(due))
