"""The KPI arithmetic against hand-computed cases (pure functions, no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

from buergerbuero.capacity import rules
from buergerbuero.insights import metrics
from buergerbuero.insights.metrics import Period

T = dt.time


def test_percentile_is_nearest_rank():
    values = [5, 1, 4, 2, 3]
    assert metrics.percentile(values, 50) == 3  # rank ceil(2.5) = 3
    assert metrics.percentile(values, 90) == 5  # rank ceil(4.5) = 5
    assert metrics.percentile(values, 20) == 1  # rank ceil(1.0) = 1
    assert metrics.percentile([10, 20, 30, 40], 50) == 20  # rank 2, no interpolation
    assert metrics.percentile([], 50) is None


def test_no_free_appointment_ranks_above_every_number():
    assert metrics.percentile([3, None, 5], 50) == 5
    assert metrics.percentile([3, None, None], 50) is None
    assert metrics.percentile([None, 40], 100) is None


def test_daily_lead_time_is_the_median_of_the_days_samples():
    monday, tuesday = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    samples = [(monday, 10), (monday, 12), (monday, 30), (tuesday, None), (tuesday, 9)]
    # two samples: rank ceil(0.5 × 2) = 1, the lower one
    assert metrics.daily_lead_times(samples) == {monday: 12, tuesday: 9}
    assert metrics.daily_lead_times([(tuesday, None), (tuesday, None), (tuesday, 9)]) == {tuesday: None}


def test_band_days_count_days_outside_and_days_without_free_appointment():
    daily = {dt.date(2026, 1, d): v for d, v in enumerate([14, 28, 29, 13, None, 20], start=1)}
    counted = metrics.band_days(daily, 14, 28)
    assert (counted.inside, counted.above, counted.below, counted.no_free) == (3, 2, 1, 1)
    assert counted.outside == 3
    assert counted.measured == 6


def test_realised_lead_days_counts_local_calendar_days():
    tz = ZoneInfo("Europe/Berlin")
    booked = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)  # 00:30 on 2 March in Berlin
    visit = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
    assert metrics.realised_lead_days(booked, visit, tz) == 14


def test_weeks_are_iso_weeks_across_the_turn_of_the_year():
    assert metrics.week_start(dt.date(2026, 1, 1)) == dt.date(2025, 12, 29)
    assert metrics.iso_week_label(dt.date(2026, 1, 1)) == "2026-W01"
    assert metrics.iso_week_label(dt.date(2027, 1, 1)) == "2026-W53"
    grouped = metrics.weekly([(dt.date(2025, 12, 31), 1), (dt.date(2026, 1, 4), 2), (dt.date(2026, 1, 5), 3)])
    assert grouped == {dt.date(2025, 12, 29): [1, 2], dt.date(2026, 1, 5): [3]}


def test_previous_period_has_the_same_length():
    period = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert period.days == 91
    assert period.previous() == Period(dt.date(2025, 12, 31), dt.date(2026, 3, 31))


def _calendar(closures=()):
    every_weekday = rules.Recurrence(frozenset(range(5)), T(8), T(12))
    return rules.OfficeCalendar(
        timezone="Europe/Berlin",
        rules=(rules.OpeningRule(every_weekday),),
        closures=closures,
        roster=tuple(rules.RosterEntry(lane=n, order=n, recurrence=every_weekday) for n in (1, 2, 3)),
    )


def test_offered_and_online_minutes_of_a_day():
    plan = rules.day_plan(_calendar(), dt.date(2026, 3, 2))
    assert metrics.offered_minutes(plan) == 3 * 240 == rules.offered_minutes(plan)
    shares = (("web", 70), ("partner", 15), ("counter", 15))
    # channel_slice(3 lanes): web gets round(3 × 0.70) = 2 lanes
    assert metrics.channel_minutes(plan, shares, "web") == 2 * 240
    assert metrics.channel_minutes(plan, (), "web") == 3 * 240
    assert metrics.ratio(480, 720) == 66.7


def test_a_closed_day_offers_nothing_and_has_no_ratio():
    monday = dt.date(2026, 3, 2)
    plan = rules.day_plan(_calendar((rules.Closure(monday, monday, "Betriebsausflug"),)), monday)
    assert metrics.offered_minutes(plan) == 0
    assert metrics.channel_minutes(plan, (("web", 100),), "web") == 0
    assert metrics.ratio(0, 0) is None


def test_dst_day_offers_real_minutes():
    # 29 March 2026: clocks jump 02:00 → 03:00; a (hypothetical) Sunday rule 01:00–05:00 is 3 real hours.
    night = rules.Recurrence(frozenset({6}), T(1), T(5))
    calendar = rules.OfficeCalendar(
        timezone="Europe/Berlin",
        rules=(rules.OpeningRule(night),),
        roster=(rules.RosterEntry(lane=1, order=1, recurrence=night),),
    )
    assert metrics.offered_minutes(rules.day_plan(calendar, dt.date(2026, 3, 29))) == 180
