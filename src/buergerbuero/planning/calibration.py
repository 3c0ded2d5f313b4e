"""Adapters: calibrate the pure planning model from the database ("today's office").

* Capacity comes from the live rules: `capacity.selectors.office_calendar` → `capacity.rules.day_plans`
  and `offered_minutes` – once as the office plans it and once without closures, so a measure can reopen
  a closure. Evening minutes are the counter minutes after 16:00.
* Demand comes from the bookings *made* in the last year (by `created_at`): that is the arrival rate,
  served demand plus the growth of the backlog. Service mix, booked minutes per service, channel split
  and the weekday profile come from the same rows; the seasonal profile from the month of booking when
  the history covers the whole year.
* What the office has already booked for the coming days is the starting backlog.
* The no-show rate is measured on the office floor (``queue.selectors.stats.appointment_attendance``: booked
  appointments of the last 12 weeks never checked in or not at the counter when called) when there are
  enough appointments on days the floor was in use; otherwise the documented default, and the result says
  which (``NoShowBasis``), because whoever presents the plan must be able to say where the number comes from.
* Rates the database does not record (the share waiting for an evening, walk-ins per hour) use documented
  defaults; the scenario file can override every one of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from buergerbuero.booking import availability
from buergerbuero.booking.selectors import stats as booking_stats
from buergerbuero.capacity import rules
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.insights import selectors as insights_selectors
from buergerbuero.insights.metrics import Period
from buergerbuero.planning import backtest as backtesting
from buergerbuero.planning import engine
from buergerbuero.queue.selectors import stats as queue_stats

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office

HISTORY_DAYS = 365
DEFAULT_CANCELLATION_RATE = 0.1
DEFAULT_NO_SHOW_RATE = 0.07
NO_SHOW_WEEKS = 12  # recent enough to follow a change (reminders, a new check-in), long enough to be stable
# With 200 appointments a rate around 7 % is known to about ±2 percentage points (1.96 × standard error).
NO_SHOW_MIN_APPOINTMENTS = 200
DEFAULT_EVENING_PREFERENCE = 0.1
MIN_COVERED_DAYS = 28  # below four weeks of bookings a rate says too little: count over the whole window
DEFAULT_WALK_INS_PER_HOUR = 6.0
MAX_NEW_LANES = 50  # a measure opens at most this many counters (measures.ServiceEvening.counters)
YEAR_END = ((12, 20), (1, 6))  # a closure touching these dates is a closure "between the years"


def _is_year_end(day: dt.date) -> bool:
    (m1, d1), (m2, d2) = YEAR_END
    return (day.month, day.day) >= (m1, d1) or (day.month, day.day) <= (m2, d2)


def _split(
    plan: rules.DayPlan, shares: tuple[tuple[str, int], ...] = (), channel: str | None = None
) -> tuple[int, int]:
    """Daytime and evening counter-minutes of a day; with `channel`, only of the lanes that channel books
    (the live split: lanes of each opening span sorted by counter number, `channel_slice` of them)."""
    by_span: dict[tuple[int, int], list[rules.LaneWindow]] = {}
    for w in plan.windows:
        by_span.setdefault((w.start, w.end), []).append(w)
    day = evening = 0
    for windows in by_span.values():
        windows.sort(key=lambda w: w.order)
        if channel is not None:
            low, high = availability.channel_slice(len(windows), tuple(shares), channel)
            windows = windows[low:high]
        for w in windows:
            cut = min(max(w.start, engine.EVENING_START_MINUTE), w.end)
            day += cut - w.start
            evening += w.end - cut
    return day, evening


def _lane_web_share(lanes: int, shares: tuple[tuple[str, int], ...]) -> float:
    """The share of `lanes` newly opened counters the live split gives the web (all of them without shares)."""
    if not shares:
        return 1.0
    if lanes == 0:
        return 0.0
    low, high = availability.channel_slice(lanes, tuple(shares), "web")
    return (high - low) / lanes


def capacity_series(office: Office, start: dt.date, length: int) -> engine.Capacity:
    last = start + dt.timedelta(days=length - 1)
    calendar = capacity_selectors.office_calendar(office, start, last)
    return capacity_from_calendar(calendar, capacity_selectors.channel_shares(office), start, length)


def capacity_from_calendar(
    calendar: rules.OfficeCalendar, shares: tuple[tuple[str, int], ...], start: dt.date, length: int
) -> engine.Capacity:
    """The capacity series from an office calendar with the live rules (no database access)."""
    last = start + dt.timedelta(days=length - 1)
    planned = rules.day_plans(calendar, start, last)
    unclosed = rules.day_plans(dataclasses.replace(calendar, closures=()), start, last)
    walk_in = rules.day_plans(calendar, start, last, kind=rules.WALK_IN)
    day = np.zeros(length)
    evening = np.zeros(length)
    closure_day = np.zeros(length)
    closure_evening = np.zeros(length)
    year_end = np.zeros(length, dtype=bool)
    holiday = np.zeros(length, dtype=bool)
    walk_minutes = np.zeros(length)
    walk_counters = np.zeros(length, dtype=int)
    web_fraction = np.ones((length, 2))
    for i, (plan, open_plan, walk) in enumerate(zip(planned, unclosed, walk_in, strict=True)):
        day[i], evening[i] = _split(plan)
        if shares:
            web = _split(open_plan, shares, "web")
            for t, total in enumerate(_split(open_plan)):
                web_fraction[i, t] = web[t] / total if total else 0.0
        holiday[i] = plan.day in calendar.holidays
        if plan.closed_reason and not holiday[i]:
            closure_day[i], closure_evening[i] = _split(open_plan)
            year_end[i] = _is_year_end(plan.day)
        walk_minutes[i] = rules.offered_minutes(walk)
        walk_counters[i] = len({w.lane for w in walk.windows})
    return engine.Capacity(
        start=start,
        day_minutes=day,
        evening_minutes=evening,
        walk_in_minutes=walk_minutes,
        walk_in_counters=walk_counters,
        closure_day_minutes=closure_day,
        closure_evening_minutes=closure_evening,
        year_end=year_end,
        holiday=holiday,
        web_fraction=web_fraction,
    )


def _slot(minutes: float, slot: int) -> float:
    return float(-(-round(minutes) // slot) * slot)


@dataclass(frozen=True)
class NoShowBasis:
    """The no-show rate the model uses and where it comes from: measured on the floor, or the default."""

    rate: float
    measured: bool
    appointments: int  # booked appointments on days the floor was in use, in the window
    missed: int  # of them never checked in or not at the counter when called
    first: dt.date
    last: dt.date
    minimum: int = NO_SHOW_MIN_APPOINTMENTS

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "source": "measured" if self.measured else "default",
            "appointments": self.appointments,
            "missed": self.missed,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "minimum": self.minimum,
        }


def no_show_basis(office: Office, *, start: dt.date) -> NoShowBasis:
    """The appointment no-show rate of the last `NO_SHOW_WEEKS` weeks before `start`, or the default."""
    last = start - dt.timedelta(days=1)
    first = start - dt.timedelta(weeks=NO_SHOW_WEEKS)
    seen = queue_stats.appointment_attendance(office, first, last)
    measured = seen.booked >= NO_SHOW_MIN_APPOINTMENTS
    rate = seen.rate if measured and seen.rate is not None else DEFAULT_NO_SHOW_RATE
    return NoShowBasis(rate, measured, seen.booked, seen.missed, first, last)


def no_show_source(basis: NoShowBasis, override: float | None = None) -> dict[str, Any]:
    """What a run used, for the page and the CLI: the scenario's value if it sets one, else the basis."""
    return {
        **basis.as_dict(),
        "rate": basis.rate if override is None else override,
        "source": ("measured" if basis.measured else "default") if override is None else "scenario",
        "measured_rate": basis.rate if basis.measured else None,
    }


