"""KPI arithmetic on plain data (pure, no ORM): percentiles, weeks, target-band days, capacity minutes.

Every figure the dashboard, the committee report, the CSV export and the open data show is computed
here from values the selectors read, so the definitions in docs/kpis.md can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from buergerbuero.booking.availability import channel_slice
from buergerbuero.capacity.rules import DayPlan

NO_FREE = math.inf  # sort key of "no free appointment within the horizon": worse than any number of days


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of local days."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length right before this one."""
        last = self.first - dt.timedelta(days=1)
        return Period(last - dt.timedelta(days=self.days - 1), last)

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def each_day(self) -> Iterable[dt.date]:
        return (self.first + dt.timedelta(days=i) for i in range(self.days))


def percentile[T: float](values: Sequence[T | None], p: float) -> T | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it.

    `None` stands for "no free appointment" and ranks above every number; an empty input gives None.
    """
    if not values:
        return None
    ordered = sorted(values, key=lambda v: NO_FREE if v is None else v)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def week_start(day: dt.date) -> dt.date:
    """Monday of the ISO week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def iso_week_label(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def daily_lead_times(samples: Iterable[tuple[dt.date, int | None]]) -> dict[dt.date, int | None]:
    """The lead time of a day: the median (nearest rank) of that day's hourly samples.

    A day's value is robust against a single hour in which a cancellation briefly freed an early slot.
    """
    by_day: dict[dt.date, list[int | None]] = defaultdict(list)
    for day, value in samples:
        by_day[day].append(value)
    return {day: percentile(values, 50) for day, values in sorted(by_day.items())}


@dataclass(frozen=True, slots=True)
class BandDays:
    inside: int
    above: int  # longer than the band, including days without any free appointment
    below: int
    no_free: int  # part of `above`: not a single free appointment within the horizon
    measured: int

    @property
    def outside(self) -> int:
        return self.above + self.below


def band_days(daily: dict[dt.date, int | None], low: int, high: int) -> BandDays:
    inside = above = below = no_free = 0
    for value in daily.values():
        if value is None:
            above += 1
            no_free += 1
        elif value > high:
            above += 1
        elif value < low:
            below += 1
        else:
            inside += 1
    return BandDays(inside, above, below, no_free, len(daily))


@dataclass(frozen=True, slots=True)
class Spread:
    count: int
    p50: float | None
    p90: float | None


def spread(values: Sequence[float]) -> Spread:
    return Spread(len(values), percentile(values, 50), percentile(values, 90))


def realised_lead_days(booked: dt.datetime, visit: dt.datetime, tz: dt.tzinfo) -> int:
    """Calendar days between booking and visit, both as local dates of the office."""
    return (visit.astimezone(tz).date() - booked.astimezone(tz).date()).days


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    """A confirmed appointment as the KPIs need it (aware datetimes)."""

    created_at: dt.datetime
    start: dt.datetime
    claim_end: dt.datetime
    channel: str


def realised(
    rows: Iterable[AppointmentRow], tz: dt.tzinfo, period: Period, now: dt.datetime
) -> list[tuple[dt.date, int]]:
    """(visit day, days from booking to visit) of the appointments that took place in the period before `now`."""
    out = []
    for row in rows:
        visit_day = row.start.astimezone(tz).date()
        if visit_day in period and row.start < now:
            out.append((visit_day, (visit_day - row.created_at.astimezone(tz).date()).days))
    return out


def booked_minutes(rows: Iterable[AppointmentRow], tz: dt.tzinfo, period: Period) -> dict[dt.date, int]:
    """Counter-minutes taken per local day: claim_end − start (the booking grid incl. buffer)."""
    out: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        day = row.start.astimezone(tz).date()
        if day in period:
            out[day] += int((row.claim_end - row.start).total_seconds() // 60)
    return dict(out)


def bookings_by_channel(rows: Iterable[AppointmentRow], tz: dt.tzinfo, period: Period) -> list[tuple[dt.date, str]]:
    """(local booking day, channel) of the appointments booked in the period."""
    out = []
    for row in rows:
        day = row.created_at.astimezone(tz).date()
        if day in period:
            out.append((day, row.channel))
    return out


def weekly(values: Iterable[tuple[dt.date, float]]) -> dict[dt.date, list[float]]:
    """Values grouped by the Monday of their ISO week (ascending)."""
    out: dict[dt.date, list[float]] = defaultdict(list)
    for day, value in values:
        out[week_start(day)].append(value)
    return dict(sorted(out.items()))


def offered_minutes(plan: DayPlan) -> int:
    """Staffed counter-minutes during appointment hours (same as capacity.rules.offered_minutes)."""
    return sum(max(0, w.end - w.start) for w in plan.windows)


def channel_minutes(plan: DayPlan, shares: tuple[tuple[str, int], ...], channel: str) -> int:
    """Counter-minutes of a day that `channel` may book, split exactly as the availability engine splits lanes.

    At every moment the staffed counters are ordered by number and the channel gets its slice
    (`booking.availability.channel_slice`); without shares every channel may use every counter.
    """
    windows = [w for w in plan.windows if w.end > w.start]
    if not windows:
        return 0
    cuts = sorted({p for w in windows for p in (w.start, w.end)})
    total = 0
    for a, b in itertools.pairwise(cuts):
        covering = len({w.lane for w in windows if w.start <= a and b <= w.end})
        low, high = channel_slice(covering, shares, channel)
        total += (high - low) * (b - a)
    return total


def ratio(part: float, whole: float) -> float | None:
    """part / whole as a percentage rounded to one decimal; None when nothing was offered."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def interpolated_percentile(values: Sequence[float], p: float) -> float | None:
    """Percentile with linear interpolation between neighbouring ranks (numpy's default), rounded to 0.1.

    The queue app computes its waiting- and handling-time percentiles this way (`queue.selectors.stats`); the floor
    KPIs use the same method so that their numbers equal the queue app's. Empty input gives None.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)
