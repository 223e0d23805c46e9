"""The cadence of the maturity model in dates and instants (conversations/cadence.py).

Every expected value below was worked out by hand from a calendar; the comments say why. Useful
anchors: 2024 is a leap year; 1 Jan 2024 and 15 Jan 2024 are Mondays. Berlin's clocks go forward
on 31 Mar 2024 (CET UTC+1 → CEST UTC+2) and back on 27 Oct 2024; New York's go forward on
10 Mar 2024 (EST UTC-5 → EDT UTC-4) and back on 3 Nov 2024; Istanbul stays at UTC+3 all year.
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from conversations.cadence import (
    REVIEW_GAP_DAYS,
    WEEKDAYS,
    Cadence,
    Due,
    Kind,
    add_months,
    next_opening_after,
    openings,
)

D = dt.date
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def week(days: str) -> frozenset[int]:
    """Working days written as the settings store them: ISO weekday digits, "12345"."""
    return frozenset(int(day) for day in days)


def first_openings(cadence: Cadence, count: int = 4) -> list[tuple[int, dt.date]]:
    return list(islice(cadence.opening_days(), count))


# ---------------------------------------------------------------------- the model's defaults


def test_defaults_follow_the_model() -> None:
    cadence = Cadence()
    assert cadence.working_days == WEEKDAYS == week("12345")
    assert cadence.first_after_days == 14
    assert (cadence.second_after_months, cadence.every_months) == (3, 6)
    assert cadence.deadline_days == 14
    assert cadence.send_at == dt.time(10, 0)
    assert cadence.nudge_days == (2, -1)
    assert (cadence.work_start, cadence.work_end) == (dt.time(9, 0), dt.time(18, 0))
    assert (cadence.review_every_days, cadence.review_before_days) == (30, 14)
    assert cadence.zone == ZoneInfo("UTC")
    assert REVIEW_GAP_DAYS == 7


def test_is_working_day_and_working_day_from() -> None:
    cadence = Cadence()
    assert cadence.is_working_day(D(2024, 1, 19))  # a Friday
    assert not cadence.is_working_day(D(2024, 1, 20))  # a Saturday
    # Forward from Saturday 20 Jan is Monday 22; backward is Friday 19; a working day stays.
    assert cadence.working_day_from(D(2024, 1, 20)) == D(2024, 1, 22)
    assert cadence.working_day_from(D(2024, 1, 20), step=-1) == D(2024, 1, 19)
    assert cadence.working_day_from(D(2024, 1, 17)) == D(2024, 1, 17)
    assert cadence.working_day_from(D(2024, 1, 17), step=-1) == D(2024, 1, 17)


# ---------------------------------------------------------------------- opening days


def test_no_go_live_no_openings() -> None:
    assert list(Cadence().opening_days()) == []


def test_opening_days_on_working_days() -> None:
    # Go-live Mon 1 Jan 2024: +14 days = Mon 15 Jan; +3 months = Mon 1 Apr;
    # +9 months = Tue 1 Oct; +15 months = Tue 1 Apr 2025 — all working days already.
    cadence = Cadence(go_live=D(2024, 1, 1))
    assert first_openings(cadence, 5) == [
        (1, D(2024, 1, 15)),
        (2, D(2024, 4, 1)),
        (3, D(2024, 10, 1)),
        (4, D(2025, 4, 1)),
        (5, D(2025, 10, 1)),  # +21 months: every 6 months for good
    ]


def test_opening_days_move_forward_past_a_weekend() -> None:
    # Go-live Sat 1 Jun 2024: +14 = Sat 15 Jun → Mon 17 Jun; +3 months = Sun 1 Sep → Mon 2 Sep;
    # +9 months = Sat 1 Mar 2025 → Mon 3 Mar; +15 months = Mon 1 Sep 2025 stays.
    cadence = Cadence(go_live=D(2024, 6, 1))
    assert first_openings(cadence) == [
        (1, D(2024, 6, 17)),
        (2, D(2024, 9, 2)),
        (3, D(2025, 3, 3)),
        (4, D(2025, 9, 1)),
    ]


@pytest.mark.parametrize(
    ("go_live", "second"),
    [
        # 30 Nov + 3 months would be 30 Feb: clamped to the month's last day, which is the
        # 29th in a leap year (Thu 29 Feb 2024) and the 28th otherwise (Fri 28 Feb 2025).
        (D(2023, 11, 30), D(2024, 2, 29)),
        (D(2024, 11, 30), D(2025, 2, 28)),
    ],
)
def test_second_opening_is_clamped_at_month_end(go_live: dt.date, second: dt.date) -> None:
    assert first_openings(Cadence(go_live=go_live), 2)[1] == (2, second)


def test_later_openings_count_from_go_live_and_do_not_drift() -> None:
    # Go-live Sat 31 Aug 2024. Each opening is go-live + N months, not the previous opening +
    # 6 months, so a clamp in November does not stick: +3 = 30 Nov (Sat) → Mon 2 Dec,
    # +9 = 31 May 2025 (still the 31st; a Saturday) → Mon 2 Jun, +15 = 30 Nov 2025 (Sun) →
    # Mon 1 Dec. First: +14 = Sat 14 Sep → Mon 16 Sep.
    cadence = Cadence(go_live=D(2024, 8, 31))
    assert first_openings(cadence) == [
        (1, D(2024, 9, 16)),
        (2, D(2024, 12, 2)),
        (3, D(2025, 6, 2)),
        (4, D(2025, 12, 1)),
    ]


def test_opening_days_when_every_day_is_a_working_day() -> None:
    # "1234567": nothing moves. Go-live Sat 1 Jun 2024: Sat 15 Jun, Sun 1 Sep, Sat 1 Mar 2025,
    # Mon 1 Sep 2025.
    cadence = Cadence(go_live=D(2024, 6, 1), working_days=week("1234567"))
    assert first_openings(cadence) == [
        (1, D(2024, 6, 15)),
        (2, D(2024, 9, 1)),
        (3, D(2025, 3, 1)),
        (4, D(2025, 9, 1)),
    ]


def test_opening_days_in_a_sunday_to_thursday_week() -> None:
    # "71234" (Sunday to Thursday, as in much of the Middle East). Go-live Fri 31 May 2024:
    # +14 = Fri 14 Jun → skips Fri and Sat → Sun 16 Jun; +3 months = Sat 31 Aug → Sun 1 Sep;
    # +9 months = Fri 28 Feb 2025 (clamped) → Sun 2 Mar; +15 months = Sun 31 Aug 2025 stays.
    cadence = Cadence(go_live=D(2024, 5, 31), working_days=week("71234"))
    assert first_openings(cadence) == [
        (1, D(2024, 6, 16)),
        (2, D(2024, 9, 1)),
        (3, D(2025, 3, 2)),
        (4, D(2025, 8, 31)),
    ]


def test_opening_days_with_custom_intervals() -> None:
    # Go-live Mon 1 Jan 2024, first after 7 days (Mon 8 Jan), second after 1 month (Thu 1 Feb),
    # then every 2 months: Mon 1 Apr, Sat 1 Jun → Mon 3 Jun.
    cadence = Cadence(
        go_live=D(2024, 1, 1), first_after_days=7, second_after_months=1, every_months=2
    )
    assert first_openings(cadence) == [
        (1, D(2024, 1, 8)),
        (2, D(2024, 2, 1)),
        (3, D(2024, 4, 1)),
        (4, D(2024, 6, 3)),
    ]


# ---------------------------------------------------------------------- local time and DST


def test_at_returns_an_aware_utc_instant() -> None:
    at = Cadence(timezone=BERLIN).at(D(2024, 1, 15), dt.time(10, 0))
    assert at == utc(2024, 1, 15, 9)  # CET is UTC+1
    assert at.utcoffset() == dt.timedelta(0)


def test_at_in_another_zone_than_the_teams() -> None:
    # 10:00 in New York on 15 Jan (EST, UTC-5) is 15:00 UTC, whatever the team's zone.
    cadence = Cadence(timezone=BERLIN)
    assert cadence.at(D(2024, 1, 15), dt.time(10, 0), ZoneInfo(NEW_YORK)) == utc(2024, 1, 15, 15)


def test_berlin_openings_stay_at_ten_local_across_both_dst_changes() -> None:
    # Go-live Mon 11 Mar 2024: openings Mon 25 Mar (before the March change: CET, UTC+1),
    # Tue 11 Jun (summer: CEST, UTC+2) and Wed 11 Dec (after the October change: CET again).
    cadence = Cadence(go_live=D(2024, 3, 11), timezone=BERLIN)
    due = openings(cadence, utc(2024, 3, 1), utc(2024, 12, 31))
    assert due == [
        Due(utc(2024, 3, 25, 9), Kind.OPEN, 1),
        Due(utc(2024, 6, 11, 8), Kind.OPEN, 2),
        Due(utc(2024, 12, 11, 9), Kind.OPEN, 3),
    ]
    assert {d.at.astimezone(cadence.zone).time() for d in due} == {dt.time(10, 0)}


def test_new_york_openings_stay_at_ten_local_across_both_dst_changes() -> None:
    # Go-live Mon 19 Feb 2024: openings Mon 4 Mar (EST, UTC-5 → 15:00 UTC), Mon 20 May
    # (EDT, UTC-4 → 14:00 UTC) and Tue 19 Nov (after 3 Nov: EST again → 15:00 UTC).
    cadence = Cadence(go_live=D(2024, 2, 19), timezone=NEW_YORK)
    assert openings(cadence, utc(2024, 2, 1), utc(2024, 12, 31)) == [
        Due(utc(2024, 3, 4, 15), Kind.OPEN, 1),
        Due(utc(2024, 5, 20, 14), Kind.OPEN, 2),
        Due(utc(2024, 11, 19, 15), Kind.OPEN, 3),
    ]


def test_istanbul_openings_are_always_utc_plus_three() -> None:
    # Turkey has no DST: 10:00 local is 07:00 UTC in March, June and December alike.
    cadence = Cadence(go_live=D(2024, 3, 11), timezone="Europe/Istanbul")
    assert [d.at for d in openings(cadence, utc(2024, 3, 1), utc(2024, 12, 31))] == [
        utc(2024, 3, 25, 7),
        utc(2024, 6, 11, 7),
        utc(2024, 12, 11, 7),
    ]


def test_a_send_time_in_the_spring_forward_gap_lands_an_hour_later() -> None:
    # On Sun 31 Mar 2024 Berlin's clocks jump from 02:00 to 03:00, so 02:30 never happens.
    # The cadence reads it with the offset in force before the jump (UTC+1): 01:30 UTC, which
    # clocks show as 03:30 CEST. Every day is a working day so the Sunday opening stays put:
    # go-live Sun 17 Mar + 14 days = Sun 31 Mar.
    cadence = Cadence(
        go_live=D(2024, 3, 17),
        send_at=dt.time(2, 30),
        working_days=week("1234567"),
        timezone=BERLIN,
    )
    assert cadence.at(D(2024, 3, 31), dt.time(2, 30)) == utc(2024, 3, 31, 1, 30)
    (due,) = openings(cadence, utc(2024, 3, 30), utc(2024, 4, 1))
    assert due == Due(utc(2024, 3, 31, 1, 30), Kind.OPEN, 1)
    assert due.at.astimezone(cadence.zone).time() == dt.time(3, 30)


def test_a_send_time_in_the_autumn_repeated_hour_is_its_first_occurrence() -> None:
    # On Sun 27 Oct 2024 Berlin's 02:00-03:00 happens twice; 02:30 is read as the first one,
    # still CEST (UTC+2): 00:30 UTC, not 01:30.
    cadence = Cadence(timezone=BERLIN)
    assert cadence.at(D(2024, 10, 27), dt.time(2, 30)) == utc(2024, 10, 27, 0, 30)


def test_local_date_uses_the_teams_zone() -> None:
    # 23:30 UTC on 31 Dec 2023 is already 1 Jan 2024 in Berlin (00:30 CET).
    instant = utc(2023, 12, 31, 23, 30)
    assert Cadence(timezone=BERLIN).local_date(instant) == D(2024, 1, 1)
    assert Cadence().local_date(instant) == D(2023, 12, 31)
    assert Cadence().local_date(instant, ZoneInfo(BERLIN)) == D(2024, 1, 1)


# ---------------------------------------------------------------------- deadlines


def test_deadline_is_at_the_end_of_the_working_day() -> None:
    # Opened Mon 15 Jan 2024 + 14 days = Mon 29 Jan, closing at work_end 18:00.
    assert Cadence().deadline_of(D(2024, 1, 15)) == utc(2024, 1, 29, 18)


def test_deadline_on_a_weekend_moves_forward() -> None:
    # 12 days after Mon 15 Jan is Sat 27 Jan: the deadline moves on to Mon 29 Jan.
    assert Cadence(deadline_days=12).deadline_of(D(2024, 1, 15)) == utc(2024, 1, 29, 18)


def test_deadline_at_a_custom_work_end_in_local_time() -> None:
    # Opened Mon 18 Mar 2024 (CET) + 14 = Mon 1 Apr, after the change: 17:30 CEST = 15:30 UTC.
    cadence = Cadence(timezone=BERLIN, work_end=dt.time(17, 30))
    assert cadence.deadline_of(D(2024, 3, 18)) == utc(2024, 4, 1, 15, 30)


def test_deadline_in_a_sunday_to_thursday_week() -> None:
    # Opened Sun 16 Jun 2024 + 12 = Fri 28 Jun → Sun 30 Jun, 18:00 in Istanbul = 15:00 UTC.
    cadence = Cadence(working_days=week("71234"), deadline_days=12, timezone="Europe/Istanbul")
    assert cadence.deadline_of(D(2024, 6, 16)) == utc(2024, 6, 30, 15)


# ---------------------------------------------------------------------- nudges


def snapshot(cadence: Cadence, opened: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return cadence.at(opened, cadence.send_at), cadence.deadline_of(opened)


def test_default_nudges_two_days_in_and_before_a_monday_deadline() -> None:
    # Opened Mon 15 Jan, deadline Mon 29 Jan. +2 = Wed 17 Jan; the day before the deadline is
    # Sun 28 Jan, which moves BACK to Fri 26 Jan (a Monday reminder would be on deadline day).
    cadence = Cadence()
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 15))) == [
        utc(2024, 1, 17, 10),
        utc(2024, 1, 26, 10),
    ]


def test_default_nudges_for_a_thursday_opening() -> None:
    # Opened Thu 18 Jan, deadline Thu 1 Feb. +2 = Sat 20 Jan moves FORWARD to Mon 22 Jan;
    # the day before the deadline is Wed 31 Jan.
    cadence = Cadence()
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 18))) == [
        utc(2024, 1, 22, 10),
        utc(2024, 1, 31, 10),
    ]


def test_no_nudge_on_the_opening_day_or_the_deadline_day() -> None:
    # A one-day snapshot: opened Mon 15 Jan, deadline Tue 16 Jan. +2 = Wed 17 Jan is after
    # the deadline and "the day before the deadline" is the opening day itself: no nudges.
    cadence = Cadence(deadline_days=1)
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 15))) == []
    # Offsets landing on the opening day (0, or -14 from a 14-day deadline) or on the
    # deadline day (+14) are dropped too; so is one before the opening (-20).
    cadence = Cadence(nudge_days=(0, 14, -14, -20))
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 15))) == []


def test_custom_nudge_days() -> None:
    # Opened Mon 15 Jan, deadline Mon 29 Jan: +1 = Tue 16, +3 = Thu 18, +7 = Mon 22,
    # -2 = Sat 27 → back to Fri 26; returned earliest first whatever the configured order.
    cadence = Cadence(nudge_days=(7, -2, 1, 3))
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 15))) == [
        utc(2024, 1, 16, 10),
        utc(2024, 1, 18, 10),
        utc(2024, 1, 22, 10),
        utc(2024, 1, 26, 10),
    ]


def test_nudges_falling_on_the_same_day_are_sent_once() -> None:
    # Opened Mon 15 Jan, deadline Mon 29 Jan: +11 = Fri 26 Jan and -1 = Sun 28 → Fri 26 Jan;
    # +5 = Sat 20 and +6 = Sun 21 both move to Mon 22 Jan.
    cadence = Cadence(nudge_days=(11, -1, 5, 6))
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 15))) == [
        utc(2024, 1, 22, 10),
        utc(2024, 1, 26, 10),
    ]


def test_no_nudge_days_no_nudges() -> None:
    cadence = Cadence(nudge_days=())
    assert cadence.nudges(*snapshot(cadence, D(2024, 1, 15))) == []


def test_nudges_stay_at_send_time_local_across_a_dst_change() -> None:
    # Berlin, opened Mon 25 Mar 2024 (CET), deadline Mon 8 Apr (CEST). +2 = Wed 27 Mar at
    # 10:00 CET = 09:00 UTC; the day before the deadline, Sun 7 Apr → Fri 5 Apr, at 10:00 CEST
    # = 08:00 UTC.
    cadence = Cadence(timezone=BERLIN)
    opened, deadline = snapshot(cadence, D(2024, 3, 25))
    assert (opened, deadline) == (utc(2024, 3, 25, 9), utc(2024, 4, 8, 16))
    assert cadence.nudges(opened, deadline) == [utc(2024, 3, 27, 9), utc(2024, 4, 5, 8)]


def test_nudges_count_days_in_the_teams_zone_not_utc() -> None:
    # Auckland (NZDT, UTC+13 in January): opening Mon 15 Jan 10:00 local is Sun 14 Jan 21:00
    # UTC. Counting from the local Monday: +2 = Wed 17 Jan 10:00 NZDT = Tue 16 Jan 21:00 UTC;
    # deadline Mon 29 Jan, day before = Sun 28 → Fri 26 Jan 10:00 NZDT = Thu 25 Jan 21:00 UTC.
    cadence = Cadence(timezone="Pacific/Auckland")
    opened, deadline = snapshot(cadence, D(2024, 1, 15))
    assert opened == utc(2024, 1, 14, 21)
    assert cadence.nudges(opened, deadline) == [utc(2024, 1, 16, 21), utc(2024, 1, 25, 21)]


# ---------------------------------------------------------------------- reviews


def test_reviews_monthly_then_before_the_next_snapshot() -> None:
    # Closed Mon 29 Jan 2024, next opening Mon 1 Apr. Pre-snapshot review: 1 Apr - 14 days =
    # Mon 18 Mar. Monthly: +30 = Wed 28 Feb (more than 7 days before 18 Mar: kept); +60 = Fri
    # 29 Mar (after the pre-snapshot review: dropped); +90 = 28 Apr is past the next opening.
    assert Cadence().reviews(D(2024, 1, 29), D(2024, 4, 1)) == [
        utc(2024, 2, 28, 10),
        utc(2024, 3, 18, 10),
    ]


def test_a_monthly_review_within_a_week_of_the_pre_snapshot_one_is_dropped() -> None:
    # Closed Mon 15 Jan, next opening Mon 1 Apr, pre-snapshot review Mon 18 Mar. Monthly:
    # +30 = Wed 14 Feb kept; +60 = Fri 15 Mar, 3 days before 18 Mar: dropped.
    assert Cadence().reviews(D(2024, 1, 15), D(2024, 4, 1)) == [
        utc(2024, 2, 14, 10),
        utc(2024, 3, 18, 10),
    ]


@pytest.mark.parametrize(
    ("closed", "expected"),
    [
        # 10 Feb + 30 = Mon 11 Mar: exactly 7 days before Mon 18 Mar, so dropped.
        (D(2024, 2, 10), [utc(2024, 3, 18, 10)]),
        # 7 Feb + 30 = Fri 8 Mar: 10 days before 18 Mar, so kept.
        (D(2024, 2, 7), [utc(2024, 3, 8, 10), utc(2024, 3, 18, 10)]),
    ],
)
def test_review_gap_boundary(closed: dt.date, expected: list[dt.datetime]) -> None:
    assert Cadence().reviews(closed, D(2024, 4, 1)) == expected


def test_pre_snapshot_review_moves_back_to_a_working_day() -> None:
    # 10 days before Wed 3 Apr is Sun 24 Mar: the review moves back to Fri 22 Mar (moving
    # forward would bring it closer to the snapshot than asked). Closed Thu 21 Mar: the first
    # monthly one (+30 = 20 Apr) is past the opening, so this is the only review.
    cadence = Cadence(review_before_days=10)
    assert cadence.reviews(D(2024, 3, 21), D(2024, 4, 3)) == [utc(2024, 3, 22, 10)]


def test_no_pre_snapshot_review_when_it_would_not_be_after_the_close() -> None:
    # Closed Wed 20 Mar, next opening Mon 1 Apr: 14 days before is Mon 18 Mar, before the
    # close; the first monthly one (19 Apr) is past the next opening. Nothing to remind.
    assert Cadence().reviews(D(2024, 3, 20), D(2024, 4, 1)) == []
    # On the closing day itself it is not sent either: closed Mon 18 Mar.
    assert Cadence().reviews(D(2024, 3, 18), D(2024, 4, 1)) == []


def test_only_monthly_reviews_until_the_next_opening() -> None:
    # review_before_days=0: closed Mon 29 Jan, next opening Mon 1 Apr. +30 = Wed 28 Feb,
    # +60 = Fri 29 Mar (now kept: no pre-snapshot review to be near), +90 past the opening.
    cadence = Cadence(review_before_days=0)
    assert cadence.reviews(D(2024, 1, 29), D(2024, 4, 1)) == [
        utc(2024, 2, 28, 10),
        utc(2024, 3, 29, 10),
    ]


def test_only_the_pre_snapshot_review() -> None:
    cadence = Cadence(review_every_days=0)
    assert cadence.reviews(D(2024, 1, 29), D(2024, 4, 1)) == [utc(2024, 3, 18, 10)]


def test_no_reviews_when_both_are_switched_off() -> None:
    cadence = Cadence(review_every_days=0, review_before_days=0)
    assert cadence.reviews(D(2024, 1, 29), D(2024, 4, 1)) == []
    assert cadence.reviews(D(2024, 1, 29), None) == []


def test_open_ended_reviews_cover_about_a_year() -> None:
    # No next snapshot: every 30 days from Thu 4 Jan 2024 while before 4 Jan + 366 days, i.e.
    # +30 ... +360 (12 reviews; +390 = 28 Jan 2025 is beyond). Weekend ones move forward:
    # Sat 3 Feb → Mon 5 Feb, Sun 2 Jun → Mon 3 Jun, Sat 31 Aug → Mon 2 Sep, Sun 29 Dec → Mon 30.
    reviews = Cadence().reviews(D(2024, 1, 4), None)
    assert reviews == [
        utc(2024, 2, 5, 10),
        utc(2024, 3, 4, 10),
        utc(2024, 4, 3, 10),
        utc(2024, 5, 3, 10),
        utc(2024, 6, 3, 10),
        utc(2024, 7, 2, 10),
        utc(2024, 8, 1, 10),
        utc(2024, 9, 2, 10),
        utc(2024, 9, 30, 10),
        utc(2024, 10, 30, 10),
        utc(2024, 11, 29, 10),
        utc(2024, 12, 30, 10),
    ]


def test_reviews_are_at_send_time_in_the_teams_zone() -> None:
    # Same as the first review test, in New York: Wed 28 Feb 10:00 EST = 15:00 UTC,
    # Mon 18 Mar 10:00 EDT (after 10 Mar) = 14:00 UTC.
    cadence = Cadence(timezone=NEW_YORK)
    assert cadence.reviews(D(2024, 1, 29), D(2024, 4, 1)) == [
        utc(2024, 2, 28, 15),
        utc(2024, 3, 18, 14),
    ]


def test_no_monthly_review_moved_onto_the_next_opening_day() -> None:
    # Closed Thu 4 Jan 2024, next opening Mon 5 Feb. +30 = Sat 3 Feb is before the opening,
    # so it passes the `day < horizon` check, then moves forward to Mon 5 Feb: a review of the
    # old action plan at the very instant the next snapshot opens. Expected: no review.
    cadence = Cadence(review_before_days=0)
    assert cadence.reviews(D(2024, 1, 4), D(2024, 2, 5)) == []


# ---------------------------------------------------------------------- in_hours


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Wed 17 Jan 2024 (UTC team, hours 09:00-18:00, send_at 10:00).
        (utc(2024, 1, 17, 12), utc(2024, 1, 17, 12)),  # inside: unchanged
        (utc(2024, 1, 17, 9), utc(2024, 1, 17, 9)),  # work_start is inside
        (utc(2024, 1, 17, 17, 59), utc(2024, 1, 17, 17, 59)),
        (utc(2024, 1, 17, 7), utc(2024, 1, 17, 10)),  # early: that day's send_at, not 09:00
        (utc(2024, 1, 17, 8, 59), utc(2024, 1, 17, 10)),
        (utc(2024, 1, 17, 0, 0), utc(2024, 1, 17, 10)),
        (utc(2024, 1, 17, 18), utc(2024, 1, 18, 10)),  # work_end is outside: next day
        (utc(2024, 1, 17, 23, 59), utc(2024, 1, 18, 10)),
        (utc(2024, 1, 19, 19), utc(2024, 1, 22, 10)),  # Friday evening → Monday
        (utc(2024, 1, 20, 12), utc(2024, 1, 22, 10)),  # Saturday → Monday
        (utc(2024, 1, 21, 8), utc(2024, 1, 22, 10)),  # Sunday morning → Monday
    ],
)
def test_in_hours(instant: dt.datetime, expected: dt.datetime) -> None:
    assert Cadence().in_hours(instant) == expected


def test_in_hours_uses_the_teams_zone_and_keeps_local_send_time_across_dst() -> None:
    # Fri 29 Mar 2024 19:00 UTC = 20:00 CET in Berlin, after hours. Next working day is Mon
    # 1 Apr, after the change: 10:00 CEST = 08:00 UTC.
    cadence = Cadence(timezone=BERLIN)
    assert cadence.in_hours(utc(2024, 3, 29, 19)) == utc(2024, 4, 1, 8)
    # 08:30 UTC on Wed 17 Jan is 09:30 CET: inside Berlin's hours though before UTC's.
    assert cadence.in_hours(utc(2024, 1, 17, 8, 30)) == utc(2024, 1, 17, 8, 30)


def test_in_hours_in_a_persons_own_zone() -> None:
    cadence = Cadence(timezone=BERLIN)
    new_york, tokyo = ZoneInfo(NEW_YORK), ZoneInfo("Asia/Tokyo")
    # Wed 17 Jan 12:00 UTC: 13:00 in Berlin (fine for the team) but 07:00 in New York, so a
    # New Yorker gets it at 10:00 EST = 15:00 UTC.
    assert cadence.in_hours(utc(2024, 1, 17, 12)) == utc(2024, 1, 17, 12)
    assert cadence.in_hours(utc(2024, 1, 17, 12), new_york) == utc(2024, 1, 17, 15)
    # Wed 17 Jan 16:00 UTC: 17:00 Berlin, 11:00 New York: inside for both.
    assert cadence.in_hours(utc(2024, 1, 17, 16), new_york) == utc(2024, 1, 17, 16)
    # Fri 19 Jan 23:30 UTC: Sat 00:30 in Berlin, Fri 18:30 in New York (after hours). Both
    # wait for Monday 22 Jan 10:00 local: 09:00 UTC for Berlin, 15:00 UTC for New York.
    assert cadence.in_hours(utc(2024, 1, 19, 23, 30)) == utc(2024, 1, 22, 9)
    assert cadence.in_hours(utc(2024, 1, 19, 23, 30), new_york) == utc(2024, 1, 22, 15)
    # Sun 21 Jan 23:30 UTC is already Mon 22 Jan 08:30 in Tokyo (UTC+9): a working day, before
    # work_start, so that Monday's 10:00 JST = 01:00 UTC on 22 Jan.
    assert cadence.in_hours(utc(2024, 1, 21, 23, 30), tokyo) == utc(2024, 1, 22, 1)


def test_in_hours_with_a_sunday_to_thursday_week() -> None:
    cadence = Cadence(working_days=week("71234"))
    # Thu 18 Jan 12:00 is inside; Fri 19 Jan 12:00 waits for Sun 21 Jan 10:00.
    assert cadence.in_hours(utc(2024, 1, 18, 12)) == utc(2024, 1, 18, 12)
    assert cadence.in_hours(utc(2024, 1, 19, 12)) == utc(2024, 1, 21, 10)


def test_in_hours_with_a_send_time_before_work_start_is_still_inside_hours() -> None:
    # Hours 09:00-18:00 but send_at 08:00. Wed 17 Jan 07:00 is before hours on a working day:
    # the first moment inside hours is 09:00; in_hours answers that day's 08:00 instead.
    cadence = Cadence(send_at=dt.time(8))
    assert cadence.in_hours(utc(2024, 1, 17, 7)) == utc(2024, 1, 17, 9)


def test_in_hours_with_custom_hours() -> None:
    # Hours 07:00-15:00, send_at 08:00: 06:00 → 08:00; 14:59 inside; 15:00 → next day 08:00.
    cadence = Cadence(work_start=dt.time(7), work_end=dt.time(15), send_at=dt.time(8))
    assert cadence.in_hours(utc(2024, 1, 17, 6)) == utc(2024, 1, 17, 8)
    assert cadence.in_hours(utc(2024, 1, 17, 14, 59)) == utc(2024, 1, 17, 14, 59)
    assert cadence.in_hours(utc(2024, 1, 17, 15)) == utc(2024, 1, 18, 8)


# ---------------------------------------------------------------------- openings windows


# Go-live Mon 1 Jan 2024 (UTC): openings at 10:00 on 15 Jan, 1 Apr, 1 Oct 2024, 1 Apr 2025.
WINDOW_CADENCE = Cadence(go_live=D(2024, 1, 1))


def test_openings_in_a_window() -> None:
    assert openings(WINDOW_CADENCE, utc(2024, 1, 1), utc(2025, 1, 1)) == [
        Due(utc(2024, 1, 15, 10), Kind.OPEN, 1),
        Due(utc(2024, 4, 1, 10), Kind.OPEN, 2),
        Due(utc(2024, 10, 1, 10), Kind.OPEN, 3),
    ]


def test_openings_window_excludes_after_and_includes_until() -> None:
    # after = the first opening's instant (excluded), until = the second's (included).
    first, second = utc(2024, 1, 15, 10), utc(2024, 4, 1, 10)
    assert openings(WINDOW_CADENCE, first, second) == [Due(second, Kind.OPEN, 2)]
    # A minute either way flips both.
    minute = dt.timedelta(minutes=1)
    assert openings(WINDOW_CADENCE, first - minute, second - minute) == [Due(first, Kind.OPEN, 1)]


@pytest.mark.parametrize(
    ("after", "until"),
    [
        (utc(2024, 1, 15, 10), utc(2024, 1, 15, 10)),  # empty window
        (utc(2024, 1, 15, 10), utc(2024, 3, 31, 23, 59)),  # between the first two
        (utc(2023, 1, 1), utc(2024, 1, 15, 9, 59)),  # before the first
        (utc(2025, 1, 1), utc(2024, 1, 1)),  # until before after
    ],
)
def test_openings_in_windows_without_any(after: dt.datetime, until: dt.datetime) -> None:
    assert openings(WINDOW_CADENCE, after, until) == []


def test_a_first_opening_later_than_the_second_replaces_it() -> None:
    # Go-live Mon 1 Jan 2024, first after 100 days = Wed 10 Apr, second after 1 month =
    # Thu 1 Feb: openings only move forward, so the second (earlier) one is dropped and the
    # cycle goes on with the third, 7 months after go-live (Thu 1 Aug).
    cadence = Cadence(go_live=D(2024, 1, 1), first_after_days=100, second_after_months=1)
    assert first_openings(cadence, 2) == [(1, D(2024, 4, 10)), (3, D(2024, 8, 1))]
    assert openings(cadence, utc(2024, 1, 1), utc(2024, 3, 1)) == []
    assert next_opening_after(cadence, D(2024, 1, 1)) == D(2024, 4, 10)


def test_openings_without_go_live() -> None:
    assert openings(Cadence(), utc(2000, 1, 1), utc(2100, 1, 1)) == []


def test_openings_sort_by_instant() -> None:
    due = openings(WINDOW_CADENCE, utc(2024, 1, 1), utc(2026, 1, 1))
    assert [d.number for d in due] == [1, 2, 3, 4, 5]
    assert due == sorted(due)


def test_next_opening_after() -> None:
    assert next_opening_after(WINDOW_CADENCE, D(2023, 6, 1)) == D(2024, 1, 15)
    assert next_opening_after(WINDOW_CADENCE, D(2024, 1, 14)) == D(2024, 1, 15)
    # Strictly after: on an opening day the next one is the following opening.
    assert next_opening_after(WINDOW_CADENCE, D(2024, 1, 15)) == D(2024, 4, 1)
    assert next_opening_after(WINDOW_CADENCE, D(2024, 4, 1)) == D(2024, 10, 1)
    assert next_opening_after(WINDOW_CADENCE, D(2030, 1, 1)) == D(2030, 4, 1)
    assert next_opening_after(Cadence(), D(2024, 1, 1)) is None


# ---------------------------------------------------------------------- add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 15), 0, D(2024, 1, 15)),
        (D(2024, 1, 15), 1, D(2024, 2, 15)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: February has 29 days
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # common year: 28
        (D(2024, 3, 31), 1, D(2024, 4, 30)),  # April has 30
        (D(2024, 8, 31), 1, D(2024, 9, 30)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),  # December + 1 is January next year
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),
        (D(2024, 10, 1), 15, D(2026, 1, 1)),  # over two year boundaries
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap day + a year: clamped
        (D(2024, 2, 29), 48, D(2028, 2, 29)),  # + four years: a leap day again
        (D(1900, 1, 31), 1, D(1900, 2, 28)),  # 1900 is not a leap year (century rule)
        (D(2000, 1, 31), 1, D(2000, 2, 29)),  # 2000 is (divisible by 400)
        (D(2024, 1, 15), -1, D(2023, 12, 15)),  # backwards over a year boundary
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected
