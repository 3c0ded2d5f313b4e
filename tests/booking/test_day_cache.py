"""The day cache of availability (docs/adr/0001-day-cache.md): cold reads of many offices at once, and entries
kept until their day's stamp changes."""

import datetime as dt
import types
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends import locmem
from django.core.management import call_command

from buergerbuero.booking import availability, services
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live
from buergerbuero.capacity.models import Closure
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday():
    return factories.next_weekday(0)


@pytest.fixture
def now(monday):
    return dt.datetime.combine(monday - dt.timedelta(days=3), dt.time(12), tzinfo=BERLIN)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def forget():
    """As after a restart with an empty shared cache."""
    live._forget_local()
    cache.clear()


def by_hand(office, start, minutes=20, counter=1, **fields):
    """A confirmed appointment written without the booking services (no claims, no new day stamp)."""
    fields.setdefault("status", Appointment.Status.CONFIRMED)
    return Appointment.objects.create(
        code=f"H{Appointment.objects.count():07d}",
        token_hash="x",
        office=office,
        counter=office.counters.get(number=counter),
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        claim_end=start + dt.timedelta(minutes=minutes),
        channel="web",
        created_at=start - dt.timedelta(days=7),
        **fields,
    )


def query(office, now):
    return live.booking_query(office=office, service_slugs=["personalausweis"], now=now)


def test_a_cold_read_of_several_offices_gives_the_same_free_times_as_reads_office_by_office(
    db, monday, now, monkeypatch
):
    id_card = factories.service()
    offices = [
        factories.office(slug="nord", services=[id_card], counters=3),
        factories.office(slug="sued", services=[id_card], counters=2, slot_minutes=15),
        factories.office(slug="west", services=[id_card], counters=1),
        factories.office(slug="leer", services=[id_card], counters=2),  # nothing booked
    ]
    for n, office in enumerate(offices[:3]):
        q = query(office, now)
        for day, hour, minute in [(0, 8, 0), (0, 9, n * 15), (1, 11, 0), (3, 16, 0), (8, 9, 0), (10, 11, 30)]:
            when = at(monday + dt.timedelta(days=day), hour, minute)
            hold, _ = services.hold(query=q, start=when, now=now)
            services.confirm(appointment=hold, name="A B", email=f"{office.slug}-{day}-{hour}@example.org", now=now)
        by_hand(office, at(monday + dt.timedelta(days=2), 9, 10), minutes=35, counter=1)  # off the unit grid
        by_hand(
            office,
            at(monday + dt.timedelta(days=2), 10),
            status=Appointment.Status.CANCELLED,
            blocks_until=now - dt.timedelta(hours=1),
        )  # released: must not count
        services.hold(query=q, start=at(monday + dt.timedelta(days=1), 8), now=now)  # a running hold counts
        cancelled, _ = services.hold(query=q, start=at(monday + dt.timedelta(days=4), 8), now=now)
        services.cancel(
            appointment=services.confirm(
                appointment=cancelled, name="C", email=f"c-{office.slug}@example.org", now=now
            ),
            now=now,
        )
    first, last = monday - dt.timedelta(days=1), monday + dt.timedelta(days=20)
    calendars = {o: query(o, now).calendar for o in offices}
    plans = {o: calendars[o].day_plans(first, last) for o in offices}

    def office_by_office():
        out = {}
        for office in offices:
            forget()
            out[office.pk] = live.taken(office, plans[office], now=now)
        return out

    alone = office_by_office()
    for office in offices:  # the reference: the per-office reads of before, plus the running holds
        expected = availability.masks_by_day(plans[office], live.intervals(office, first, last), office.slot_minutes)
        running = live._running([office.pk], now, None)[office.pk]
        held = availability.masks_by_day(plans[office], running, office.slot_minutes)
        expected = {day: availability.merge_masks(masks, held[day]) for day, masks in expected.items()}
        assert {d: m for d, m in alone[office.pk].items() if m} == {d: m for d, m in expected.items() if m}

    forget()
    assert live.taken_many(plans, now=now) == alone
    # Offices missing different days (one warm from an earlier read), and one office per query.
    monkeypatch.setattr(live, "COLD_OFFICE_DAYS_PER_QUERY", 1)
    forget()
    live.taken(offices[1], plans[offices[1]][:5], now=now)
    together = live.taken_many(plans, now=now)
    assert together == alone
    for office in offices:
        request = query(office, now).request
        assert availability.free_times(plans[office], together[office.pk], request) == availability.free_times(
            plans[office], alone[office.pk], request
        )
    assert any(alone[o.pk][monday] for o in offices[:3])


