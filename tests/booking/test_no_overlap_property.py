"""Property: no sequence of holds, confirmations, cancellations, moves and waiting ever double-books a counter.

Expiry moments included: the clock jumps to just past a hold's expiry, a confirmation runs with a clock a
little behind (a request that started before the expiry, another web server), and another booking takes the
units a lapsed hold gave up."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live
from buergerbuero.core.errors import DomainError
from tests import factories
from tests.booking.invariants import assert_booking_guarantee, assert_day_masks_match_bookings

BERLIN = ZoneInfo("Europe/Berlin")
SERVICES = ("kurz", "personalausweis", "lang")

operations = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(0, 1), st.integers(0, 23), st.sampled_from(SERVICES), st.integers(1, 2)),
        st.tuples(st.just("confirm"), st.integers(0, 30)),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.integers(0, 20)),
        st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 23)),
        st.tuples(st.just("wait"), st.integers(1, 25)),
        st.tuples(st.just("lapse"), st.integers(0, 30), st.integers(0, 90)),
        st.tuples(st.just("confirm_behind"), st.integers(0, 30), st.integers(1, 600)),
        st.tuples(st.just("take"), st.integers(0, 30), st.sampled_from(SERVICES)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def office(db):
    kinds = [
        factories.service(slug="kurz", minutes=10, leika="99115003000000"),
        factories.service(slug="personalausweis", minutes=20),
        factories.service(slug="lang", minutes=30, leika="99085001000000"),
    ]
    return factories.office(services=kinds, counters=2, hours=(dt.time(8), dt.time(10)), evening=False)


def assert_no_overlap(office, now):
    active = Appointment.objects.filter(office=office).filter(Q(blocks_until__isnull=True) | Q(blocks_until__gt=now))
    by_counter = {}
    for a in active.order_by("start"):
        by_counter.setdefault(a.counter_id, []).append(a)
        units = round((a.claim_end - a.start) / dt.timedelta(minutes=office.slot_minutes))
        assert a.claims.count() == units, "an active appointment lost its claims"
    for appointments in by_counter.values():
        for earlier, later in itertools.pairwise(appointments):
            assert earlier.claim_end <= later.start, f"overlap: {earlier} / {later}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
# The expiry race, always: a hold lapses, another booking takes its counter (the first free one), and a
# confirmation whose clock still reads a minute before the expiry must not make the hold an appointment.
@example(ops=[("hold", 0, 0, "kurz", 1), ("lapse", 0, 1), ("take", 0, "kurz"), ("confirm_behind", 0, 60)])
def test_no_sequence_double_books(office, ops):
    monday = factories.next_weekday(0)
    now = dt.datetime.combine(monday - dt.timedelta(days=2), dt.time(9), tzinfo=BERLIN)
    with transaction.atomic():
        made = []
        for op in ops:
            try:
                if op[0] == "hold":
                    _, day, unit, slug, persons = op
                    q = live.booking_query(office=office, service_slugs=[slug], persons=persons, now=now)
                    start = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(8), tzinfo=BERLIN)
                    made.append(services.hold(query=q, start=start + dt.timedelta(minutes=10 * unit), now=now)[0])
                elif op[0] == "confirm" and made:
                    a = made[op[1] % len(made)]
                    services.confirm(appointment=a, name="A B", email=f"p{op[1]}@example.org", now=now)
                elif op[0] == "cancel" and made:
                    services.cancel(appointment=made[op[1] % len(made)], now=now, release_delay_minutes=op[2])
                elif op[0] == "move" and made:
                    a = Appointment.objects.get(pk=made[op[1] % len(made)].pk)
                    q = live.booking_query(
                        office=office, service_slugs=[i.service.slug for i in a.items.all()], persons=a.persons, now=now
                    )
                    start = dt.datetime.combine(a.start.astimezone(BERLIN).date(), dt.time(8), tzinfo=BERLIN)
                    services.reschedule(appointment=a, query=q, start=start + dt.timedelta(minutes=10 * op[2]), now=now)
                elif op[0] == "wait":
                    now += dt.timedelta(minutes=op[1])
                elif op[0] == "lapse" and made:  # the clock moves to just past a hold's (or release's) end
                    blocks_until = Appointment.objects.get(pk=made[op[1] % len(made)].pk).blocks_until
                    if blocks_until is not None:
                        now = max(now, blocks_until + dt.timedelta(seconds=op[2]))
                elif op[0] == "confirm_behind" and made:  # this request read its clock a little earlier
                    a, behind = made[op[1] % len(made)], dt.timedelta(seconds=op[2])
                    services.confirm(appointment=a, name="A B", email=f"b{op[1]}@example.org", now=now - behind)
                elif op[0] == "take" and made:  # another citizen books the same start, maybe on freed units
                    start = Appointment.objects.get(pk=made[op[1] % len(made)].pk).start
                    q = live.booking_query(office=office, service_slugs=[op[2]], now=now)
                    made.append(services.hold(query=q, start=start, now=now)[0])
                    services.confirm(appointment=made[-1], name="C D", email=f"t{len(made)}@example.org", now=now)
            except DomainError:
                pass  # refusals (taken, expired, not movable) are allowed; double bookings are not
            assert_no_overlap(office, now)
            assert_booking_guarantee()
            assert_day_masks_match_bookings()
        transaction.set_rollback(True)
