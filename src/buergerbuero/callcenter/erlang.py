"""Erlang C staffing for a call center interval (pure, no ORM).

Traffic A = calls × handle time / interval length (Erlangs). With N agents (N > A):
- probability of waiting  C(N, A) = Erlang C, from the Erlang B recursion (numerically stable),
- service level           SL(t) = 1 − C · exp(−(N − A) · t / AHT),
- average speed of answer ASA = C · AHT / (N − A).
Agents needed: the smallest N whose service level reaches the target, then divided by (1 − shrinkage)
for breaks, training and absence (rounded up).

The search starts at ⌊A⌋ + 1 and gallops upwards in steps of ≈ √A (the square-root staffing rule: the
answer lies within a few √A of the load), then bisects; the service level grows with N, so the smallest
N is found with O(log) evaluations of an O(N) recursion — 10,000 Erlangs take milliseconds. There is no
fixed agent cap: the only bound is LIMITS, which refuses nonsense input (negative, zero interval,
absurd values) with an `InputError` naming the field before any arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class InputError(ValueError):
    """Input the staffing maths refuses; `field` names the offending parameter."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# Plausibility bounds (inclusive): beyond them the question is nonsense, not a large call center.
MAX_LOAD = 100_000.0  # Erlangs: 100,000 agents busy at once
MAX_HANDLE_SECONDS = 4 * 3600  # a call lasts at most 4 hours (Call.duration_seconds has the same bound)
MAX_INTERVAL_SECONDS = 24 * 3600
MAX_TARGET_SECONDS = 3600


def check_input(
    *,
    calls: float,
    handle_seconds: float,
    target_level: float,
    target_seconds: float,
    shrinkage: float,
    interval_seconds: float,
) -> None:
    """Raise InputError for values no interval of a real call center can have."""
    for name, value in (
        ("calls", calls),
        ("handle_seconds", handle_seconds),
        ("target_level", target_level),
        ("target_seconds", target_seconds),
        ("shrinkage", shrinkage),
        ("interval_seconds", interval_seconds),
    ):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(name, f"{name} must be a finite number")
    if not 0 < interval_seconds <= MAX_INTERVAL_SECONDS:
        raise InputError("interval_seconds", "interval length must be > 0 and at most one day")
    if not 0 < handle_seconds <= MAX_HANDLE_SECONDS:
        raise InputError("handle_seconds", "handle time must be > 0 and at most 4 hours")
    if calls < 0:
        raise InputError("calls", "calls must not be negative")
    if not 0 < target_level < 1:
        raise InputError("target_level", "target_level must be between 0 and 1")
    if not 0 <= target_seconds <= MAX_TARGET_SECONDS:
        raise InputError("target_seconds", "target_seconds must be between 0 and 3600")
    if not 0 <= shrinkage < 1:
        raise InputError("shrinkage", "shrinkage must be in [0, 1)")
    if calls * handle_seconds / interval_seconds > MAX_LOAD:
        raise InputError("calls", f"more than {MAX_LOAD:,.0f} Erlangs of traffic")


def traffic(calls: float, handle_seconds: float, interval_seconds: float = 1800) -> float:
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    return calls * handle_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def smallest_agents(load: float, handle_seconds: float, target_level: float, target_seconds: float) -> int:
    """The smallest N > load with service_level(N) ≥ target_level (bounded gallop + bisection).

    SL(N) increases with N and tends to 1, so for target_level < 1 an answer exists; the gallop doubles
    its step from ≈ √A, so it needs O(log) probes whatever the load."""

    def ok(n: int) -> bool:
        return service_level(n, load, handle_seconds, target_seconds) >= target_level

    low = math.floor(load) + 1  # the smallest stable staffing
    if ok(low):
        return low
    step = max(1, math.isqrt(math.ceil(load)))
    high = low + step
    while not ok(high):
        low, step = high, step * 2
        high = low + step
    # invariant: not ok(low), ok(high)
    while high - low > 1:
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid
    return high


def wait_probability(agents: int, load: float) -> float:
    """Erlang C: the probability that a call has to wait (1.0 if the agents cannot keep up)."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    return agents * b / (agents - load * (1 - b))


def service_level(agents: int, load: float, handle_seconds: float, target_seconds: float) -> float:
    """Share of calls answered within target_seconds."""
    if load <= 0:
        return 1.0
    if agents <= load:
        return 0.0
    pw = wait_probability(agents, load)
    return 1 - pw * math.exp(-(agents - load) * target_seconds / handle_seconds)


def average_speed_of_answer(agents: int, load: float, handle_seconds: float) -> float:
    if load <= 0:
        return 0.0
    if agents <= load:
        return math.inf
    return wait_probability(agents, load) * handle_seconds / (agents - load)


@dataclass(frozen=True, slots=True)
class Staffing:
    calls: float
    load: float  # Erlangs
    agents_on_phone: int  # needed at the phones
    agents_rostered: int  # with shrinkage
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float


def agents_needed(
    *,
    calls: float,
    handle_seconds: float,
    target_level: float = 0.75,
    target_seconds: float = 30,
    shrinkage: float = 0.3,
    interval_seconds: float = 1800,
) -> Staffing:
    """Agents for one interval to answer target_level of calls within target_seconds."""
    check_input(
        calls=calls,
        handle_seconds=handle_seconds,
        target_level=target_level,
        target_seconds=target_seconds,
        shrinkage=shrinkage,
        interval_seconds=interval_seconds,
    )
    load = traffic(calls, handle_seconds, interval_seconds)
    if load == 0:
        return Staffing(calls, 0.0, 0, 0, 0.0, 1.0, 0.0, 0.0)
    agents = smallest_agents(load, handle_seconds, target_level, target_seconds)
    return Staffing(
        calls=calls,
        load=load,
        agents_on_phone=agents,
        agents_rostered=math.ceil(agents / (1 - shrinkage) - 1e-9),
        wait_probability=wait_probability(agents, load),
        service_level=service_level(agents, load, handle_seconds, target_seconds),
        asa_seconds=average_speed_of_answer(agents, load, handle_seconds),
        occupancy=load / agents,
    )
