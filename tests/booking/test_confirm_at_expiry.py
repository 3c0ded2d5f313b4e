"""A hold confirmed around its expiry: it becomes an appointment only while every one of its claims is its own.

The confirming process and a booking that takes the freed units may read different clocks (two web servers, or
just a request that started a moment earlier). Each test passes both clocks in; runs on SQLite and PostgreSQL.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment, Claim
from buergerbuero.booking.selectors import live
from tests import factories
from tests.antibot import solve
from tests.booking.invariants import assert_booking_guarantee, own_units

BERLIN = ZoneInfo("Europe/Berlin")
HOLD_MINUTES = 10
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def monday():
    return factories.next_weekday(0)


@pytest.fixture
def now(monday):
    return dt.datetime.combine(monday - dt.timedelta(days=3), dt.time(12), tzinfo=BERLIN)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def book(office, start, *, now, email):
    hold, _ = services.hold(
        query=live.booking_query(office=office, service_slugs=["personalausweis"], now=now), start=start, now=now
    )
    return services.confirm(appointment=hold, name="A B", email=email, now=now)


@pytest.fixture
def last_hold(small_office, monday, now):
    """A hold on the last free counter at Monday 8:00 (the other one is booked), lapsing HOLD_MINUTES from now."""
    query = live.booking_query(office=small_office, service_slugs=["personalausweis"], now=now)
    hold, _ = services.hold(query=query, start=at(monday, 8), now=now, hold_minutes=HOLD_MINUTES)
    book(small_office, at(monday, 8), now=now, email="other@example.org")
    return hold


def expiry(hold):
    return Appointment.objects.get(pk=hold.pk).blocks_until


def take(office, start, *, now):
    """Another citizen books this time with its own clock; None if the time is not free for it."""
    try:
        return book(office, start, now=now, email="taker@example.org")
    except services.SlotTaken:
        return None


@pytest.mark.parametrize(
    ("taker_clock", "confirm_clock", "taken"),
    [
        # the taker's clock before the expiry: the units are still the hold's, the hold is confirmed
        (-SECOND, -SECOND, False),
        # at or after the expiry the taker deletes the expired claims; a confirmation still live by its own
        # clock must fail then, and one lapsed by its clock fails anyway
        (0 * SECOND, -SECOND, True),
        (SECOND, -dt.timedelta(minutes=5), True),
        (SECOND, SECOND, True),
    ],
)
def test_a_taker_first_then_the_confirmation(small_office, monday, last_hold, taker_clock, confirm_clock, taken):
    lapses = expiry(last_hold)
    taker = take(small_office, at(monday, 8), now=lapses + taker_clock)
    assert (taker is not None) == taken
    if taken:
        with pytest.raises(services.HoldExpired) as exc:
            services.confirm(
                appointment=last_hold, name="Zu Spät", email="late@example.org", now=lapses + confirm_clock
            )
        assert exc.value.status == 409 and exc.value.code == "hold_expired"
        assert exc.value.extra["alternatives"], "the next free times are offered"
        assert at(monday, 8).isoformat() not in exc.value.extra["alternatives"]
        assert Appointment.objects.get(pk=last_hold.pk).status == Appointment.Status.HELD, "nothing changed"
        assert set(Claim.objects.filter(appointment=taker).values_list("counter_id", "unit_start")) == own_units(taker)
    else:
        confirmed = services.confirm(
            appointment=last_hold, name="A B", email="a@example.org", now=lapses + confirm_clock
        )
        assert confirmed.status == Appointment.Status.CONFIRMED
    assert_booking_guarantee()


@pytest.mark.parametrize("taker_clock", [0 * SECOND, SECOND, dt.timedelta(minutes=5)])
def test_a_confirmation_first_keeps_the_units_from_any_later_clock(small_office, monday, last_hold, taker_clock):
    lapses = expiry(last_hold)
    services.confirm(appointment=last_hold, name="A B", email="a@example.org", now=lapses - SECOND)
    assert take(small_office, at(monday, 8), now=lapses + taker_clock) is None
    assert Appointment.objects.filter(start=at(monday, 8), status="confirmed").count() == 2  # the hold and "other"
    assert_booking_guarantee()


@pytest.mark.parametrize(("confirm_clock", "confirmed"), [(-SECOND, True), (0 * SECOND, False), (SECOND, False)])
def test_without_a_taker_the_confirmations_clock_decides(small_office, monday, last_hold, confirm_clock, confirmed):
    lapses = expiry(last_hold)
    if confirmed:
        services.confirm(appointment=last_hold, name="A B", email="a@example.org", now=lapses + confirm_clock)
    else:
        with pytest.raises(services.HoldExpired) as exc:
            services.confirm(appointment=last_hold, name="A B", email="a@example.org", now=lapses + confirm_clock)
        # the lapsed hold's time is still free: it is the first time offered again
        assert exc.value.extra["alternatives"][0] == at(monday, 8).astimezone(dt.UTC).isoformat()
    assert_booking_guarantee()


def test_a_hold_that_lost_one_of_its_units_is_not_confirmed(small_office, monday, last_hold):
    """All or nothing: a booking starting one unit later takes only the hold's second unit."""
    lapses = expiry(last_hold)
    taker = take(small_office, at(monday, 8, 10), now=lapses + SECOND)
    assert taker is not None and Claim.objects.filter(appointment=last_hold).count() == 1
    with pytest.raises(services.HoldExpired):
        services.confirm(appointment=last_hold, name="A B", email="a@example.org", now=lapses - SECOND)
    assert_booking_guarantee()


