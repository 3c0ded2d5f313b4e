"""The intra-day queue simulator against the M/M/c closed forms (Erlang C)."""

import math

import numpy as np
import pytest

from buergerbuero.planning import queueing


def test_erlang_c_known_values():
    # c = 1 is M/M/1: P(wait) = ρ
    assert queueing.erlang_c(1, 0.7) == pytest.approx(0.7)
    # c = 2, a = 1: C = a^2/2 · 1/(1−ρ) / (1 + a + a^2/2 · 1/(1−ρ)) = 1/3
    assert queueing.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # the textbook formula for c = 4, a = 3
    a, c = 3.0, 4
    top = a**c / math.factorial(c) * c / (c - a)
    assert queueing.erlang_c(c, a) == pytest.approx(top / (sum(a**k / math.factorial(k) for k in range(c)) + top))
    assert queueing.erlang_c(3, 3.0) == 1.0  # overloaded: everyone waits
    assert queueing.mmc_mean_wait(1.0, 0.25, 4) == math.inf
    with pytest.raises(ValueError):
        queueing.erlang_c(0, 1.0)


def test_mm1_mean_wait_is_rho_over_mu_minus_lambda():
    lam, mu = 0.8, 1.0
    assert queueing.mmc_mean_wait(lam, mu, 1) == pytest.approx(lam / (mu * (mu - lam)))
    assert queueing.mmc_mean_queue_length(lam, mu, 1) == pytest.approx(lam**2 / (mu * (mu - lam)))


@pytest.mark.parametrize(("servers", "lam", "mean_service"), [(1, 0.08, 10.0), (4, 0.3, 10.0), (6, 0.5, 10.0)])
def test_fcfs_simulation_matches_mmc(servers, lam, mean_service):
    rng = np.random.default_rng(20191125)
    reps, length, warm_up = 12, 40_000.0, 4_000.0
    arrivals = queueing.poisson_arrivals(rng, reps, lam, length)
    services = rng.exponential(mean_service, size=arrivals.shape)
    waits = queueing.fcfs_waits(arrivals, services, servers)
    steady = np.where(arrivals > warm_up, waits, np.nan)
    per_rep = np.nanmean(steady, axis=1)
    mu = 1.0 / mean_service
    expected = queueing.mmc_mean_wait(lam, mu, servers)
    se = per_rep.std(ddof=1) / math.sqrt(reps)
    assert abs(per_rep.mean() - expected) < 4 * se + 0.02 * expected
    # probability of waiting (Erlang C) and the service level within 5 minutes
    observed = steady[np.isfinite(steady)]
    p_wait = (observed > 1e-12).mean()
    assert p_wait == pytest.approx(queueing.erlang_c(servers, lam / mu), abs=0.02)
    within = (observed <= 5.0).mean()
    assert within == pytest.approx(queueing.mmc_service_level(lam, mu, servers, 5.0), abs=0.02)


def test_walk_in_day_serves_everyone_who_came_before_closing():
    rng = np.random.default_rng(1)
    waits = queueing.walk_in_day(rng, 50, arrival_rate=0.5, mean_service=10.0, servers=2, open_minutes=60)
    present = np.isfinite(waits)
    assert present.sum(axis=1).mean() == pytest.approx(30, rel=0.15)
    # overloaded session (ρ = 2.5): waits grow during the hour, so later arrivals wait longer
    assert np.nanmean(waits[:, 20:25]) > np.nanmean(waits[:, 0:5])