def office_model(
    office: Office, *, start: dt.date, days: int = 365, no_show: NoShowBasis | None = None, past: bool = False
) -> engine.OfficeModel:
    """The office as the database describes it on `start`, ready for the engine.

    `past`: `start` lies in the past (a backtest): what was booked ahead counts only bookings made before it."""
    tz = ZoneInfo(office.timezone)
    horizon = office.horizon_days
    # at least a year, so that every measure's cost per year is counted on a whole year (measures.py)
    capacity = capacity_series(office, start, max(days, 366) + horizon + 2)
    midnight = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    history_from = midnight - dt.timedelta(days=HISTORY_DAYS)

    per_service: Counter[str] = Counter()
    minutes_sum: defaultdict[str, float] = defaultdict(float)
    channels: Counter[str] = Counter()
    weekday_web = np.zeros(7)
    weekday_assisted = np.zeros(7)
    months = np.zeros(12)
    cancelled = total = stamped_now = 0
    earliest = midnight
    spike_from = midnight - dt.timedelta(days=1)  # bookings stamped "now" by imports say nothing about weekdays
    rows = booking_stats.booked_items(office, created_from=history_from, created_to=midnight)
    for slug, minutes, persons, channel, created, status in rows.iterator(chunk_size=5000):
        per_service[slug] += 1
        minutes_sum[slug] += _slot(minutes * persons + office.buffer_minutes, office.slot_minutes)
        channels[channel] += 1
        total += 1
        cancelled += status == "cancelled"
        earliest = min(earliest, created)
        if created < spike_from:
            local = created.astimezone(tz)
            (weekday_web if channel == "web" else weekday_assisted)[local.weekday()] += 1
            months[local.month - 1] += 1
        else:
            stamped_now += 1

    # A history shorter than the window (a new office, or a backtest close to the first bookings) is
    # counted over the time it covers; otherwise the rate would be diluted by the empty months.
    covered = (midnight - earliest).total_seconds() / 86400.0
    weeks = (covered if MIN_COVERED_DAYS <= covered < 0.9 * HISTORY_DAYS else HISTORY_DAYS) / 7.0
    names = {s.slug: s.name_de for s in catalog_selectors.services(office=office)}
    services = tuple(
        engine.ServiceDemand(
            slug=slug, name=names.get(slug, slug), per_week=count / weeks, booked_minutes=minutes_sum[slug] / count
        )
        for slug, count in per_service.most_common()
    )
    if not services:  # no history: one reference service with no demand, so the model still runs
        ref = office.reference_service
        services = (engine.ServiceDemand(ref.slug if ref else "leistung", ref.name_de if ref else "", 0.0, 20.0),)

    shares = dict(capacity_selectors.channel_shares(office))
    web = channels["web"]
    phone = channels["phone"] + channels["counter"]
    partner = channels["partner"]
    if shares:
        split = (web, phone, partner) if total else (0.7, 0.15, 0.15)
        web_share = shares.get("web", 0) / max(sum(shares.values()), 1)
    else:  # no shares: every channel may book every lane – one pool
        split, web_share = (1.0, 0.0, 0.0), 1.0
    lane_web_shares = tuple(_lane_web_share(lanes, tuple(shares.items())) for lanes in range(MAX_NEW_LANES + 1))
    booked = booked_ahead(office, start=start, horizon=horizon, created_before=midnight if past else None)
    if not shares:
        booked[engine.WEB] += booked[engine.ASSISTED]
        booked[engine.ASSISTED] = 0.0

    # The month of booking shows the season only when the whole year is there and no bulk import
    # stamped many bookings with the same moment (as the demo's future bookings are).
    covered_months = int((months > 0).sum())
    seasonal = covered_months == 12 and stamped_now <= 0.02 * max(total, 1)
    wd_web = tuple(weekday_web) if weekday_web.sum() > 0 else engine.FLAT_WEEK
    wd_assisted = tuple(weekday_assisted) if weekday_assisted.sum() > 0 else (1, 1, 1, 1, 1, 0, 0)
    season: tuple[float, ...] = engine.FLAT_YEAR
    dispersion = engine.OfficeModel.day_dispersion
    first_day = max(history_from, earliest).astimezone(tz).date()
    exposure = month_exposure(first_day, spike_from.astimezone(tz).date(), weekday_web + weekday_assisted)
    if seasonal:
        season = seasonal_profile(months, exposure, day_dispersion=dispersion)
    uncertainty = demand_uncertainty(months, exposure, day_dispersion=dispersion, season_estimated=seasonal)

    ref_minutes = 20.0
    if office.reference_service is not None:
        # A reference service the office does not offer (a configuration slip) keeps the default, as no service does.
        offered = capacity_selectors.snapshot(office).services.get(office.reference_service.slug)
        if offered is not None:
            ref_minutes = float(offered[1])

    return engine.OfficeModel(
        start=start,
        capacity=capacity,
        services=services,
        channel_split=(float(split[0]), float(split[1]), float(split[2])),
        weekday_web=tuple(float(x) for x in wd_web),
        weekday_assisted=tuple(float(x) for x in wd_assisted),
        season=tuple(float(x) for x in season),
        demand_uncertainty=uncertainty,
        web_share=float(web_share),
        evening_preference=DEFAULT_EVENING_PREFERENCE,
        cancellation_rate=cancelled / total if cancelled else DEFAULT_CANCELLATION_RATE,
        no_show_rate=(no_show or no_show_basis(office, start=start)).rate,
        no_show_rebook=0.0,  # the bookings counted as demand already contain the no-shows' re-bookings
        lane_web_shares=lane_web_shares,
        horizon_days=horizon,
        reference_minutes=ref_minutes,
        initial_booked=booked,
        walk_in_per_hour=DEFAULT_WALK_INS_PER_HOUR if capacity.walk_in_minutes.any() else 0.0,
    )


