"""The demo city's booking history as a booking process: requests arrive day by day and book the first free time.

Not a drawn curve: the lead times of the demo (the KPI snapshots of the past, the booked-out weeks of today) are
what this process leaves, on the office's calendar as it was (`capacity/demo.py`: mornings only while two posts
were vacant, extra afternoons in spring, the closures between the years). The rules are the ones the planner's
engine models (`planning/engine.py`), on real booking units:

* **Requests** arrive every day: web requests all week with a weekday profile, partner and counter requests on
  working days that are not public holidays; Poisson counts around a steady rate (no season) times a day-level
  gamma shock (`DAY_DISPERSION`, the engine's default). Service mix and persons as `MIX`.
* **Booking**: each request takes the first free time of its channel's lanes (the live split, `channel_slice`),
  from the next day up to the horizon (`last_bookable_day`); a tenth wait for an evening time (after 16:00) and
  take the earliest time if no evening has room. A request that finds nothing waits and books the next day
  first. A booking needs consecutive free units on one counter, as the live availability does.
* **Cancellations**: a tenth of the bookings are cancelled two days before the visit; the next requests can
  book that time.
* **Measurement**: at `SNAPSHOT_CLOCK` every day, the first day with room for the reference service online for
  one person (what the hourly KPI snapshot would have measured then).

Pure: plans, shares and services in, rows out; `booking/demo.py` writes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Sequence

import numpy as np

from buergerbuero.booking.availability import channel_slice, last_bookable_day
from buergerbuero.capacity.rules import DayPlan

DAY_DISPERSION = 0.1  # coefficient of variation of a day's demand (the planner engine's default)
EVENING_PREFERENCE = 0.1  # share of requests that wait for an evening time (the planner's default)
EVENING_START_MINUTE = 16 * 60
CANCELLATION_RATE = 0.1
CANCEL_NOTICE_DAYS = 2
SNAPSHOT_CLOCK = dt.time(22, 0)  # after the day's requests: the lead time the day leaves
# Requests per week by channel (steady: the demand the planner should learn) and weekday profile of the web
# (Mon … Sun; people book online on weekends too, less).
WEB_PER_WEEK = 381.0
PARTNER_PER_WEEK = 86.0
COUNTER_PER_WEEK = 92.0
WEB_WEEKDAYS = (1.35, 1.2, 1.1, 1.05, 0.95, 0.6, 0.75)
WEB_HOURS = (7.0, 22.0)  # web requests arrive between these local hours …
OFFICE_HOURS = (8.0, 16.0)  # … the others while the office and the partner call center work


@dataclasses.dataclass(frozen=True)
class Booking:
    channel: str
    slug: str
    persons: int
    minutes: int  # handling minutes × persons
    units: int
    lane: int
    start: dt.datetime
    created_at: dt.datetime
    cancelled_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Sample:
    """What the lead-time snapshot would have measured at `taken_at` (None: nothing free within the horizon)."""

    taken_at: dt.datetime
    lead_days: int | None
    earliest: dt.datetime | None


@dataclasses.dataclass
class _Day:
    plan: DayPlan
    lanes: dict[str, list[tuple[int, int]]]  # channel → [(lane, open-unit mask)] in counter order
    taken: dict[int, int]  # lane → taken-unit mask
    evening: int  # mask of the units from 16:00


def _days(plans: Sequence[DayPlan], shares: tuple[tuple[str, int], ...], slot: int) -> list[_Day]:
    out = []
    for plan in plans:
        by_span: dict[tuple[int, int], list] = {}
        for w in plan.windows:
            by_span.setdefault((w.start, w.end), []).append(w)
        masks: dict[str, dict[int, int]] = {}
        orders: dict[int, int] = {}
        for windows in by_span.values():
            windows.sort(key=lambda w: w.order)
            for channel in ("web", "partner", "phone", "counter"):
                low, high = channel_slice(len(windows), shares, channel)
                for w in windows[low:high]:
                    first, last = -(-w.start // slot), w.end // slot
                    if last > first:
                        lane_masks = masks.setdefault(channel, {})
                        lane_masks[w.lane] = lane_masks.get(w.lane, 0) | (((1 << (last - first)) - 1) << first)
                        orders[w.lane] = w.order
        lanes = {c: sorted(m.items(), key=lambda item: orders[item[0]]) for c, m in masks.items()}
        evening = ((1 << (24 * 60 // slot)) - 1) & ~((1 << (EVENING_START_MINUTE // slot)) - 1)
        out.append(_Day(plan, lanes, {}, evening))
    return out


def _first_start(day: _Day, channel: str, units: int, evening_only: bool) -> tuple[int, int] | None:
    """(lane, first unit) of the earliest free run of `units` units on one of the channel's lanes."""
    best: tuple[int, int] | None = None
    for lane, open_mask in day.lanes.get(channel, ()):
        free = open_mask & ~day.taken.get(lane, 0)
        run = free
        for i in range(1, units):
            run &= free >> i
        if evening_only:
            run &= day.evening
        if run:
            unit = (run & -run).bit_length() - 1
            if best is None or unit < best[1]:
                best = (lane, unit)
    return best


