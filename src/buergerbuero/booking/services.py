"""Writes of the booking app: hold, confirm, cancel, reschedule. Claims make overlaps impossible."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking import availability, selectors
from buergerbuero.booking.models import Appointment, AppointmentService, Claim
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.core.errors import Conflict, DomainError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read out on the phone
ALTERNATIVES = 5


class SlotTaken(Conflict):
    code = "slot_taken"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _alternatives(
    query: selectors.BookingQuery, *, after: dt.datetime, now: dt.datetime
) -> list[dt.datetime]:
    day = after.astimezone(query.tz).date()
    out: list[dt.datetime] = []
    while len(out) < ALTERNATIVES and day <= query.request.last_day:
        last = min(day + dt.timedelta(days=13), query.request.last_day)
        for times in selectors.free_times(query, day, last, now=now).values():
            out.extend(t.start for t in times if t.start >= after)
            if len(out) >= ALTERNATIVES:
                break
        day = last + dt.timedelta(days=1)
    return out[:ALTERNATIVES]


def _free_lanes(
    query: selectors.BookingQuery, start: dt.datetime, *, now: dt.datetime, ignore: int | None = None
) -> tuple[int, ...]:
    day = start.astimezone(query.tz).date()
    if start < query.request.not_before:
        raise DomainError(_("Dieser Zeitpunkt ist zu kurzfristig oder vergangen."), field="start")
    if day > query.request.last_day:
        raise DomainError(
            _("Termine werden nur bis %(day)s vergeben.")
            % {"day": query.request.last_day.strftime("%d.%m.%Y")},
            field="start",
        )
    plans = capacity_selectors.day_plans(query.office, day, day)
    times = availability.free_times_for_day(
        plans[0], selectors.busy(query.office, day, day, now=now, ignore=ignore), query.request
    )
    for free in times:
        if free.start == start:
            return free.lanes
    return ()


def _claim_units(query: selectors.BookingQuery, start: dt.datetime) -> list[dt.datetime]:
    step = dt.timedelta(minutes=query.office.slot_minutes)
    return [start + i * step for i in range(query.request.units)]


def _take_lane(appointment: Appointment, lane: int, units: list[dt.datetime], *, expires_at, now) -> bool:
    """Claim the units on one lane; False if another transaction holds any of them."""
    try:
        with transaction.atomic():
            Claim.objects.filter(counter_id=lane, unit_start__in=units, expires_at__lte=now).delete()
            Claim.objects.bulk_create(
                Claim(appointment=appointment, counter_id=lane, unit_start=u, expires_at=expires_at)
                for u in units
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def hold(
    *,
    query: selectors.BookingQuery,
    start: dt.datetime,
    now: dt.datetime | None = None,
    hold_minutes: int | None = None,
) -> tuple[Appointment, str]:
    """Reserve a start time for a few minutes. Returns the hold and its secret token (shown once)."""
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    lanes = _free_lanes(query, start, now=now)
    expires_at = now + dt.timedelta(minutes=hold_minutes or settings.BOOKING_HOLD_MINUTES)
    units = _claim_units(query, start)
    token = secrets.token_urlsafe(24)
    for lane in lanes:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                code=new_code(),
                token_hash=selectors.hash_token(token),
                office=query.office,
                counter_id=lane,
                start=start,
                end=start + dt.timedelta(minutes=query.minutes),
                claim_end=units[-1] + dt.timedelta(minutes=query.office.slot_minutes),
                persons=query.persons,
                channel=query.channel,
                status=Appointment.Status.HELD,
                blocks_until=expires_at,
                created_at=now,
            )
            if _take_lane(appointment, lane, units, expires_at=expires_at, now=now):
                AppointmentService.objects.bulk_create(
                    AppointmentService(appointment=appointment, service=s, minutes=m)
                    for s, m in query.services
                )
                return appointment, token
            transaction.set_rollback(True)
    raise SlotTaken(
        _("Dieser Termin ist leider gerade vergeben worden. Bitte wählen Sie eine andere Zeit."),
        field="start",
        extra={"alternatives": [t.isoformat() for t in _alternatives(query, after=start, now=now)]},
    )


def _is_live_hold(appointment: Appointment, now: dt.datetime) -> bool:
    return appointment.status == Appointment.Status.HELD and appointment.blocks_until > now


@transaction.atomic
def confirm(
    *, appointment: Appointment, name: str, email: str, phone: str = "", now: dt.datetime | None = None
) -> Appointment:
    """Turn a live hold into an appointment. Confirming twice answers with the same appointment."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CONFIRMED:
        return appointment
    if not _is_live_hold(appointment, now):
        raise Conflict(
            _("Die Reservierung ist abgelaufen. Bitte wählen Sie die Zeit erneut."),
            field="hold",
            code="hold_expired",
        )
    limit = appointment.office.max_active_per_email
    if selectors.active_count_for_email(email, now=now) >= limit:
        raise DomainError(
            _(
                "Mit dieser E-Mail-Adresse sind bereits %(n)d Termine gebucht. Bitte sagen Sie zuerst einen ab."
            )
            % {"n": limit},
            field="email",
            code="too_many_appointments",
        )
    appointment.name, appointment.email, appointment.phone = (
        name.strip(),
        email.strip().lower(),
        phone.strip(),
    )
    appointment.status = Appointment.Status.CONFIRMED
    appointment.blocks_until = None
    appointment.confirmed_at = now
    appointment.save()
    appointment.claims.update(expires_at=None)
    return appointment


