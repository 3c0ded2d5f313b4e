"""Service-level clock of callback tickets on the contract's service hours (pure, no ORM, no other app).

Service time is what the contract promises the callers (`Contract.hours_weekdays`, `hours_start`,
`hours_end`, local time of the client city) minus the public holidays of the client city's Land — the
way 115 counts its 24 service hours. The office's opening hours play no part: a ticket created on a
Thursday evening while the office is closed but the service line is open starts running at once. The
clock stands still while the ticket waits for the citizen (pauses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DEFAULT_SLA_HOURS = 24

Interval = tuple[dt.datetime, dt.datetime]


class CalendarTooShort(Exception):
    """The calendar ends before the SLA minutes are used up; ask again with a longer range."""


@dataclass(frozen=True)
class ServiceHours:
    """The same window on each service weekday (0 = Monday), minus holidays (local days)."""

    timezone: str
    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    holidays: Mapping[dt.date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("service hours must end after they start")


def _wall(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A local wall-clock time as an aware UTC moment (a time skipped by a DST change maps forward)."""
    return dt.datetime.combine(day, clock, tzinfo=tz).astimezone(dt.UTC)


def business_intervals(hours: ServiceHours, first: dt.date, last: dt.date) -> list[Interval]:
    """Service time per day from `first` to `last` as aware UTC intervals, without holidays."""
    tz = ZoneInfo(hours.timezone)
    out: list[Interval] = []
    day = first
    while day <= last:
        if day.weekday() in hours.weekdays and day not in hours.holidays:
            start, end = _wall(day, hours.start, tz), _wall(day, hours.end, tz)
            if end > start:
                out.append((start, end))
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


def _running(hours: ServiceHours, start: dt.datetime, until_day: dt.date, pauses: Iterable[Interval]) -> list[Interval]:
    tz = ZoneInfo(hours.timezone)
    first = start.astimezone(tz).date()
    clipped = [(max(s, start), e) for s, e in business_intervals(hours, first, until_day) if e > start]
    return _subtract(clipped, pauses)


def due_at(
    hours: ServiceHours,
    start: dt.datetime,
    minutes: int,
    *,
    until_day: dt.date,
    pauses: Iterable[Interval] = (),
) -> dt.datetime:
    """The moment `minutes` of running service time after `start` are used up.

    Closed pauses stop the clock. Raises CalendarTooShort if the service days up to `until_day` do not
    hold enough time (the caller asks again with a longer range and the holidays for it).
    """
    left = dt.timedelta(minutes=minutes)
    for s, e in _running(hours, start, until_day, pauses):
        if e - s >= left:
            return s + left
        left -= e - s
    raise CalendarTooShort


def used_minutes(
    hours: ServiceHours,
    start: dt.datetime,
    end: dt.datetime,
    *,
    pauses: Iterable[Interval] = (),
) -> int:
    """Running service minutes between start and end (for a ticket's age and remaining time)."""
    tz = ZoneInfo(hours.timezone)
    total = dt.timedelta()
    for s, e in _running(hours, start, end.astimezone(tz).date(), pauses):
        if s >= end:
            break
        total += min(e, end) - s
    return int(total.total_seconds() // 60)