@pytest.fixture
def shared_clock(monkeypatch, settings):
    """Moves the shared cache's clock: the test runs on Django's in-memory cache (whatever CACHE_URL says), whose
    expiry reads time.time(), so a Redis in the developer's environment cannot skip it."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert isinstance(caches["default"], locmem.LocMemCache)
    offset = {"seconds": 0}
    real = locmem.time.time
    monkeypatch.setattr(locmem, "time", types.SimpleNamespace(time=lambda: real() + offset["seconds"]))
    return offset


def test_a_day_is_reused_long_after_ten_minutes_while_its_stamp_holds_and_dropped_when_it_changes(
    small_office, monday, now, shared_clock
):
    q = query(small_office, now)
    hold, _ = services.hold(query=q, start=at(monday, 8), now=now)
    services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)
    plans = q.calendar.day_plans(monday, monday)
    forget()
    start = 1_000_000.0
    before = live.taken_many({small_office: plans}, now=now, clock=start)[small_office.pk]
    by_hand(small_office, at(monday, 10), counter=2)  # bypasses the stamp: not seen until the stamp changes

    hour = 3600
    shared_clock["seconds"] = hour
    assert live.taken_many({small_office: plans}, now=now, clock=start + hour)[small_office.pk] == before
    live._forget_local()  # another web process: the shared cache still has the day
    assert live.taken_many({small_office: plans}, now=now, clock=start + hour)[small_office.pk] == before

    call_command("renew_day_stamps", "--office", small_office.slug, "--from", str(monday), "--to", str(monday))
    after = live.taken_many({small_office: plans}, now=now, clock=start + hour)[small_office.pk]
    assert after != before
    counter_2 = small_office.counters.get(number=2).pk
    assert after[monday][counter_2] & ~before[monday].get(counter_2, 0)  # the row written by hand, now seen


def test_a_day_that_never_had_a_stamp_stays_in_the_shared_cache_ten_minutes_only(
    small_office, monday, now, shared_clock
):
    q = query(small_office, now)
    plans = q.calendar.day_plans(monday, monday)
    assert live.taken_many({small_office: plans}, now=now)[small_office.pk] == {monday: {}}
    by_hand(small_office, at(monday, 10))
    assert live.taken_many({small_office: plans}, now=now)[small_office.pk] == {monday: {}}
    shared_clock["seconds"] = live.NO_STAMP_SECONDS + 1
    assert live.taken_many({small_office: plans}, now=now)[small_office.pk][monday]


def test_renewing_day_stamps_names_unknown_offices(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="unknown office"):
        call_command("renew_day_stamps", "--office", "nirgendwo")


def test_after_a_restart_stamped_days_are_read_from_their_kept_masks_not_from_the_bookings(
    db, monday, now, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    id_card = factories.service()
    offices = [factories.office(slug=f"amt-{n}", services=[id_card], counters=2) for n in range(3)]
    for office in offices:
        q = query(office, now)
        for day, hour in [(0, 8), (0, 9), (1, 10), (7, 8)]:
            hold, _ = services.hold(query=q, start=at(monday + dt.timedelta(days=day), hour), now=now)
            services.confirm(appointment=hold, name="A B", email=f"{office.slug}-{day}-{hour}@example.org", now=now)
        moved, _ = services.hold(query=q, start=at(monday, 10), now=now)
        moved = services.confirm(appointment=moved, name="C D", email=f"{office.slug}-moved@example.org", now=now)
        services.reschedule(appointment=moved, query=q, start=at(monday + dt.timedelta(days=2), 9), now=now)
        gone, _ = services.hold(query=q, start=at(monday + dt.timedelta(days=1), 8), now=now)
        services.cancel(
            appointment=services.confirm(
                appointment=gone, name="E F", email=f"{office.slug}-gone@example.org", now=now
            ),
            now=now,
        )
    booked = {monday + dt.timedelta(days=n) for n in (0, 1, 2, 7)}  # stamped days (a day never booked is read)
    plans = {
        o: [p for p in query(o, now).calendar.day_plans(monday, monday + dt.timedelta(days=9)) if p.day in booked]
        for o in offices
    }
    reference = {
        o.pk: availability.masks_by_day(
            plans[o], live.intervals(o, monday, monday + dt.timedelta(days=9)), o.slot_minutes
        )
        for o in offices
    }

    forget()
    with CaptureQueriesContext(connection) as queries:
        cold = live.taken_many(plans, now=now)
    bookings = [q["sql"] for q in queries if "booking_appointment" in q["sql"]]
    assert len(bookings) == 1 and "blocks_until >" in bookings[0], "only the running holds are read"
    for office in offices:
        assert {d: m for d, m in cold[office.pk].items() if m} == {d: m for d, m in reference[office.pk].items() if m}
    assert cold[offices[0].pk][monday], "the kept masks hold the day's bookings"


def test_warm_reads_of_booked_out_days_skip_them_and_still_see_every_change(db, monday, now):
    """The warm path keeps each office's range of days under its stamps and skips the days booked out on every
    counter; a hold, a cancellation and a calendar change must show at once, as they do cold."""
    office = factories.office(services=[factories.service()], counters=1, hours=(dt.time(8), dt.time(9)), evening=False)
    q = query(office, now)
    booked = []
    for day in (0, 1):
        for minute in (0, 20, 40):
            hold, _ = services.hold(query=q, start=at(monday + dt.timedelta(days=day), 8, minute), now=now)
            booked.append(services.confirm(appointment=hold, name="A B", email=f"{day}-{minute}@example.org", now=now))

    def warm_and_cold():
        q = query(office, now)
        warm = live.earliest(q, now=now)
        forget()
        assert live.earliest(q, now=now) == warm
        return warm.start.astimezone(BERLIN)

    forget()
    assert warm_and_cold() == at(monday + dt.timedelta(days=2), 8)
    assert warm_and_cold() == at(monday + dt.timedelta(days=2), 8)  # warm twice: the range is kept
    live.earliest(q, now=now)
    held, _ = services.hold(query=q, start=at(monday + dt.timedelta(days=2), 8), now=now)
    assert live.earliest(query(office, now), now=now).start.astimezone(BERLIN) == at(
        monday + dt.timedelta(days=2), 8, 20
    )
    services.cancel(appointment=held, now=now)
    services.cancel(appointment=booked[4], now=now)  # Tuesday 08:20 is free again
    assert warm_and_cold() == at(monday + dt.timedelta(days=1), 8, 20)
    live.earliest(query(office, now), now=now)
    tuesday = monday + dt.timedelta(days=1)
    Closure.objects.create(office=office, start_date=tuesday, end_date=tuesday, reason="Betriebsausflug")
    assert warm_and_cold() == at(monday + dt.timedelta(days=2), 8)
