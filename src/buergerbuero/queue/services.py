"""Writes of the office floor: check-in, walk-in tickets, clerks at counters and what they do.

Every state change of a visit is a conditional UPDATE (``... WHERE status IN (...)``) whose row count
is checked: two clerks, two browser tabs or a double click can never both win. The database adds
partial unique constraints (one open leg per ticket, one customer per clerk, one clerk per counter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Counter, Office, Service
from buergerbuero.core.errors import Conflict, DomainError, Forbidden, NotFound, lazy_format
from buergerbuero.queue import policy
from buergerbuero.queue.models import (
    CounterSession,
    DailyTicketCounter,
    FloorSettings,
    Ticket,
    Visit,
)
from buergerbuero.queue.selectors import access, live

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

    from buergerbuero.booking.models import Appointment


class QuotaExhausted(Conflict):
    code = "walk_in_full"


class TooEarly(DomainError):
    code = "too_early"


class TooLate(DomainError):
    code = "too_late"


def _floor(office: Office) -> FloorSettings:
    return FloorSettings.objects.get_or_create(office=office)[0]


def _bump_display(office_id: int) -> None:
    """Tell the call displays that something changed (they poll this one row)."""
    if not FloorSettings.objects.filter(office_id=office_id).update(display_version=F("display_version") + 1):
        FloorSettings.objects.get_or_create(office_id=office_id)
        FloorSettings.objects.filter(office_id=office_id).update(display_version=F("display_version") + 1)


def _next_number(office: Office, day: dt.date) -> int:
    """The next ticket number of the day; the UPDATE locks the day's counter row until commit."""
    try:
        with transaction.atomic():
            DailyTicketCounter.objects.get_or_create(office=office, day=day)
    except IntegrityError:  # created by a concurrent transaction a moment ago
        pass
    DailyTicketCounter.objects.filter(office=office, day=day).update(last_number=F("last_number") + 1)
    return DailyTicketCounter.objects.get(office=office, day=day).last_number


def _new_ticket(
    *,
    office: Office,
    now: dt.datetime,
    kind: str,
    service: Service,
    due_at: dt.datetime | None = None,
    appointment: Appointment | None = None,
    late: bool = False,
    priority: bool = False,
    channel: str = "kiosk",
) -> Ticket:
    settings = _floor(office)
    day = live.local_today(office, now)
    number = _next_number(office, day)
    ticket = Ticket.objects.create(
        office=office,
        day=day,
        number=number,
        label=f"{settings.ticket_prefix}-{number:03d}",
        kind=kind,
        appointment=appointment,
        late=late,
        priority=priority,
        arrived_at=now,
        checked_in_at=now,
        channel=channel,
    )
    Visit.objects.create(
        ticket=ticket,
        office=office,
        day=day,
        kind=kind,
        service=service,
        priority=priority,
        due_at=due_at,
        queued_at=now,
    )
    return ticket


def _service_minutes(office: Office, service: Service, now: dt.datetime) -> float:
    return live.expected_minutes(office, now=now).get(service.pk, float(service.handling_minutes))


def _ensure_walk_in(office: Office, service: Service, now: dt.datetime) -> None:
    status = live.walk_in_status(office, now)
    if status.can_take(service.pk, _service_minutes(office, service, now)):
        return
    hit = live.next_appointment(office, service, now)
    extra = {"next_appointment": hit.start.isoformat() if hit else None}
    message: StrOrPromise
    if not status.open_now:
        message = _("Zurzeit gibt es keine offene Sprechstunde ohne Termin.")
    elif status.quota_left(service.pk) == 0:
        message = lazy_format(
            _("Für „%(service)s“ sind heute leider alle Wartenummern vergeben."), {"service": service.name}
        )
    else:
        message = _("Heute können wir leider keine weiteren Kundinnen und Kunden ohne Termin bedienen.")
    raise QuotaExhausted(message, field="service", extra=extra)


