"""JSON API of the partner call center under /api/callcenter/ (staff only; see selectors for who may what)."""

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from buergerbuero.accounts.auth import staff_auth
from buergerbuero.callcenter import exports, selectors, services
from buergerbuero.callcenter.models import Call
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError, NotFound
from buergerbuero.core.schemas import LocalTime
from buergerbuero.privacy import audit

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Service

router = Router(tags=["Partner-Callcenter"], auth=staff_auth)


def _viewer(request, ability: str) -> selectors.Viewer:
    return selectors.require(selectors.viewer(request.user), ability)


def _service(slug: str | None, field: str = "service") -> "Service | None":
    return catalog_selectors.service_by_slug(slug, field=field) if slug else None


def _required_service(slug: str, field: str = "service") -> "Service":
    """The service of a booking question: an empty slug is as unknown as a wrong one (404, not a 500)."""
    service = _service(slug, field)
    if service is None:
        raise NotFound(_("Diese Leistung gibt es nicht."), field=field)
    return service


class ContractOut(Schema):
    id: int
    name: str
    partner: str = Field(..., alias="partner.name")
    municipality: str = Field(..., alias="municipality.name")
    services: list[str]
    hours_weekdays: str
    hours_start: LocalTime
    hours_end: LocalTime
    price_per_call: float
    price_per_minute: float
    monthly_flat_fee: float
    included_calls: int
    included_minutes: int
    allowance_period: str = Field(..., description="month: je Monat; year: Ungenutztes geht ins Vertragsjahr über")
    callback_sla_hours: int
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def resolve_services(obj) -> list[str]:
        return [s.slug for s in obj.services.all()]


@router.get("/contracts", response=list[ContractOut], summary="Verträge, an denen Ihre Organisation beteiligt ist")
def list_contracts(request):
    return list(selectors.contracts(_viewer(request, "contracts")))


class ArticleHit(Schema):
    id: int
    title: str
    leika_key: str = Field(..., alias="service.leika_key")
    service: str = Field(..., alias="service.slug")
    municipality: str = Field(..., alias="municipality.name")
    summary: str


class SearchOut(Schema):
    mode: str
    corrected: str
    results: list[ArticleHit]


@router.get("/kb/search", response=SearchOut, summary="Wissensdatenbank durchsuchen (Volltext, deutsch)")
def kb_search(request, q: str = Query(..., max_length=200), limit: int = Query(10, ge=1, le=50)):
    answer = selectors.search_articles(_viewer(request, "kb_read"), q, limit=limit)
    return {"mode": answer.mode, "corrected": answer.corrected, "results": answer.articles}


class ArticleOut(ArticleHit):
    keywords: str
    documents: str
    fees: str
    online: str
    caller_script: str
    internal_notes: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    owner: str = Field(..., alias="owner.username")
    review_due: dt.date
    updated_at: dt.datetime


class ArticleIn(Schema):
    leika_key: str = Field(..., min_length=1, max_length=20)
    title: str = Field(..., max_length=200)
    keywords: str = Field("", max_length=300)
    summary: str = Field(..., max_length=5000)
    documents: str = Field("", max_length=5000)
    fees: str = Field("", max_length=2000)
    online: str = Field("", max_length=2000)
    caller_script: str = Field(..., max_length=5000)
    internal_notes: str = Field("", max_length=5000)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    review_due: dt.date
    municipality_id: int | None = Field(None, description="nur für Administratoren ohne Organisation")


@router.get("/kb/articles/{article_id}", response=ArticleOut, summary="Ein Wissensartikel")
def kb_article(request, article_id: int):
    return selectors.article(_viewer(request, "kb_read"), article_id)


@router.put("/kb/articles", response=ArticleOut, summary="Wissensartikel einer Leistung (LeiKa) anlegen oder ändern")
def kb_save(request, payload: ArticleIn):
    return services.save_article(viewer=_viewer(request, "kb_write"), **payload.dict())


class CoverageOut(Schema):
    service: str
    leika_key: str
    calls: int
    has_article: bool


@router.get("/kb/coverage", response=list[CoverageOut], summary="Häufig gefragte Leistungen ohne Artikel")
def kb_coverage(request, days: int = Query(90, ge=1, le=730)):
    v = _viewer(request, "kb_read")
    rows = selectors.coverage(v, since=timezone.localdate() - dt.timedelta(days=days))
    return [
        {
            "service": r["service"].slug,
            "leika_key": r["service"].leika_key,
            "calls": r["calls"],
            "has_article": r["has_article"],
        }
        for r in rows
    ]


