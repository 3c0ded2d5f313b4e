"""The what-if engine: a daily model of an office's appointment book (pure: numpy, no ORM).

The model, day by day (see docs/planner.md for the full description and the sources):

* **Capacity** is counted in bookable counter-minutes per day, split into four *pools*: the web share
  and the assisted share (phone, partner call center, counter), each into daytime and evening minutes.
  The adapters compute it with the live capacity rules (`capacity.rules.day_plans` / `offered_minutes`).
* **Demand** arrives every day: booking requests per service with a weekday and a seasonal profile,
  split into web and assisted requests. Counts are Poisson with a day-level gamma shock (busy and quiet
  days); each request needs the service's booked minutes.
* **Booking behaviour**: most requests take the earliest free minutes within the booking horizon
  (tomorrow … tomorrow + horizon); a share waits for an evening slot and, finding none within the
  horizon, takes the earliest time after all. When the horizon is full the request joins a waitlist
  and books first on the next day (first come, first served).
* **Cancellations** give a share of the booked minutes back `cancel_notice_days` before the visit, where
  the next requests can take them; **no-shows** waste their minutes and a share of them books again.
* The **ledger** per day gives: the lead time (days until the next free web appointment for the
  reference service, the KPI the live system shows), the realised booking-to-visit time, the backlog
  (booked future minutes plus waitlist), the waitlist and the utilisation.

Monte Carlo: replications are advanced together, vectorised along the first axis of every array; the
day loop is the only Python loop. `deterministic=True` replaces the random parts by their expected
values, which is how the closed-form tests drive it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from buergerbuero.core.lazy import LazyModule
from buergerbuero.planning import queueing

# NumPy loads with the first simulation, not with the planner's URLs and forms (buergerbuero.core.lazy).
# For the type checker `np` is NumPy itself (its stubs type every use); at run time the stand-in.
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike
else:
    np = LazyModule("numpy", globals(), "np")

WEB, ASSISTED = 0, 1
DAYTIME, EVENING = 0, 1
GROUPS = ("web", "assisted")
CHANNELS = ("web", "phone", "partner")
EVENING_START_MINUTE = 16 * 60  # minutes after 16:00 local time count as "evening" capacity
CHUNK = 500  # replications advanced together in one array (one random stream each; 1,000 = two threads)
MAX_THREADS = 2  # the web server's machine has 2 cores (docs/benchmarks.md)


@dataclass(frozen=True, eq=False)
class Capacity:
    """Bookable appointment minutes per calendar day from `start` (index 0 = start), as the rules give them.

    `closure_*` hold what the office's closures took away on a day (so a measure can reopen it);
    `year_end` marks days closed by a closure between the years.
    """

    start: dt.date
    day_minutes: np.ndarray
    evening_minutes: np.ndarray
    walk_in_minutes: np.ndarray
    walk_in_counters: np.ndarray
    closure_day_minutes: np.ndarray
    closure_evening_minutes: np.ndarray
    year_end: np.ndarray
    holiday: np.ndarray
    web_fraction: np.ndarray | None = None  # day × time class: share of the minutes on web lanes (live split)

    @property
    def length(self) -> int:
        return len(self.day_minutes)

    def dates(self, n: int | None = None) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.length if n is None else n)]

    def weekdays(self) -> np.ndarray:
        return (self.start.weekday() + np.arange(self.length)) % 7

    def months(self) -> np.ndarray:
        return np.array([d.month - 1 for d in self.dates()])

    def total(self) -> np.ndarray:
        return self.day_minutes + self.evening_minutes

    @classmethod
    def uniform(
        cls, start: dt.date, minutes_per_day: ArrayLike, evening_per_day: ArrayLike = 0.0, length: int = 400
    ) -> Capacity:
        """A capacity series from plain arrays (used by the closed-form tests and the benchmark)."""
        day = np.broadcast_to(np.asarray(minutes_per_day, dtype=float), (length,)).copy()
        evening = np.broadcast_to(np.asarray(evening_per_day, dtype=float), (length,)).copy()
        zeros = np.zeros(length)
        return cls(
            start=start,
            day_minutes=day,
            evening_minutes=evening,
            walk_in_minutes=zeros.copy(),
            walk_in_counters=np.zeros(length, dtype=int),
            closure_day_minutes=zeros.copy(),
            closure_evening_minutes=zeros.copy(),
            year_end=np.zeros(length, dtype=bool),
            holiday=np.zeros(length, dtype=bool),
        )


@dataclass(frozen=True, slots=True)
class ServiceDemand:
    slug: str
    name: str
    per_week: float  # booking requests per week, all channels
    booked_minutes: float  # capacity one booking takes (handling time × persons, on the slot grid)


FLAT_WEEK = (1.0,) * 7
FLAT_YEAR = (1.0,) * 12


@dataclass(frozen=True, eq=False)
class OfficeModel:
    """Everything the engine needs about one office. Measures return changed copies (dataclasses.replace)."""

    start: dt.date
    capacity: Capacity
    services: tuple[ServiceDemand, ...]
    channel_split: tuple[float, float, float] = (0.7, 0.15, 0.15)  # web, phone, partner
    weekday_web: tuple[float, ...] = FLAT_WEEK
    weekday_assisted: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)
    season: tuple[float, ...] = FLAT_YEAR
    web_share: float = 0.7  # share of the appointment capacity bookable online
    evening_preference: float = 0.1  # share of requests that wait for an evening slot
    cancellation_rate: float = 0.1
    cancel_notice_days: int = 2
    no_show_rate: float = 0.07
    # Share of no-shows that book again. Calibrated models set 0: their demand is the bookings made, which
    # already contain the re-bookings (docs/planner.md, "No-shows"). Demand given as first requests needs it.
    no_show_rebook: float = 0.6
    horizon_days: int = 56
    reference_minutes: float = 20.0
    initial_booked: np.ndarray = field(default_factory=lambda: np.zeros((2, 0, 2)))  # group × day (0 = start) × time
    initial_waitlist: float = 0.0
    demand_scale: float = 1.0
    day_dispersion: float = 0.1  # coefficient of variation of the day-level demand shock
    # Coefficient of variation of the demand level across replications: how well the calibration knows the rate
    # (its standard error). Each replication draws its own level, so the band holds that uncertainty too.
    demand_uncertainty: float = 0.0
    walk_in_per_hour: float = 0.0
    walk_in_service_minutes: float = 12.0
    phone_share_assisted: float = 0.5  # share of assisted requests that come by the office's own phone
    # Online share of n newly staffed counters (index n), as the office's channel shares split lanes; empty:
    # use `web_share`. A measure that opens new time (a service evening) splits it this way.
    lane_web_shares: tuple[float, ...] = ()

    def lane_web_share(self, lanes: int) -> float:
        return self.lane_web_shares[lanes] if lanes < len(self.lane_web_shares) else self.web_share

    def weekly_demand_minutes(self) -> float:
        return self.demand_scale * sum(s.per_week * s.booked_minutes for s in self.services)

    def weekly_requests(self) -> float:
        return self.demand_scale * sum(s.per_week for s in self.services)


@dataclass(frozen=True, eq=False)
class Result:
    """Per replication (rows) and arrival day (columns): the ledger's daily outputs."""

    start: dt.date
    days: int
    lead: np.ndarray  # days until the next free web appointment for the reference service
    realised: np.ndarray  # mean booking-to-visit days of the minutes booked that day (NaN: none booked)
    backlog: np.ndarray  # booked future minutes + waitlist, minutes
    waitlist: np.ndarray  # minutes waiting because the horizon was full
    utilisation: np.ndarray  # served minutes / offered minutes of that day (NaN when closed)
    requests: np.ndarray  # booking requests that arrived that day
    open_day: np.ndarray  # the office offered appointment capacity that day
    walk_in: dict[str, Any] = field(default_factory=dict)  # walk_in_summary

    @property
    def replications(self) -> int:
        return self.lead.shape[0]

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def band(self, quantity: str = "lead", q: float = 0.9) -> np.ndarray:
        values = getattr(self, quantity)
        if quantity in ("utilisation", "realised"):
            return np.nanquantile(np.where(np.isnan(values).all(axis=0), 0.0, values), q, axis=0)
        return np.quantile(values, q, axis=0)

    def reached(self, target_days: float, q: float = 0.9) -> dt.date | None:
        """First day from which the q-quantile of the lead time stays ≤ target until the end (None: never)."""
        ok = self.band("lead", q) <= target_days
        bad = np.flatnonzero(~ok)
        first = 0 if bad.size == 0 else int(bad[-1]) + 1
        if first >= self.days:
            return None
        return self.start + dt.timedelta(days=first)

    def days_over(self, target_days: float) -> float:
        """Median number of opening days on which the lead time exceeded the target."""
        over = (self.lead > target_days) & self.open_day[None, :]
        return float(np.median(over.sum(axis=1)))

    def tail_lead(self, from_day: int, q: float = 0.9) -> float:
        """The worst q-quantile lead time from `from_day` to the end (the optimiser's yardstick)."""
        band = self.band("lead", q)
        return float(band[min(from_day, self.days - 1) :].max())


