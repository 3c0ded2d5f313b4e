"""The booking guarantee, read from the database as it is: the checks the booking tests share."""

import datetime as dt
from collections import Counter, defaultdict

from buergerbuero.booking import availability
from buergerbuero.booking.models import Appointment, Claim, DayStamp
from buergerbuero.booking.selectors import live


def own_units(appointment: Appointment) -> set[tuple[int, dt.datetime]]:
    """The (counter, unit) pairs a whole appointment claims: one per unit from its start to its claim end."""
    step = dt.timedelta(minutes=appointment.office.slot_minutes)
    count = round((appointment.claim_end - appointment.start) / step)
    return {(appointment.counter_id, appointment.start + i * step) for i in range(count)}


def assert_booking_guarantee() -> None:
    """No confirmed appointment lacks a claim for any of its units (nor holds one that may still expire),
    and no unit of a counter is claimed twice."""
    claims = list(Claim.objects.values_list("appointment_id", "counter_id", "unit_start", "expires_at"))
    twice = [unit for unit, n in Counter((counter, start) for _, counter, start, _ in claims).items() if n > 1]
    assert not twice, f"units claimed twice: {twice}"
    owned, expiring = defaultdict(set), set()
    for appointment_id, counter, start, expires_at in claims:
        owned[appointment_id].add((counter, start))
        if expires_at is not None:
            expiring.add(appointment_id)
    for appointment in Appointment.objects.filter(status=Appointment.Status.CONFIRMED).select_related("office"):
        missing = own_units(appointment) - owned[appointment.pk]
        assert not missing, f"confirmed {appointment.code} lacks claims for {sorted(missing)}"
        assert owned[appointment.pk] == own_units(appointment), f"{appointment.code} claims units not its own"
        assert appointment.pk not in expiring, f"confirmed {appointment.code} has claims that may expire"


def assert_day_masks_match_bookings() -> None:
    """Every day's masks kept with its stamp (what a cold availability read takes instead of the bookings) are
    the claimed units of that day's confirmed bookings as they are now."""
    for row in DayStamp.objects.exclude(masks="").select_related("office"):
        office = row.office
        span = live.day_spans(office, [row.day])
        busy = live.intervals(office, row.day, row.day)
        expected = availability.masks_by_day(span, busy, office.slot_minutes)[row.day]
        kept = live.decode_masks(row.masks, office.slot_minutes)
        assert kept == {lane: mask for lane, mask in expected.items() if mask}, f"{office.slug} {row.day}: {row.masks}"
