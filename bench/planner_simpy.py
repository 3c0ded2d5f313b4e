"""Baseline: a lean SimPy implementation of the planner's daily model, aggregated per day and class.

Same model as `buergerbuero.planning.engine` – the same capacity pools and cells (day × daytime/evening),
demand distributions (Poisson counts per service and class with a day-level gamma shock), booking rule
(evening seekers first on evening cells, then the earliest free minutes within the horizon), waitlist,
cancellations released `notice` days ahead as whole bookings, no-shows booking again – written the way one
would write it well with a discrete-event library: per day one SimPy process per request *class* (not per
request) books that class's minutes, and every pool keeps a pointer to its first day with free minutes, so
booked-out days are never scanned again (a cancellation moves the pointer back). Plain Python lists are the
ledger. It is the yardstick for the engine's speed and for agreement of the results within Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import simpy

from buergerbuero.planning import engine


class Pool:
    """Free minutes of one group (web or assisted) per day and time class, with a first-free pointer per class."""

    def __init__(self, cap: list[list[float]], booked: np.ndarray):
        self.cap = cap  # day → [daytime, evening]
        self.free = [list(day) for day in cap]
        for day in range(min(len(booked), len(cap))):
            for t in range(2):
                self.free[day][t] = max(0.0, self.free[day][t] - float(booked[day, t]))
        self.pending = [[0.0, 0.0] for _ in cap]
        self.front = [0, 0]  # per time class: no free minute before this day

    def take(self, first: int, last: int, want: float, times: tuple[int, ...], q: float) -> float:
        """Take `want` minutes from the earliest cells of days first…last−1 in `times`; returns what is left."""
        start = max(first, min(self.front[t] for t in times))
        free, pending = self.free, self.pending
        for day in range(start, last):
            cells = free[day]
            for t in times:
                have = cells[t]
                if have <= 0.0:
                    continue
                take = have if have < want else want
                cells[t] = have - take
                pending[day][t] += q * take
                want -= take
                if want <= 0.0:
                    self._advance(day, times)
                    return 0.0
        self._advance(last, times)
        return want

    def _advance(self, day: int, times: tuple[int, ...]) -> None:
        for t in times:
            if self.front[t] < day:
                d = self.front[t]
                while d < day and self.free[d][t] <= 0.0:
                    d += 1
                self.front[t] = d

    def release(self, day: int, rng: np.random.Generator, unit: float) -> None:
        for t in range(2):
            expected = self.pending[day][t]
            if expected > 0.0:
                back = rng.poisson(expected / unit) * unit
                self.free[day][t] = min(self.free[day][t] + back, self.cap[day][t])
                self.pending[day][t] = 0.0
                self.front[t] = min(self.front[t], day)


def run(model: engine.OfficeModel, days: int, seed: int) -> dict:
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    horizon = model.horizon_days
    length = days + horizon + 2
    cap = engine.pool_capacity(model, length)  # group × day × time
    booked = model.initial_booked
    pools = [Pool(cap[g].tolist(), booked[g] if booked.size else np.zeros((0, 2))) for g in range(2)]
    if model.cancellation_rate > 0 and model.cancel_notice_days >= 1:
        # a share of the starting book will be cancelled too (days from `notice` on; the others' time has passed)
        for pool in pools:
            for day in range(model.cancel_notice_days, min(len(booked[0]) if booked.size else 0, length)):
                for t in range(2):
                    pool.pending[day][t] += model.cancellation_rate * (pool.cap[day][t] - pool.free[day][t])
    lam, minutes = engine.expected_demand(model, days)  # day × service × class
    unit = float((lam.sum(axis=(0, 2)) * minutes).sum() / max(lam.sum(), 1e-12))
    q = model.cancellation_rate
    notice = model.cancel_notice_days
    rebook = model.no_show_rate * model.no_show_rebook
    split = np.asarray(model.channel_split, dtype=float)
    web_part = split[0] / split.sum()
    ref = model.reference_minutes
    total_day = cap.sum(axis=(0, 2)).tolist()
    web_day = cap[engine.WEB].sum(axis=-1).tolist()
    waiting = [0.0, 0.0]  # per group: minutes on the waitlist
    waiting[engine.WEB] = model.initial_waitlist
    out: dict[str, list[float]] = {"lead": [], "backlog": [], "waitlist": []}
    cv = model.day_dispersion

    def book(today: int, group: int, evening: float, any_time: float):
        # one process per day and class: evening seekers on evening cells first, then everyone the earliest time
        yield env.timeout(0.5)
        lo, hi = today + 1, today + 1 + horizon
        pool = pools[group]
        rest = pool.take(lo, hi, evening, (1,), q) if evening > 0 else 0.0
        waiting[group] = pool.take(lo, hi, any_time + rest, (0, 1), q) if any_time + rest > 0 else 0.0

    def monitor(today: int):
        yield env.timeout(0.99)
        lo, hi = today + 1, today + 1 + horizon
        web = pools[engine.WEB]
        lead = None
        for day in range(max(lo, min(web.front)), hi):
            if web.free[day][0] + web.free[day][1] >= ref - 1e-9:
                lead = day - today
                break
        if lead is None:
            lead = horizon + 1 + waiting[engine.WEB] / max(sum(web_day[lo:hi]) / horizon, 1e-9)
        out["lead"].append(lead)
        free = sum(p.free[day][0] + p.free[day][1] for p in pools for day in range(lo, hi))
        out["waitlist"].append(waiting[0] + waiting[1])
        out["backlog"].append(sum(total_day[lo:hi]) - free + waiting[0] + waiting[1])

    def office():
        for today in range(days):
            release = today + notice
            if q > 0 and notice >= 1 and release < length:
                for pool in pools:
                    pool.release(release, rng, unit)
            shock = rng.gamma(1 / cv**2, cv**2) if cv > 0 else 1.0
            counts = rng.poisson(lam[today] * shock)  # service × class
            demand = counts.T @ minutes  # class: web-earliest, web-evening, assisted-earliest, assisted-evening
            extra = [0.0, 0.0]
            if rebook > 0:
                booked_today = total_day[today] - sum(
                    p.free[today][t] + p.pending[today][t] for p in pools for t in range(2)
                )
                extra = [booked_today * rebook * web_part, booked_today * rebook * (1.0 - web_part)]
            for group in range(2):
                earliest = waiting[group] + float(demand[2 * group]) + extra[group]
                env.process(book(today, group, float(demand[2 * group + 1]), earliest))
            env.process(monitor(today))
            yield env.timeout(1)

    env.process(office())
    env.run(until=days)
    return {key: np.array(values) for key, values in out.items()}