@transaction.atomic
def cancel(
    *, appointment: Appointment, now: dt.datetime | None = None, release_delay_minutes: int = 0
) -> Appointment:
    """Cancel; the time becomes bookable again after the release delay (0 = at once)."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    if appointment.start <= now:
        raise DomainError(_("Vergangene Termine können nicht abgesagt werden."), field="code", code="in_past")
    release_at = now + dt.timedelta(minutes=release_delay_minutes)
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = now
    appointment.blocks_until = release_at
    appointment.save()
    appointment.claims.update(expires_at=release_at)
    return appointment


@transaction.atomic
def reschedule(
    *,
    appointment: Appointment,
    query: selectors.BookingQuery,
    start: dt.datetime,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move a confirmed appointment atomically: if the new time is gone, the old one stays."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.CONFIRMED:
        raise DomainError(
            _("Nur bestätigte Termine können verschoben werden."), field="code", code="not_confirmed"
        )
    if appointment.start <= now:
        raise DomainError(
            _("Vergangene Termine können nicht verschoben werden."), field="code", code="in_past"
        )
    start = start.astimezone(dt.UTC)
    units = _claim_units(query, start)
    with transaction.atomic():
        # Our own claims must not count against the new time (e.g. moving by 10 minutes on one counter).
        appointment.claims.all().delete()
        for lane in _free_lanes(query, start, now=now, ignore=appointment.pk):
            if _take_lane(appointment, lane, units, expires_at=None, now=now):
                appointment.counter_id = lane
                appointment.start = start
                appointment.end = start + dt.timedelta(minutes=query.minutes)
                appointment.claim_end = units[-1] + dt.timedelta(minutes=query.office.slot_minutes)
                appointment.persons = query.persons
                appointment.save()
                appointment.items.all().delete()
                AppointmentService.objects.bulk_create(
                    AppointmentService(appointment=appointment, service=s, minutes=m)
                    for s, m in query.services
                )
                return appointment
        transaction.set_rollback(True)
    raise SlotTaken(
        _("Diese Zeit ist nicht mehr frei. Ihr bisheriger Termin bleibt bestehen."),
        field="start",
        extra={"alternatives": [t.isoformat() for t in _alternatives(query, after=start, now=now)]},
    )
