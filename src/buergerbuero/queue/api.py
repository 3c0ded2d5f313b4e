"""JSON API of the office floor under /api/queue/ (staff: API token or session; display and ticket status public)."""

import datetime as dt
from typing import TYPE_CHECKING
from uuid import UUID

from django.utils import timezone
from ninja import Field, Router, Schema

from buergerbuero.accounts.auth import staff_auth
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.privacy import audit
from buergerbuero.queue import services
from buergerbuero.queue.models import Visit
from buergerbuero.queue.selectors import access, live

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Service

router = Router(tags=["Wartebereich"], auth=staff_auth)


class CheckInIn(Schema):
    code: str = Field(..., max_length=200, description="Buchungscode (oder gescannter QR-Inhalt)")
    priority: bool = False


class WalkInIn(Schema):
    service: str = Field(..., max_length=80)
    priority: bool = False
    override_quota: bool = Field(False, description="Empfang: Nummer trotz erschöpften Kontingents ausgeben")


class QueueTicketOut(Schema):
    """A waiting number on the office floor (not a call-center callback ticket)."""

    ticket: str
    public_id: UUID
    kind: str
    late: bool
    priority: bool
    status: str
    position: int | None
    wait_minutes: int | None
    counter: int | None


class SessionIn(Schema):
    office: str = Field(..., max_length=60)
    counter: int = Field(..., ge=1, le=999)


class SessionOut(Schema):
    office: str
    counter: int
    started_at: dt.datetime


class VisitOut(Schema):
    id: int
    ticket: str
    kind: str
    service: str
    status: str
    outcome: str
    priority: bool
    counter: int | None
    due_at: dt.datetime | None
    queued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    recalls: int
    services_done: list[str]


class FinishIn(Schema):
    services: list[str] = Field(..., min_length=1, max_length=10)


class TransferIn(Schema):
    counter: int | None = Field(None, ge=1, le=999)
    service: str | None = Field(None, max_length=80)


class WalkInStatusOut(Schema):
    open_now: bool
    minutes_left: int
    minutes_queued: int
    services: list[dict]


class DisplayCallOut(Schema):
    """One call on the waiting-room display (no names)."""

    ticket: str
    counter: int
    called_at: dt.datetime


class DisplayOut(Schema):
    version: int
    day: dt.date
    calls: list[DisplayCallOut]


def _ticket_out(ticket) -> dict:
    state = live.ticket_state(ticket)
    return {
        "ticket": ticket.label,
        "public_id": ticket.public_id,
        "kind": ticket.kind,
        "late": ticket.late,
        "priority": ticket.priority,
        "status": state.status,
        "position": state.position,
        "wait_minutes": state.wait_minutes,
        "counter": state.counter,
    }


VISIT_FIELDS = ("ticket", "service", "due_at", "queued_at", "status")


def _visit_read(request, visit: Visit) -> dict:
    """A visit answered to a clerk (its ticket, appointment time, status): one audit record per request."""
    audit.record(
        request,
        action=audit.Action.READ,
        object_type="queue.visit",
        object_id=visit.pk,
        view="queue:visit",
        fields=VISIT_FIELDS,
        subjects=audit.visit_subjects([visit]),
    )
    return _visit_out(visit)


def _visit_out(visit: Visit) -> dict:
    return {
        "id": visit.pk,
        "ticket": visit.ticket.label,
        "kind": visit.kind,
        "service": visit.service.slug,
        "status": visit.status,
        "outcome": visit.outcome,
        "priority": visit.priority,
        "counter": visit.counter.number if visit.counter else None,
        "due_at": visit.due_at,
        "queued_at": visit.queued_at,
        "called_at": visit.called_at,
        "started_at": visit.started_at,
        "ended_at": visit.ended_at,
        "recalls": visit.recalls,
        "services_done": [s.slug for s in visit.services_done.all()],
    }


def _reception_office(request, slug: str):
    office = catalog_selectors.office_by_slug(slug)
    access.require_reception(request.auth, office)
    return office


def _counter_office(request, slug: str):
    office = catalog_selectors.office_by_slug(slug)
    access.require_counter(request.auth, office)
    return office


def _clerk(request):
    """The clerk acting at a counter: at the office of the open session, else anywhere the role allows."""
    session = live.current_session(request.auth)
    access.require_counter(request.auth, session.office if session else None)
    return request.auth


def _service(slug: str, field: str = "service") -> "Service":
    return catalog_selectors.service_by_slug(slug, field=field)


def _my_visit(request, visit_id: int) -> Visit:
    visit = live.visit_by_id(visit_id)
    access.require_counter(request.auth, visit.office)
    return visit


@router.post("/queue/offices/{slug}/check-in", response={201: QueueTicketOut}, summary="Termin einchecken")
def check_in(request, slug: str, payload: CheckInIn):
    office = _reception_office(request, slug)
    ticket = services.check_in(
        office=office, code=payload.code, priority=payload.priority, channel="reception", by_reception=True
    )
    audit.record(
        request,
        action=audit.Action.SEARCH,
        object_type="booking.appointment",
        object_id=ticket.appointment_id or "",
        view="queue:check_in",
        fields=("code",),
        subjects=audit.tokens(code=payload.code, object_type="booking.appointment", pk=ticket.appointment_id),
    )
    return 201, _ticket_out(ticket)