def month_exposure(first: dt.date, end: dt.date, weekday_counts: np.ndarray) -> np.ndarray:
    """Expected share of a year's bookings per calendar month of [first, end) if demand had no season:
    the days of each month in the window, weighted by the weekday profile (a month with more Mondays gets
    more bookings, February fewer days than March)."""
    weights = np.asarray(weekday_counts, dtype=float)
    weights = weights / weights.mean() if weights.sum() > 0 else np.ones(7)
    out = np.zeros(12)
    day = first
    while day < end:
        out[day.month - 1] += weights[day.weekday()]
        day += dt.timedelta(days=1)
    return out


def seasonal_profile(counts: np.ndarray, exposure: np.ndarray, *, day_dispersion: float) -> tuple[float, ...]:
    """Month factors (mean 1) from bookings per month of booking, shrunk towards flat by their noise.

    The raw factor of a month is its bookings per expected booking day (`month_exposure`): counting bookings per
    month instead made every 31-day month busier than February. A year holds one sample per month, so the raw
    factors scatter even without a season – with ~300 bookings a month by ±6 % (Poisson, plus the day shock),
    and a planner that reads that scatter as a season predicts 10 % too little demand for a month that was quiet
    by chance (the backtest's main error). So the factors are shrunk towards 1 by the share of their variance that
    noise explains (empirical Bayes, James–Stein): a real season of ±20 % stays nearly whole, noise goes.
    """
    counts = np.asarray(counts, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    if (exposure <= 0).any() or (counts <= 0).any():
        return engine.FLAT_YEAR
    rate = counts / exposure
    raw = rate / rate.mean()
    # relative variance of a month's count: Poisson (1/n) plus the day shock averaged over the month's days
    noise = float(np.mean(1.0 / counts + day_dispersion**2 / exposure))
    spread = float(raw.var(ddof=1))
    keep = max(0.0, 1.0 - noise / spread) if spread > 0 else 0.0
    season = 1.0 + keep * (raw - 1.0)
    return tuple(float(x) for x in season / season.mean())


def demand_uncertainty(
    counts: np.ndarray, exposure: np.ndarray, *, day_dispersion: float, season_estimated: bool
) -> float:
    """Relative standard error of the calibrated demand of a month ahead (the engine's `demand_uncertainty`).

    The yearly rate is known to the noise of its count (Poisson plus the day shock); a month's season factor, when
    one is estimated, to what its shrinkage leaves (`seasonal_profile`): the posterior variance keep × noise."""
    counts = np.asarray(counts, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    total = counts.sum()
    if total <= 0:
        return 0.0
    days = max(exposure.sum(), 1.0)
    level = 1.0 / total + day_dispersion**2 / days
    if not season_estimated or (exposure <= 0).any() or (counts <= 0).any():
        return float(np.sqrt(level))
    noise = float(np.mean(1.0 / counts + day_dispersion**2 / exposure))
    raw = counts / exposure
    raw = raw / raw.mean()
    spread = float(raw.var(ddof=1))
    keep = max(0.0, 1.0 - noise / spread) if spread > 0 else 0.0
    return float(np.sqrt(level + keep * noise))


def booked_ahead(
    office: Office,
    *,
    start: dt.date,
    horizon: int,
    now: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
) -> np.ndarray:
    """Minutes already booked per group (web, assisted) × day (0 = start) × time class (day, evening).

    `created_before`: only bookings made before then (what was booked ahead on a past day)."""
    tz = ZoneInfo(office.timezone)
    first = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    last = first + dt.timedelta(days=horizon + 1)
    out = np.zeros((2, horizon + 1, 2))
    now = now or dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    rows = booking_stats.booked_ahead(office, first=first, last=last, now=now, created_before=created_before)
    for begin, claim_end, channel in rows:
        local = begin.astimezone(tz)
        index = (local.date() - start).days
        if not 0 <= index <= horizon:
            continue
        evening = local.hour * 60 + local.minute >= engine.EVENING_START_MINUTE
        group = engine.WEB if channel == "web" else engine.ASSISTED
        out[group, index, int(evening)] += (claim_end - begin).total_seconds() / 60.0
    return out


BACKTEST_WEEKS = 10
BACKTEST_REPLICATIONS = 500


def backtest_start(today: dt.date, weeks: int = BACKTEST_WEEKS) -> dt.date:
    """The latest day whose following `weeks` weeks have all been measured (yesterday is the last)."""
    return today - dt.timedelta(weeks=weeks)


def backtest(
    office: Office,
    *,
    at: dt.date,
    weeks: int = BACKTEST_WEEKS,
    replications: int = BACKTEST_REPLICATIONS,
    seed: int = 0,
) -> backtesting.Backtest:
    """Calibrate on the history before `at`, simulate the following weeks with the calendar as it was
    (opening rules, service evening, roster, closures, holidays) and compare with the measured lead times
    of the office's reference service (the KPI snapshots, read through the insights selectors)."""
    days = 7 * weeks
    model = office_model(office, start=at, days=days, past=True)
    result = engine.simulate(model, days=days, replications=replications, seed=seed)
    service = insights_selectors.reference_service(office)
    measured = {}
    if service is not None:
        period = Period(at, at + dt.timedelta(days=days - 1))
        measured = insights_selectors.daily_lead_times(office, service, period)
    return backtesting.compare(result, measured, horizon_days=model.horizon_days, weeks=weeks)


def offered_slugs(office: Office) -> list[str]:
    return [s.slug for s in catalog_selectors.services(office=office)]


def office_facts(model: engine.OfficeModel) -> dict[str, Any]:
    """Headline numbers of the calibrated office ("today's office"), for the page and the CLI."""
    cap = model.capacity
    days = min(cap.length, 365)
    weeks = days / 7.0
    return {
        "capacity_hours_per_week": round(float(cap.total()[:days].sum()) / weeks / 60.0, 1),
        "demand_hours_per_week": round(model.weekly_demand_minutes() / 60.0, 1),
        "requests_per_week": round(model.weekly_requests(), 1),
        "booked_ahead_hours": round(float(model.initial_booked.sum()) / 60.0, 1),
        "web_share": round(model.web_share, 3),
        "horizon_days": model.horizon_days,
        "services": [
            {"slug": s.slug, "name": s.name, "per_week": round(s.per_week, 1), "minutes": round(s.booked_minutes, 1)}
            for s in model.services
        ],
    }