# --- the ledger ---------------------------------------------------------------------------------------


def _both(cells: np.ndarray) -> np.ndarray:
    """Web + assisted (axis 1 of cell × group × replication): one add is twice as fast as a reduction."""
    return cells[:, WEB] + cells[:, ASSISTED]


def _take_earliest(window: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Take `want` minutes from the front of `window` (first axis: the cells in time order), in place.

    `window` is cell × …, `want` has the shape of one cell. Returns (not placed, free minutes before). What stays
    free in a cell is its free minutes beyond the demand in front of it: min(max(cumsum − want, 0), cell) –
    written straight into the window.
    """
    if window.shape[0] == 0:  # no open cell in reach (closed for the whole horizon)
        return np.maximum(want, 0.0), np.zeros_like(want)
    # the running sum cell by cell: one add of all replications per cell is 2–4× faster than np.cumsum along
    # the first axis (which walks the replications one by one) and adds in the same order
    left = np.empty_like(window)
    left[0] = window[0]
    for i in range(1, window.shape[0]):
        np.add(left[i - 1], window[i], out=left[i])
    before = left[-1].copy()
    unplaced = np.maximum(want - before, 0.0)
    np.subtract(left, want, out=left)
    np.maximum(left, 0.0, out=left)
    np.minimum(left, window, out=window)
    return unplaced, before


def pool_capacity(model: OfficeModel, length: int) -> np.ndarray:
    """Capacity per group × day × time class.

    The web part follows the live lane split per day (`capacity.web_fraction`, from the adapters) when
    there is one; otherwise – and after an "online share" measure – the model's `web_share`.
    """
    cap = model.capacity
    if cap.length < length:
        raise ValueError(f"capacity covers {cap.length} days, the run needs {length}")
    both = np.stack([cap.day_minutes[:length], cap.evening_minutes[:length]], axis=-1)  # day × time
    web = np.full_like(both, model.web_share) if cap.web_fraction is None else cap.web_fraction[:length]
    return np.stack([both * web, both * (1.0 - web)])


def expected_demand(model: OfficeModel, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean requests per arrival day × service × class, and booked minutes per service.

    Classes: web-earliest, web-evening, assisted-earliest, assisted-evening.
    """
    cap = model.capacity
    weekday = cap.weekdays()[:days]
    month = cap.months()[:days]
    split = np.asarray(model.channel_split, dtype=float)
    split = split / split.sum()
    wd_web = np.asarray(model.weekday_web, dtype=float)
    wd_web = wd_web / wd_web.mean()
    wd_ass = np.asarray(model.weekday_assisted, dtype=float)
    wd_ass = wd_ass / wd_ass.mean()
    season = np.asarray(model.season, dtype=float)
    season = season / season.mean()
    per_day = np.array([s.per_week for s in model.services]) / 7.0 * model.demand_scale
    web = split[0] * wd_web[weekday] * season[month]
    assisted = (split[1] + split[2]) * wd_ass[weekday] * season[month] * ~cap.holiday[:days]
    pe = model.evening_preference
    group_rates = np.stack([web * (1 - pe), web * pe, assisted * (1 - pe), assisted * pe], axis=-1)  # D × 4
    lam = per_day[None, :, None] * group_rates[:, None, :]  # D × S × 4
    minutes = np.array([s.booked_minutes for s in model.services], dtype=float)
    return lam, minutes


def simulate(
    model: OfficeModel,
    *,
    days: int = 365,
    replications: int = 1,
    seed: int = 0,
    deterministic: bool = False,
    chunk: int = CHUNK,
    threads: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Result:
    """Run the daily ledger for `days` arrival days and `replications` Monte Carlo replications.

    Replications run in chunks of `chunk`, each with its own random stream (spawned from `seed`), so the result
    does not depend on `threads`: the chunks run on up to `threads` threads (default: the CPUs, at most
    `MAX_THREADS`); numpy releases the GIL in the array work and the random draws. `progress` is called from
    the calling thread only (it may write to the database).
    """
    horizon = model.horizon_days
    length = days + horizon + 2
    cap = pool_capacity(model, length)  # G × N × T
    lam, minutes = expected_demand(model, days)
    if deterministic:
        replications, chunk = 1, 1
    # Services with the same booked minutes are one Poisson stream: the sum of independent Poisson counts with
    # the same day shock is Poisson with the summed rate, so the demand has the same distribution with fewer draws.
    sizes, group = np.unique(minutes, return_inverse=True)
    lam_sized = np.zeros((days, len(sizes), 4))
    # numpy's stub for ufunc.at takes only integer-array indices, not a tuple with slices (which numpy accepts)
    np.add.at(lam_sized, (slice(None), group.ravel(), slice(None)), lam)  # type: ignore[arg-type]
    unit = float((lam.sum(axis=(0, 2)) * minutes).sum() / max(lam.sum(), 1e-12))
    ledger = _Ledger(model, cap, days)
    sizes_reps = [min(chunk, replications - i) for i in range(0, replications, chunk)] or [1]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes_reps))

    def one(child: np.random.SeedSequence, reps: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(child)
        if deterministic:
            demand = (lam_sized * sizes[None, :, None]).sum(axis=1)[None]  # 1 × D × 4
            requests = lam_sized.sum(axis=(1, 2))[None]
            return ledger.run(demand, requests, None, unit)
        shock = _day_shock(rng, reps, days, model.day_dispersion)
        if model.demand_uncertainty > 0:  # drawn after the day shocks: without it the stream stays as it was
            shape = 1.0 / model.demand_uncertainty**2
            shock = shock * rng.gamma(shape, 1.0 / shape, size=(reps, 1))
        counts = rng.poisson(lam_sized[None] * shock[:, :, None, None])  # R × D × sizes × 4
        demand = np.matmul(counts.transpose(0, 1, 3, 2), sizes)  # R × D × 4 minutes
        return ledger.run(demand, counts.sum(axis=(2, 3)), rng, unit)

    workers = max(1, min(threads or min(os.cpu_count() or 1, MAX_THREADS), len(seeds)))
    parts = []
    done = 0
    with ThreadPoolExecutor(max_workers=workers) if workers > 1 else nullcontext() as pool:
        for reps, part in zip(sizes_reps, (pool.map if pool else map)(one, seeds, sizes_reps), strict=True):
            parts.append(part)
            done += reps
            if progress is not None:
                progress(min(done, replications) / replications)
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    open_day = cap[:, :days, :].sum(axis=(0, 2)) > 0
    walk_in = walk_in_summary(model, days, replications=min(replications, 200), seed=seed)
    return Result(start=model.start, days=days, open_day=open_day, walk_in=walk_in, **merged)


def notice_days(model: OfficeModel) -> int:
    """Days from the start whose cancellations the run releases (the earlier ones were due before it)."""
    return model.cancel_notice_days if model.cancel_notice_days >= 1 else 10**9


def _day_shock(rng: np.random.Generator, reps: int, days: int, cv: float) -> np.ndarray:
    if cv <= 0:
        return np.ones((reps, days))
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size=(reps, days))


