"""Retention of bookings and waitlist entries (the rules: privacy/retention.py; the job: privacy.services).

An appointment keeps what statistics need (office, counter, time, services, minutes, channel, status, code
— a random key that names nobody once name, e-mail and phone are gone); the citizen's data is blanked.
A waitlist entry is deleted as a whole (statistics do not use it); its offers go with it, the offered
appointments stay.
"""

import datetime as dt

from django.db.models import Q, QuerySet

from buergerbuero.booking.models import Appointment, WaitlistEntry

HAS_PERSONAL_DATA = ~Q(name="") | ~Q(email="") | ~Q(phone="")
LAPSED = [WaitlistEntry.Status.BOOKED, WaitlistEntry.Status.WITHDRAWN, WaitlistEntry.Status.ENDED]


def appointments_due(*, office_id: int, start_before: dt.datetime) -> QuerySet[Appointment]:
    """Appointments of the office that started before `start_before` and still carry personal data."""
    return Appointment.objects.filter(office_id=office_id, start__lt=start_before).filter(HAS_PERSONAL_DATA)


def anonymise_appointments(ids: list[int]) -> int:
    return Appointment.objects.filter(pk__in=ids).filter(HAS_PERSONAL_DATA).update(name="", email="", phone="")


def waitlist_due(*, organisation_id: int, day_before: dt.date, lapsed_before: dt.datetime) -> QuerySet[WaitlistEntry]:
    """Entries at the municipality's offices whose range ended before `day_before`, or that were booked,
    withdrawn or ended (queued before `lapsed_before`). An entry with an open offer waits for the answer."""
    ended = Q(date_to__lt=day_before) | Q(status__in=LAPSED, queued_at__lt=lapsed_before)
    in_organisation = WaitlistEntry.objects.filter(offices__organisation_id=organisation_id).values("pk")
    return (
        WaitlistEntry.objects.filter(pk__in=in_organisation).filter(ended).exclude(status=WaitlistEntry.Status.OFFERED)
    )


def delete_waitlist_entries(ids: list[int]) -> int:
    return (
        WaitlistEntry.objects.filter(pk__in=ids)
        .exclude(status=WaitlistEntry.Status.OFFERED)
        .delete()[1]
        .get("booking.WaitlistEntry", 0)
    )
