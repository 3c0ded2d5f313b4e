"""Erlang C staffing for a call center interval (pure, no ORM).

Traffic A = calls × handle time / interval length (Erlangs). With N agents (N > A):
- probability of waiting  C(N, A) = Erlang C, from the Erlang B recursion (numerically stable),
- service level           SL(t) = 1 − C · exp(−(N − A) · t / AHT),
- average speed of answer ASA = C · AHT / (N − A).
Agents needed: the smallest N whose service level reaches the target, then divided by (1 − shrinkage)
for breaks, training and absence (rounded up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def traffic(calls: float, handle_seconds: float, interval_seconds: float = 1800) -> float:
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    return calls * handle_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


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
    max_agents: int = 1000,
) -> Staffing:
    """Agents for one interval to answer target_level of calls within target_seconds."""
    if not 0 < target_level < 1:
        raise ValueError("target_level must be between 0 and 1")
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    if calls < 0 or handle_seconds <= 0:
        raise ValueError("calls must be >= 0 and handle_seconds > 0")
    load = traffic(calls, handle_seconds, interval_seconds)
    if load == 0:
        return Staffing(calls, 0.0, 0, 0, 0.0, 1.0, 0.0, 0.0)
    agents = max(1, math.floor(load) + 1)
    while service_level(agents, load, handle_seconds, target_seconds) < target_level:
        agents += 1
        if agents > max_agents:
            raise ValueError("more than max_agents needed")
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
