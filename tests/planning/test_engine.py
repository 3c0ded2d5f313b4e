"""The daily ledger against closed forms (deterministic backlog arithmetic) and basic Monte Carlo facts."""

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from buergerbuero.planning import engine

START = dt.date(2027, 1, 4)  # a Monday
C = 520 / 7  # capacity per day: 520 minutes a week, open every day
DEMAND = 500 / 7  # demand per day: 500 minutes a week


def model(capacity=None, **changes) -> engine.OfficeModel:
    base = engine.OfficeModel(
        start=START,
        capacity=capacity or engine.Capacity.uniform(START, C, length=800),
        services=(engine.ServiceDemand("x", "x", per_week=500.0, booked_minutes=1.0),),
        channel_split=(1.0, 0.0, 0.0),
        web_share=1.0,
        evening_preference=0.0,
        cancellation_rate=0.0,
        no_show_rate=0.0,
        horizon_days=56,
        reference_minutes=1e-6,  # "next free appointment" = first day with any free minute
    )
    return dataclasses.replace(base, **changes)


def booked(minutes: float, days: int = 57) -> np.ndarray:
    """`minutes` already booked from tomorrow on, earliest first (web group, daytime)."""
    out = np.zeros((2, days, 2))
    left = minutes
    for day in range(1, days):
        take = min(C, left)
        out[0, day, 0] = take
        left -= take
    return out


def recursion(capacity: np.ndarray, backlog: float, days: int) -> np.ndarray:
    """B(t) = max(0, B(t−1) − capacity(t)) + demand(t): the domain document's backlog arithmetic."""
    out = []
    for d in range(days):
        if d > 0:
            backlog = max(0.0, backlog - capacity[d])
        backlog += DEMAND
        out.append(backlog)
    return np.array(out)


def test_backlog_follows_the_closed_form_and_lead_time_is_backlog_over_capacity():
    result = engine.simulate(model(initial_booked=booked(1000)), days=300, deterministic=True)
    expected = recursion(np.full(300, C), 1000.0, 300)
    np.testing.assert_allclose(result.backlog[0], expected, atol=1e-6)
    # 1000 minutes of backlog at 520 a week: the first free time lies 1000/520 weeks ahead …
    assert pytest.approx(13.46, abs=0.01) == 1000 / 520 * 7
    free_before_today = next(d for d in range(1, 30) if booked(1000)[0, d, 0] < C)
    assert free_before_today == math.ceil(1000 / 520 * 7)
    # … and after each day's requests the lead time is the day the cumulative capacity covers the backlog.
    np.testing.assert_array_equal(result.lead[0], np.floor(expected / C + 1e-9) + 1)
    # the backlog shrinks by the spare capacity: 20 minutes a week
    assert result.backlog[0, 7] - result.backlog[0, 14] == pytest.approx(20.0)


def test_a_closed_week_adds_a_week_of_backlog_that_takes_backlog_over_spare_capacity_to_recover():
    days = 620
    open_all = engine.Capacity.uniform(START, C, length=800)
    closed = engine.Capacity.uniform(START, C, length=800)
    closed.day_minutes[70:77] = 0.0  # one closed week
    plain = engine.simulate(model(open_all, initial_booked=booked(1000)), days=days, deterministic=True)
    shut = engine.simulate(model(closed, initial_booked=booked(1000)), days=days, deterministic=True)
    np.testing.assert_allclose(shut.backlog[0], recursion(closed.day_minutes, 1000.0, days), atol=1e-6)
    # right after the closure the backlog is one week's capacity (520 minutes) higher …
    assert shut.backlog[0, 80] - plain.backlog[0, 80] == pytest.approx(520.0)

    def cleared(result):  # first day on which only today's requests are booked
        return int(np.argmax(result.backlog[0] <= DEMAND + 1e-6))

    # … baseline clears after 1000/20 weeks, the closure delays that by 520/20 = 26 weeks
    assert cleared(plain) == 350
    assert cleared(shut) - cleared(plain) == 26 * 7


def test_full_horizon_puts_requests_on_the_waitlist_and_lead_time_beyond_the_horizon():
    heavy = model(initial_booked=booked(60 * C), horizon_days=56)
    result = engine.simulate(heavy, days=10, deterministic=True)
    assert (result.waitlist[0] > 0).all()
    # lead time = horizon + 1 + waitlist / capacity per day
    np.testing.assert_allclose(result.lead[0], 57 + result.waitlist[0] / C)


def test_evening_preference_waits_for_evening_and_falls_back_to_the_earliest_time():
    cap = engine.Capacity.uniform(START, 100.0, evening_per_day=0.0, length=200)
    weekday = cap.weekdays()
    cap.evening_minutes[weekday == 3] = 60.0  # Thursday evenings only
    m = model(cap, evening_preference=0.5, services=(engine.ServiceDemand("x", "x", 7 * 40.0, 1.0),))
    result = engine.simulate(m, days=120, deterministic=True)
    # 20 minutes a day want an evening: 140 a week against 60 evening minutes – the rest falls back
    assert result.waitlist[0].max() == 0.0
    assert result.lead[0, -1] <= 2