@transaction.atomic
def check_in(
    *,
    office: Office,
    code: str,
    now: dt.datetime | None = None,
    channel: str = "kiosk",
    priority: bool = False,
    by_reception: bool = False,
) -> Ticket:
    """Check in an appointment by booking code and hand out a ticket number.

    Too early: refused with the time from which check-in opens. Too late: turned into a walk-in if the
    walk-in rules allow it (reception may always do so), otherwise refused with a message.
    """
    now = now or timezone.now()
    code = live.normalise_code(code)
    day = live.local_today(office, now)
    appointment = live.appointment_today(office, code, day)
    if appointment is None:
        raise NotFound(_("Für heute gibt es hier keinen Termin mit diesem Buchungscode."), field="code")
    existing = Ticket.objects.filter(appointment=appointment).first()
    if existing is not None:
        raise Conflict(
            lazy_format(_("Sie sind bereits angemeldet. Ihre Wartenummer ist %(label)s."), {"label": existing.label}),
            field="code",
            code="already_checked_in",
            extra={"ticket": existing.label},
        )
    settings = _floor(office)
    items = list(appointment.items.all())
    if not items:
        raise DomainError(
            _("Zu diesem Termin ist keine Leistung gespeichert. Bitte wenden Sie sich an den Empfang."), field="code"
        )
    service = items[0].service  # the first booked service decides who may serve the visit
    opens = appointment.start - dt.timedelta(minutes=settings.early_minutes)
    if now < opens:
        local = opens.astimezone(ZoneInfo(office.timezone))
        raise TooEarly(
            lazy_format(
                _("Sie sind zu früh. Die Anmeldung für Ihren Termin ist ab %(time)s Uhr möglich."),
                {"time": local.strftime("%H:%M")},
            ),
            field="code",
        )
    if now > appointment.start + dt.timedelta(minutes=settings.late_minutes):
        if not by_reception:
            _ensure_late_walk_in(office, service, now)
        return _new_ticket(
            office=office,
            now=now,
            kind=Ticket.Kind.WALK_IN,
            service=service,
            appointment=appointment,
            late=True,
            priority=priority,
            channel=channel,
        )
    return _new_ticket(
        office=office,
        now=now,
        kind=Ticket.Kind.APPOINTMENT,
        service=service,
        due_at=appointment.start,
        appointment=appointment,
        priority=priority,
        channel=channel,
    )


def _ensure_late_walk_in(office: Office, service: Service, now: dt.datetime) -> None:
    try:
        _ensure_walk_in(office, service, now)
    except QuotaExhausted as exc:
        raise TooLate(
            _(
                "Ihr Termin ist leider schon verstrichen und heute ist keine Bedienung ohne Termin mehr möglich. "
                "Bitte wenden Sie sich an den Empfang."
            ),
            field="code",
            extra=exc.extra,
        ) from exc


@transaction.atomic
def draw_ticket(
    *,
    office: Office,
    service: Service,
    now: dt.datetime | None = None,
    priority: bool = False,
    channel: str = "kiosk",
    override_quota: bool = False,
) -> Ticket:
    """A walk-in ticket for a service, within walk-in hours, capacity and the service's daily quota.

    Reception may hand out a ticket beyond the limits (``override_quota``); the kiosk may not.
    """
    now = now or timezone.now()
    if not live.walk_in_services(office).filter(pk=service.pk).exists():
        raise DomainError(_("Diese Leistung wird an diesem Standort nicht angeboten."), field="service")
    if not override_quota:
        _ensure_walk_in(office, service, now)
    return _new_ticket(
        office=office, now=now, kind=Ticket.Kind.WALK_IN, service=service, priority=priority, channel=channel
    )


# --- clerks at counters ------------------------------------------------------------------------------


@transaction.atomic
def open_session(*, clerk: User, counter: Counter, now: dt.datetime | None = None) -> CounterSession:
    """Log a clerk in at a counter (ends the clerk's session elsewhere; the counter must be free)."""
    now = now or timezone.now()
    session = live.current_session(clerk)
    if session and session.counter_id == counter.pk:
        return session
    if session:
        close_session(clerk=clerk, now=now)
    occupied = CounterSession.objects.filter(counter=counter, ended_at__isnull=True).exclude(clerk=clerk).first()
    if occupied:
        raise Conflict(_("An diesem Schalter ist schon jemand angemeldet."), field="counter", code="counter_taken")
    try:
        with transaction.atomic():
            return CounterSession.objects.create(office=counter.office, counter=counter, clerk=clerk, started_at=now)
    except IntegrityError as exc:
        raise Conflict(
            _("An diesem Schalter ist schon jemand angemeldet."), field="counter", code="counter_taken"
        ) from exc


