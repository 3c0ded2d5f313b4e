"""Properties of the ledger for arbitrary capacity and demand patterns (hypothesis)."""

import dataclasses
import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from buergerbuero.planning import engine
from tests.planning.test_engine import START, model

minutes = st.floats(min_value=0, max_value=300, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.lists(minutes, min_size=7, max_size=7),
    closed=st.lists(st.booleans(), min_size=90, max_size=90),
    weekday=st.lists(st.floats(min_value=0.1, max_value=3), min_size=7, max_size=7),
    per_week=st.floats(min_value=0, max_value=1500),
    backlog=st.floats(min_value=0, max_value=3000),
    horizon=st.integers(min_value=3, max_value=300),
)
def test_backlog_is_the_lindley_recursion_for_any_pattern(capacity, closed, weekday, per_week, backlog, horizon):
    days = 60
    cap = engine.Capacity.uniform(START, 0.0, length=400)
    cap.day_minutes[:] = np.resize(capacity, 400)
    cap.day_minutes[:90][np.array(closed)] = 0.0
    m = model(
        cap,
        horizon_days=horizon,  # a short horizon sends requests to the waitlist
        weekday_web=tuple(weekday),
        services=(engine.ServiceDemand("x", "x", per_week, 1.0),),
        initial_waitlist=backlog,
    )
    result = engine.simulate(m, days=days, deterministic=True)
    lam, booked = engine.expected_demand(m, days)
    demand = (lam * booked[None, :, None]).sum(axis=(1, 2))
    expected, b = [], backlog
    for d in range(days):
        if d > 0:
            b = max(0.0, b - cap.day_minutes[d])
        b += demand[d]
        expected.append(b)
    # (the backlog counts the waitlist too, so this holds even when no capacity is left in the horizon)
    np.testing.assert_allclose(result.backlog[0], expected, rtol=1e-9, atol=1e-6)


@given(
    window=st.lists(minutes, min_size=1, max_size=40),
    want=st.floats(min_value=0, max_value=5000, allow_nan=False),
)
def test_taking_minutes_keeps_them_and_takes_from_the_front(window, want):
    free = np.array(window)[:, None]  # cells (in time order) × one replication
    before = free.copy()
    unplaced, offered = engine._take_earliest(free, np.array([want]))
    taken = before - free
    np.testing.assert_allclose(offered, before.sum(axis=0), atol=1e-6)
    assert np.all(taken >= -1e-9) and np.all(taken <= before + 1e-9)
    np.testing.assert_allclose(taken.sum() + unplaced[0], want, atol=1e-6)
    assert np.all(free >= -1e-9)
    # nothing is taken behind a cell that still has room
    partial = np.flatnonzero(free[:, 0] > 1e-9)
    if partial.size:
        assert taken[partial[0] + 1 :, 0].sum() <= 1e-9


def test_monte_carlo_mean_converges_to_the_deterministic_ledger_with_spare_capacity():
    """With ample capacity the lead time is 1 day in every replication, as in the deterministic run."""
    cap = engine.Capacity.uniform(START, 1000.0, length=500)
    m = dataclasses.replace(model(cap), services=(engine.ServiceDemand("x", "x", 700.0, 5.0),))
    det = engine.simulate(m, days=100, deterministic=True)
    mc = engine.simulate(m, days=100, replications=50, seed=5)
    assert (det.lead == 1).all() and (mc.lead == 1).all()
    assert mc.start == dt.date(2027, 1, 4)