def test_cancellations_give_minutes_back_and_no_shows_book_again():
    cap = engine.Capacity.uniform(START, C, length=800)
    calm = engine.simulate(model(cap), days=200, deterministic=True)
    churn = engine.simulate(
        model(cap, cancellation_rate=0.2, cancel_notice_days=3, no_show_rate=0.1, no_show_rebook=1.0),
        days=200,
        deterministic=True,
    )
    # no-shows that book again add 10 % demand; the utilisation counts only visits that happen
    assert np.nanmean(churn.utilisation[0, 100:]) < np.nanmean(calm.utilisation[0, 100:])
    assert np.nanmean(calm.utilisation[0, 100:]) == pytest.approx(500 / 520, rel=1e-6)


def test_monte_carlo_demand_has_the_calibrated_mean_and_replications_are_reproducible():
    m = model(day_dispersion=0.0, services=(engine.ServiceDemand("x", "x", per_week=70.0, booked_minutes=5.0),))
    a = engine.simulate(m, days=200, replications=300, seed=3)
    b = engine.simulate(m, days=200, replications=300, seed=3)
    np.testing.assert_array_equal(a.lead, b.lead)
    per_rep = a.requests.mean(axis=1)  # mean requests per day
    se = per_rep.std(ddof=1) / np.sqrt(len(per_rep))
    assert abs(per_rep.mean() - 10.0) < 4 * se
    assert a.lead.shape == (300, 200)
    assert (np.quantile(a.lead, 0.9, axis=0) >= np.quantile(a.lead, 0.5, axis=0)).all()


def test_reached_is_the_first_day_from_which_the_band_stays_within_the_target():
    result = engine.simulate(model(initial_booked=booked(3000)), days=400, deterministic=True)
    reached = result.reached(28)
    index = (reached - START).days
    assert (result.lead[0, index:] <= 28).all()
    assert result.lead[0, index - 1] > 28


def test_no_shows_book_again_through_the_channels_bookings_come_by():
    # Each pool offers 320 minutes a week; 250 arrive online and 250 by phone; 20 % of the booked minutes are
    # no-shows who book again, so b = 500 + 0.2 b = 625 minutes are booked a week, 312.5 in each pool (≤ 320).
    # Were every re-booking sent online, the web pool would need 375 a week and its waitlist would grow.
    cap = engine.Capacity.uniform(START, 640 / 7, length=800)
    m = model(
        cap,
        channel_split=(0.5, 0.5, 0.0),
        web_share=0.5,
        weekday_assisted=engine.FLAT_WEEK,
        no_show_rate=0.2,
        no_show_rebook=1.0,
    )
    result = engine.simulate(m, days=200, deterministic=True)
    assert result.waitlist[0, 100:].max() == pytest.approx(0.0, abs=1e-6)
    assert np.nanmean(result.utilisation[0, 100:]) == pytest.approx(500 / 640, rel=1e-3)  # visits that happen


@pytest.mark.parametrize("uncertainty", [0.0, 0.2])
def test_each_replication_draws_its_demand_level_from_the_calibrations_uncertainty(uncertainty):
    """N | L ~ Poisson(1,000 · L), L ~ Gamma(mean 1, CV u): Var N = 1,000 + u² · 1,000² (no day shock here)."""
    m = model(
        services=(engine.ServiceDemand("x", "x", per_week=70.0, booked_minutes=1.0),),
        day_dispersion=0.0,
        demand_uncertainty=uncertainty,
    )
    result = engine.simulate(m, days=100, replications=4000, seed=3)
    totals = result.requests.sum(axis=1)
    expected_var = 1000 + uncertainty**2 * 1000**2  # 1,000 or 41,000
    assert totals.mean() == pytest.approx(1000, rel=0.02)
    assert totals.var(ddof=1) == pytest.approx(expected_var, rel=0.1)


def test_the_starting_book_is_cancelled_like_every_booking():
    # A full book for the whole horizon, nothing new arriving: a share q of every booked day comes back
    # `notice` days before it – the starting book included, which holds the bookings not cancelled yet.
    full = booked(56 * C)
    quiet = (engine.ServiceDemand("x", "x", per_week=0.0, booked_minutes=1.0),)
    kept = engine.simulate(model(initial_booked=full, services=quiet), days=30, deterministic=True)
    churn = engine.simulate(
        model(initial_booked=full, services=quiet, cancellation_rate=0.1, cancel_notice_days=2),
        days=30,
        deterministic=True,
    )
    assert kept.backlog[0, 10] == pytest.approx(56 * C - 10 * C)  # only the visits of the days passed leave it
    # in day 10's window (days 11 … 66) days 11 and 12 have been released by then: a tenth of each is back
    assert churn.backlog[0, 10] == pytest.approx(kept.backlog[0, 10] - 0.1 * 2 * C, rel=1e-6)
    assert churn.lead[0, 0] == 2  # the first cancelled minutes lie the day after tomorrow
