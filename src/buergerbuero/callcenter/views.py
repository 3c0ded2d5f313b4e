"""Staff pages of the partner call center: agent workspace, callback tickets, numbers (thin; logic in services)."""

import datetime as dt
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.callcenter import exports, selectors, services
from buergerbuero.callcenter.models import Call, Ticket
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError, NotFound
from buergerbuero.privacy import audit


def page(ability: str):
    """Login required; the viewer must have the ability (403 page otherwise); NotFound → 404."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            v = selectors.viewer(request.user)
            if v is None or not v.can(ability):
                return render(request, "callcenter/forbidden.html", status=403)
            try:
                return view(request, v, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from None

        return wrapper

    return decorator


def _service_or_none(slug: str):
    return catalog_selectors.service_by_slug(slug, field="service") if slug else None


def _workspace_context(request, v, *, form=None, errors=None):
    today = timezone.localdate()
    q = request.GET.get("q", "")
    answer = selectors.search_articles(v, q) if q.strip() else None
    article = None
    article_id = request.GET.get("article") or (form or {}).get("article_id")
    if article_id and str(article_id).isdigit():
        try:
            article = selectors.article(v, int(article_id))
        except NotFound:
            article = None
    offices = list(selectors.agent_offices(v, day=today)) if v.is_agent else []
    hours = []
    if article is not None:
        for office in article.municipality.offices.all():
            hours.append((office, selectors.opening_hours(office, day=today)))
    services_ = []
    if v.is_agent:
        for contract in selectors.contracts(v, day=today):
            ids = selectors.covered_service_ids(contract)
            qs = catalog_selectors.municipality_services(contract.municipality_id)
            services_.extend(qs if ids is None else qs.filter(id__in=ids))
    slots, slot_error = [], None
    slot_date = request.GET.get("date", "")
    if v.is_agent and article is not None and slot_date and offices:
        try:
            day = dt.date.fromisoformat(slot_date)
            office = next((o for o in offices if o.organisation_id == article.municipality_id), None)
            if office is not None:
                query = services.partner_query(viewer=v, office=office, service=article.service, now=timezone.now())
                slots = booking_live.free_times(query, day, day, now=timezone.now()).get(day, [])
        except ValueError:
            slot_error = _("Datum bitte als JJJJ-MM-TT angeben.")
        except DomainError as exc:
            slot_error = str(exc)
    return {
        "viewer": v,
        "q": q,
        "answer": answer,
        "article": article,
        "hours": hours,
        "offices": offices,
        "topic_services": sorted(set(services_), key=lambda s: s.name_de),
        "outcomes": Call.Outcome.choices,
        "recent_calls": list(selectors.calls(v, now=timezone.now()).filter(agent=request.user)[:5])
        if v.is_agent
        else [],
        "slots": slots,
        "slot_date": slot_date,
        "slot_error": slot_error,
        "form": form or {},
        "errors": errors or {},
        "today": today,
    }


def _record_recent_calls(request, v, context) -> None:
    """The workspace shows an agent their last calls (call log entries): one audit record per request."""
    if v.is_agent:
        calls = context["recent_calls"]
        audit.record_list(
            request,
            object_type="callcenter.call",
            view="callcenter:workspace",
            objects=calls,
            subjects=audit.call_subjects(calls),
            fields=("started_at", "service", "outcome"),
        )


@page("kb_read")
def workspace(request, v):
    context = _workspace_context(request, v)
    _record_recent_calls(request, v, context)
    return render(request, "callcenter/workspace.html", context)


@page("kb_read")
def search_results(request, v):
    """The result list alone (htmx answers while the agent types); without htmx the full page."""
    if not request.htmx:
        return workspace(request)
    return render(request, "callcenter/_results.html", _workspace_context(request, v))


def _form_error(request, v, exc: DomainError, form_name: str):
    errors = {form_name: {exc.field or "general": str(exc)}}
    context = _workspace_context(request, v, form={**request.POST.dict(), "_form": form_name}, errors=errors)
    _record_recent_calls(request, v, context)
    return render(request, "callcenter/workspace.html", context, status=exc.status)


def _office(v, slug):
    return selectors.office_for_agent(v, slug, now=timezone.now())[0]


def _article(v, raw):
    return selectors.article(v, int(raw)) if raw and str(raw).isdigit() else None


def _back(request):
    article = request.POST.get("article_id", "")
    return redirect(reverse("callcenter:workspace") + (f"?article={article}" if article.isdigit() else ""))


@require_POST
@page("call_log")
def log_call(request, v):
    p = request.POST
    try:
        call = services.log_call(
            viewer=v,
            office=_office(v, p.get("office", "")),
            outcome=p.get("outcome", ""),
            duration_seconds=services.parse_duration(p.get("duration", "")),
            service=_service_or_none(p.get("service", "")),
            article=_article(v, p.get("article_id")),
            caller_number=p.get("caller_number", ""),
        )
    except DomainError as exc:
        return _form_error(request, v, exc, "call")
    messages.success(request, _("Anruf gespeichert (%(outcome)s).") % {"outcome": call.get_outcome_display()})
    return _back(request)


@require_POST
@page("ticket_create")
def create_ticket(request, v):
    p = request.POST
    try:
        ticket = services.create_ticket(
            viewer=v,
            office=_office(v, p.get("office", "")),
            reason=p.get("reason", ""),
            caller_name=p.get("caller_name", ""),
            caller_phone=p.get("caller_phone", ""),
            caller_email=p.get("caller_email", ""),
            service=_service_or_none(p.get("service", "")),
            article=_article(v, p.get("article_id")),
        )
    except DomainError as exc:
        return _form_error(request, v, exc, "ticket")
    messages.success(
        request,
        _("Rückruf-Ticket #%(id)d angelegt, fällig %(due)s.")
        % {"id": ticket.pk, "due": date_format(timezone.localtime(ticket.due_at), "SHORT_DATETIME_FORMAT")},
    )
    return _back(request)


@require_POST
@page("book")
def book(request, v):
    p = request.POST
    try:
        office = _office(v, p.get("office", ""))
        article = _article(v, p.get("article_id"))
        if article is None:
            raise DomainError(_("Bitte zuerst einen Wissensartikel wählen."), field="start")
        try:
            start = dt.datetime.fromisoformat(p.get("start", ""))
        except ValueError:
            raise DomainError(_("Bitte eine freie Zeit wählen."), field="start") from None
        appointment = services.book_for_caller(
            viewer=v,
            office=office,
            service=article.service,
            start=start,
            name=p.get("name", ""),
            email=p.get("email", ""),
            phone=p.get("phone", ""),
        )
    except DomainError as exc:
        return _form_error(request, v, exc, "book")
    messages.success(
        request,
        _("Termin gebucht: %(when)s, Buchungscode %(code)s – bitte dem Anrufer vorlesen.")
        % {
            "when": date_format(timezone.localtime(appointment.start), "SHORT_DATETIME_FORMAT"),
            "code": appointment.code,
        },
    )
    return _back(request)


@page("ticket_read")
def tickets(request, v):
    status = request.GET.get("status", "open")
    now = timezone.now()
    qs = selectors.tickets(v, now=now)
    if status == "overdue":
        qs = selectors.overdue(qs, now=now)
    elif status in Ticket.Status.values:
        qs = qs.filter(status=status)
    shown = list(qs[:200])
    audit.record_list(
        request,
        object_type="callcenter.ticket",
        view="callcenter:tickets",
        objects=shown,
        subjects=audit.ticket_subjects(shown),
        fields=("caller_name", "reason"),
    )
    return render(
        request,
        "callcenter/tickets.html",
        {
            "viewer": v,
            "tickets": shown,
            "status": status,
            "now": now,
            "overdue_count": selectors.overdue(selectors.tickets(v, now=now), now=now).count(),
        },
    )


@page("ticket_read")
def ticket_detail(request, v, ticket_id: int):
    now = timezone.now()
    ticket = selectors.ticket(v, ticket_id, now=now)
    errors = {}
    if request.method == "POST":
        if not v.can("ticket_work"):
            return render(request, "callcenter/forbidden.html", status=403)
        action = request.POST.get("action")
        note = request.POST.get("note", "")
        try:
            if action == "wait":
                services.wait_for_citizen(viewer=v, ticket_id=ticket.pk, note=note)
            elif action == "resume":
                services.resume(viewer=v, ticket_id=ticket.pk)
            elif action == "close":
                services.close_ticket(viewer=v, ticket_id=ticket.pk, note=note)
            else:
                raise DomainError(_("Unbekannte Aktion."), field="action")
            return redirect("callcenter:ticket", ticket_id=ticket.pk)
        except DomainError as exc:
            errors = {exc.field or "general": str(exc)}
        ticket = selectors.ticket(v, ticket_id, now=now)
    audit.record(
        request,
        action=audit.Action.READ,
        object_type="callcenter.ticket",
        object_id=ticket.pk,
        view="callcenter:ticket",
        fields=("caller_name", "caller_phone", "caller_email", "reason", "closing_note"),
        subjects=audit.ticket_subjects([ticket]),
    )
    return render(
        request,
        "callcenter/ticket.html",
        {
            "viewer": v,
            "ticket": ticket,
            "clock": selectors.ticket_clock(ticket, now=now),
            "errors": errors,
            "pauses": ticket.pauses.order_by("start"),
            "can_work": v.can("ticket_work"),
        },
        status=400 if errors else 200,
    )


def _month_param(raw: str, today: dt.date) -> dt.date:
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except (TypeError, ValueError):
        return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@page("numbers")
def numbers(request, v):
    return _numbers_page(request, v)


def _numbers_page(request, v, import_errors=None, status=200):
    today = timezone.localdate()
    contracts = list(selectors.contracts(v))
    contract = None
    cid = request.GET.get("contract") or request.POST.get("contract")
    if cid and str(cid).isdigit():
        contract = next((c for c in contracts if c.pk == int(cid)), None)
        if contract is None:
            raise Http404
    contract = contract or (contracts[0] if contracts else None)
    month = _month_param(request.GET.get("month"), today)
    context = {
        "viewer": v,
        "contracts": contracts,
        "contract": contract,
        "month": month,
        "import_errors": import_errors or {},
        "interval_minutes": request.POST.get("interval_minutes", ""),
    }
    if contract is not None:
        first = today - dt.timedelta(days=28)
        context["numbers"] = selectors.numbers(v, contract, first=first, last=today, now=timezone.now())
        context["period"] = (first, today)
        context["statement"] = exports.statement_rows(contract, month)
        history, forecast = selectors.forecast(contract, today=today)
        context["history"], context["forecast"] = history, forecast
        staffing = []
        for row in selectors.interval_profile(contract, first=first, last=today):
            if row["weekday"] != 0:
                continue  # Mondays, the busiest day, as the example on the page (all days via the API)
            s = selectors.staffing(
                calls=row["calls"], handle_seconds=row["handle_seconds"] or 1, interval_seconds=row["minutes"] * 60
            )
            staffing.append({**row, "staffing": s})
        context["staffing"] = staffing
        status = _staffing_calculator(request, v, contract, context) or status
    return render(request, "callcenter/numbers.html", context, status=status)


CALCULATOR_FIELDS = {
    # field: (default shown in the form, factor from the form's unit to the engine's)
    "calls": ("", 1),
    "handle_seconds": ("", 1),
    "interval_minutes": ("30", 1),
    "target_level": ("80", 0.01),  # per cent in the form
    "target_seconds": ("20", 1),
    "shrinkage": ("30", 0.01),  # per cent in the form
}


def _calculator_labels() -> dict[str, str]:
    return {
        "calls": _("Anrufe im Intervall"),
        "handle_seconds": _("Mittlere Bearbeitungszeit (Sekunden)"),
        "interval_minutes": _("Intervalllänge (Minuten)"),
        "target_level": _("Ziel-Servicelevel (%)"),
        "target_seconds": _("angenommen innerhalb (Sekunden)"),
        "shrinkage": _("Ausfallquote (%)"),
    }


def _staffing_calculator(request, v, contract, context) -> int | None:
    """The what-if calculator (GET form on the numbers page): a result, or a message beside the field (400)."""
    form = {name: request.GET.get(name, default).strip() for name, (default, _f) in CALCULATOR_FIELDS.items()}
    context["calc"], context["calc_errors"] = form, {}
    labels = _calculator_labels()

    def rows():
        errors = context["calc_errors"]
        return [(name, labels[name], form[name], errors.get(name, "")) for name in CALCULATOR_FIELDS]

    context["calc_rows"] = rows()
    if "calls" not in request.GET:
        return None
    values = {}
    for name, (_default, factor) in CALCULATOR_FIELDS.items():
        try:
            values[name] = float(form[name].replace(".", "").replace(",", ".") if "," in form[name] else form[name])
        except ValueError:
            context["calc_errors"][name] = _("Bitte eine Zahl eingeben.")
            continue
        values[name] *= factor
    if not context["calc_errors"]:
        try:
            context["calc_result"] = selectors.staffing_estimate(v, contract, **values)
        except DomainError as exc:
            context["calc_errors"][exc.field or "calls"] = str(exc)
    context["calc_rows"] = rows()
    return 400 if context["calc_errors"] else None


@require_POST
@page("numbers")
def import_intervals(request, v):
    contract = (
        selectors.contract_for(v, int(request.POST.get("contract", "0") or 0))
        if str(request.POST.get("contract", "")).isdigit()
        else None
    )
    upload = request.FILES.get("file")
    try:
        if contract is None:
            raise DomainError(_("Bitte einen Vertrag wählen."), field="contract")
        if upload is None:
            raise DomainError(_("Bitte eine CSV-Datei wählen."), field="file")
        raw_minutes = (request.POST.get("interval_minutes") or "").strip()
        if raw_minutes and not raw_minutes.isdigit():
            raise DomainError(_("Bitte die Intervalllänge in ganzen Minuten angeben."), field="interval_minutes")
        data = services.decode_csv(upload.read(5_000_000))
        result = services.import_intervals(
            viewer=v, contract=contract, data=data, interval_minutes=int(raw_minutes) if raw_minutes else None
        )
    except DomainError as exc:
        return _numbers_page(request, v, import_errors={exc.field or "file": str(exc)}, status=400)
    messages.success(
        request, _("%(n)d Intervalle importiert, %(r)d ersetzt.") % {"n": result.created, "r": result.replaced}
    )
    return redirect(reverse("callcenter:numbers") + f"?contract={contract.pk}")


@page("numbers")
def statement(request, v, contract_id: int, month: str, ext: str):
    contract = selectors.contract_for(v, contract_id)
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise Http404 from None
    if ext == "csv":
        return exports.statement_csv_response(contract, first)
    if ext == "pdf":
        return exports.statement_pdf_response(contract, first)
    raise Http404


@page("kb_read")
def coverage(request, v):
    today = timezone.localdate()
    return render(
        request,
        "callcenter/coverage.html",
        {
            "viewer": v,
            "rows": selectors.coverage(v, since=today - dt.timedelta(days=90)),
            "review": selectors.review_due(v, day=today)[:100],
            "today": today,
        },
    )