class CallIn(Schema):
    office: str = Field(..., max_length=60)
    outcome: Call.Outcome
    duration_seconds: int = Field(..., ge=1, le=4 * 3600)
    service: str | None = Field(None, max_length=80)
    article_id: int | None = None
    caller_number: str = Field("", max_length=40)
    started_at: dt.datetime | None = None


class CallLogOut(Schema):
    """One logged call of a partner agent."""

    id: int
    contract_id: int
    service: str | None
    outcome: str
    started_at: dt.datetime
    duration_seconds: int
    caller_number: str

    @staticmethod
    def resolve_service(obj) -> str | None:
        return obj.service.slug if obj.service else None


@router.post("/calls", response={201: CallLogOut}, summary="Anruf protokollieren")
def log_call(request, payload: CallIn):
    v = _viewer(request, "call_log")
    office, _contract = selectors.office_for_agent(v, payload.office, now=timezone.now())
    article = selectors.article(v, payload.article_id) if payload.article_id else None
    return 201, services.log_call(
        viewer=v,
        office=office,
        outcome=payload.outcome,
        duration_seconds=payload.duration_seconds,
        service=_service(payload.service),
        article=article,
        caller_number=payload.caller_number,
        started_at=payload.started_at,
    )


@router.get("/calls", response=list[CallLogOut], summary="Letzte Anrufe")
def list_calls(request, limit: int = Query(50, ge=1, le=500)):
    calls = list(selectors.calls(_viewer(request, "call_read"), now=timezone.now())[:limit])
    audit.record_list(
        request,
        object_type="callcenter.call",
        view="callcenter:calls",
        objects=calls,
        subjects=audit.call_subjects(calls),
        fields=("caller_number",),
    )
    return calls


class TicketIn(Schema):
    office: str = Field(..., max_length=60)
    reason: str = Field(..., max_length=4000)
    caller_name: str = Field(..., max_length=120)
    caller_phone: str = Field("", max_length=40)
    caller_email: str = Field("", max_length=254)
    service: str | None = Field(None, max_length=80)
    article_id: int | None = None
    call_id: int | None = None


class CallbackTicketOut(Schema):
    """A callback ticket that the call center hands to the city's back office (not a waiting number)."""

    id: int
    office: str = Field(..., alias="office.slug")
    status: str
    reason: str
    caller_name: str
    caller_phone: str
    caller_email: str
    service: str | None
    article_id: int | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    closing_note: str

    @staticmethod
    def resolve_service(obj) -> str | None:
        return obj.service.slug if obj.service else None


@router.post("/callbacks", response={201: CallbackTicketOut}, summary="Rückruf-Ticket an das Backoffice")
def create_ticket(request, payload: TicketIn):
    v = _viewer(request, "ticket_create")
    office, _contract = selectors.office_for_agent(v, payload.office, now=timezone.now())
    call = selectors.calls(v, now=timezone.now()).filter(pk=payload.call_id).first() if payload.call_id else None
    if payload.call_id and call is None:
        raise NotFound(_("Diesen Anruf gibt es nicht."), field="call_id")
    return 201, services.create_ticket(
        viewer=v,
        office=office,
        reason=payload.reason,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        caller_email=payload.caller_email,
        service=_service(payload.service),
        article=selectors.article(v, payload.article_id) if payload.article_id else None,
        call=call,
    )


@router.get("/callbacks", response=list[CallbackTicketOut], summary="Rückruf-Tickets (offen, überfällig, alle)")
def list_tickets(request, status: str = Query("open", pattern="^(open|waiting|closed|overdue|all)$")):
    v = _viewer(request, "ticket_read")
    now = timezone.now()
    qs = selectors.tickets(v, now=now)
    if status == "overdue":
        qs = selectors.overdue(qs, now=now)
    elif status != "all":
        qs = qs.filter(status=status)
    shown = list(qs[:500])
    audit.record_list(
        request,
        object_type="callcenter.ticket",
        view="callcenter:tickets",
        objects=shown,
        subjects=audit.ticket_subjects(shown),
        fields=("caller_name", "caller_phone", "caller_email", "reason"),
    )
    return shown