def simulate(
    plans: Sequence[DayPlan],
    *,
    shares: tuple[tuple[str, int], ...],
    mix: dict[str, tuple[int, int]],
    couples: frozenset[str],
    reference_minutes: int,
    holidays: frozenset[dt.date],
    slot: int,
    horizon: int,
    release: dt.time,
    now: dt.datetime,
    seed: int,
) -> tuple[list[Booking], dict[dt.date, Sample]]:
    """Run the process over `plans` (consecutive days; requests arrive from the first day until `now`).

    `mix`: service slug → (weight, handling minutes); `couples`: services booked for two persons one time in ten.
    Returns the bookings and, per day before `now`'s day, the evening's lead-time sample."""
    rng = random.Random(seed)
    counts_rng = np.random.default_rng(seed)
    days = _days(plans, shares, slot)
    first_day = plans[0].day
    tz = plans[0].midnight.tzinfo
    assert tz is not None  # day plans are aware
    today = now.astimezone(tz).date()
    slugs = list(mix)
    weights = [mix[s][0] for s in slugs]
    web_mean = sum(WEB_WEEKDAYS) / 7
    bookings: list[Booking] = []
    cancels: dict[int, list[int]] = {}  # day index → bookings cancelled two days before it
    waiting: list[tuple[str, str, int, bool]] = []  # requests that found nothing, first served the next day
    samples: dict[dt.date, Sample] = {}
    # per channel: no day before this index has a free unit (moves back when a cancellation frees one)
    full_before: dict[str, int] = {}

    def find(d: int, when: dt.datetime, channel: str, units: int, evening: bool) -> tuple[int, int, int] | None:
        last = (last_bookable_day(when, horizon, release, tz) - first_day).days
        full_before[channel] = max(full_before.get(channel, 0), d + 1)
        for k in range(full_before[channel], min(last, len(days) - 1) + 1):
            day = days[k]
            if k == full_before[channel] and not any(
                m & ~day.taken.get(lane, 0) for lane, m in day.lanes.get(channel, ())
            ):
                full_before[channel] = k + 1
                continue
            hit = _first_start(day, channel, units, evening)
            if hit is not None:
                return k, hit[0], hit[1]
        return None

    def book(d: int, when: dt.datetime, channel: str, slug: str, persons: int, evening: bool) -> bool:
        minutes = mix[slug][1] * persons
        units = max(1, -(-minutes // slot))
        hit = find(d, when, channel, units, True) if evening else None
        hit = hit or find(d, when, channel, units, False)
        if hit is None:
            return False
        k, lane, unit = hit
        day = days[k]
        day.taken[lane] = day.taken.get(lane, 0) | (((1 << units) - 1) << unit)
        index = len(bookings)
        cancelled = None
        if rng.random() < CANCELLATION_RATE and k - CANCEL_NOTICE_DAYS > d:
            cancels.setdefault(k - CANCEL_NOTICE_DAYS, []).append(index)
            cancelled = days[k - CANCEL_NOTICE_DAYS].plan.midnight + dt.timedelta(hours=rng.uniform(6, 7))
        start = day.plan.midnight + dt.timedelta(minutes=unit * slot)
        bookings.append(Booking(channel, slug, persons, minutes, units, lane, start, when, cancelled))
        return True

    web_per_day = WEB_PER_WEEK / 7 / web_mean
    for d, day in enumerate(days):
        if day.plan.day > today:
            break
        # the cancellations of the day after tomorrow come back first (early in the morning)
        for index in cancels.pop(d, ()):
            b = bookings[index]
            k = d + CANCEL_NOTICE_DAYS
            days[k].taken[b.lane] &= ~(
                ((1 << b.units) - 1) << ((b.start - days[k].plan.midnight).seconds // 60 // slot)
            )
            full_before[b.channel] = min(full_before.get(b.channel, 0), k)
        weekday = day.plan.day.weekday()
        shock = counts_rng.gamma(1 / DAY_DISPERSION**2, DAY_DISPERSION**2)
        working = weekday < 5 and day.plan.day not in holidays
        rates = {
            "web": web_per_day * WEB_WEEKDAYS[weekday],
            "partner": PARTNER_PER_WEEK / 5 if working else 0.0,
            "counter": COUNTER_PER_WEEK / 5 if working else 0.0,
        }
        arrivals = []
        for channel, rate in rates.items():
            low, high = WEB_HOURS if channel == "web" else OFFICE_HOURS
            for _ in range(int(counts_rng.poisson(rate * shock))):
                slug = rng.choices(slugs, weights)[0]
                persons = 2 if slug in couples and rng.random() < 0.1 else 1
                arrivals.append((rng.uniform(low, high), channel, slug, persons, rng.random() < EVENING_PREFERENCE))
        arrivals.sort()
        queue = [(0.0, *w) for w in waiting] + arrivals
        waiting = []
        for hour, channel, slug, persons, evening in queue:
            when = day.plan.midnight + dt.timedelta(hours=hour)
            if when > now:
                break
            if not book(d, when, channel, slug, persons, evening):
                waiting.append((channel, slug, persons, evening))
        if day.plan.day < today:
            taken_at = dt.datetime.combine(day.plan.day, SNAPSHOT_CLOCK, tzinfo=tz)
            hit = find(d, taken_at, "web", max(1, -(-reference_minutes // slot)), False)
            samples[day.plan.day] = Sample(
                taken_at,
                hit[0] - d if hit else None,
                days[hit[0]].plan.midnight + dt.timedelta(minutes=hit[2] * slot) if hit else None,
            )
    # cancellations planned for after `now` have not happened: those bookings still stand
    bookings = [
        b if b.cancelled_at is None or b.cancelled_at <= now else dataclasses.replace(b, cancelled_at=None)
        for b in bookings
    ]
    return bookings, samples
