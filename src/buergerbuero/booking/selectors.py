import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking import availability
from buergerbuero.booking.models import Appointment
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.capacity.models import Channel
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.errors import DomainError, NotFound

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class BookingQuery:
    """A validated question: which office, which services for how many persons, through which channel."""

    office: Office
    services: list[tuple[Service, int]]
    persons: int
    channel: str
    request: availability.Request

    @property
    def minutes(self) -> int:
        return sum(minutes for _service, minutes in self.services) * self.persons

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)


def booking_query(
    *,
    office: Office,
    service_slugs: list[str],
    persons: int = 1,
    channel: str = Channel.WEB,
    now: dt.datetime,
) -> BookingQuery:
    if channel not in Channel.values:
        raise DomainError(_("Unbekannter Buchungskanal."), field="channel")
    services = catalog_selectors.offered_minutes(office=office, service_slugs=service_slugs)
    if channel == Channel.WEB and any(not s.bookable_online for s, _m in services):
        raise DomainError(_("Diese Leistung kann nicht online gebucht werden."), field="services")
    max_persons = min(s.max_persons for s, _m in services)
    if not 1 <= persons <= max_persons:
        raise DomainError(
            _("Für diese Leistung sind 1 bis %(max)d Personen je Termin möglich.") % {"max": max_persons},
            field="persons",
        )
    minutes = sum(m for _s, m in services) * persons + office.buffer_minutes
    tz = ZoneInfo(office.timezone)
    request = availability.Request(
        service_ids=frozenset(s.id for s, _m in services),
        units=availability.units_needed(minutes, office.slot_minutes),
        slot_minutes=office.slot_minutes,
        channel=channel,
        shares=capacity_selectors.channel_shares(office),
        not_before=now + dt.timedelta(minutes=office.min_notice_minutes),
        last_day=availability.last_bookable_day(now, office.horizon_days, office.release_time, tz),
    )
    return BookingQuery(office, services, persons, channel, request)


def busy(
    office: Office, first: dt.date, last: dt.date, *, now: dt.datetime, ignore: int | None = None
) -> list[availability.Busy]:
    """Claimed intervals in a date range: confirmed appointments and holds or released times not yet expired."""
    tz = ZoneInfo(office.timezone)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    rows = (
        Appointment.objects.filter(office=office, start__lt=end, claim_end__gt=start)
        .filter(Q(blocks_until__isnull=True) | Q(blocks_until__gt=now))
        .exclude(pk=ignore)
        .order_by("start")
        .values_list("counter_id", "start", "claim_end")
    )
    return [availability.Busy(lane, s, e) for lane, s, e in rows]


def clamp_range(
    query: BookingQuery, first: dt.date, last: dt.date, now: dt.datetime
) -> tuple[dt.date, dt.date]:
    today = now.astimezone(query.tz).date()
    if last < first:
        raise DomainError(_("Das Enddatum liegt vor dem Anfangsdatum."), field="to")
    if last < today:
        raise DomainError(_("Der Zeitraum liegt in der Vergangenheit."), field="to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise DomainError(
            _("Bitte höchstens %(days)d Tage auf einmal abfragen.") % {"days": MAX_RANGE_DAYS}, field="to"
        )
    if first > query.request.last_day:
        raise DomainError(
            _("Termine werden nur bis %(day)s vergeben.")
            % {"day": query.request.last_day.strftime("%d.%m.%Y")},
            field="from",
        )
    return max(first, today), min(last, query.request.last_day)


def free_times(
    query: BookingQuery, first: dt.date, last: dt.date, *, now: dt.datetime
) -> dict[dt.date, list[availability.FreeTime]]:
    first, last = clamp_range(query, first, last, now)
    plans = capacity_selectors.day_plans(query.office, first, last)
    return availability.free_times(plans, busy(query.office, first, last, now=now), query.request)


def earliest(query: BookingQuery, *, now: dt.datetime, chunk_days: int = 14) -> availability.FreeTime | None:
    """Earliest free start, reading the calendar and claims two weeks at a time until one is found."""
    first = now.astimezone(query.tz).date()
    last_day = query.request.last_day
    while first <= last_day:
        last = min(first + dt.timedelta(days=chunk_days - 1), last_day)
        plans = capacity_selectors.day_plans(query.office, first, last)
        hit = availability.earliest(plans, busy(query.office, first, last, now=now), query.request)
        if hit:
            return hit
        first = last + dt.timedelta(days=1)
    return None


def lead_time_days(office: Office, service: Service, *, now: dt.datetime | None = None) -> int | None:
    """Days from today until the earliest free web appointment for one person (the lead-time KPI)."""
    now = now or timezone.now()
    query = booking_query(office=office, service_slugs=[service.slug], now=now)
    hit = earliest(query, now=now)
    if hit is None:
        return None
    return (hit.start.astimezone(query.tz).date() - now.astimezone(query.tz).date()).days


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def appointment_for_citizen(code: str, token: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("office", "counter")
        .prefetch_related("items__service")
        .filter(code=code.strip().upper())
        .first()
    )
    if appointment is None or not token or appointment.token_hash != hash_token(token):
        # One message for both: a wrong token must not reveal that the code exists.
        raise NotFound(_("Kein Termin mit diesem Buchungscode und Schlüssel gefunden."), field="code")
    return appointment


def hold_for_citizen(public_id, token: str) -> Appointment:
    appointment = Appointment.objects.select_related("office").filter(public_id=public_id).first()
    if appointment is None or appointment.token_hash != hash_token(token or ""):
        raise NotFound(_("Diese Reservierung gibt es nicht."), field="hold")
    return appointment


def staff_day(office: Office, day: dt.date) -> QuerySet[Appointment]:
    tz = ZoneInfo(office.timezone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return (
        Appointment.objects.filter(
            office=office,
            status=Appointment.Status.CONFIRMED,
            start__gte=start,
            start__lt=start + dt.timedelta(days=1),
        )
        .select_related("counter")
        .prefetch_related("items__service")
        .order_by("counter__number", "start")
    )


def active_count_for_email(email: str, *, now: dt.datetime) -> int:
    return Appointment.objects.filter(
        email__iexact=email, status=Appointment.Status.CONFIRMED, start__gt=now
    ).count()


# --- reads for the planner's calibration (planning/calibration.py) ---


def booked_items(office: Office, *, created_from: dt.datetime, created_to: dt.datetime):
    """Services booked in a period, one row per appointment item: (service slug, minutes, persons, channel,
    created_at, status). The planner calibrates demand, service mix and channel split from them."""
    from buergerbuero.booking.models import AppointmentService

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


def booked_ahead(office: Office, *, first: dt.datetime, last: dt.datetime, now: dt.datetime):
    """Appointments (and unexpired holds) starting in [first, last): (start, claim_end, channel) rows."""
    return (
        Appointment.objects.filter(office=office, start__gte=first, start__lt=last)
        .filter(Q(blocks_until__isnull=True) | Q(blocks_until__gt=now))
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("start", "claim_end", "channel")
    )
