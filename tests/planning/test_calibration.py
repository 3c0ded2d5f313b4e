"""Calibration from the database: capacity from the live rules, demand from the booking history."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import timezone

from buergerbuero.booking.models import Appointment
from buergerbuero.capacity import rules
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.capacity.models import Closure
from buergerbuero.catalog.models import Counter
from buergerbuero.planning import calibration


def test_capacity_is_the_live_rules_offered_minutes(planning_office):
    start = planning_office.today
    Closure.objects.create(
        office=planning_office,
        start_date=dt.date(start.year, 12, 27),
        end_date=dt.date(start.year, 12, 31),
        reason="zwischen den Jahren",
    )
    model = calibration.office_model(planning_office, start=start, days=60)
    plans = capacity_selectors.day_plans(planning_office, start, start + dt.timedelta(days=model.capacity.length - 1))
    np.testing.assert_array_equal(model.capacity.total(), [rules.offered_minutes(p) for p in plans])
    thursdays = [i for i, p in enumerate(plans) if p.day.weekday() == 3 and p.windows]
    assert model.capacity.evening_minutes[thursdays[0]] == 2 * 210  # 2 counters 16:00–19:30
    closed = [i for i, p in enumerate(plans) if p.closed_reason == "zwischen den Jahren"]
    if closed:  # the closure lies within the window: the measure can reopen it
        assert model.capacity.year_end[closed].all()
        assert (model.capacity.closure_day_minutes[closed] > 0).any()


def test_demand_and_minutes_come_from_a_year_of_bookings(planning_office):
    model = calibration.office_model(planning_office, start=planning_office.today, days=30)
    by_slug = {s.slug: s for s in model.services}
    # 3 ID-card bookings on each of ~261 weekdays of the last 365 days
    assert by_slug["personalausweis"].per_week == pytest.approx(15.0, rel=0.03)
    assert by_slug["meldebescheinigung"].per_week == pytest.approx(5.0, rel=0.03)
    assert by_slug["personalausweis"].booked_minutes == 20.0
    assert by_slug["meldebescheinigung"].booked_minutes == 10.0
    assert model.weekday_web[5] == 0 and model.weekday_web[0] > 0  # booked on weekdays only
    assert model.reference_minutes == 20
    # the bookings of the last 20 days lie ahead: they are the starting backlog
    assert model.initial_booked.sum() > 0
    facts = calibration.office_facts(model)
    assert facts["requests_per_week"] == pytest.approx(20.0, rel=0.03)


def test_new_counter_time_is_split_like_the_offices_lanes_and_rebookings_are_not_counted_twice(planning_office):
    from buergerbuero.capacity.models import ChannelShare

    for channel, percent in (("web", 70), ("phone", 15), ("partner", 15)):
        ChannelShare.objects.create(office=planning_office, channel=channel, percent=percent)
    model = calibration.office_model(planning_office, start=planning_office.today, days=30)
    # lanes sorted by number, web first: of 2 new counters 1 (70 % of 2, rounded), of 3 counters 2
    assert model.lane_web_share(2) == 0.5
    assert model.lane_web_share(3) == pytest.approx(2 / 3)
    assert model.lane_web_share(1) == 1.0
    # demand is the bookings made, re-bookings of no-shows among them: the engine must not add them again
    assert model.no_show_rebook == 0.0
    # a whole year of calendar, so that every measure's yearly cost is counted on a year
    assert model.capacity.length >= 366


def test_a_year_without_season_gives_a_flat_season(planning_office):
    # 4 bookings every weekday all year: per month of booking the counts differ only by the month's weekdays
    # (20 in February 2026, 23 in December 2026), which counting per month read as a season of ±7 %.
    model = calibration.office_model(planning_office, start=planning_office.today, days=30)
    np.testing.assert_allclose(model.season, 1.0, atol=1e-9)
    # the demand level is known to ~1/√(bookings) plus the day shock: 1,044 bookings over ~363 days
    assert model.demand_uncertainty == pytest.approx(np.sqrt(1 / 1044 + 0.1**2 / 363), rel=0.05)


def test_month_exposure_counts_the_days_weighted_by_the_weekday_profile():
    weekdays_only = np.array([1, 1, 1, 1, 1, 0, 0])  # normalised to mean 1: 7/5 per working day
    exposure = calibration.month_exposure(dt.date(2026, 2, 1), dt.date(2026, 3, 1), weekdays_only)
    assert exposure[1] == pytest.approx(20 * 7 / 5)  # February 2026: 20 working days
    assert exposure.sum() == exposure[1]
    flat = calibration.month_exposure(dt.date(2026, 1, 30), dt.date(2026, 2, 2), np.ones(7))
    assert list(flat[:2]) == [2.0, 1.0]  # 30 + 31 January, 1 February; the end is excluded


def test_season_factors_are_per_booking_day_and_noise_is_shrunk_away():
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
    # the same rate every day: February is not a quiet month
    assert calibration.seasonal_profile(10 * days, days, day_dispersion=0.1) == pytest.approx((1.0,) * 12)
    # a real season of ±30 % on 3,000 bookings a month: noise explains little of it, the factors stay
    season = 1 + 0.3 * np.cos(np.arange(12) * np.pi / 6)
    counts = 100 * days * season
    raw = season / season.mean()
    noise = np.mean(1 / counts + 0.1**2 / days)  # by hand: ≈ 0.00066, against a spread of ≈ 0.049
    keep = 1 - noise / raw.var(ddof=1)
    assert keep == pytest.approx(0.9866, abs=1e-3)
    expected = 1 + keep * (raw - 1)
    profile = calibration.seasonal_profile(counts, days, day_dispersion=0.1)
    np.testing.assert_allclose(profile, expected / expected.mean())
    # ±3 % scatter on 300 bookings a month is less than Poisson noise (±6 %): flat
    scatter = 1 + 0.03 * np.array([1, -1] * 6)
    assert calibration.seasonal_profile(10 * days * scatter, days, day_dispersion=0.1) == pytest.approx((1.0,) * 12)


def test_the_book_of_a_past_day_holds_the_bookings_cancelled_only_later(planning_office):
    """A backtest starts from the book as it was: a booking cancelled after its start day was still in it (the
    engine cancels a share of the starting book itself); one cancelled before was not."""
    office = planning_office
    tz = ZoneInfo(office.timezone)
    start = timezone.localdate(timezone=tz) - dt.timedelta(days=30)
    midnight = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    counter = Counter.objects.get(office=office, number=2)  # the history's bookings use counter 1
    visit = dt.datetime.combine(start + dt.timedelta(days=5), dt.time(8), tzinfo=tz)
    made = midnight - dt.timedelta(days=3)
    before = calibration.booked_ahead(office, start=start, horizon=56, created_before=midnight).sum()
    today_before = calibration.booked_ahead(office, start=start, horizon=56).sum()
    for k, cancelled_at in enumerate([midnight + dt.timedelta(days=2), midnight - dt.timedelta(days=1), None]):
        begin = visit + dt.timedelta(minutes=20 * k)
        Appointment.objects.create(
            code=f"C{k}",
            token_hash="x",
            office=office,
            counter=counter,
            start=begin,
            end=begin + dt.timedelta(minutes=20),
            claim_end=begin + dt.timedelta(minutes=20),
            channel="web",
            status="cancelled",
            created_at=made,
            confirmed_at=made,
            cancelled_at=cancelled_at,
        )
    after = calibration.booked_ahead(office, start=start, horizon=56, created_before=midnight).sum()
    assert after - before == 20  # only the one cancelled after the start day
    # Planning from today: what is cancelled is gone, whenever it was cancelled.
    assert calibration.booked_ahead(office, start=start, horizon=56).sum() == today_before
