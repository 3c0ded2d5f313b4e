"""Service-level clock of callback tickets on the office's business hours (pure, no ORM).

Business time is the office's opening time (every opening rule, appointments and walk-in) minus
closures and public holidays — the `capacity.rules.OfficeCalendar` the capacity app builds. The clock
runs only inside business time and stands still while the ticket waits for the citizen (pauses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from buergerbuero.capacity import rules

DEFAULT_SLA_HOURS = 24

Interval = tuple[dt.datetime, dt.datetime]


class CalendarTooShort(Exception):
    """The calendar ends before the SLA minutes are used up; ask again with a longer range."""


def business_intervals(calendar: rules.OfficeCalendar, first: dt.date, last: dt.date) -> list[Interval]:
    """Opening time per day as aware UTC intervals, merged, without closures and holidays."""
    tz = ZoneInfo(calendar.timezone)
    out: list[Interval] = []
    day = first
    while day <= last:
        if rules.closed_reason(calendar, day) is None:
            spans = []
            for rule in calendar.rules:
                if rule.recurrence.applies(day):
                    spans.append(
                        (
                            rules.elapsed_minutes(day, rule.recurrence.start, tz),
                            rules.elapsed_minutes(day, rule.recurrence.end, tz),
                        )
                    )
            midnight = rules.local_midnight(day, tz).astimezone(dt.UTC)
            for start, end in rules._merge(spans):
                out.append((midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end)))
        day += dt.timedelta(days=1)
    return out


def _subtract(intervals: list[Interval], pauses: Iterable[Interval]) -> list[Interval]:
    out = intervals
    for p_start, p_end in sorted(pauses):
        cut: list[Interval] = []
        for start, end in out:
            if p_end <= start or p_start >= end:
                cut.append((start, end))
                continue
            if start < p_start:
                cut.append((start, p_start))
            if p_end < end:
                cut.append((p_end, end))
        out = cut
    return out


def _running(
    calendar: rules.OfficeCalendar, start: dt.datetime, until_day: dt.date, pauses: Iterable[Interval]
) -> list[Interval]:
    tz = ZoneInfo(calendar.timezone)
    first = start.astimezone(tz).date()
    clipped = [(max(s, start), e) for s, e in business_intervals(calendar, first, until_day) if e > start]
    return _subtract(clipped, pauses)


def due_at(
    calendar: rules.OfficeCalendar,
    start: dt.datetime,
    minutes: int,
    *,
    until_day: dt.date,
    pauses: Iterable[Interval] = (),
) -> dt.datetime:
    """The moment `minutes` of running business time after `start` are used up.

    Closed pauses stop the clock. Raises CalendarTooShort if the calendar (up to `until_day`) does not
    hold enough business time.
    """
    left = dt.timedelta(minutes=minutes)
    for s, e in _running(calendar, start, until_day, pauses):
        if e - s >= left:
            return s + left
        left -= e - s
    raise CalendarTooShort


def used_minutes(
    calendar: rules.OfficeCalendar,
    start: dt.datetime,
    end: dt.datetime,
    *,
    pauses: Iterable[Interval] = (),
) -> int:
    """Running business minutes between start and end (for a ticket's age and remaining time)."""
    tz = ZoneInfo(calendar.timezone)
    total = dt.timedelta()
    for s, e in _running(calendar, start, end.astimezone(tz).date(), pauses):
        if s >= end:
            break
        total += min(e, end) - s
    return int(total.total_seconds() // 60)
