"""Holds, confirmation, cancellation and rescheduling against the real database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment, Claim
from buergerbuero.booking.selectors import access, live, stats
from buergerbuero.core.errors import Conflict, DomainError
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday():
    return factories.next_weekday(0)


@pytest.fixture
def now(monday):
    return dt.datetime.combine(monday - dt.timedelta(days=3), dt.time(12), tzinfo=BERLIN)


@pytest.fixture
def one_per_address(small_office):
    """The office allows one active appointment per e-mail address."""
    small_office.max_active_per_email = 1
    small_office.save()


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def query(office, now, slugs=("personalausweis",), persons=1, channel="web"):
    return live.booking_query(office=office, service_slugs=list(slugs), persons=persons, channel=channel, now=now)


def test_hold_claims_units_and_hides_the_time(small_office, monday, now):
    q = query(small_office, now)
    appointment, token = services.hold(query=q, start=at(monday, 8), now=now)
    assert appointment.status == Appointment.Status.HELD
    assert appointment.claims.count() == 2
    assert len(token) > 20
    lanes_left = [t for t in live.free_times(q, monday, monday, now=now)[monday] if t.start == at(monday, 8)]
    assert lanes_left[0].lanes == (small_office.counters.get(number=2).pk,)


def test_confirm_then_lookup_with_code_and_token(small_office, monday, now):
    hold, token = services.hold(query=query(small_office, now), start=at(monday, 8), now=now)
    services.confirm(appointment=hold, name="Erika Mustermann", email="Erika@Example.org ", now=now)
    found = access.appointment_for_citizen(hold.code.lower(), token)
    assert found.status == Appointment.Status.CONFIRMED
    assert found.email == "erika@example.org"
    assert found.blocks_until is None
    assert not Claim.objects.filter(appointment=found, expires_at__isnull=False).exists()
    with pytest.raises(DomainError):
        access.appointment_for_citizen(hold.code, token + "x")


def test_confirming_twice_gives_the_same_appointment(small_office, monday, now):
    hold, _token = services.hold(query=query(small_office, now), start=at(monday, 8), now=now)
    first = services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)
    second = services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)
    assert first.pk == second.pk
    assert Appointment.objects.filter(status="confirmed").count() == 1


def test_an_expired_hold_stops_counting_at_once_and_cannot_be_confirmed(small_office, monday, now):
    q = query(small_office, now)
    for _ in range(2):  # both counters
        services.hold(query=q, start=at(monday, 8), now=now, hold_minutes=10)
    later = now + dt.timedelta(minutes=11)
    assert at(monday, 8) in [t.start for t in live.free_times(q, monday, monday, now=later)[monday]]
    assert at(monday, 8) not in [t.start for t in live.free_times(q, monday, monday, now=now)[monday]]
    # A new booking takes over the expired claims in its own transaction – no cleanup job needed.
    fresh, _ = services.hold(query=query(small_office, later), start=at(monday, 8), now=later)
    assert fresh.claims.count() == 2
    stale = Appointment.objects.exclude(pk=fresh.pk).first()
    with pytest.raises(Conflict):
        services.confirm(appointment=stale, name="Zu Spät", email="late@example.org", now=later)


def test_the_last_free_time_goes_once_then_409_with_alternatives(small_office, monday, now):
    q = query(small_office, now)
    services.hold(query=q, start=at(monday, 8), now=now)
    services.hold(query=q, start=at(monday, 8), now=now)
    with pytest.raises(services.SlotTaken) as exc:
        services.hold(query=q, start=at(monday, 8), now=now)
    assert exc.value.status == 409
    alternatives = exc.value.extra["alternatives"]
    assert alternatives and alternatives[0] == at(monday, 8, 20).astimezone(dt.UTC).isoformat()


def test_limit_of_active_appointments_per_email(one_per_address, small_office, monday, now):
    q = query(small_office, now)
    first, _ = services.hold(query=q, start=at(monday, 8), now=now)
    services.confirm(appointment=first, name="A B", email="same@example.org", now=now)
    second, _ = services.hold(query=q, start=at(monday, 9), now=now)
    with pytest.raises(DomainError) as exc:
        services.confirm(appointment=second, name="A B", email="SAME@example.org", now=now)
    assert exc.value.field == "email"
    assert Appointment.objects.get(pk=second.pk).status == Appointment.Status.HELD


def test_confirming_twice_at_the_address_limit_still_gives_the_same_appointment(
    one_per_address, small_office, monday, now
):
    hold, _ = services.hold(query=query(small_office, now), start=at(monday, 8), now=now)
    first = services.confirm(appointment=hold, name="A B", email="one@example.org", now=now)
    again = services.confirm(appointment=hold, name="A B", email="one@example.org", now=now)  # a double submit
    assert again.pk == first.pk and again.status == Appointment.Status.CONFIRMED


def test_an_expired_hold_at_the_address_limit_is_reported_as_expired(one_per_address, small_office, monday, now):
    q = query(small_office, now)
    done, _ = services.hold(query=q, start=at(monday, 8), now=now)
    services.confirm(appointment=done, name="A B", email="one@example.org", now=now)
    lapsed, _ = services.hold(query=q, start=at(monday, 9), now=now, hold_minutes=10)
    with pytest.raises(Conflict) as exc:
        services.confirm(appointment=lapsed, name="A B", email="one@example.org", now=now + dt.timedelta(minutes=11))
    assert exc.value.code == "hold_expired"
    cancelled, _ = services.hold(query=q, start=at(monday, 10), now=now)
    services.cancel(appointment=cancelled, now=now)
    with pytest.raises(Conflict):
        services.confirm(appointment=cancelled, name="A B", email="two@example.org", now=now)
    assert Appointment.objects.get(pk=cancelled.pk).status == Appointment.Status.CANCELLED


def test_the_confirmed_appointment_returned_is_the_stored_row(small_office, monday, now):
    """confirm answers from its UPDATE … RETURNING: every field as a fresh read gives it, typed the same."""
    hold, _ = services.hold(query=query(small_office, now), start=at(monday, 8), now=now)
    confirmed = services.confirm(
        appointment=hold, name=" Erika M ", email="E@Example.org", phone=" 0234 123456 ", now=now
    )
    stored = Appointment.objects.get(pk=hold.pk)
    for field in Appointment._meta.concrete_fields:
        assert getattr(confirmed, field.attname) == getattr(stored, field.attname), field.name
    assert (confirmed.name, confirmed.email, confirmed.phone) == ("Erika M", "e@example.org", "+49234123456")
    assert confirmed.confirmed_at == now and confirmed.blocks_until is None
    assert confirmed.office == small_office
    assert [item.service.slug for item in confirmed.items.all()] == ["personalausweis"]


def test_booking_codes_are_unique_in_the_database(small_office, monday, now):
    """Codes are read out on the phone and looked up alone: the database refuses a second row with one."""
    hold, _ = services.hold(query=query(small_office, now), start=at(monday, 8), now=now)
    twin, _ = services.hold(query=query(small_office, now), start=at(monday, 9), now=now)
    twin.code = hold.code
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(update_fields=["code"])


def test_cancel_releases_after_the_delay(small_office, monday, now):
    q = query(small_office, now)
    appointments = []
    for _ in range(2):
        hold, _ = services.hold(query=q, start=at(monday, 8), now=now)
        appointments.append(services.confirm(appointment=hold, name="A B", email=f"{hold.pk}@example.org", now=now))
    services.cancel(appointment=appointments[0], now=now, release_delay_minutes=30)

    def free(moment):
        return at(monday, 8) in [t.start for t in live.free_times(q, monday, monday, now=moment)[monday]]

    assert not free(now + dt.timedelta(minutes=29))
    assert free(now + dt.timedelta(minutes=31))


def test_reschedule_moves_or_keeps_the_old_time(small_office, monday, now):
    q = query(small_office, now)
    hold, _token = services.hold(query=q, start=at(monday, 8), now=now)
    appointment = services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)
    moved = services.reschedule(appointment=appointment, query=q, start=at(monday, 8, 10), now=now)
    assert moved.start == at(monday, 8, 10)
    assert sorted(Claim.objects.filter(appointment=moved).values_list("unit_start", flat=True)) == [
        at(monday, 8, 10),
        at(monday, 8, 20),
    ]
    # Fill 10:00 on both counters, then try to move there: the old time must survive.
    for _ in range(2):
        services.hold(query=q, start=at(monday, 10), now=now)
    with pytest.raises(services.SlotTaken):
        services.reschedule(appointment=moved, query=q, start=at(monday, 10), now=now)
    kept = Appointment.objects.get(pk=moved.pk)
    assert kept.start == at(monday, 8, 10)
    assert kept.claims.count() == 2


def test_bad_requests_are_refused_with_a_field(small_office, monday, now):
    with pytest.raises(DomainError) as exc:
        query(small_office, now, persons=9)
    assert exc.value.field == "persons"
    with pytest.raises(DomainError) as exc:
        query(small_office, now, slugs=("gibt-es-nicht",))
    assert exc.value.field == "services"
    with pytest.raises(DomainError) as exc:
        services.hold(query=query(small_office, now), start=now - dt.timedelta(hours=1), now=now)
    assert exc.value.field == "start"
    with pytest.raises(DomainError):
        services.hold(query=query(small_office, now), start=at(monday + dt.timedelta(days=400), 8), now=now)
    assert Appointment.objects.count() == 0


def test_durations_add_up_and_persons_multiply(db, monday, now):
    id_card = factories.service()
    register = factories.service(slug="wohnsitz-anmelden", minutes=15, leika="99115005000000")
    office = factories.office(services=[id_card, register], counters=1)
    q = query(office, now, slugs=("personalausweis", "wohnsitz-anmelden"), persons=2)
    assert q.minutes == 70
    assert q.request.units == 7
    hold, _ = services.hold(query=q, start=at(monday, 8), now=now)
    assert hold.claims.count() == 7
    assert hold.end == at(monday, 9, 10)


def test_cached_days_follow_every_confirmed_change(small_office, monday, now):
    """The day cache is keyed by a stamp that each confirmation, cancellation and move renews."""
    q = query(small_office, now)

    def free_at_eight():
        return at(monday, 8) in [t.start for t in live.free_times(q, monday, monday, now=now)[monday]]

    assert free_at_eight()  # fills the cache for that day
    booked = []
    for n in range(2):
        hold, _ = services.hold(query=q, start=at(monday, 8), now=now)
        booked.append(services.confirm(appointment=hold, name="A B", email=f"{n}@example.org", now=now))
    assert not free_at_eight()
    services.reschedule(appointment=booked[0], query=q, start=at(monday, 9), now=now)
    assert free_at_eight()
    services.cancel(appointment=booked[1], now=now)
    assert next(t.lanes for t in live.free_times(q, monday, monday, now=now)[monday] if t.start == at(monday, 8)) == (
        small_office.counters.get(number=1).pk,
        small_office.counters.get(number=2).pk,
    )


def test_cancelling_an_expired_hold_does_not_bring_its_block_back(small_office, monday, now):
    """Found by the property test: the hold's units already belong to a newer booking."""
    q = query(small_office, now)
    old, _ = services.hold(query=q, start=at(monday, 8), now=now, hold_minutes=10)
    later = now + dt.timedelta(minutes=10)
    newer, _ = services.hold(query=query(small_office, later), start=at(monday, 8), now=later)
    assert newer.counter_id == old.counter_id  # took over the expired units
    services.cancel(appointment=old, now=later, release_delay_minutes=30)
    old.refresh_from_db()
    assert old.blocks_until <= later
    lanes = next(t.lanes for t in live.free_times(q, monday, monday, now=later)[monday] if t.start == at(monday, 8))
    assert lanes == (small_office.counters.get(number=2).pk,)