@transaction.atomic
def close_session(*, clerk: User, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if live.current_visit(clerk) is not None:
        raise Conflict(_("Bitte schließen Sie zuerst die laufende Vorsprache ab."), field="visit", code="visit_open")
    CounterSession.objects.filter(clerk=clerk, ended_at__isnull=True).update(ended_at=now)


def _session(clerk: User) -> CounterSession:
    session = live.current_session(clerk)
    if session is None:
        raise DomainError(_("Bitte melden Sie sich zuerst an einem Schalter an."), field="counter", code="no_session")
    return session


def _call(visit_id: int, *, clerk: User, counter: Counter, now: dt.datetime) -> bool:
    """Take one waiting visit for this clerk; False if someone else took it first."""
    try:
        with transaction.atomic():
            taken = Visit.objects.filter(pk=visit_id, status=Visit.Status.WAITING).update(
                status=Visit.Status.CALLED, clerk=clerk, counter=counter, called_at=now, last_called_at=now
            )
    except IntegrityError as exc:  # the clerk got a customer in a parallel request
        raise _busy() from exc
    return taken == 1


def _busy() -> Conflict:
    return Conflict(
        _(
            "Sie haben bereits eine Kundin oder einen Kunden aufgerufen. "
            "Bitte schließen Sie diese Vorsprache zuerst ab."
        ),
        field="visit",
        code="clerk_busy",
    )


@transaction.atomic
def call_next(*, clerk: User, now: dt.datetime | None = None) -> Visit:
    """Call the next visit by the policy. Two clerks at the same moment never get the same visit."""
    now = now or timezone.now()
    session = _session(clerk)
    if live.current_visit(clerk) is not None:
        raise _busy()
    office = session.office
    settings = live.floor_settings(office)
    me = policy.Clerk(counter=session.counter_id, skills=access.clerk_skills(clerk))
    pool = live.candidates(office, live.local_today(office, now))
    for chosen in policy.ranking(pool, now=now, clerk=me, due_minutes=settings.due_minutes):
        if _call(chosen.id, clerk=clerk, counter=session.counter, now=now):
            _bump_display(office.pk)
            return live.visit_by_id(chosen.id)
    if pool:
        raise NotFound(
            lazy_format(
                _("Niemand wartet, den Sie bedienen können. %(n)d Wartende brauchen andere Kenntnisse oder Schalter."),
                {"n": len(pool)},
            ),
            field="visit",
            code="nobody_for_you",
        )
    raise NotFound(_("Zurzeit wartet niemand."), field="visit", code="queue_empty")


@transaction.atomic
def call_visit(*, clerk: User, visit: Visit, now: dt.datetime | None = None) -> Visit:
    """Call one chosen waiting visit (out of the policy's order), if the clerk may serve it."""
    now = now or timezone.now()
    session = _session(clerk)
    if visit.office_id != session.office_id:
        raise Forbidden(_("Diese Vorsprache gehört zu einem anderen Standort."), field="visit")
    skills = access.clerk_skills(clerk)
    if not policy.may_serve(policy.Clerk(session.counter_id, skills), live.candidate(visit)):
        if visit.target_counter_id and visit.target_counter_id != session.counter_id:
            raise Forbidden(_("Diese Vorsprache ist an einen anderen Schalter weitergeleitet."), field="visit")
        raise Forbidden(
            lazy_format(
                _("Für „%(service)s“ fehlt Ihnen die Kenntnis. Bitte rufen Sie eine andere Vorsprache auf."),
                {"service": visit.service.name},
            ),
            field="visit",
            code="missing_skill",
        )
    if live.current_visit(clerk) is not None:
        raise _busy()
    if not _call(visit.pk, clerk=clerk, counter=session.counter, now=now):
        raise Conflict(_("Diese Vorsprache wurde schon aufgerufen."), field="visit", code="already_called")
    _bump_display(visit.office_id)
    return live.visit_by_id(visit.pk)


def _move(visit: Visit, *, clerk: User, from_status: Iterable[str], message: StrOrPromise, **changes: Any) -> Visit:
    """Conditional state change: only this clerk's visit, only from the given states."""
    changed = Visit.objects.filter(pk=visit.pk, clerk=clerk, status__in=list(from_status)).update(**changes)
    if changed != 1:
        current = Visit.objects.filter(pk=visit.pk).values_list("status", "clerk_id").first()
        if current and current[0] == Visit.Status.CLOSED:
            raise Conflict(_("Diese Vorsprache ist bereits abgeschlossen."), field="visit", code="already_closed")
        if current and current[1] != getattr(clerk, "pk", None):
            raise Forbidden(_("Diese Vorsprache wird von jemand anderem bearbeitet."), field="visit")
        raise Conflict(message, field="visit", code="wrong_state")
    return live.visit_by_id(visit.pk)


@transaction.atomic
def recall(*, clerk: User, visit: Visit, now: dt.datetime | None = None) -> Visit:
    """Call the same number again (at most max_recalls times)."""
    now = now or timezone.now()
    limit = live.floor_settings(visit.office).max_recalls
    if visit.recalls >= limit and visit.clerk_id == clerk.pk and visit.status == Visit.Status.CALLED:
        raise Conflict(
            lazy_format(
                _("Die Nummer wurde schon %(n)d-mal erneut aufgerufen. Bitte als „nicht erschienen“ abschließen."),
                {"n": limit},
            ),
            field="visit",
            code="recall_limit",
        )
    visit = _move(
        visit,
        clerk=clerk,
        from_status=[Visit.Status.CALLED],
        message=_("Nur aufgerufene Nummern können erneut aufgerufen werden."),
        recalls=F("recalls") + 1,
        last_called_at=now,
    )
    if visit.recalls > limit:  # a parallel recall slipped past the check above
        transaction.set_rollback(True)
        raise Conflict(_("Die Nummer wurde schon oft genug aufgerufen."), field="visit", code="recall_limit")
    _bump_display(visit.office_id)
    return visit


@transaction.atomic
def start(*, clerk: User, visit: Visit, now: dt.datetime | None = None) -> Visit:
    """The citizen has arrived at the counter: handling time starts."""
    now = now or timezone.now()
    return _move(
        visit,
        clerk=clerk,
        from_status=[Visit.Status.CALLED],
        message=_("Die Bearbeitung hat schon begonnen."),
        status=Visit.Status.SERVING,
        started_at=now,
    )


@transaction.atomic
def no_show(*, clerk: User, visit: Visit, now: dt.datetime | None = None) -> Visit:
    now = now or timezone.now()
    visit = _move(
        visit,
        clerk=clerk,
        from_status=[Visit.Status.CALLED],
        message=_("Nur aufgerufene, noch nicht begonnene Vorsprachen können als nicht erschienen gelten."),
        status=Visit.Status.CLOSED,
        outcome=Visit.Outcome.NO_SHOW,
        ended_at=now,
    )
    _bump_display(visit.office_id)
    return visit


@transaction.atomic
def park(*, clerk: User, visit: Visit, now: dt.datetime | None = None) -> Visit:
    """Set the visit aside (e.g. a document is being fetched); the clerk may call the next one meanwhile."""
    now = now or timezone.now()
    return _move(
        visit,
        clerk=clerk,
        from_status=[Visit.Status.SERVING, Visit.Status.CALLED],
        message=_("Nur laufende Vorsprachen können geparkt werden."),
        status=Visit.Status.PARKED,
    )


@transaction.atomic
def resume(*, clerk: User, visit: Visit, now: dt.datetime | None = None) -> Visit:
    now = now or timezone.now()
    if live.current_visit(clerk) is not None:
        raise _busy()
    try:
        with transaction.atomic():
            visit = _move(
                visit,
                clerk=clerk,
                from_status=[Visit.Status.PARKED],
                message=_("Diese Vorsprache ist nicht geparkt."),
                status=Visit.Status.SERVING,
            )
    except IntegrityError as exc:
        raise _busy() from exc
    if visit.started_at is None:
        Visit.objects.filter(pk=visit.pk).update(started_at=now)
        visit.started_at = now
    return visit


def _services_checked(clerk: User, office: Office, services: list[Service]) -> list[Service]:
    offered = set(live.walk_in_services(office).values_list("pk", flat=True))
    skills = access.clerk_skills(clerk)
    for service in services:
        if service.pk not in offered:
            raise DomainError(
                lazy_format(_("„%(service)s“ wird hier nicht angeboten."), {"service": service.name}), field="services"
            )
        if skills is not None and service.pk not in skills:
            raise Forbidden(
                lazy_format(_("Für „%(service)s“ fehlt Ihnen die Kenntnis."), {"service": service.name}),
                field="services",
                code="missing_skill",
            )
    return services


@transaction.atomic
def finish(*, clerk: User, visit: Visit, services: list[Service], now: dt.datetime | None = None) -> Visit:
    """Close the visit as done with the services actually done. Finishing twice changes nothing."""
    now = now or timezone.now()
    if not services:
        raise DomainError(_("Bitte geben Sie an, welche Leistungen erledigt wurden."), field="services")
    _services_checked(clerk, visit.office, services)
    visit = _move(
        visit,
        clerk=clerk,
        from_status=[Visit.Status.CALLED, Visit.Status.SERVING, Visit.Status.PARKED],
        message=_("Diese Vorsprache kann nicht abgeschlossen werden."),
        status=Visit.Status.CLOSED,
        outcome=Visit.Outcome.DONE,
        ended_at=now,
    )
    if visit.started_at is None:  # finished straight after the call: handling began at the call
        Visit.objects.filter(pk=visit.pk).update(started_at=visit.called_at)
        visit.started_at = visit.called_at
    visit.services_done.set(services)
    return visit


@transaction.atomic
def transfer(
    *,
    clerk: User,
    visit: Visit,
    to_counter: Counter | None = None,
    to_service: Service | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """Close this leg as transferred and queue a new leg (another counter and/or service) on the same ticket."""
    now = now or timezone.now()
    if to_counter is None and to_service is None:
        raise DomainError(_("Bitte wählen Sie einen Schalter oder eine Leistung."), field="counter")
    if to_counter is not None and to_counter.office_id != visit.office_id:
        raise DomainError(_("Dieser Schalter gehört zu einem anderen Standort."), field="counter")
    if to_service is not None and not live.walk_in_services(visit.office).filter(pk=to_service.pk).exists():
        raise DomainError(_("Diese Leistung wird an diesem Standort nicht angeboten."), field="service")
    closed = _move(
        visit,
        clerk=clerk,
        from_status=[Visit.Status.CALLED, Visit.Status.SERVING, Visit.Status.PARKED],
        message=_("Diese Vorsprache kann nicht weitergeleitet werden."),
        status=Visit.Status.CLOSED,
        outcome=Visit.Outcome.TRANSFERRED,
        ended_at=now,
    )
    if closed.started_at is None:
        Visit.objects.filter(pk=closed.pk).update(started_at=closed.called_at)
    leg = Visit.objects.create(
        ticket=closed.ticket,
        office=closed.office,
        day=closed.day,
        kind=closed.kind,
        service=to_service or closed.service,
        priority=closed.priority,
        due_at=None,
        queued_at=closed.ticket.checked_in_at,  # keeps its place: FIFO by the original check-in
        target_counter=to_counter,
        previous=closed,
    )
    return leg


# --- closing the day ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayClose:
    """What closing an office's past days changed: visits closed by their state before, counter sessions ended."""

    office: Office
    today: dt.date  # visits of days before this one were closed
    waiting: int = 0  # never called: their waiting time is unknown
    called: int = 0
    serving: int = 0
    parked: int = 0
    sessions: int = 0

    @property
    def visits(self) -> int:
        return self.waiting + self.called + self.serving + self.parked


@transaction.atomic
def close_office_past_days(*, office: Office, now: dt.datetime | None = None) -> DayClose:
    """Close every visit of the office's past days that is still open, as *end of day*; end forgotten sessions.

    One conditional UPDATE per open state (``WHERE day < today AND status = …``): a visit a clerk closes at
    the same moment keeps the clerk's outcome, and the row counts say exactly what was closed. The end time
    stays empty (nobody knows when the citizen left), so no waiting or handling time is made up. Running it
    again closes nothing more.
    """
    now = now or timezone.now()
    today = live.local_today(office, now)
    past = Visit.objects.filter(office=office, day__lt=today)
    closed = {
        status: past.filter(status=status).update(status=Visit.Status.CLOSED, outcome=Visit.Outcome.END_OF_DAY)
        for status in Visit.OPEN
    }
    # A clerk who went home logged in would count as present tomorrow and shorten every wait estimate.
    midnight = dt.datetime.combine(today, dt.time(0), tzinfo=ZoneInfo(office.timezone))
    sessions = CounterSession.objects.filter(office=office, ended_at__isnull=True, started_at__lt=midnight).update(
        ended_at=now
    )
    return DayClose(
        office,
        today,
        waiting=closed[Visit.Status.WAITING],
        called=closed[Visit.Status.CALLED],
        serving=closed[Visit.Status.SERVING],
        parked=closed[Visit.Status.PARKED],
        sessions=sessions,
    )


def close_past_days(*, now: dt.datetime | None = None, offices: Iterable[Office] | None = None) -> list[DayClose]:
    """The day close for every office (each in its own transaction and time zone); for the nightly job."""
    now = now or timezone.now()
    return [
        close_office_past_days(office=office, now=now)
        for office in (catalog_selectors.offices() if offices is None else offices)
    ]
