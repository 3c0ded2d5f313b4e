"""Baseline: a straightforward SimPy implementation of the planner's daily model (request by request).

Same model as `buergerbuero.planning.engine` – the same capacity pools, demand distributions (Poisson
counts with a day-level gamma shock), booking rule (earliest free minutes within the horizon; evening
seekers first, falling back to the earliest time), waitlist, cancellations released `notice` days
ahead and no-shows booking again – but written the way one would write it with a discrete-event library:
one SimPy process per booking request, plain Python lists for the capacity ledger. It is the yardstick
for the engine's speed and for agreement of the results within Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import simpy

from buergerbuero.planning import engine


class Office:
    def __init__(self, model: engine.OfficeModel, days: int):
        self.model = model
        self.days = days
        self.horizon = model.horizon_days
        self.length = days + self.horizon + 2
        cap = engine.pool_capacity(model, self.length)  # group × day × time
        self.capacity = cap.tolist()
        self.free = cap.tolist()
        booked = model.initial_booked
        for g in range(booked.shape[0]):
            for day in range(min(booked.shape[1], self.length)):
                for t in range(2):
                    self.free[g][day][t] = max(0.0, self.free[g][day][t] - booked[g, day, t])
        self.pending = [[[0.0, 0.0] for _ in range(self.length)] for _ in range(2)]
        self.waitlist: list[tuple[int, float]] = []  # (group, minutes), first come first served
        self.lead: list[float] = []
        self.backlog: list[float] = []
        self.waiting: list[float] = []

    def book(self, today: int, group: int, minutes: float, evening_only: bool) -> float:
        """Take `minutes` from the earliest free capacity of the group; returns what could not be placed."""
        q = self.model.cancellation_rate
        free = self.free[group]
        pending = self.pending[group]
        for day in range(today + 1, today + 1 + self.horizon):
            for t in (1,) if evening_only else (0, 1):
                if minutes <= 0:
                    return 0.0
                take = min(free[day][t], minutes)
                if take > 0:
                    free[day][t] -= take
                    pending[day][t] += q * take
                    minutes -= take
        return max(minutes, 0.0)


def run(model: engine.OfficeModel, days: int, seed: int) -> dict:
    env = simpy.Environment()
    office = Office(model, days)
    rng = np.random.default_rng(seed)
    lam, minutes = engine.expected_demand(model, days)  # day × service × class
    notice = model.cancel_notice_days
    rebook = model.no_show_rate * model.no_show_rebook
    ref = model.reference_minutes
    web_cap = [sum(day) for day in office.capacity[engine.WEB]]
    total_cap = [sum(office.capacity[g][day][t] for g in range(2) for t in range(2)) for day in range(office.length)]

    def request(today: int, group: int, size: float, evening: bool, delay: float):
        yield env.timeout(delay)
        left = size
        if evening:
            left = office.book(today, group, left, evening_only=True)
        if left > 0:
            left = office.book(today, group, left, evening_only=False)
        if left > 0:
            office.waitlist.append((group, left))

    def day_process():
        for today in range(days):
            # cancellations of visits `notice` days ahead give their minutes back
            release = today + notice
            if model.cancellation_rate > 0 and notice >= 1 and release < office.length:
                for g in range(2):
                    for t in range(2):
                        office.free[g][release][t] += office.pending[g][release][t]
                        office.pending[g][release][t] = 0.0
            # the waitlist books first
            waiting, office.waitlist = office.waitlist, []
            for group, size in waiting:
                env.process(request(today, group, size, False, 0.3))
            if rebook > 0:
                booked = total_cap[today] - sum(
                    office.free[g][today][t] + office.pending[g][today][t] for g in range(2) for t in range(2)
                )
                env.process(request(today, engine.WEB, booked * rebook, False, 0.35))
            shock = rng.gamma(1 / model.day_dispersion**2, model.day_dispersion**2) if model.day_dispersion > 0 else 1
            counts = rng.poisson(lam[today] * shock)  # service × class
            for s, k in zip(*np.nonzero(counts), strict=True):
                group, evening = int(k) // 2, int(k) % 2 == 1
                delay = 0.1 if evening else 0.5  # evening seekers first, as in the engine
                for _ in range(counts[s, k]):
                    env.process(request(today, group, float(minutes[s]), evening, delay))
            env.process(monitor(today))
            yield env.timeout(1)

    def monitor(today: int):
        yield env.timeout(0.99)
        lo, hi = today + 1, today + 1 + office.horizon
        queued = sum(size for group, size in office.waitlist if group == engine.WEB)
        lead = None
        for offset, day in enumerate(range(lo, hi), start=1):
            if sum(office.free[engine.WEB][day]) >= ref - 1e-9:
                lead = offset
                break
        if lead is None:
            lead = office.horizon + 1 + queued / max(sum(web_cap[lo:hi]) / office.horizon, 1e-9)
        office.lead.append(lead)
        waitlist = sum(size for _g, size in office.waitlist)
        office.waiting.append(waitlist)
        free = sum(office.free[g][day][t] for g in range(2) for day in range(lo, hi) for t in range(2))
        office.backlog.append(sum(total_cap[lo:hi]) - free + waitlist)

    env.process(day_process())
    env.run(until=days)
    return {"lead": np.array(office.lead), "backlog": np.array(office.backlog), "waitlist": np.array(office.waiting)}
