"""A real race on PostgreSQL: many threads, each with its own connection, want the same last times."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment, Claim, DayStamp
from buergerbuero.booking.selectors import live
from tests import factories
from tests.booking.invariants import assert_day_masks_match_bookings

BERLIN = ZoneInfo("Europe/Berlin")
CLIENTS = 32


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool_room", [CLIENTS + 1], indirect=True)
def test_exactly_capacity_many_win_the_last_free_time(pool_room):
    id_card = factories.service()
    office = factories.office(services=[id_card], counters=3)
    monday = factories.next_weekday(0)
    start = dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN)
    barrier = threading.Barrier(CLIENTS)
    outcomes = []

    def client(number):
        try:
            now = dt.datetime.now(dt.UTC)
            query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
            barrier.wait()
            hold, _ = services.hold(query=query, start=start, now=now)
            services.confirm(appointment=hold, name="Racer", email=f"racer{number}@example.org", now=now)
            outcomes.append("won")
        except services.SlotTaken as exc:
            outcomes.append(("409", tuple(exc.extra["alternatives"])))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("won") == 3
    losers = [o for o in outcomes if o != "won"]
    assert len(losers) == CLIENTS - 3
    assert all(alternatives for _, alternatives in losers), "every loser is offered the next free times"
    assert Appointment.objects.filter(status="confirmed", start=start).count() == 3
    assert Claim.objects.filter(unit_start=start).count() == 3
    assert Appointment.objects.filter(status="held").count() == 0
    assert_day_masks_match_bookings()  # three confirmations of one day at once: the last writer saw them all


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hold_confirmed_by_many_requests_at_once_is_confirmed_once():
    """Double (or 8-fold) submit: every request answers with the same appointment; the row is written once."""
    office = factories.office(services=[factories.service()], max_active_per_email=1)
    now = dt.datetime.now(dt.UTC)
    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    start = dt.datetime.combine(factories.next_weekday(0), dt.time(9), tzinfo=BERLIN)
    hold, _ = services.hold(query=query, start=start, now=now)
    connection.close()
    submits = 8
    barrier = threading.Barrier(submits)
    answers = []

    def submit():
        try:
            barrier.wait()
            answers.append(services.confirm(appointment=hold, name="Eilig", email="eilig@example.org", now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(submits)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(answers) == submits, "no request failed (the address limit of 1 counts this appointment once)"
    assert {a.pk for a in answers} == {hold.pk}
    assert {a.confirmed_at for a in answers} == {now}
    assert Appointment.objects.get(pk=hold.pk).status == "confirmed"
    assert not Claim.objects.filter(appointment=hold, expires_at__isnull=False).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool_room", [17], indirect=True)
def test_confirmations_of_one_day_at_once_each_add_their_units_to_its_masks(pool_room):
    """The day's masks are known, so every confirmation only appends its own units in its one statement: 16 of them
    at once queue on the day's row and none overwrites another's."""
    office = factories.office(services=[factories.service()], counters=4)
    monday = factories.next_weekday(0)
    first = dt.datetime.combine(monday, dt.time(8), tzinfo=BERLIN)  # open 8–12: four hours × four counters
    services.touch_days(office, [first])  # known (empty) masks: no confirmation reads the day
    now = dt.datetime.now(dt.UTC)
    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    holds = [services.hold(query=query, start=first + (n // 4) * dt.timedelta(hours=1), now=now)[0] for n in range(16)]
    connection.close()
    barrier = threading.Barrier(len(holds))
    errors = []

    def confirm(hold):
        try:
            barrier.wait()
            services.confirm(appointment=hold, name="Gleichzeitig", email=f"{hold.pk}@example.org", now=now)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(h,)) for h in holds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert Appointment.objects.filter(status="confirmed").count() == 16
    masks = DayStamp.objects.get(office=office, day=monday).masks
    assert masks.count(",") == 2 * 16 - 1, masks  # sixteen appended entries: none overwrote another
    assert_day_masks_match_bookings()