@router.post("/queue/offices/{slug}/tickets", response={201: QueueTicketOut}, summary="Wartenummer ohne Termin")
def draw_ticket(request, slug: str, payload: WalkInIn):
    office = _reception_office(request, slug)
    ticket = services.draw_ticket(
        office=office,
        service=_service(payload.service),
        priority=payload.priority,
        channel="reception",
        override_quota=payload.override_quota,
    )
    return 201, _ticket_out(ticket)


@router.get("/queue/offices/{slug}/walk-in", response=WalkInStatusOut, summary="Kontingente ohne Termin heute")
def walk_in(request, slug: str):
    office = _reception_office(request, slug)
    now = timezone.now()
    status = live.walk_in_status(office, now)
    return {
        "open_now": status.open_now,
        "minutes_left": status.minutes_left,
        "minutes_queued": status.minutes_queued,
        "services": [{"service": s.slug, "quota_left": status.quota_left(s.pk)} for s in live.walk_in_services(office)],
    }


@router.get("/queue/offices/{slug}/waiting", response=list[VisitOut], summary="Wartende in Aufrufreihenfolge")
def waiting(request, slug: str):
    office = _reception_office(request, slug)
    visits = live.ranked_waiting(office, timezone.now())
    audit.record_list(
        request,
        object_type="queue.visit",
        view="queue:waiting",
        objects=visits,
        subjects=audit.visit_subjects(visits),
        fields=VISIT_FIELDS,
    )
    return [_visit_out(v) for v in visits]


@router.get(
    "/queue/offices/{slug}/display",
    response=DisplayOut,
    summary="Letzte Aufrufe (ohne Namen)",
    auth=None,
    url_name="queue_display",
)
def display(request, slug: str):
    office = catalog_selectors.office_by_slug(slug)
    return live.display_payload(office.pk, live.local_today(office, timezone.now()))


@router.get("/queue/tickets/{public_id}", response=QueueTicketOut, summary="Stand einer Wartenummer", auth=None)
def ticket(request, public_id: UUID):
    return _ticket_out(live.ticket_by_public_id(public_id))


@router.post("/queue/session", response={201: SessionOut}, summary="Am Schalter anmelden")
def open_session(request, payload: SessionIn):
    office = _counter_office(request, payload.office)
    session = services.open_session(clerk=request.auth, counter=live.counter_of(office, payload.counter))
    return 201, {"office": office.slug, "counter": session.counter.number, "started_at": session.started_at}


@router.delete("/queue/session", response={204: None}, summary="Am Schalter abmelden")
def close_session(request):
    services.close_session(clerk=_clerk(request))
    return 204, None


@router.post("/queue/next", response=VisitOut, summary="Nächste Nummer aufrufen")
def call_next(request):
    return _visit_read(request, services.call_next(clerk=_clerk(request)))


@router.post("/queue/visits/{visit_id}/call", response=VisitOut, summary="Bestimmte Nummer aufrufen")
def call_visit(request, visit_id: int):
    return _visit_read(request, services.call_visit(clerk=request.auth, visit=_my_visit(request, visit_id)))


@router.post("/queue/visits/{visit_id}/recall", response=VisitOut, summary="Erneut aufrufen")
def recall(request, visit_id: int):
    return _visit_read(request, services.recall(clerk=request.auth, visit=_my_visit(request, visit_id)))


@router.post("/queue/visits/{visit_id}/start", response=VisitOut, summary="Bearbeitung beginnen")
def start(request, visit_id: int):
    return _visit_read(request, services.start(clerk=request.auth, visit=_my_visit(request, visit_id)))


@router.post("/queue/visits/{visit_id}/park", response=VisitOut, summary="Parken")
def park(request, visit_id: int):
    return _visit_read(request, services.park(clerk=request.auth, visit=_my_visit(request, visit_id)))


@router.post("/queue/visits/{visit_id}/resume", response=VisitOut, summary="Geparkte Vorsprache fortsetzen")
def resume(request, visit_id: int):
    return _visit_read(request, services.resume(clerk=request.auth, visit=_my_visit(request, visit_id)))


@router.post("/queue/visits/{visit_id}/no-show", response=VisitOut, summary="Nicht erschienen")
def no_show(request, visit_id: int):
    return _visit_read(request, services.no_show(clerk=request.auth, visit=_my_visit(request, visit_id)))


@router.post("/queue/visits/{visit_id}/finish", response=VisitOut, summary="Abschließen")
def finish(request, visit_id: int, payload: FinishIn):
    done = [_service(slug, field="services") for slug in payload.services]
    return _visit_read(request, services.finish(clerk=request.auth, visit=_my_visit(request, visit_id), services=done))


@router.post("/queue/visits/{visit_id}/transfer", response={201: VisitOut}, summary="Weiterleiten")
def transfer(request, visit_id: int, payload: TransferIn):
    visit = _my_visit(request, visit_id)
    counter = live.counter_of(visit.office, payload.counter) if payload.counter else None
    service = _service(payload.service) if payload.service else None
    return 201, _visit_read(
        request, services.transfer(clerk=request.auth, visit=visit, to_counter=counter, to_service=service)
    )
