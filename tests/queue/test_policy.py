import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from buergerbuero.queue import policy
from buergerbuero.queue.policy import Candidate, Clerk

NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


def minutes(n: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


def ids(ranked):
    return [c.id for c in ranked]


def test_due_appointments_first_by_time_then_walk_ins_fifo_then_early_appointments():
    pool = [
        Candidate(1, service_id=10, queued_at=minutes(-30)),  # walk-in, longest waiting
        Candidate(2, service_id=10, queued_at=minutes(-5), due_at=minutes(0)),  # due now
        Candidate(3, service_id=10, queued_at=minutes(-20), due_at=minutes(-10)),  # due since 10 min
        Candidate(4, service_id=10, queued_at=minutes(-10)),  # walk-in
        Candidate(5, service_id=10, queued_at=minutes(-25), due_at=minutes(40)),  # checked in early
        Candidate(6, service_id=10, queued_at=minutes(-1), due_at=minutes(4)),  # within the due window (5 min)
    ]
    assert ids(policy.ranking(pool, now=NOW, due_minutes=5)) == [3, 2, 6, 1, 4, 5]


def test_priority_goes_first_within_its_group_only():
    pool = [
        Candidate(1, 10, queued_at=minutes(-30)),
        Candidate(2, 10, queued_at=minutes(-5), priority=True),
        Candidate(3, 10, queued_at=minutes(-9), due_at=minutes(0)),
    ]
    assert ids(policy.ranking(pool, now=NOW)) == [3, 2, 1]


def test_skills_and_target_counter_restrict_what_a_clerk_is_offered():
    pool = [
        Candidate(1, service_id=10, queued_at=minutes(-30)),
        Candidate(2, service_id=20, queued_at=minutes(-20)),
        Candidate(3, service_id=20, queued_at=minutes(-40), target_counter=99),
    ]
    assert policy.choose_next(pool, now=NOW, clerk=Clerk(counter=1, skills=frozenset({20}))).id == 2
    assert policy.choose_next(pool, now=NOW, clerk=Clerk(counter=99, skills=frozenset({20}))).id == 3
    assert policy.choose_next(pool, now=NOW, clerk=Clerk(counter=1, skills=None)).id == 1
    assert policy.choose_next(pool, now=NOW, clerk=Clerk(counter=1, skills=frozenset({30}))) is None


def test_handling_minutes_uses_measurements_only_with_enough_samples_and_cuts_outliers():
    defaults = {1: 20.0, 2: 10.0}
    samples = {1: [12, 14, 16, 18, 200], 2: [30, 30]}
    out = policy.handling_minutes(samples, defaults)
    assert out[1] == pytest.approx(15.0)  # 200 > 3 × median (16) is cut
    assert out[2] == 10.0  # two samples are too few: catalogue time


def test_estimated_wait_shares_the_work_ahead_among_the_clerks_present():
    minutes_per_service = {1: 15.0, 2: 10.0}
    ahead = [1, 1, 2, 2]  # 50 minutes of work
    assert policy.estimated_wait_minutes(ahead, minutes_per_service, clerks=1) == 50
    assert policy.estimated_wait_minutes(ahead, minutes_per_service, clerks=2) == 25
    assert policy.estimated_wait_minutes(ahead, minutes_per_service, clerks=3) == 17
    assert policy.estimated_wait_minutes([], minutes_per_service, clerks=2) == 0
    assert policy.estimated_wait_minutes(ahead, minutes_per_service, clerks=0) == -1
    assert policy.estimated_wait_minutes([7], minutes_per_service, clerks=1, fallback_minutes=12) == 12


@given(
    st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), min_size=1, max_size=50),
    st.sampled_from([0, 10, 50, 90, 100]),
)
def test_percentile_matches_numpy(values, q):
    assert policy.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_of_nothing_is_none():
    assert policy.percentile([], 50) is None


@given(
    st.lists(
        st.tuples(st.integers(-120, 0), st.one_of(st.none(), st.integers(-60, 120)), st.booleans(), st.integers(1, 3)),
        max_size=30,
    )
)
def test_ranking_is_a_permutation_of_what_the_clerk_may_serve(rows):
    pool = [
        Candidate(i, service_id=s, queued_at=minutes(q), due_at=None if d is None else minutes(d), priority=p)
        for i, (q, d, p, s) in enumerate(rows)
    ]
    clerk = Clerk(counter=1, skills=frozenset({1, 2}))
    ranked = policy.ranking(pool, now=NOW, clerk=clerk)
    assert sorted(ids(ranked)) == sorted(c.id for c in pool if c.service_id in {1, 2})
    groups = [policy.group(c, NOW, dt.timedelta(minutes=5)) for c in ranked]
    assert groups == sorted(groups)
