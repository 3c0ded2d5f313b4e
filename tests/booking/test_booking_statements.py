"""How many statements a booking sends to the database (docs/architecture.md, point 7): counted on a real booking,
so the number cannot grow unnoticed. Runs on SQLite and PostgreSQL.

PostgreSQL: the hold is one statement (appointment, claims and items), the confirmation one (appointment, claims,
the day's new stamp and its units added to the day's masks). SQLite has no data-modifying WITH: its statements are
calls inside the process."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment, AppointmentService, Claim, DayStamp
from buergerbuero.booking.selectors import live
from tests import factories
from tests.booking.invariants import assert_booking_guarantee, assert_day_masks_match_bookings, own_units

BERLIN = ZoneInfo("Europe/Berlin")
HOLD = {"postgresql": 1, "sqlite": 3}  # appointment + claims + items
CONFIRM = {"postgresql": 1, "sqlite": 3}  # appointment + claims + day stamp and masks


@pytest.fixture
def monday():
    return factories.next_weekday(0)


@pytest.fixture
def now(monday):
    return dt.datetime.combine(monday - dt.timedelta(days=3), dt.time(12), tzinfo=BERLIN)


def statements(ctx: CaptureQueriesContext) -> list[str]:
    """What the code sent, without the transaction control the test's own transaction turns into savepoints."""
    return [
        q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"] and q["sql"] not in ("BEGIN", "COMMIT")
    ]


def book(office, start, *, now, email="a@example.org"):
    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    with CaptureQueriesContext(connection) as held:
        hold, _ = services.hold(query=query, start=start, now=now)
    with CaptureQueriesContext(connection) as confirmed:
        appointment = services.confirm(appointment=hold, name="A B", email=email, now=now)
    return appointment, statements(held), statements(confirmed)


def test_a_booking_takes_one_statement_to_hold_and_one_to_confirm(small_office, monday, now):
    start = dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN)
    services.touch_days(small_office, [start])  # the day's masks are known (as after its first booking)
    appointment, held, confirmed = book(small_office, start, now=now)

    assert len(held) == HOLD[connection.vendor], held
    assert len(confirmed) == CONFIRM[connection.vendor], confirmed
    stored = Appointment.objects.select_related("office").get(pk=appointment.pk)
    fields = [f.attname for f in Appointment._meta.concrete_fields]
    # the instance the confirmation built from its row is the row as the ORM reads it
    assert [getattr(appointment, f) for f in fields] == [getattr(stored, f) for f in fields]
    appointment = stored
    assert appointment.status == Appointment.Status.CONFIRMED and appointment.blocks_until is None
    assert set(Claim.objects.filter(appointment=appointment).values_list("counter_id", "unit_start")) == own_units(
        appointment
    )
    assert list(AppointmentService.objects.filter(appointment=appointment).values_list("minutes", flat=True)) == [20]
    assert_booking_guarantee()
    assert_day_masks_match_bookings()


def test_the_time_of_a_lapsed_hold_is_taken_in_the_same_statements(small_office, monday, now):
    """The expired claims give their units up inside the new hold's statement; nothing else is asked."""
    start = dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN)
    query = live.booking_query(office=small_office, service_slugs=["personalausweis"], now=now)
    lapsed = [services.hold(query=query, start=start, now=now, hold_minutes=5)[0] for _ in range(2)]  # both counters
    later = now + dt.timedelta(minutes=6)
    with pytest.raises(services.SlotTaken):
        services.hold(query=query, start=start, now=now)  # still held: nothing free

    appointment, held, _ = book(small_office, start, now=later)

    if connection.vendor == "postgresql":
        assert len(held) == HOLD["postgresql"], held
    assert appointment.counter_id == lapsed[0].counter_id  # the first counter, freed by its lapsed hold
    assert not Claim.objects.filter(appointment=lapsed[0]).exists()
    assert Claim.objects.filter(appointment=lapsed[1]).count() == len(own_units(lapsed[1]))  # not needed: kept
    assert_booking_guarantee()


def test_the_first_confirmation_of_a_day_reads_its_masks_from_the_bookings(small_office, monday, now):
    """A day without a stamp row (or with masks not known) may have bookings the masks never saw: the confirmation
    reads the day (two statements more); the next one of that day only adds its own units."""
    first = dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN)
    _appointment, _held, confirmed = book(small_office, first, now=now)
    assert len(confirmed) == CONFIRM[connection.vendor] + 2, confirmed
    assert_day_masks_match_bookings()

    _appointment, _held, confirmed = book(small_office, first + dt.timedelta(hours=1), now=now, email="b@example.org")
    assert len(confirmed) == CONFIRM[connection.vendor], confirmed
    assert_day_masks_match_bookings()
    assert DayStamp.objects.get(office=small_office, day=monday).masks.count(",") == 3  # two entries: appended


def test_long_appended_masks_are_written_back_merged(small_office, monday, now, monkeypatch):
    monkeypatch.setattr(services, "MASKS_COMPACT_CHARS", 40)
    services.touch_days(small_office, [dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN)])
    for n in range(6):
        start = dt.datetime.combine(monday, dt.time(9), tzinfo=BERLIN) + n * dt.timedelta(minutes=30)
        book(small_office, start, now=now, email=f"{n}@example.org")
        assert_day_masks_match_bookings()
        text = DayStamp.objects.get(office=small_office, day=monday).masks
        counters = text.partition("|")[2].split(",")[::2]
        assert len(text) <= 40 or len(counters) == len(set(counters)), text  # grown past the limit: merged
    assert len(counters) < 6, text  # six confirmations, fewer entries: written back merged on the way
