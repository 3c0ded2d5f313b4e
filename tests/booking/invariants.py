"""The booking guarantee, read from the database as it is: the checks the booking tests share."""

import datetime as dt
from collections import Counter, defaultdict

from buergerbuero.booking.models import Appointment, Claim


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