def test_the_api_answers_409_hold_expired_with_alternatives_when_a_later_clock_took_the_units(
    client, small_office, monday
):
    """The API confirms with the server's clock; the taker here runs with a clock past the hold's expiry."""
    payload = {"office": small_office.slug, "services": ["personalausweis"], "start": at(monday, 8).isoformat()}
    book(small_office, at(monday, 8), now=dt.datetime.now(dt.UTC), email="other@example.org")
    held = client.post("/api/holds", {**payload, "altcha": solve(client)}, content_type="application/json").json()
    lapses = dt.datetime.fromisoformat(held["expires_at"])
    assert take(small_office, at(monday, 8), now=lapses + SECOND) is not None
    response = client.post(
        f"/api/holds/{held['hold_id']}/confirm",
        {"token": held["token"], "name": "Erika Muster", "email": "erika@example.org"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "hold_expired" and body["field"] == "hold"
    assert body["messages"]["de"] and body["messages"]["en"]
    assert body["alternatives"] and at(monday, 8).astimezone(dt.UTC).isoformat() not in body["alternatives"]
    assert_booking_guarantee()


def test_the_opt_in_link_takes_another_free_counter_when_the_hold_lost_its_units(small_office, monday, now):
    """The e-mail link confirms a hold that lost its counter to a later clock at the other, still free one."""
    query = live.booking_query(office=small_office, service_slugs=["personalausweis"], now=now)
    mine, _ = services.hold(query=query, start=at(monday, 8), now=now)
    services.hold(query=query, start=at(monday, 8), now=now, hold_minutes=5)  # counter 2, lapses unused
    services.request_opt_in(appointment=mine, name="A B", email="a@example.org", base_url="http://x/", now=now)
    lapses = expiry(mine)
    taker = take(small_office, at(monday, 8), now=lapses + SECOND)
    assert taker.counter_id == mine.counter_id, "the taker took the opt-in hold's counter"
    confirmed, changed = services.confirm_opt_in(appointment=mine, base_url="http://x/", now=lapses - SECOND)
    assert changed and confirmed.status == Appointment.Status.CONFIRMED
    assert confirmed.counter_id != taker.counter_id
    assert_booking_guarantee()
