"""The compressed, threaded engine against the dense day loop it replaced (tests/planning/reference_engine.py).

* Same demand, same random stream for the cancellations: the same ledger (up to the order of float sums).
* Same model, independent streams (services with equal minutes are drawn as one Poisson stream now): the same
  distributions – means within 4 standard errors, quantiles within a tolerance.
* The number of threads does not change a result.
No timings here: docs/benchmarks.md has them.
"""

import datetime as dt

import numpy as np
import pytest

from buergerbuero.planning import engine
from tests.planning import reference_engine

START = dt.date(2026, 11, 23)  # a Monday


def office(**changes) -> engine.OfficeModel:
    """Weekdays 480 min, Thursday + 210 evening minutes, weekends and a closed week shut, six weeks half booked."""
    length = 200
    weekday = (START.weekday() + np.arange(length)) % 7
    day = np.where(weekday < 5, 480.0, 0.0)
    evening = np.where(weekday == 3, 210.0, 0.0)
    day[30:35] = evening[30:35] = 0.0  # a closed week
    capacity = engine.Capacity.uniform(START, day, evening, length=length)
    booked = np.zeros((2, 43, 2))
    booked[:, :, 0] = 0.5 * np.stack([day[:43] * 0.7, day[:43] * 0.3])
    fields = {
        "start": START,
        "capacity": capacity,
        "services": (
            engine.ServiceDemand("a", "a", per_week=60.0, booked_minutes=20.0),
            engine.ServiceDemand("b", "b", per_week=30.0, booked_minutes=10.0),
            engine.ServiceDemand("c", "c", per_week=20.0, booked_minutes=20.0),  # same minutes as "a"
        ),
        "evening_preference": 0.15,
        "horizon_days": 28,
        "initial_booked": booked,
        "initial_waitlist": 100.0,
        **changes,
    }
    return engine.OfficeModel(**fields)


def ledger_inputs(model, days, reps, seed):
    length = days + model.horizon_days + 2
    cap = engine.pool_capacity(model, length)
    lam, minutes = engine.expected_demand(model, days)
    rng = np.random.default_rng(seed)
    shock = reference_engine._day_shock(rng, reps, days, model.day_dispersion)
    counts = rng.poisson(lam[None] * shock[:, :, None, None])
    demand = np.einsum("rdsk,s->rdk", counts, minutes)
    unit = float((lam.sum(axis=(0, 2)) * minutes).sum() / lam.sum())
    return cap, demand, counts.sum(axis=(2, 3)), unit


@pytest.mark.parametrize(
    "changes",
    [{}, {"no_show_rebook": 0.6, "channel_split": (0.6, 0.2, 0.2)}, {"evening_preference": 0.0}, {"web_share": 0.5}],
)
def test_same_demand_gives_the_same_ledger_as_the_dense_loop(changes):
    model = office(**changes)
    days = 120
    cap, demand, requests, unit = ledger_inputs(model, days, reps=20, seed=3)
    dense = reference_engine._ledger(model, cap, demand, requests, days, np.random.default_rng(8), unit)
    cells = engine._Ledger(model, cap, days).run(demand, requests, np.random.default_rng(8), unit)
    for key, expected in dense.items():
        np.testing.assert_allclose(cells[key], expected, rtol=1e-9, atol=1e-7, err_msg=key)


def test_deterministic_run_is_the_dense_loops():
    model = office(day_dispersion=0.0)
    dense = reference_engine.simulate(model, days=120, deterministic=True)
    cells = engine.simulate(model, days=120, deterministic=True)
    np.testing.assert_allclose(cells.lead, dense.lead, rtol=1e-9)
    np.testing.assert_allclose(cells.backlog, dense.backlog, rtol=1e-9, atol=1e-7)


def test_same_model_gives_the_same_distributions():
    model = office()
    days, reps = 120, 600
    dense = reference_engine.simulate(model, days=days, replications=reps, seed=11)
    cells = engine.simulate(model, days=days, replications=reps, seed=12)
    for name in ("lead", "backlog", "requests"):
        a, b = getattr(dense, name).mean(axis=1), getattr(cells, name).mean(axis=1)  # per replication
        se = np.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps)
        assert abs(a.mean() - b.mean()) < 4 * se, name
    for q in (0.1, 0.5, 0.9):  # the bands the page draws, day by day
        band_a, band_b = dense.band("lead", q), cells.band("lead", q)
        assert np.abs(band_a - band_b).mean() < 0.5, q


def test_threads_do_not_change_the_result():
    model = office()
    one = engine.simulate(model, days=90, replications=300, seed=4, chunk=50, threads=1)
    two = engine.simulate(model, days=90, replications=300, seed=4, chunk=50, threads=2)
    np.testing.assert_array_equal(one.lead, two.lead)
    np.testing.assert_array_equal(one.backlog, two.backlog)


def test_progress_reaches_one_in_the_calling_thread():
    import threading

    seen = []
    engine.simulate(
        office(), days=30, replications=120, chunk=50, progress=lambda f: seen.append((f, threading.get_ident()))
    )
    assert [round(f, 3) for f, _t in seen] == [0.417, 0.833, 1.0]
    assert {t for _f, t in seen} == {threading.get_ident()}


def test_vectorised_engine_has_the_moments_of_the_scalar_simpy_model():
    """The engine (all replications in one array, replication axis last) against the lean SimPy model of the same
    day ledger (bench/planner_simpy.py: one replication at a time, Python lists): independent code, independent
    streams, fixed seeds – the means per day agree within 4 standard errors, the spread within 25 %."""
    from bench import planner_simpy

    model = office(no_show_rebook=0.6)
    days, reps = 120, 60
    vectorised = engine.simulate(model, days=days, replications=1000, seed=21)
    scalar = np.array([planner_simpy.run(model, days, seed=500 + r)["lead"] for r in range(reps)])
    for name, a, b in (
        ("mean lead", vectorised.lead.mean(axis=1), scalar.mean(axis=1)),
        ("lead on day 20", vectorised.lead[:, 20], scalar[:, 20]),
        ("lead on day 90", vectorised.lead[:, 90], scalar[:, 90]),
    ):
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        assert abs(a.mean() - b.mean()) < 4 * se + 1e-9, name
        assert a.std() == pytest.approx(b.std(), rel=0.25, abs=0.05), name