@router.get("/callbacks/{ticket_id}", response=CallbackTicketOut, summary="Ein Rückruf-Ticket")
def get_ticket(request, ticket_id: int):
    ticket = selectors.ticket(_viewer(request, "ticket_read"), ticket_id, now=timezone.now())
    audit.record(
        request,
        action=audit.Action.READ,
        object_type="callcenter.ticket",
        object_id=ticket.pk,
        view="callcenter:ticket",
        fields=("caller_name", "caller_phone", "caller_email", "reason", "closing_note"),
        subjects=audit.ticket_subjects([ticket]),
    )
    return ticket


class NoteIn(Schema):
    note: str = Field("", max_length=4000)


@router.post("/callbacks/{ticket_id}/wait", response=CallbackTicketOut, summary="Warten auf den Bürger (Uhr steht)")
def ticket_wait(request, ticket_id: int, payload: NoteIn):
    return services.wait_for_citizen(viewer=_viewer(request, "ticket_work"), ticket_id=ticket_id, note=payload.note)


@router.post("/callbacks/{ticket_id}/resume", response=CallbackTicketOut, summary="Weiterbearbeiten (Uhr läuft)")
def ticket_resume(request, ticket_id: int):
    return services.resume(viewer=_viewer(request, "ticket_work"), ticket_id=ticket_id)


@router.post("/callbacks/{ticket_id}/close", response=CallbackTicketOut, summary="Erledigt mit Abschlussnotiz")
def ticket_close(request, ticket_id: int, payload: NoteIn):
    return services.close_ticket(viewer=_viewer(request, "ticket_work"), ticket_id=ticket_id, note=payload.note)


class FreeTimeOut(Schema):
    start: dt.datetime


@router.get("/availability", response=list[FreeTimeOut], summary="Freie Zeiten im Kontingent des Callcenters")
def availability(request, office: str, service: str, date: dt.date, persons: int = Query(1, ge=1, le=10)):
    v = _viewer(request, "book")
    now = timezone.now()
    office_obj, _contract = selectors.office_for_agent(v, office, now=now)
    query = services.partner_query(
        viewer=v, office=office_obj, service=_required_service(service), persons=persons, now=now
    )
    from buergerbuero.booking.selectors import live as booking_live

    days = booking_live.free_times(query, date, date, now=now)
    return [{"start": t.start} for t in days.get(date, [])]


class BookIn(Schema):
    office: str = Field(..., max_length=60)
    service: str = Field(..., max_length=80)
    start: dt.datetime
    persons: int = Field(1, ge=1, le=10)
    name: str = Field(..., max_length=120)
    email: str = Field(..., max_length=254)
    phone: str = Field("", max_length=40)


class BookedOut(Schema):
    code: str
    start: dt.datetime
    end: dt.datetime
    office: str = Field(..., alias="office.slug")


@router.post("/appointments", response={201: BookedOut}, summary="Termin für den Anrufer buchen (Partner-Kontingent)")
def book(request, payload: BookIn):
    v = _viewer(request, "book")
    office, _contract = selectors.office_for_agent(v, payload.office, now=timezone.now())
    appointment = services.book_for_caller(
        viewer=v,
        office=office,
        service=_required_service(payload.service),
        start=payload.start,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        persons=payload.persons,
    )
    return 201, appointment


class NumbersParams(Schema):
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")


@router.get("/contracts/{contract_id}/numbers", summary="Kennzahlen: Erstlösungsquote, Themen, Rückrufe, Service-Level")
def contract_numbers(request, contract_id: int, params: Query[NumbersParams]):
    v = _viewer(request, "numbers")
    if params.date_to < params.date_from:
        raise DomainError(_("Das Enddatum liegt vor dem Anfangsdatum."), field="to")
    contract = selectors.contract_for(v, contract_id)
    return selectors.numbers(v, contract, first=params.date_from, last=params.date_to, now=timezone.now())


@router.post("/contracts/{contract_id}/intervals", summary="Intervallstatistik der Telefonanlage importieren (CSV)")
def import_intervals(
    request,
    contract_id: int,
    # ninja's optional upload part: `UploadedFile | None` would document a null file in the schema
    file: File[UploadedFile] = None,  # type: ignore[assignment]
    interval_minutes: Form[int] = 30,  # the length when the file has no interval_end/interval_minutes column
):
    v = _viewer(request, "numbers")
    contract = selectors.contract_for(v, contract_id)
    if file is None:  # an empty file part arrives as none: say what is missing instead of a generic 422
        raise DomainError(_("Bitte hängen Sie die CSV-Datei der Telefonanlage an."), field="file")
    data = services.decode_csv(file.read(5_000_000))
    result = services.import_intervals(viewer=v, contract=contract, data=data, interval_minutes=interval_minutes)
    return {"created": result.created, "replaced": result.replaced, "first": result.first, "last": result.last}


