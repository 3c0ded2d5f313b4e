"""What planning and insights count: booked items and minutes, confirmed rows, bookings of a service, starts."""

import datetime as dt

from django.db.models import Q, QuerySet

from buergerbuero.booking.models import Appointment, AppointmentService
from buergerbuero.catalog.models import Office, Service

# --- reads for the planner's calibration (planning/calibration.py) ---


def booked_items(office: Office, *, created_from: dt.datetime, created_to: dt.datetime):
    """Services booked in a period, one row per appointment item: (service slug, minutes, persons, channel,
    created_at, status). The planner calibrates demand, service mix and channel split from them."""

    return (
        AppointmentService.objects.filter(
            appointment__office=office,
            appointment__created_at__gte=created_from,
            appointment__created_at__lt=created_to,
        )
        .exclude(appointment__status=Appointment.Status.HELD)
        .values_list(
            "service__slug",
            "minutes",
            "appointment__persons",
            "appointment__channel",
            "appointment__created_at",
            "appointment__status",
        )
    )


# --- reads for the KPIs (insights/selectors.py) ---


def confirmed_rows(office: Office, *, start: dt.datetime, end: dt.datetime):
    """Confirmed appointments booked or taking place in [start, end): (created_at, start, claim_end, channel) rows."""
    return (
        Appointment.objects.filter(office=office, status=Appointment.Status.CONFIRMED)
        .filter(Q(start__gte=start, start__lt=end) | Q(created_at__gte=start, created_at__lt=end))
        .values_list("created_at", "start", "claim_end", "channel")
    )


def confirmed_bookings_of(office: Office, service: Service, *, created_from: dt.datetime, created_to: dt.datetime):
    """Confirmed appointments including `service`, booked in [created_from, created_to): (created_at, start) rows."""
    return Appointment.objects.filter(
        office=office,
        status=Appointment.Status.CONFIRMED,
        items__service=service,
        created_at__gte=created_from,
        created_at__lt=created_to,
    ).values_list("created_at", "start")


def _starting(office: Office, first: dt.datetime, last: dt.datetime) -> QuerySet[Appointment]:
    return Appointment.objects.filter(office=office, start__gte=first, start__lt=last)


def booked_ahead(
    office: Office,
    *,
    first: dt.datetime,
    last: dt.datetime,
    now: dt.datetime,
    created_before: dt.datetime | None = None,
):
    """Appointments (and unexpired holds) starting in [first, last): (start, claim_end, channel) rows.

    What the planner starts from: the capacity already taken at `now`, a running hold included.
    `created_before`: what had been booked by then (the planner's backtest starts from a past day): made before it
    and not cancelled before it – a booking cancelled later was still in the book then."""
    rows = _starting(office, first, last).filter(Q(blocks_until__isnull=True) | Q(blocks_until__gt=now))
    if created_before is None:
        rows = rows.exclude(status=Appointment.Status.CANCELLED)
    else:
        rows = rows.filter(created_at__lt=created_before).exclude(
            Q(status=Appointment.Status.CANCELLED) & (Q(cancelled_at__isnull=True) | Q(cancelled_at__lt=created_before))
        )
    return rows.values_list("start", "claim_end", "channel")


def appointment_starts(office: Office, *, first: dt.datetime, last: dt.datetime) -> QuerySet:
    """Start times of the confirmed appointments starting in [first, last); holds and cancellations excluded.

    What the office floor compares its check-ins with: the appointments citizens actually had."""
    return _starting(office, first, last).filter(status=Appointment.Status.CONFIRMED).values_list("start", flat=True)
