"""Reads of the applications app."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.applications import fees, idcard
from buergerbuero.applications.models import (
    Application,
    OnlineService,
    Payment,
    PaymentAccount,
    PendingLogin,
    Status,
)
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError, Forbidden, NotFound
from buergerbuero.core.tokens import hash_token


def open_login(*, provider: str, request_id: str, now: dt.datetime | None = None) -> PendingLogin | None:
    now = now or timezone.now()
    return PendingLogin.objects.filter(
        provider=provider, request_id=request_id, expires_at__gt=now, identity__isnull=True
    ).first()


# --- applications ------------------------------------------------------------------------------------
# National services the office links to instead of rebuilding them (domain.md).
NATIONAL_SERVICES = [
    {
        "title": _("Wohnsitz elektronisch anmelden (eWA)"),
        "text": _("Die elektronische Wohnsitzanmeldung des Bundes – mit Online-Ausweis, ohne Termin."),
        "url": "https://www.bmi.bund.de/DE/themen/moderne-verwaltung/verwaltungsdigitalisierung/wohnsitzanmeldung/wohnsitzanmeldung-node.html",
    },
    {
        "title": _("Führungszeugnis beim Bundesamt für Justiz"),
        "text": _("Online beantragen mit Online-Ausweis beim Bundesamt für Justiz."),
        "url": "https://www.fuehrungszeugnis.bund.de/",
    },
]


def online_services() -> QuerySet[OnlineService]:
    return OnlineService.objects.filter(active=True).select_related("service", "appointment_service")


def pre_application_services() -> dict[str, OnlineService]:
    """Catalogue services booked only through their online pre-application (slug → the online service)."""
    return {
        s.appointment_service.slug: s
        for s in online_services().filter(appointment_service__isnull=False).select_related("appointment_service")
        if s.appointment_service is not None  # (as filtered)
    }


def online_service(slug: str) -> OnlineService:
    service = online_services().filter(slug=slug).first()
    if service is None:
        raise NotFound(_("Diesen Online-Dienst gibt es nicht."), field="service")
    return service


def office_for(service: OnlineService):
    """The office that handles it (the first that offers the catalogue service)."""
    office = catalog_selectors.offices().filter(office_services__service=service.service).first()
    if office is None:
        office = catalog_selectors.offices().first()
    if office is None:
        raise NotFound(_("Kein Bürgerbüro bietet diesen Dienst an."), field="service")
    return office


def application_for_citizen(public_id, token: str) -> Application:
    application = Application.objects.select_related("service", "office").filter(public_id=public_id).first()
    if application is None or not token or application.token_hash != hash_token(token) or application.purged_at:
        raise NotFound(_("Diesen Antrag gibt es nicht (oder der Zugangslink ist falsch)."), field="application")
    return application


def for_office(office, *, status: str | None = None) -> QuerySet[Application]:
    rows = Application.objects.filter(office=office).exclude(status=Status.DRAFT).select_related("service")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("submitted_at")


def by_reference(reference: str) -> Application:
    application = (
        Application.objects.select_related("service", "office")
        .prefetch_related("attachments", "changes")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if application is None:
        raise NotFound(_("Keinen Antrag mit dieser Vorgangsnummer gefunden."), field="reference")
    return application


def staff_offices(user) -> list:
    """Offices whose applications the user may read and decide."""
    return [o for o in catalog_selectors.offices() if account_selectors.may_process_application(user, o)]


def for_staff(user, reference: str) -> Application:
    """The application, if the user may read and decide it (accounts.selectors.may_process_application)."""
    application = by_reference(reference)
    if not account_selectors.may_process_application(user, application.office):
        raise Forbidden(_("Dieser Antrag gehört nicht zu Ihren Standorten."), field="reference")
    return application


def for_staff_by_appointment_code(user, code: str) -> Application:
    """The pre-application behind a booking code, only within the user's scope: a code of another office
    answers as if it had none, so the lookup turns no foreign booking code into an application reference."""
    application = (
        Application.objects.filter(appointment_code=code.strip().upper(), office__in=staff_offices(user))
        .order_by("-created_at")
        .first()
    )
    if application is None:
        raise NotFound(_("Zu diesem Buchungscode gibt es keinen Vorantrag."), field="code")
    return application


def sla_hours_used(application: Application, *, now: dt.datetime) -> float | None:
    """Hours the office has had the application, without the time it waited for the citizen."""
    if application.submitted_at is None:
        return None
    end = application.decided_at or now
    paused: float = application.sla_paused_seconds
    if application.sla_paused_since:
        paused += (now - application.sla_paused_since).total_seconds()
    return max(0.0, ((end - application.submitted_at).total_seconds() - paused) / 3600)


SEARCH_DAYS = 42  # how far past `not_before` a first free time is searched (the booking horizon clamps it)


def _short_query(service: OnlineService, office, *, now: dt.datetime):
    short = service.appointment_service
    if short is None:  # (the callers ask only for services with a short visit)
        raise DomainError(_("Zu diesem Antrag gehört kein Termin."), field="start")
    return booking_live.booking_query(office=office, service_slugs=[short.slug], now=now)


def _first_free(query, *, now: dt.datetime, not_before: dt.date | None):
    first = booking_live.earliest(query, now=now)
    if first is None or not_before is None or first.start.astimezone(query.tz).date() >= not_before:
        return first
    try:
        later = booking_live.free_times(query, not_before, not_before + dt.timedelta(days=SEARCH_DAYS), now=now)
    except DomainError:  # past the booking horizon
        return None
    return next((free[0] for _day, free in sorted(later.items()) if free), None)


def earliest_visit_day(
    service: OnlineService, office, *, now: dt.datetime, not_before: dt.date | None = None
) -> dt.date:
    """The day the citizen can come in at the earliest: the first free short appointment (from `not_before`, e.g.
    the 16th birthday for Direktversand), else today. Until an appointment is chosen, fees and age rules are
    decided for this day: when no time is free from `not_before` on, the rules of today refuse what is not yet
    allowed."""
    fallback = timezone.localtime(now).date()
    if not service.appointment_service_id:
        return fallback
    try:
        query = _short_query(service, office, now=now)
    except DomainError:
        return fallback
    first = _first_free(query, now=now, not_before=not_before)
    return first.start.astimezone(query.tz).date() if first else fallback


def appointment_of(application: Application):
    """The booked short appointment (held for the e-mail opt-in or confirmed), or None."""
    if not application.appointment_code:
        return None
    return booking_live.appointment_by_code(application.appointment_code)


def fee_preview(application: Application, *, now: dt.datetime):
    """(day, fee) of the ID-card fee for the earliest visit day from the draft's answers, or None while the answers
    cannot give one yet: shown on the form before submitting."""
    if application.service.kind != OnlineService.Kind.ID_CARD_PRE_APPLICATION:
        return None
    try:
        dt.date.fromisoformat(application.answers.get("birth_date", ""))
    except ValueError:
        return None
    day = earliest_visit_day(
        application.service, application.office, now=now, not_before=idcard.first_allowed_day(application.answers)
    )
    try:
        return day, idcard.fee_on(application.answers, visit_day=day)
    except fees.FeeError:
        return None


def short_appointment_times(
    service: OnlineService, office, *, now: dt.datetime, not_before: dt.date | None = None, limit: int = 12
):
    """The first free start times of the short appointment (booking engine, web channel), from `not_before`."""
    query = _short_query(service, office, now=now)
    first = _first_free(query, now=now, not_before=not_before)
    if first is None:
        return query, []
    day = first.start.astimezone(query.tz).date()
    times: list[dt.datetime] = []
    for _day, free in sorted(booking_live.free_times(query, day, day + dt.timedelta(days=6), now=now).items()):
        times.extend(t.start for t in free)
        if len(times) >= limit:
            break
    return query, times[:limit]


# --- payments -------------------------------------------------------------------------------------------
def payment_account(office) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(organisation_id=office.organisation_id).first()


def payment_by_reference(reference: str) -> Payment:
    payment = Payment.objects.select_related("account", "application").filter(reference=reference).first()
    if payment is None:
        raise NotFound(_("Diese Zahlung gibt es nicht."), field="payment")
    return payment


def latest_payment(application: Application) -> Payment | None:
    return application.payments.select_related("account").order_by("-created_at", "-pk").first()


def paid_for_treasury(offices) -> QuerySet[Payment]:
    """Paid fees of these offices' applications, for the city treasury's CSV (oldest first)."""
    return (
        Payment.objects.filter(status=Payment.Status.PAID, application__office__in=offices)
        .select_related("application__service", "application__office")
        .order_by("decided_at", "pk")
    )