class _Ledger:
    """The day loop on the *open cells* only.

    A cell is one day × time class (daytime, evening) with capacity in some pool. Cells without capacity
    (weekends, holidays, closures, the evenings without a service evening) never hold a free minute, so the
    earliest-first booking gives exactly the same result when they are left out – and the arrays the loop
    works on shrink to about 6 of 14 cells a week. Cells are ordered by day, then time class, so "earliest"
    is the cell order; `day_start[d]` is the first cell of day d, the cells of day d are
    `day_start[d]:day_start[d + 1]`.
    """

    def __init__(self, model: OfficeModel, cap: np.ndarray, days: int):
        self.model = model
        self.days = days
        self.cap_dense = cap
        length = cap.shape[1]
        open_cell = cap.sum(axis=0) > 0  # N × T
        self.cell_day, self.cell_time = np.nonzero(open_cell)
        self.cap = cap[:, self.cell_day, self.cell_time]  # G × C
        self.day_start = np.searchsorted(self.cell_day, np.arange(length + 1))
        self.evening = np.flatnonzero(self.cell_time == 1)
        first = np.ones(len(self.cell_day), dtype=bool)
        first[1:] = self.cell_day[1:] != self.cell_day[:-1]
        self.day_first = np.flatnonzero(first)  # the first cell of every open day
        self.day_second = np.flatnonzero(~first)  # the evening cell of a day that also has a daytime cell
        self.second_of = np.searchsorted(self.day_first, self.day_second) - 1  # … and that day's number
        self.cap_total_day = cap.sum(axis=(0, 2))  # N

    def run(
        self, demand: np.ndarray, requests: np.ndarray, rng: np.random.Generator | None, unit: float
    ) -> dict[str, np.ndarray]:
        """With `rng`, cancellations come back as whole bookings of `unit` minutes (Poisson around the
        expected minutes), not as a smooth share of every day: a day gets two cancellations or none, and
        whether the day after tomorrow has room depends on that (the backtest showed that the smooth version
        keeps the lead time at the notice days whenever a tenth of a day is longer than one visit).

        Layout: the replication axis is the *last* axis of every array (cell × group × replication), so the
        day's window `free[lo:hi]` is one contiguous block and every operation runs over all replications of
        a cell at once (the cumulative sum along the cells adds whole rows of replications)."""
        model, days = self.model, self.days
        _add = np.add.reduce  # ndarray.sum without its Python wrapper: the day loop calls it thousands of times
        reps = demand.shape[0]
        horizon = model.horizon_days
        cap = np.ascontiguousarray(self.cap.T)  # C × G
        groups = cap.shape[1]
        cap3 = cap[:, :, None]
        cell_day, cell_time, day_start = self.cell_day, self.cell_time, self.day_start
        length = self.cap_dense.shape[1]
        free = np.repeat(cap3, reps, axis=2)  # C × G × R
        # Cancellations: a share q of what was taken from a cell comes back `notice` days before its day. What
        # was taken is the cell's free minutes at the start (or after its release) minus its free minutes now –
        # the starting book included: it holds the bookings not cancelled yet, and a share q of them will be
        # (without it, a backtest started on a full book predicted the weeks after it too long). Only the days
        # from `notice` on: the cancellations of the first days were due before the start.
        base = free.copy()
        booked0 = model.initial_booked
        if booked0.size:
            ahead = cell_day < booked0.shape[1]
            idx = np.flatnonzero(ahead)
            taken0 = booked0[:, cell_day[idx], cell_time[idx]].T[:, :, None]
            free[idx] = np.maximum(free[idx] - taken0, 0.0)
            early = np.flatnonzero(cell_day < notice_days(model))
            base[early] = free[early]
        demand_days = np.ascontiguousarray(demand.transpose(1, 2, 0))  # D × class × R
        waiting = np.zeros((4, reps))
        waiting[0] = model.initial_waitlist
        q_cancel = model.cancellation_rate
        notice = model.cancel_notice_days
        rebook = model.no_show_rate * model.no_show_rebook
        split = np.asarray(model.channel_split, dtype=float)
        web_part = split[0] / split.sum()
        ref = model.reference_minutes
        cap_total_day = self.cap_total_day
        web_cap_day = self.cap_dense[WEB].sum(axis=-1)
        cum_total = np.concatenate([[0.0], np.cumsum(cap_total_day)])
        cum_web = np.concatenate([[0.0], np.cumsum(web_cap_day)])
        starts = np.arange(days) + 1
        cap_window = cum_total[starts + horizon] - cum_total[starts]  # offered minutes in each day's horizon
        mean_web = np.maximum((cum_web[starts + horizon] - cum_web[starts]) / horizon, 1e-9)
        cols = np.arange(reps)
        evening_seekers = model.evening_preference > 0
        ahead_minutes = np.empty((days, reps))  # Σ minutes × days ahead, booked that day
        booked_minutes = np.empty((days, reps))  # Σ minutes booked that day
        lead_day = np.zeros((days, reps))
        has_room = np.zeros((days, reps), dtype=bool)
        web_waiting = np.empty((days, reps))
        waitlist = np.empty((days, reps))
        free_window = np.empty((days, reps))
        with np.errstate(invalid="ignore", divide="ignore"):
            for d in range(days):
                release = d + notice
                if q_cancel > 0 and notice >= 1 and release < length:
                    a, b = day_start[release], day_start[release + 1]
                    if b > a:
                        times = cell_time[a:b]
                        if rng is not None:
                            # drawn replication × group × time class, as the dense ledger did (same random stream)
                            dense = np.zeros((reps, groups, 2))
                            dense[:, :, times] = (q_cancel * (base[a:b] - free[a:b])).transpose(2, 1, 0)
                            back = rng.poisson(dense / unit)[:, :, times].transpose(2, 1, 0) * unit
                            free[a:b] = np.minimum(free[a:b] + back, cap3[a:b])
                        else:
                            free[a:b] += q_cancel * (base[a:b] - free[a:b])
                        base[a:b] = free[a:b]
                    elif rng is not None:
                        rng.poisson(np.zeros((reps, groups, 2)))  # keep the stream of the dense ledger
                want = waiting + demand_days[d]
                if rebook > 0:
                    # today's visits are final now: no-shows among them book again today, through the channels
                    # bookings come by (not all online)
                    a, b = day_start[d], day_start[d + 1]
                    pending = q_cancel * (base[a:b] - free[a:b])  # booked after the release, lost
                    booked_today = cap_total_day[d] - _add(free[a:b] + pending, (0, 1))
                    want[0] += booked_today * rebook * web_part
                    want[2] += booked_today * rebook * (1.0 - web_part)
                lo, hi = day_start[d + 1], day_start[d + 1 + horizon]
                window = free[lo:hi]  # view: tomorrow … horizon, one contiguous block
                want_any = want[0::2]  # group × R
                if evening_seekers:
                    # a share waits for an evening slot; who finds none within the horizon takes the earliest time
                    e0, e1 = np.searchsorted(self.evening, (lo, hi))
                    eve = self.evening[e0:e1]
                    part = free[eve]
                    offered_e = _both(part)
                    left_e, _before = _take_earliest(part, want[1::2])
                    taken_e = offered_e - _both(part)  # evening cells × R, both groups
                    free[eve] = part
                    want_any = want_any + left_e
                per_cell = _both(window)
                left, before = _take_earliest(window, want_any)
                per_cell -= _both(window)  # minutes taken per cell, both groups: cells × R
                if evening_seekers:
                    per_cell[eve - lo] += taken_e
                waiting[0::2] = left
                ahead_minutes[d] = (cell_day[lo:hi] - d).astype(float) @ per_cell
                booked_minutes[d] = _add(per_cell, 0)
                # KPI: the next day with room for the reference service in the web share
                k0, k1 = np.searchsorted(self.day_first, (lo, hi))
                if k1 > k0:
                    web = window[:, WEB]
                    web_day = web[self.day_first[k0:k1] - lo]  # the day's first cell …
                    s0, s1 = np.searchsorted(self.day_second, (lo, hi))
                    if s1 > s0:  # … plus its evening cell on days that have both
                        web_day[self.second_of[s0:s1] - k0] += web[self.day_second[s0:s1] - lo]
                    room = web_day >= ref - 1e-9
                    first = room.argmax(axis=0)
                    lead_day[d] = cell_day[self.day_first[k0:k1]][first] - d
                    has_room[d] = room[first, cols]
                web_waiting[d] = left[WEB]
                waitlist[d] = left[WEB] + left[ASSISTED]
                free_window[d] = _add(np.maximum(before - want_any, 0.0), 0)  # earliest-first leaves the rest
            realised = ahead_minutes / booked_minutes
        lead = np.where(has_room, lead_day, horizon + 1 + web_waiting / mean_web[:, None])
        backlog = cap_window[:, None] - free_window + waitlist
        left_over = _add(free + q_cancel * (base - free), 1)  # free, or cancelled too late to be booked again: C × R
        left_over = np.concatenate([np.zeros((1, reps)), np.cumsum(left_over, axis=0)])
        span = day_start[: days + 1]
        served = cap_total_day[:days, None] - (left_over[span[1:]] - left_over[span[:-1]])
        served = served * (1.0 - model.no_show_rate)
        with np.errstate(invalid="ignore", divide="ignore"):
            utilisation = np.where(cap_total_day[:days, None] > 0, served / cap_total_day[:days, None], np.nan)
        return {  # replication × day, as `Result` holds them
            "lead": lead.T,
            "realised": realised.T,
            "backlog": backlog.T,
            "waitlist": waitlist.T,
            "utilisation": utilisation.T,
            "requests": requests.astype(float),
        }


