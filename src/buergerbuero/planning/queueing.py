"""Intra-day queue: M/M/c (Erlang C) closed forms and a first-come-first-served simulator (pure).

The closed forms are the yardstick the simulator is tested against; the simulator is what the planner uses
for walk-in hours, which are short, start empty and stop admitting at closing time – a situation the
steady-state formulas do not describe. Times are in minutes throughout.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from buergerbuero.core.lazy import LazyModule

# loaded by the first simulation (buergerbuero.core.lazy); for the type checker NumPy itself
if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy", globals(), "np")


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arriving customer has to wait (Erlang C), offered load a = λ/μ in Erlang.

    Computed through the Erlang B recursion, which is numerically stable for large server counts.
    """
    if servers < 1:
        raise ValueError("servers must be at least 1")
    if offered_load < 0:
        raise ValueError("offered load must not be negative")
    if offered_load >= servers:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    rho = offered_load / servers
    return blocking / (1.0 - rho + rho * blocking)


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean waiting time in queue Wq of an M/M/c queue (math.inf when it is unstable)."""
    if arrival_rate >= servers * service_rate:
        return math.inf
    load = arrival_rate / service_rate
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)


def mmc_service_level(arrival_rate: float, service_rate: float, servers: int, within: float) -> float:
    """P(wait ≤ within) of an M/M/c queue: 1 − C · exp(−(cμ − λ)·t)."""
    if arrival_rate >= servers * service_rate:
        return 0.0
    load = arrival_rate / service_rate
    return 1.0 - erlang_c(servers, load) * math.exp(-(servers * service_rate - arrival_rate) * within)


def mmc_mean_queue_length(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Lq = λ · Wq (Little's law)."""
    return arrival_rate * mmc_mean_wait(arrival_rate, service_rate, servers)


def fcfs_waits(arrivals: np.ndarray, services: np.ndarray, servers: int) -> np.ndarray:
    """Waiting times of customers at `servers` identical counters, first come first served.

    `arrivals` (R × N, sorted along each row; np.inf marks a customer who does not exist in that
    replication) and `services` (R × N) hold R independent replications, which are advanced together:
    one step per customer position, vectorised across replications. Missing customers get a wait of NaN.
    """
    arrivals = np.atleast_2d(np.asarray(arrivals, dtype=float))
    services = np.atleast_2d(np.asarray(services, dtype=float))
    reps, n = arrivals.shape
    free_at = np.zeros((reps, servers))
    waits = np.full((reps, n), np.nan)
    rows = np.arange(reps)
    for k in range(n):
        arrival = arrivals[:, k]
        present = np.isfinite(arrival)
        if not present.any():
            break
        counter = free_at.argmin(axis=1)
        earliest = free_at[rows, counter]
        start = np.maximum(earliest, np.where(present, arrival, 0.0))
        waits[:, k] = np.where(present, start - arrival, np.nan)
        free_at[rows, counter] = np.where(present, start + services[:, k], earliest)
    return waits


def poisson_arrivals(rng: np.random.Generator, reps: int, rate: float, length: float) -> np.ndarray:
    """Arrival times of a Poisson process on [0, length) for `reps` replications (np.inf pads the rows)."""
    expected = rate * length
    n_max = max(1, int(expected + 8 * math.sqrt(expected + 1) + 10))
    times = np.cumsum(rng.exponential(1.0 / rate, size=(reps, n_max)), axis=1) if rate > 0 else None
    if times is None:
        return np.full((reps, 1), np.inf)
    times[times >= length] = np.inf
    return times


def walk_in_day(
    rng: np.random.Generator,
    reps: int,
    *,
    arrival_rate: float,
    mean_service: float,
    servers: int,
    open_minutes: float,
) -> np.ndarray:
    """Waits of one walk-in session: Poisson arrivals while open, exponential service, everyone admitted
    before closing is served. Returns R × N waits (NaN where a replication had fewer customers)."""
    arrivals = poisson_arrivals(rng, reps, arrival_rate, open_minutes)
    services = rng.exponential(mean_service, size=arrivals.shape)
    return fcfs_waits(arrivals, services, servers)
