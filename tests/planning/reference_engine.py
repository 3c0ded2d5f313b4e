"""The engine's day loop as it was before the compressed, threaded version (test oracle, not product code).

`tests/planning/test_engine_speed.py` checks that `engine.simulate` gives the same ledger for the same demand and
the same distributions for the same model. Copied from `planning/engine.py` at the backtest commit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from buergerbuero.planning.engine import (
    WEB,
    OfficeModel,
    Result,
    expected_demand,
    pool_capacity,
    walk_in_summary,
)

_add = np.add.reduce


def _take_earliest(window: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Take `want` minutes from the front of `window` (last axis), in place. Returns (taken, not placed)."""
    cum = window.cumsum(axis=-1)
    unplaced = np.maximum(want - cum[..., -1], 0.0)
    ahead = cum - window  # free minutes in front of each cell
    taken = np.minimum(window, np.maximum(want[..., None] - ahead, 0.0))
    window -= taken
    return taken, unplaced


def simulate(
    model: OfficeModel,
    *,
    days: int = 365,
    replications: int = 1,
    seed: int = 0,
    deterministic: bool = False,
    chunk: int = 100,
    progress: Callable[[float], None] | None = None,
) -> Result:
    """Run the daily ledger for `days` arrival days and `replications` Monte Carlo replications."""
    horizon = model.horizon_days
    length = days + horizon + 2
    cap = pool_capacity(model, length)  # G × N × T
    lam, minutes = expected_demand(model, days)
    if deterministic:
        replications, chunk = 1, 1
    seeds = np.random.SeedSequence(seed).spawn(max(1, -(-replications // chunk)))
    parts = []
    done = 0
    for child in seeds:
        reps = min(chunk, replications - done)
        rng = np.random.default_rng(child)
        if deterministic:
            demand = (lam * minutes[None, :, None]).sum(axis=1)[None]  # 1 × D × 4
            requests = lam.sum(axis=(1, 2))[None]
        else:
            shock = _day_shock(rng, reps, days, model.day_dispersion)
            counts = rng.poisson(lam[None] * shock[:, :, None, None])  # R × D × S × 4
            demand = np.einsum("rdsk,s->rdk", counts, minutes)
            requests = counts.sum(axis=(2, 3))
        unit = float((lam.sum(axis=(0, 2)) * minutes).sum() / max(lam.sum(), 1e-12))
        parts.append(_ledger(model, cap, demand, requests, days, None if deterministic else rng, unit))
        done += reps
        if progress is not None:
            progress(done / replications)
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    open_day = cap[:, :days, :].sum(axis=(0, 2)) > 0
    walk_in = walk_in_summary(model, days, replications=min(replications, 200), seed=seed)
    return Result(start=model.start, days=days, open_day=open_day, walk_in=walk_in, **merged)


def _day_shock(rng: np.random.Generator, reps: int, days: int, cv: float) -> np.ndarray:
    if cv <= 0:
        return np.ones((reps, days))
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size=(reps, days))


def _ledger(
    model: OfficeModel,
    cap: np.ndarray,
    demand: np.ndarray,
    requests: np.ndarray,
    days: int,
    rng: np.random.Generator | None = None,
    unit: float = 1.0,
) -> dict:
    """The day loop. With `rng`, cancellations come as whole bookings of `unit` minutes (Poisson around the
    expected share), not as a smooth share of every day: a day gets two cancellations or none, and whether the
    day after tomorrow has room for the reference service depends on that (the backtest showed the smooth
    version keeps the lead time at the notice days whenever a tenth of a day is longer than one visit)."""
    reps = demand.shape[0]
    horizon = model.horizon_days
    groups, length, _times = cap.shape
    free = np.broadcast_to(cap, (reps, *cap.shape)).copy()  # R × G × N × T
    booked0 = model.initial_booked
    if booked0.size:
        n0 = min(booked0.shape[1], length)
        free[:, :, :n0, :] = np.maximum(free[:, :, :n0, :] - booked0[None, :, :n0, :], 0.0)
    pending = np.zeros_like(free)  # cancellations booked into day t, released on day t − notice
    if booked0.size and model.cancellation_rate > 0 and model.cancel_notice_days >= 1:
        # a share of the starting book will be cancelled too (days from `notice` on; the others' time has passed)
        k, n0 = model.cancel_notice_days, min(booked0.shape[1], length)
        if n0 > k:
            taken0 = np.minimum(booked0[:, k:n0, :], cap[:, k:n0, :])
            pending[:, :, k:n0, :] += model.cancellation_rate * taken0[None]
    waiting = np.zeros((reps, 4))
    waiting[:, 0] = model.initial_waitlist
    q_cancel = model.cancellation_rate
    notice = model.cancel_notice_days
    rebook = model.no_show_rate * model.no_show_rebook
    split = np.asarray(model.channel_split, dtype=float)
    web_part = split[0] / split.sum()
    ref = model.reference_minutes
    cap_total_day = cap.sum(axis=(0, 2))  # N
    web_cap_day = cap[WEB].sum(axis=-1)  # N
    offsets = np.arange(1, horizon + 1, dtype=float)

    cum_total = np.concatenate([[0.0], np.cumsum(cap_total_day)])
    cum_web = np.concatenate([[0.0], np.cumsum(web_cap_day)])
    starts = np.arange(days) + 1
    cap_window = cum_total[starts + horizon] - cum_total[starts]  # offered minutes in each day's horizon
    mean_web = np.maximum((cum_web[starts + horizon] - cum_web[starts]) / horizon, 1e-9)
    weights = np.stack([np.repeat(offsets, 2), np.ones(2 * horizon)], axis=1)  # → (weighted days, minutes)
    rows = np.arange(reps)
    evening_seekers = model.evening_preference > 0
    # per day, filled in the loop; the arithmetic on them happens once afterwards
    booked_days = np.empty((reps, days, 2))  # (Σ minutes × days ahead, Σ minutes) booked that day
    first_room = np.empty((reps, days), dtype=np.intp)
    has_room = np.empty((reps, days), dtype=bool)
    web_waiting = np.empty((reps, days))
    waitlist = np.empty((reps, days))
    free_window = np.empty((reps, days))
    free_flat = free.reshape(reps, groups, length * 2)
    pending_flat = pending.reshape(reps, groups, length * 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        for d in range(days):
            release = d + notice
            if q_cancel > 0 and notice >= 1 and release < length:
                back = pending[:, :, release, :]
                if rng is not None:
                    back = np.minimum(rng.poisson(back / unit) * unit, cap[None, :, release, :])
                    free[:, :, release, :] = np.minimum(free[:, :, release, :] + back, cap[None, :, release, :])
                else:
                    free[:, :, release, :] += back
                pending[:, :, release, :] = 0.0
            want = waiting + demand[:, d, :]
            if rebook > 0:
                # today's visits are final now: no-shows among them book again today, through the channels
                # bookings come by (not all online)
                booked_today = cap_total_day[d] - _add(free[:, :, d, :] + pending[:, :, d, :], (1, 2))
                want[:, 0] += booked_today * rebook * web_part
                want[:, 2] += booked_today * rebook * (1.0 - web_part)
            lo, hi = 2 * (d + 1), 2 * (d + 1 + horizon)
            window = free_flat[:, :, lo:hi]  # view: tomorrow … horizon, day-major, then time class
            want_any = want[:, 0::2]
            if evening_seekers:
                # a share waits for an evening slot; who finds none within the horizon takes the earliest time
                taken_e, left_e = _take_earliest(window[:, :, 1::2], want[:, 1::2])
                want_any = want_any + left_e
            taken, left = _take_earliest(window, want_any)
            if evening_seekers:
                taken[:, :, 1::2] += taken_e
            if q_cancel > 0:
                pending_flat[:, :, lo:hi] += q_cancel * taken
            waiting[:, 0::2] = left
            booked_days[:, d, :] = _add(taken, 1) @ weights
            # KPI: the next day with room for the reference service in the web share
            room = (window[:, WEB, 0::2] + window[:, WEB, 1::2]) >= ref - 1e-9
            first = room.argmax(axis=1)
            first_room[:, d] = first
            has_room[:, d] = room[rows, first]
            web_waiting[:, d] = left[:, WEB]
            waitlist[:, d] = _add(left, 1)
            free_window[:, d] = _add(window, (1, 2))
        realised = booked_days[:, :, 0] / booked_days[:, :, 1]
    lead = np.where(has_room, first_room + 1, horizon + 1 + web_waiting / mean_web[None, :])
    backlog = cap_window[None, :] - free_window + waitlist
    served = cap_total_day[:days] - free[:, :, :days, :].sum(axis=(1, 3)) - pending[:, :, :days, :].sum(axis=(1, 3))
    served = served * (1.0 - model.no_show_rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(cap_total_day[None, :days] > 0, served / cap_total_day[None, :days], np.nan)
    return {
        "lead": lead,
        "realised": realised,
        "backlog": backlog,
        "waitlist": waitlist,
        "utilisation": utilisation,
        "requests": requests.astype(float),
    }
