"""A hold outside a caller's transaction on PostgreSQL: its one statement commits by itself, without BEGIN/COMMIT
round trips (issue 19); a hold that finds a unit of its lane taken meanwhile still falls back to the other lanes."""

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment, AppointmentService, Claim
from buergerbuero.booking.selectors import live
from tests import factories
from tests.booking.invariants import assert_booking_guarantee, own_units

BERLIN = ZoneInfo("Europe/Berlin")


def _setup():
    office = factories.office(services=[factories.service()], counters=2)
    monday = factories.next_weekday(0)
    now = dt.datetime.now(dt.UTC)
    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    return office, query, dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN), now


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hold_outside_a_transaction_is_one_statement_that_commits_by_itself():
    office, query, start, now = _setup()
    with CaptureQueriesContext(connection) as ctx:
        hold, _token = services.hold(query=query, start=start, now=now)

    assert [q["sql"] for q in ctx.captured_queries if q["sql"] in ("BEGIN", "COMMIT")] == []
    assert len(ctx.captured_queries) == 1, ctx.captured_queries
    assert hold.counter_id == office.counters.order_by("number").first().pk
    assert set(Claim.objects.filter(appointment=hold).values_list("counter_id", "unit_start")) == own_units(hold)
    assert AppointmentService.objects.filter(appointment=hold).count() == 1
    services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)
    assert_booking_guarantee()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool_room", [3], indirect=True)
def test_a_hold_that_loses_a_unit_of_its_lane_meanwhile_takes_the_other_lane(pool_room):
    """Another booking inserts a later unit of the first counter while our statement runs (it picked the counter
    before that booking committed): our statement waits, skips that unit, and what it committed is discarded
    before the hold is made again in a transaction – on the second counter, whole, nothing left on the first."""
    office, query, start, now = _setup()
    counters = list(office.counters.order_by("number").values_list("pk", flat=True))
    step = dt.timedelta(minutes=office.slot_minutes)
    inserted, done = threading.Event(), threading.Event()
    other = {}

    def competitor():
        try:
            with transaction.atomic():
                other["hold"], _ = services.hold(query=query, start=start + step, now=now)
                inserted.set()
                with connection.cursor() as cursor:  # commit only once our hold waits for this row
                    for _ in range(200):
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                        if cursor.fetchone()[0]:
                            break
                        time.sleep(0.05)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=competitor)
    thread.start()
    assert inserted.wait(30)
    with CaptureQueriesContext(connection) as ctx:
        hold, _token = services.hold(query=query, start=start, now=now)
    thread.join()

    assert other["hold"].counter_id == counters[0]
    assert hold.counter_id == counters[1]
    assert any(q["sql"].startswith("WITH claims AS (DELETE") for q in ctx.captured_queries), "the path was taken"
    assert set(Claim.objects.filter(appointment=hold).values_list("counter_id", "unit_start")) == own_units(hold)
    assert Appointment.objects.count() == 2  # the discarded first try left no row
    assert AppointmentService.objects.count() == 2
    assert_booking_guarantee()