def test_bookings_without_an_address_do_not_share_the_per_email_limit(one_per_address, small_office, monday, now):
    """A partner agent books for callers who give only a phone number."""
    q = query(small_office, now, channel="counter")
    for hour in (8, 9):
        hold, _ = services.hold(query=q, start=at(monday, hour), now=now)
        services.confirm(appointment=hold, name="Anrufer", email="", phone="0234 123456", now=now)
    assert Appointment.objects.filter(status="confirmed", email="").count() == 2


def test_appointment_starts_are_the_confirmed_appointments_of_the_range(small_office, monday, now):
    """What the office floor compares its check-ins with: neither a running hold nor a cancelled time."""
    q = query(small_office, now)
    confirmed = []
    for hour in (8, 9, 10):
        hold, _token = services.hold(query=q, start=at(monday, hour), now=now)
        confirmed.append(services.confirm(appointment=hold, name="A B", email=f"{hour}@example.org", now=now))
    services.cancel(appointment=confirmed[1], now=now)
    services.hold(query=q, start=at(monday, 11), now=now)  # running hold
    tuesday = monday + dt.timedelta(days=1)
    hold, _token = services.hold(query=q, start=at(tuesday, 8), now=now)
    services.confirm(appointment=hold, name="A B", email="next-day@example.org", now=now)

    starts = stats.appointment_starts(small_office, first=at(monday, 0), last=at(tuesday, 0))
    assert sorted(starts) == [at(monday, 8), at(monday, 10)]
    assert list(stats.appointment_starts(small_office, first=at(monday, 9), last=at(monday, 10))) == []
    # the planner's look-ahead counts the running hold too: its time is taken for now
    ahead = stats.booked_ahead(small_office, first=at(monday, 0), last=at(tuesday, 0), now=now)
    assert sorted(begin for begin, _end, _channel in ahead) == [at(monday, h) for h in (8, 10, 11)]
