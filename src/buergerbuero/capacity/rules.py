"""Capacity timeline from rules: opening rules × roster − closures − holidays (pure, no ORM).

Everything a day offers is expressed in *elapsed* minutes since local midnight, so that a day with a
daylight-saving switch (23 or 25 hours) maps onto UTC without gaps or doubled times. A change of rules
takes effect on the next call: nothing here is precomputed or stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

APPOINTMENTS = "appointments"
WALK_IN = "walk_in"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Weekdays (0 = Monday), a local time range, an optional validity and an every-n-th-week rhythm."""

    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    every_n_weeks: int = 1

    def applies(self, day: dt.date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        if self.every_n_weeks > 1:
            anchor = self.valid_from or dt.date(2000, 1, 3)  # a Monday: weeks counted from the rule's start
            anchor_monday = anchor - dt.timedelta(days=anchor.weekday())
            weeks = (day - anchor_monday).days // 7
            return weeks % self.every_n_weeks == 0
        return True


@dataclass(frozen=True, slots=True)
class OpeningRule:
    recurrence: Recurrence
    kind: str = APPOINTMENTS
    label: str = ""


@dataclass(frozen=True, slots=True)
class Closure:
    start: dt.date
    end: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class RosterEntry:
    lane: int  # counter id
    order: int  # counter number; decides which lanes go to which booking channel
    recurrence: Recurrence
    skills: frozenset[int] | None = None  # service ids; None = every service of the office


@dataclass(frozen=True, slots=True)
class OfficeCalendar:
    timezone: str
    rules: tuple[OpeningRule, ...]
    closures: tuple[Closure, ...] = ()
    holidays: dict[dt.date, str] = field(default_factory=dict)
    roster: tuple[RosterEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class LaneWindow:
    """A staffed counter during opening time, in elapsed minutes since local midnight."""

    lane: int
    order: int
    start: int
    end: int
    skills: frozenset[int] | None


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: dt.date
    midnight: dt.datetime  # aware, the local midnight that starts the day
    end: dt.datetime  # aware, the next local midnight (23, 24 or 25 hours later)
    windows: tuple[LaneWindow, ...]
    closed_reason: str | None = None
    labels: tuple[tuple[int, int, str], ...] = ()  # labelled opening ranges, e.g. the service evening


Labels = tuple[tuple[int, int, str], ...]
Elapsed = Callable[[dt.time], int]  # wall clock → elapsed minutes since local midnight, for one day
# (opening rules, roster entries) applying on a day → that day's windows and labels
WindowsMemo = dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[LaneWindow, ...], Labels]]


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def elapsed_minutes(day: dt.date, clock: dt.time, tz: ZoneInfo) -> int:
    """Real minutes between local midnight and a wall-clock time of that day (DST-aware)."""
    midnight = local_midnight(day, tz).astimezone(dt.UTC)
    wall = dt.datetime.combine(day, clock, tzinfo=tz).astimezone(dt.UTC)
    return int((wall - midnight).total_seconds() // 60)


def _elapsed_on(day: dt.date, midnight: dt.datetime, day_end: dt.datetime, tz: ZoneInfo) -> Elapsed:
    """Wall clock → elapsed minutes for one day; plain arithmetic unless the day has a DST switch."""
    if day_end - midnight == dt.timedelta(days=1):
        return lambda clock: clock.hour * 60 + clock.minute
    return lambda clock: elapsed_minutes(day, clock, tz)


def closed_reason(calendar: OfficeCalendar, day: dt.date) -> str | None:
    if day in calendar.holidays:
        return calendar.holidays[day]
    for closure in calendar.closures:
        if closure.start <= day <= closure.end:
            return closure.reason
    return None


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if s < e:
                out.append((s, e))
    return out


def _windows(
    calendar: OfficeCalendar, rules: tuple[OpeningRule, ...], roster: tuple[RosterEntry, ...], elapsed: Elapsed
) -> tuple[tuple[LaneWindow, ...], Labels]:
    opening = []
    labels = []
    for rule in rules:
        span = (elapsed(rule.recurrence.start), elapsed(rule.recurrence.end))
        opening.append(span)
        if rule.label:
            labels.append((*span, rule.label))
    opening = _merge(opening)
    windows = []
    for entry in roster:
        staffed = [(elapsed(entry.recurrence.start), elapsed(entry.recurrence.end))]
        for start, end in _intersect(staffed, opening):
            windows.append(LaneWindow(entry.lane, entry.order, start, end, entry.skills))
    windows.sort(key=lambda w: (w.order, w.start))
    return tuple(windows), tuple(labels)


def day_plan(
    calendar: OfficeCalendar, day: dt.date, kind: str = APPOINTMENTS, memo: WindowsMemo | None = None
) -> DayPlan:
    """What one day offers. `memo` (one dict per calendar) reuses the windows of days on which the same
    rules and roster entries apply – most days of a horizon – unless the day has a DST switch."""
    tz = ZoneInfo(calendar.timezone)
    midnight = local_midnight(day, tz).astimezone(dt.UTC)
    day_end = local_midnight(day + dt.timedelta(days=1), tz).astimezone(dt.UTC)
    reason = closed_reason(calendar, day)
    if reason:
        return DayPlan(day, midnight, day_end, (), closed_reason=reason)
    rule_ids = tuple(i for i, r in enumerate(calendar.rules) if r.kind == kind and r.recurrence.applies(day))
    roster_ids = tuple(i for i, e in enumerate(calendar.roster) if e.recurrence.applies(day))
    rules = tuple(calendar.rules[i] for i in rule_ids)
    roster = tuple(calendar.roster[i] for i in roster_ids)
    plain_day = day_end - midnight == dt.timedelta(days=1)
    key = (rule_ids, roster_ids)
    if memo is not None and plain_day and key in memo:
        windows, labels = memo[key]
    else:
        windows, labels = _windows(calendar, rules, roster, _elapsed_on(day, midnight, day_end, tz))
        if memo is not None and plain_day:
            memo[key] = windows, labels
    return DayPlan(day, midnight, day_end, windows, labels=labels)


def day_plans(
    calendar: OfficeCalendar, first: dt.date, last: dt.date, kind: str = APPOINTMENTS, memo: WindowsMemo | None = None
) -> list[DayPlan]:
    days = (last - first).days + 1
    memo = {} if memo is None else memo
    return [day_plan(calendar, first + dt.timedelta(days=i), kind, memo) for i in range(max(days, 0))]


def offered_minutes(plan: DayPlan) -> int:
    """Staffed counter-minutes a day offers (the capacity the planner and insights count)."""
    return sum(w.end - w.start for w in plan.windows)


# --- validation helpers used by the capacity services (pure so they can be tested on their own) ---


def _times_overlap(a: Recurrence, b: Recurrence) -> bool:
    return a.start < b.end and b.start < a.end


def _validity_overlaps(a: Recurrence, b: Recurrence) -> bool:
    far_past, far_future = dt.date.min, dt.date.max
    return (a.valid_from or far_past) <= (b.valid_to or far_future) and (b.valid_from or far_past) <= (
        a.valid_to or far_future
    )


def recurrences_collide(a: Recurrence, b: Recurrence) -> bool:
    """Whether two recurrences can be active at the same moment of some day."""
    if not (a.weekdays & b.weekdays) or not _times_overlap(a, b) or not _validity_overlaps(a, b):
        return False
    if a.every_n_weeks == 1 and b.every_n_weeks == 1:
        return True
    # Look for a common day over one full joint cycle of both rhythms.
    start = max(a.valid_from or dt.date(2000, 1, 3), b.valid_from or dt.date(2000, 1, 3))
    for offset in range(7 * a.every_n_weeks * b.every_n_weeks):
        day = start + dt.timedelta(days=offset)
        if a.applies(day) and b.applies(day):
            return True
    return False


def uncovered_weekdays(entry: Recurrence, rules: list[Recurrence]) -> list[int]:
    """Weekdays on which the roster entry's time range is not inside the opening hours."""
    uncovered = []
    for weekday in sorted(entry.weekdays):
        ranges = _merge(
            [
                (r.start.hour * 60 + r.start.minute, r.end.hour * 60 + r.end.minute)
                for r in rules
                if weekday in r.weekdays and _validity_overlaps(r, entry)
            ]
        )
        want = (entry.start.hour * 60 + entry.start.minute, entry.end.hour * 60 + entry.end.minute)
        if not any(s <= want[0] and want[1] <= e for s, e in ranges):
            uncovered.append(weekday)
    return uncovered