def walk_in_summary(model: OfficeModel, days: int, *, replications: int = 200, seed: int = 0) -> dict[str, Any]:
    """Waiting times in the walk-in hours, simulated per distinct session type (counters × open minutes)."""
    cap = model.capacity
    if model.walk_in_per_hour <= 0:
        return {}
    sessions: dict[tuple[int, int], int] = {}
    for minutes, counters in zip(cap.walk_in_minutes[:days], cap.walk_in_counters[:days], strict=True):
        if counters > 0 and minutes > 0:
            key = (int(counters), round(minutes / counters))
            sessions[key] = sessions.get(key, 0) + 1
    if not sessions:
        return {}
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    rows = []
    for (counters, open_minutes), count in sorted(sessions.items()):
        waits = queueing.walk_in_day(
            rng,
            replications,
            arrival_rate=model.walk_in_per_hour / 60.0,
            mean_service=model.walk_in_service_minutes,
            servers=counters,
            open_minutes=open_minutes,
        )
        flat = waits[np.isfinite(waits)]
        rows.append(
            {
                "counters": counters,
                "open_minutes": open_minutes,
                "sessions": count,
                "mean_wait": float(flat.mean()) if flat.size else 0.0,
                "p90_wait": float(np.quantile(flat, 0.9)) if flat.size else 0.0,
            }
        )
    return {"sessions": rows, "walk_ins_per_hour": model.walk_in_per_hour}
