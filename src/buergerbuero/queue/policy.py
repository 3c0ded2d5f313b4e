"""Who is next, and how long will it take: the pure rules of the office floor (no ORM).

Order for a clerk pressing "next" (only visits the clerk may serve: skill, and a counter the visit
was sent to):

1. appointments that are *due* (their time minus a few minutes has come), priority first, then by
   appointment time;
2. walk-ins (including late arrivals turned into walk-ins), priority first, then first come first
   served by the time they started waiting;
3. appointments checked in early, by appointment time – a free clerk serves them rather than idle.

Waiting-time estimates use measured handling times (mean of the last weeks per service, falling back
to the catalogue minutes when there are too few measurements) and the number of clerks present.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DUE, WALK_IN, EARLY = 0, 1, 2
MIN_SAMPLES = 5


@dataclass(frozen=True, slots=True)
class Candidate:
    """A waiting visit as plain data."""

    id: int
    service_id: int
    queued_at: dt.datetime
    due_at: dt.datetime | None = None  # appointment time; None for walk-ins
    priority: bool = False
    target_counter: int | None = None  # sent to one counter only


@dataclass(frozen=True, slots=True)
class Clerk:
    counter: int
    skills: frozenset[int] | None = None  # service ids; None = every service


def group(candidate: Candidate, now: dt.datetime, due_window: dt.timedelta) -> int:
    if candidate.due_at is None:
        return WALK_IN
    return DUE if candidate.due_at - due_window <= now else EARLY


def sort_key(candidate: Candidate, now: dt.datetime, due_window: dt.timedelta) -> tuple:
    g = group(candidate, now, due_window)
    when = candidate.queued_at if g == WALK_IN else candidate.due_at
    return (g, not candidate.priority, when, candidate.queued_at, candidate.id)


def may_serve(clerk: Clerk, candidate: Candidate) -> bool:
    if candidate.target_counter is not None and candidate.target_counter != clerk.counter:
        return False
    return clerk.skills is None or candidate.service_id in clerk.skills


def ranking(
    candidates: Iterable[Candidate],
    *,
    now: dt.datetime,
    clerk: Clerk | None = None,
    due_minutes: int = 5,
) -> list[Candidate]:
    """All candidates in the order they would be called (by this clerk, or by anybody if clerk is None)."""
    window = dt.timedelta(minutes=due_minutes)
    pool = [c for c in candidates if clerk is None or may_serve(clerk, c)]
    return sorted(pool, key=lambda c: sort_key(c, now, window))


def choose_next(
    candidates: Iterable[Candidate], *, now: dt.datetime, clerk: Clerk, due_minutes: int = 5
) -> Candidate | None:
    ranked = ranking(candidates, now=now, clerk=clerk, due_minutes=due_minutes)
    return ranked[0] if ranked else None


def handling_minutes(
    samples: Mapping[int, Sequence[float]], defaults: Mapping[int, float], *, min_samples: int = MIN_SAMPLES
) -> dict[int, float]:
    """Expected minutes per service: mean of the measurements (outliers above 3× the median cut) or the default."""
    out = dict(defaults)
    for service_id, values in samples.items():
        values = sorted(v for v in values if v > 0)
        if len(values) < min_samples:
            continue
        median = values[len(values) // 2]
        kept = [v for v in values if v <= 3 * median]
        out[service_id] = sum(kept) / len(kept)
    return out


def estimated_wait_minutes(
    ahead_service_ids: Sequence[int],
    minutes: Mapping[int, float],
    *,
    clerks: int,
    in_service_remaining: float = 0.0,
    fallback_minutes: float = 15.0,
) -> int:
    """Minutes until a visit is called: the work ahead of it shared by the clerks present.

    `ahead_service_ids` are the services of the visits ranked before it; `in_service_remaining` is
    the work still left at the counters right now. With no clerk present there is no estimate (-1).
    """
    if clerks <= 0:
        return -1
    work = sum(minutes.get(s, fallback_minutes) for s in ahead_service_ids) + in_service_remaining
    return math.ceil(work / clerks)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default, without numpy."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
