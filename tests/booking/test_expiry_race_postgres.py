"""Confirming a hold at its expiry while another booking takes its units: real concurrent transactions.

The confirming process's clock says the hold is live, the taker's says it lapsed. Whichever transaction
touches the claims first, exactly one of them gets the time and the other is refused.
"""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live
from tests import factories
from tests.booking.invariants import assert_booking_guarantee, assert_day_masks_match_bookings

BERLIN = ZoneInfo("Europe/Berlin")
SECOND = dt.timedelta(seconds=1)
LOCK_WAIT_POLLS = 600  # a poll every 50 ms: the other transaction reaches its lock long before


def _query(office, now):
    return live.booking_query(office=office, service_slugs=["personalausweis"], now=now)


def _book(office, start, *, now, email):
    hold, _ = services.hold(query=_query(office, now), start=start, now=now)
    return services.confirm(appointment=hold, name="A B", email=email, now=now)


class Worker(threading.Thread):
    """Runs `work` on its own connection; remembers its backend pid, its result or its exception."""

    def __init__(self, work):
        super().__init__()
        self.work, self.pid, self.result, self.error = work, None, None, None
        self.connected = threading.Event()

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.connected.set()
            self.result = self.work()
        except Exception as exc:  # handed to the test thread, which asserts on it
            self.error = exc
        finally:
            self.connected.set()
            connection.close()


def wait_until_blocked(worker: Worker) -> None:
    """Block until the worker's statement waits for a row lock held by another transaction."""
    worker.connected.wait()
    blocked = threading.Event()
    for _ in range(LOCK_WAIT_POLLS):
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [worker.pid])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return
        blocked.wait(0.05)
    raise AssertionError(f"the worker never waited for a lock: {worker.error!r}")


@pytest.fixture
def scene(db):
    """One free counter left at Monday 8:00, held by a hold that lapses ten minutes from `now`."""
    office = factories.office(services=[factories.service()], counters=2)
    start = dt.datetime.combine(factories.next_weekday(0), dt.time(8), tzinfo=BERLIN)
    now = dt.datetime.now(dt.UTC)
    hold, _ = services.hold(query=_query(office, now), start=start, now=now, hold_minutes=10)
    _book(office, start, now=now, email="other@example.org")
    connection.close()
    return office, start, hold, hold.blocks_until


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_taker_deletes_first_and_the_confirmation_waiting_for_it_fails(scene):
    office, start, hold, lapses = scene
    took, finish = threading.Event(), threading.Event()

    def taker():
        with transaction.atomic():
            appointment = _book(office, start, now=lapses + SECOND, email="taker@example.org")
            took.set()
            finish.wait()
        return appointment

    def confirmer():  # its clock: one second before the expiry
        return services.confirm(appointment=hold, name="Zu Spät", email="late@example.org", now=lapses - SECOND)

    first = Worker(taker)
    first.start()
    took.wait()
    second = Worker(confirmer)
    second.start()
    wait_until_blocked(second)  # the confirmation waits for the taker's deleted claim rows
    finish.set()
    first.join()
    second.join()

    assert first.error is None and first.result.status == Appointment.Status.CONFIRMED
    assert isinstance(second.error, services.HoldExpired), second.error
    assert second.error.extra["alternatives"]
    assert Appointment.objects.get(pk=hold.pk).status == Appointment.Status.HELD
    assert_booking_guarantee()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_confirmation_locks_first_and_the_taker_waiting_for_it_is_refused(scene):
    office, start, hold, lapses = scene
    confirmed, finish = threading.Event(), threading.Event()

    def confirmer():
        with transaction.atomic():
            appointment = services.confirm(appointment=hold, name="A B", email="a@example.org", now=lapses - SECOND)
            confirmed.set()
            finish.wait()
        return appointment

    def taker():
        return _book(office, start, now=lapses + SECOND, email="taker@example.org")

    first = Worker(confirmer)
    first.start()
    confirmed.wait()
    second = Worker(taker)
    second.start()
    wait_until_blocked(second)  # the taker waits for the confirmation's claim rows
    finish.set()
    first.join()
    second.join()

    assert first.error is None and first.result.status == Appointment.Status.CONFIRMED
    assert isinstance(second.error, services.SlotTaken), second.error
    assert_booking_guarantee()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool_room", [2 * 8 + 1], indirect=True)
def test_many_confirmations_and_takers_at_the_expiry_each_time_goes_once(pool_room):
    """Eight held times on one counter; at once, each is confirmed by a clock one second before its expiry
    and booked by another client whose clock is one second past it."""
    office = factories.office(services=[factories.service()], counters=1)
    monday = factories.next_weekday(0)
    starts = [dt.datetime.combine(monday, dt.time(8), tzinfo=BERLIN) + i * dt.timedelta(minutes=20) for i in range(8)]
    now = dt.datetime.now(dt.UTC)
    holds = [services.hold(query=_query(office, now), start=s, now=now, hold_minutes=10)[0] for s in starts]
    lapses = holds[0].blocks_until
    connection.close()
    barrier = threading.Barrier(2 * len(holds))

    def confirmer(hold):
        def work():
            barrier.wait()
            return services.confirm(appointment=hold, name="A B", email=f"{hold.pk}@example.org", now=lapses - SECOND)

        return work

    def taker(start, n):
        def work():
            barrier.wait()
            return _book(office, start, now=lapses + SECOND, email=f"taker{n}@example.org")

        return work

    workers = [Worker(confirmer(h)) for h in holds] + [Worker(taker(s, n)) for n, s in enumerate(starts)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    unexpected = [
        w.error for w in workers if w.error and not isinstance(w.error, services.HoldExpired | services.SlotTaken)
    ]
    assert not unexpected, unexpected
    assert sum(w.error is None for w in workers) == len(starts), "one winner per time"
    for start in starts:
        assert Appointment.objects.filter(start=start, status=Appointment.Status.CONFIRMED).count() == 1
    assert_booking_guarantee()
    assert_day_masks_match_bookings()  # eight confirmations of one day at once: the last writer saw them all
