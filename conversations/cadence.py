"""The model's cadence in dates and times: when a team's snapshots open, when each one is
nudged and closes, and when the action plan is reviewed in between.

Everything is planned in local wall-clock time (the team's time zone, or a person's) and only
then turned into UTC instants, so a 10:00 reminder stays at 10:00 local across a DST change.
Days that are not working days move forward to the next working day (a reminder due the day
before a deadline moves back instead: after the deadline it would be useless).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = frozenset({1, 2, 3, 4, 5})  # ISO: Monday is 1
# A monthly review this close to the pre-snapshot one would only repeat it.
REVIEW_GAP_DAYS = 7


class Kind(StrEnum):
    OPEN = "open"
    NUDGE = "nudge"
    DEADLINE = "deadline"
    REVIEW = "review"


@dataclass(frozen=True)
class Cadence:
    """A team's schedule; the defaults follow the model (go-live + 2 weeks, + 3 months, then
    every 6 months; nudges 2 days in and the day before the deadline; monthly reviews)."""

    go_live: dt.date | None = None
    first_after_days: int = 14
    second_after_months: int = 3
    every_months: int = 6
    deadline_days: int = 14
    send_at: dt.time = dt.time(10, 0)
    working_days: frozenset[int] = WEEKDAYS
    # Positive: days after opening; negative: days before the deadline.
    nudge_days: tuple[int, ...] = (2, -1)
    work_start: dt.time = dt.time(9, 0)
    work_end: dt.time = dt.time(18, 0)
    review_every_days: int = 30  # 0: no monthly review
    review_before_days: int = 14  # 0: no review before the next snapshot
    timezone: str = "UTC"
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))

    # ------------------------------------------------------------------ days and instants

    def is_working_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.working_days

    def working_day_from(self, day: dt.date, step: int = 1) -> dt.date:
        """``day`` if it is a working day, else the nearest one in the direction of ``step``."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=step)
        return day

    def at(self, day: dt.date, time: dt.time, zone: ZoneInfo | None = None) -> dt.datetime:
        """The UTC instant of a local wall-clock time (a time skipped by a DST change falls
        an hour later, as clocks show it)."""
        local = dt.datetime.combine(day, time, tzinfo=zone or self.zone)
        return local.astimezone(dt.UTC)

    def local_date(self, instant: dt.datetime, zone: ZoneInfo | None = None) -> dt.date:
        return instant.astimezone(zone or self.zone).date()

    def in_hours(self, instant: dt.datetime, zone: ZoneInfo | None = None) -> dt.datetime:
        """The first moment at or after ``instant`` inside working hours on a working day in
        ``zone``: now if that's allowed, else the next working day's sending time."""
        zone = zone or self.zone
        local = instant.astimezone(zone)
        if self.is_working_day(local.date()) and self.work_start <= local.time() < self.work_end:
            return instant
        day = local.date()
        if not (self.is_working_day(day) and local.time() < self.work_start):
            day = self.working_day_from(day + dt.timedelta(days=1))
        return max(instant, self.at(day, self.first_slot, zone))

    @property
    def first_slot(self) -> dt.time:
        """The sending time, when it lies inside working hours; else their start."""
        return self.send_at if self.work_start <= self.send_at < self.work_end else self.work_start

    # ------------------------------------------------------------------ the cycle

    def opening_days(self) -> Iterator[tuple[int, dt.date]]:
        """(cycle number, local day) of every snapshot the schedule opens, in order."""
        if self.go_live is None:
            return
        last = self.working_day_from(self.go_live + dt.timedelta(days=self.first_after_days))
        yield 1, last
        number, months = 2, self.second_after_months
        while True:
            day = self.working_day_from(add_months(self.go_live, months))
            if day > last:  # a first snapshot set later than the second one replaces it
                yield number, day
                last = day
            number, months = number + 1, months + self.every_months

    def deadline_of(self, opened: dt.date) -> dt.datetime:
        """A snapshot opened on ``opened`` closes at the end of the working day its deadline
        falls on (people are asked to answer "by" that date)."""
        day = self.working_day_from(opened + dt.timedelta(days=self.deadline_days))
        return self.at(day, self.work_end)

    def nudges(self, opened: dt.datetime, deadline: dt.datetime) -> list[dt.datetime]:
        """When to nudge the people who have not answered a snapshot open between these
        instants (earliest first; none on the opening day or on/after the deadline's day)."""
        first, last = self.local_date(opened), self.local_date(deadline)
        days: set[dt.date] = set()
        for offset in self.nudge_days:
            if offset > 0:
                days.add(self.working_day_from(first + dt.timedelta(days=offset)))
            elif offset < 0:
                days.add(self.working_day_from(last + dt.timedelta(days=offset), step=-1))
        return [self.at(day, self.send_at) for day in sorted(days) if first < day < last]

    def reviews(self, closed: dt.date, next_opening: dt.date | None) -> list[dt.datetime]:
        """Reminders of the open action items after a snapshot closed on ``closed``: every
        ``review_every_days``, and ``review_before_days`` before the next snapshot opens."""
        before = None
        if next_opening is not None and self.review_before_days > 0:
            before = self.working_day_from(
                next_opening - dt.timedelta(days=self.review_before_days), step=-1
            )
        days: list[dt.date] = []
        if self.review_every_days > 0:
            step = dt.timedelta(days=self.review_every_days)
            day = closed + step
            # Without a next snapshot the monthly reviews go on; a year of them is planned.
            horizon = next_opening or closed + dt.timedelta(days=366)
            while day < horizon:
                working = self.working_day_from(day)
                if working >= horizon:  # moved past a weekend onto the next opening
                    break
                if before is None or working < before - dt.timedelta(days=REVIEW_GAP_DAYS):
                    days.append(working)
                day += step
        if before is not None and before > closed:
            days.append(before)
        return [self.at(day, self.send_at) for day in sorted(set(days))]


@dataclass(frozen=True, order=True)
class Due:
    """One team-level event of the cycle."""

    at: dt.datetime
    kind: Kind
    number: int = 0  # the cycle's snapshot number, for openings


def openings(cadence: Cadence, after: dt.datetime, until: dt.datetime) -> list[Due]:
    """Snapshot openings due in (after, until]."""
    found: list[Due] = []
    for number, day in cadence.opening_days():
        at = cadence.at(day, cadence.send_at)
        if at > until:
            break
        if at > after:
            found.append(Due(at, Kind.OPEN, number))
    return found


def next_opening_after(cadence: Cadence, day: dt.date) -> dt.date | None:
    for _number, opening in cadence.opening_days():
        if opening > day:
            return opening
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day where it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
