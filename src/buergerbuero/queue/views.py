"""Pages of the office floor: kiosk, reception desk, clerk workstation, call display, phone view."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import ratelimit
from buergerbuero.core.errors import DomainError
from buergerbuero.core.problems import unavailable_response
from buergerbuero.privacy import audit
from buergerbuero.queue import services, sse
from buergerbuero.queue.selectors import access, live

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Service


def _office(slug):
    return catalog_selectors.office_by_slug(slug)


def _office_or_404(request, slug):
    try:
        return _office(slug), None
    except DomainError as exc:
        return None, render(request, "queue/message.html", {"message": exc.message}, status=exc.status)


def _denied(request, exc: DomainError) -> HttpResponse:
    return render(request, "queue/message.html", {"message": exc.message}, status=exc.status)


def _when(iso: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(iso) if iso else None


def _service_from(request, office, field="service") -> Service:
    service = live.walk_in_services(office).filter(slug=request.POST.get(field, "")).first()
    if service is None:
        raise DomainError(_("Bitte wählen Sie eine Leistung."), field=field)
    return service


def _ticket_context(request, ticket) -> dict:
    url = request.build_absolute_uri(reverse("queue:ticket", args=[ticket.public_id]))
    return {
        "ticket": ticket,
        "state": live.ticket_state(ticket),
        "phone_url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=4, title=_("Link zu Ihrer Wartenummer")),
    }


# --- kiosk (public, on a device in the entrance) ---------------------------------------------------


def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    office, missing = _office_or_404(request, slug)
    if missing:
        return missing
    now = timezone.now()
    context = {"office": office, "services": live.walk_in_services(office), "errors": {}}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "walk_in":
                ticket = services.draw_ticket(office=office, service=_service_from(request, office), now=now)
            else:
                ratelimit.hit(request, "checkin")  # booking codes are not to be guessed at the kiosk
                ticket = services.check_in(office=office, code=request.POST.get("code", ""), now=now)
        except DomainError as exc:
            context["errors"][exc.field or "code"] = exc.message
            context["code"] = request.POST.get("code", "")
            context["next_appointment"] = _when(exc.extra.get("next_appointment"))
            return ratelimit.with_headers(render(request, "queue/kiosk.html", context, status=exc.status), exc)
        return render(request, "queue/kiosk_ticket.html", {"office": office, **_ticket_context(request, ticket)})
    status = live.walk_in_status(office, now)
    context["walk_in"] = status
    return render(request, "queue/kiosk.html", context)


# --- phone view (public, by the ticket's secret id) ------------------------------------------------


@require_GET
def ticket(request: HttpRequest, public_id) -> HttpResponse:
    try:
        t = live.ticket_by_public_id(public_id)
    except DomainError as exc:
        return _denied(request, exc)
    return render(request, "queue/ticket.html", {"ticket": t, "state": live.ticket_state(t)})


# --- call display (public big screen) ---------------------------------------------------------------


@require_GET
def display(request: HttpRequest, slug: str) -> HttpResponse:
    office, missing = _office_or_404(request, slug)
    if missing:
        return missing
    day = live.local_today(office, timezone.now())
    payload = live.display_payload(office.pk, day)
    return render(
        request,
        "queue/display.html",
        {
            "office": office,
            "rows": live.display_rows(office.pk, day),
            "version": payload["version"],
            "day": day,
            "chime": request.GET.get("chime") == "1",
        },
    )


STREAMS_FULL = gettext_lazy(
    "Zu viele Anzeigen sind gerade verbunden. Die Anzeige verbindet sich in einigen Sekunden von selbst neu."
)


@require_GET
def display_events(request: HttpRequest, slug: str) -> HttpResponseBase:
    office, missing = _office_or_404(request, slug)
    if missing:
        return missing
    slot = sse.SLOTS.acquire(
        ratelimit.client_ip(request),
        total=settings.QUEUE_SSE_MAX_STREAMS,
        per_address=settings.QUEUE_SSE_MAX_PER_ADDRESS,
    )
    if slot is None:
        return unavailable_response("streams_full", STREAMS_FULL)
    last = request.headers.get("Last-Event-ID", "")
    last_version = int(last) if last.isdigit() else None
    interval = float(getattr(settings, "QUEUE_SSE_POLL_SECONDS", 1.0))
    max_seconds = float(getattr(settings, "QUEUE_SSE_MAX_SECONDS", 300.0))
    body: sse.AsyncGuardedStream | sse.GuardedStream
    if isinstance(request, ASGIRequest):
        events = sse.astream(office.pk, office.timezone, last_version, interval=interval, max_seconds=max_seconds)
        body = sse.AsyncGuardedStream(events, slot)
    else:
        lines = sse.stream(office.pk, office.timezone, last_version, interval=interval, max_seconds=max_seconds)
        body = sse.GuardedStream(lines, slot)
    response = StreamingHttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# --- reception desk (staff) -------------------------------------------------------------------------


def _poll_seconds() -> int:
    """How often the staff pages refresh their lists with htmx (QUEUE_LIST_POLL_SECONDS, default 10)."""
    return max(1, int(getattr(settings, "QUEUE_LIST_POLL_SECONDS", 10)))


@login_required
def reception(request: HttpRequest, slug: str) -> HttpResponse:
    office, missing = _office_or_404(request, slug)
    if missing:
        return missing
    try:
        access.require_reception(request.user, office)
    except DomainError as exc:
        return _denied(request, exc)
    now = timezone.now()
    errors, issued, status_code = {}, None, 200
    if request.method == "POST":
        action = request.POST.get("action")
        priority = request.POST.get("priority") == "on"
        try:
            if action == "walk_in":
                issued = services.draw_ticket(
                    office=office,
                    service=_service_from(request, office),
                    now=now,
                    priority=priority,
                    channel="reception",
                    override_quota=request.POST.get("override") == "on",
                )
            elif action == "check_in":
                issued = services.check_in(
                    office=office,
                    code=request.POST.get("code", ""),
                    now=now,
                    priority=priority,
                    channel="reception",
                    by_reception=True,
                )
            else:
                raise DomainError(_("Unbekannte Aktion."), field="action")
        except DomainError as exc:
            errors[exc.field or "code"] = exc.message
            if exc.extra.get("next_appointment"):
                errors["next_appointment"] = _when(exc.extra["next_appointment"])
            status_code = exc.status
    status = live.walk_in_status(office, now)
    service_rows = [
        {"service": s, "quota_left": status.quota_left(s.pk), "quota": status.quotas.get(s.pk, (None, 0))}
        for s in live.walk_in_services(office)
    ]
    appointments = list(live.appointments_to_check_in(office, now))
    audit.record_list(
        request,
        object_type="booking.appointment",
        view="queue:reception",
        objects=appointments,
        subjects=audit.appointment_subjects(appointments),
        fields=("name", "code", "start"),
    )
    context = {
        "office": office,
        "errors": errors,
        "issued": issued,
        "walk_in": status,
        "service_rows": service_rows,
        "appointments": appointments,
        "waiting": live.ranked_waiting(office, now),
        "clerks": live.clerks_present(office),
        "day_close": live.day_close_summary(office, live.local_today(office, now)),
        "poll_seconds": _poll_seconds(),
    }
    return render(request, "queue/reception.html", context, status=status_code)


# --- clerk workstation (staff) ----------------------------------------------------------------------

CLERK_ACTIONS = {
    "next",
    "call",
    "recall",
    "start",
    "park",
    "resume",
    "no_show",
    "finish",
    "transfer",
    "login",
    "logout",
}


def _clerk_action(request, office, action: str):
    user = request.user
    post = request.POST
    if action == "login":
        try:
            number = int(post.get("counter", ""))
        except ValueError as exc:
            raise DomainError(_("Bitte wählen Sie einen Schalter."), field="counter") from exc
        return services.open_session(clerk=user, counter=live.counter_of(office, number))
    if action == "logout":
        return services.close_session(clerk=user)
    if action == "next":
        return services.call_next(clerk=user)
    raw = post.get("visit", "")
    if not raw.isdigit():
        raise DomainError(_("Bitte wählen Sie eine Vorsprache."), field="visit")
    visit = live.visit_by_id(int(raw))
    if visit.office_id != office.pk:
        raise DomainError(_("Diese Vorsprache gehört zu einem anderen Standort."), field="visit")
    if action == "call":
        return services.call_visit(clerk=user, visit=visit)
    if action == "finish":
        ids = [int(i) for i in post.getlist("services") if i.isdigit()]
        done = list(live.walk_in_services(office).filter(pk__in=ids))
        return services.finish(clerk=user, visit=visit, services=done)
    if action == "transfer":
        counter = live.counter_of(office, int(post["counter"])) if post.get("counter", "").isdigit() else None
        service = live.walk_in_services(office).filter(slug=post.get("service", "")).first()
        return services.transfer(clerk=user, visit=visit, to_counter=counter, to_service=service)
    return {
        "recall": services.recall,
        "start": services.start,
        "park": services.park,
        "resume": services.resume,
        "no_show": services.no_show,
    }[action](clerk=user, visit=visit)


@login_required
def workstation(request: HttpRequest, slug: str) -> HttpResponse:
    office, missing = _office_or_404(request, slug)
    if missing:
        return missing
    try:
        access.require_counter(request.user, office)
    except DomainError as exc:
        return _denied(request, exc)
    errors, status_code = {}, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action not in CLERK_ACTIONS:
                raise DomainError(_("Unbekannte Aktion."), field="action")
            _clerk_action(request, office, action)
        except DomainError as exc:
            errors[exc.field or "action"] = exc.message
            status_code = exc.status
        else:
            return redirect("queue:workstation", slug=office.slug)
    now = timezone.now()
    session = live.current_session(request.user)
    if session is not None and session.office_id != office.pk:
        session = None
    current = live.current_visit(request.user)
    parked = list(live.parked_visits(request.user))
    waiting = live.ranked_waiting(office, now)
    shown = [v for v in [current, *parked, *waiting] if v is not None]
    audit.record_list(
        request,
        object_type="queue.visit",
        view="queue:workstation",
        objects=shown,
        subjects=audit.visit_subjects(shown),
        fields=("ticket", "service", "due_at", "queued_at"),
    )
    context = {
        "office": office,
        "errors": errors,
        "session": session,
        "current": current,
        "parked": parked,
        "waiting": waiting,
        "counters": live.counters(office),
        "services": live.walk_in_services(office),
        "skills": access.clerk_skills(request.user),
        "max_recalls": live.floor_settings(office).max_recalls,
        "poll_seconds": _poll_seconds(),
    }
    return render(request, "queue/workstation.html", context, status=status_code)