class StaffingParams(Schema):
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    target_level: float = Field(0.75, gt=0, lt=1)
    target_seconds: int = Field(30, ge=1, le=600)
    shrinkage: float = Field(0.3, ge=0, lt=1)


@router.get("/contracts/{contract_id}/staffing", summary="Erlang-C-Personalbedarf je Intervall")
def staffing(request, contract_id: int, params: Query[StaffingParams]):
    v = _viewer(request, "numbers")
    contract = selectors.contract_for(v, contract_id)
    out = []
    for row in selectors.interval_profile(contract, first=params.date_from, last=params.date_to):
        s = selectors.staffing(
            calls=row["calls"],
            handle_seconds=row["handle_seconds"] or 1,
            target_level=params.target_level,
            target_seconds=params.target_seconds,
            shrinkage=params.shrinkage,
            interval_seconds=row["minutes"] * 60,
        )
        out.append(
            {
                "weekday": row["weekday"],
                "time": row["time"].strftime("%H:%M"),
                "calls": round(row["calls"], 2),
                "handle_seconds": round(row["handle_seconds"]),
                "agents_on_phone": s.agents_on_phone,
                "agents_rostered": s.agents_rostered,
                "wait_probability": round(s.wait_probability, 4),
                "service_level": round(s.service_level, 4),
                "asa_seconds": round(s.asa_seconds, 1),
            }
        )
    return out


class EstimateParams(Schema):
    calls: float = Field(..., description="Angebotene Anrufe im Intervall")
    handle_seconds: float = Field(..., description="Mittlere Bearbeitungszeit (Sekunden)")
    interval_minutes: float = Field(30, description="Intervalllänge (Minuten)")
    target_level: float = Field(0.75, description="Ziel-Servicelevel (Anteil, 0–1)")
    target_seconds: float = Field(30, description="Annahme innerhalb (Sekunden)")
    shrinkage: float = Field(0.3, description="Ausfallquote (Anteil, 0–1)")


class EstimateOut(Schema):
    load_erlangs: float
    agents_on_phone: int
    agents_rostered: int
    wait_probability: float
    service_level: float
    asa_seconds: float
    occupancy: float


@router.get(
    "/contracts/{contract_id}/staffing/estimate",
    response=EstimateOut,
    summary="Erlang-C-Personalbedarf für ein frei gewähltes Intervall (Was-wäre-wenn)",
)
def staffing_estimate(request, contract_id: int, params: Query[EstimateParams]):
    v = _viewer(request, "numbers")
    contract = selectors.contract_for(v, contract_id)
    s = selectors.staffing_estimate(v, contract, **params.dict())
    return {
        "load_erlangs": round(s.load, 4),
        "agents_on_phone": s.agents_on_phone,
        "agents_rostered": s.agents_rostered,
        "wait_probability": round(s.wait_probability, 4),
        "service_level": round(s.service_level, 4),
        "asa_seconds": round(s.asa_seconds, 1),
        "occupancy": round(s.occupancy, 4),
    }


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise DomainError(_("Monat bitte als JJJJ-MM angeben."), field="month") from None


@router.get("/contracts/{contract_id}/statements/{month}.csv", summary="Monatsabrechnung als CSV")
def statement_csv(request, contract_id: int, month: str):
    contract = selectors.contract_for(_viewer(request, "numbers"), contract_id)
    return exports.statement_csv_response(contract, _month(month))


@router.get("/contracts/{contract_id}/statements/{month}.pdf", summary="Monatsabrechnung als PDF")
def statement_pdf(request, contract_id: int, month: str):
    contract = selectors.contract_for(_viewer(request, "numbers"), contract_id)
    return exports.statement_pdf_response(contract, _month(month))


@router.get("/contracts/{contract_id}/forecast", summary="Prognose der Jahreskosten aus dem Trend")
def cost_forecast(request, contract_id: int):
    contract = selectors.contract_for(_viewer(request, "numbers"), contract_id)
    history, fc = selectors.forecast(contract, today=timezone.localdate())
    return {
        "history": [{"month": d.strftime("%Y-%m"), "calls": c, "minutes": m} for d, c, m in history],
        "annual_total": str(fc.annual_total),
        "calls_trend_per_month": round(fc.calls_per_month_trend, 1),
        "minutes_trend_per_month": round(fc.minutes_per_month_trend, 1),
    }
