"""Lead-time snapshots: the citizen's engine, hand-computed cases (closures, no free time, DST), idempotency."""

import datetime as dt

import pytest
from django.core.management import call_command

from buergerbuero.background import jobs
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.capacity.models import Closure
from buergerbuero.insights import services
from buergerbuero.insights.models import KPISnapshot
from tests import factories

from .conftest import at, book

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2027, 3, 1)  # no holiday in NRW that week; small_office: 2 counters Mon–Fri 8–12, Thu 16–19:30


def lead_of(office, service, now):
    services.take_snapshots(now=now)
    return KPISnapshot.objects.get(office=office, service=service, hour=services.snapshot_hour(now))


def test_after_closing_time_the_next_free_appointment_is_tomorrow(small_office, id_card):
    now = at(MONDAY, 13)
    snap = lead_of(small_office, id_card, now)
    assert snap.lead_time_days == 1
    assert snap.earliest_start == at(MONDAY + dt.timedelta(days=1), 8)
    # 4 working days × 24 units × 2 counters, minus nothing; Thursday evening adds 21 units per counter.
    # Start times are counted once however many counters share them: Tue–Fri and Mon–Fri of next week
    # inside 14 days (until Sunday 14 March): 9 mornings × 23 starts (a 20-min service needs 2 units) + 2 evenings × 20
    assert snap.free_slots_14d == 9 * 23 + 2 * 20
    assert snap.lead_time_days == booking_live.lead_time_days(small_office, id_card, now=now)


def test_a_booked_out_day_moves_the_lead_time(small_office, id_card):
    tuesday = MONDAY + dt.timedelta(days=1)
    for counter in small_office.counters.all():
        book(small_office, id_card, at(tuesday, 8), minutes=240, counter=counter, created=at(MONDAY, 10))
    assert lead_of(small_office, id_card, at(MONDAY, 13)).lead_time_days == 2


def test_a_closure_moves_the_lead_time_to_the_first_open_day(small_office, id_card):
    Closure.objects.create(
        office=small_office,
        start_date=MONDAY + dt.timedelta(days=1),
        end_date=MONDAY + dt.timedelta(days=4),
        reason="Umzug",
    )
    snap = lead_of(small_office, id_card, at(MONDAY, 13))
    assert snap.lead_time_days == 7  # Tue–Fri closed (incl. the Thursday evening): next Monday
    assert snap.earliest_start == at(MONDAY + dt.timedelta(days=7), 8)


def test_no_free_appointment_within_the_horizon_is_stored_as_empty(db, id_card):
    office = factories.office(slug="short", services=[id_card], horizon_days=3)
    Closure.objects.create(office=office, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=10), reason="Umbau")
    snap = lead_of(office, id_card, at(MONDAY, 7))
    assert snap.lead_time_days is None
    assert snap.earliest_start is None
    assert snap.free_slots_14d == 0
    assert booking_live.lead_time_days(office, id_card, now=at(MONDAY, 7)) is None


def test_across_the_autumn_dst_switch(small_office, id_card):
    # Sunday 25 October 2026: clocks go back 03:00 → 02:00. Saturday noon → Monday 08:00 CET = 07:00 UTC.
    saturday = dt.date(2026, 10, 24)
    snap = lead_of(small_office, id_card, at(saturday, 12))
    assert snap.lead_time_days == 2
    assert snap.earliest_start == dt.datetime(2026, 10, 26, 7, 0, tzinfo=dt.UTC)


def test_the_doubled_local_hour_of_the_dst_switch_gives_two_snapshots():
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 02:30 CEST
    second = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 02:30 CET, same wall clock
    assert services.snapshot_hour(first) != services.snapshot_hour(second)
    with pytest.raises(ValueError):
        services.snapshot_hour(dt.datetime(2026, 10, 25, 2, 30))


def test_snapshots_are_idempotent_within_an_hour(small_office, id_card):
    factories.service(slug="reisepass", leika="99085001000000")  # not offered here: not measured
    offline = factories.service(slug="fundsache", leika="99089017152000", online=False)
    small_office.office_services.create(service=offline)
    now = at(MONDAY, 13, 5)
    assert services.take_snapshots(now=now) == 1
    assert services.take_snapshots(now=now + dt.timedelta(minutes=50)) == 1
    assert KPISnapshot.objects.count() == 1
    row = KPISnapshot.objects.get()
    assert row.taken_at == now + dt.timedelta(minutes=50)  # the later run updated the same row
    services.take_snapshots(now=now + dt.timedelta(hours=1))
    assert KPISnapshot.objects.count() == 2


def test_management_command_and_scheduler_job_take_the_snapshot(small_office, id_card):
    call_command("snapshot_kpis")
    assert KPISnapshot.objects.count() == 1
    KPISnapshot.objects.all().delete()
    assert jobs.kpi_snapshots(at(MONDAY, 13)) == 1
    assert KPISnapshot.objects.count() == 1


def test_the_database_refuses_a_second_row_for_the_same_hour(small_office, id_card):
    from django.db import IntegrityError, transaction

    services.take_snapshots(now=at(MONDAY, 13))
    row = KPISnapshot.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        KPISnapshot.objects.create(
            office=small_office,
            service=id_card,
            hour=row.hour,
            taken_at=row.taken_at,
            horizon_days=56,
            lead_time_days=None,
        )


def test_open_data_reads_the_newest_engine_snapshot_of_each_service(small_office, id_card):
    from buergerbuero.insights import selectors

    passport = factories.service(slug="reisepass", leika="99085001000000")
    small_office.office_services.create(service=passport)
    services.take_snapshots(now=at(MONDAY, 9))
    services.take_snapshots(now=at(MONDAY, 13))
    later = services.snapshot_hour(at(MONDAY, 15))
    KPISnapshot.objects.create(  # a backfilled row is newer but not a measurement of the engine
        office=small_office,
        service=id_card,
        hour=later,
        taken_at=later,
        horizon_days=56,
        lead_time_days=99,
        source=KPISnapshot.Source.BACKFILL,
    )
    rows = selectors.latest_snapshots(engine_only=True)
    assert [(r.service.slug, r.hour) for r in rows] == [
        (id_card.slug, services.snapshot_hour(at(MONDAY, 13))),
        (passport.slug, services.snapshot_hour(at(MONDAY, 13))),
    ]
    assert [r.lead_time_days for r in rows] == [1, 1]
    assert selectors.latest_snapshots(office=small_office)[0].lead_time_days == 99
