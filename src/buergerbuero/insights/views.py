"""Manager pages: dashboard, committee report (HTML/PDF) and CSV export. Thin: the numbers come from kpis."""

from __future__ import annotations

import csv
import datetime as dt
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError
from buergerbuero.insights import charts, kpis, report, selectors
from buergerbuero.insights.forms import PeriodForm
from buergerbuero.insights.metrics import Period

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office

DASHBOARD_DAYS = 425  # about 14 months: last year's closure and the months before it stay in view
REPORT_DAYS = 91


def manager_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not account_selectors.may_see_insights(request.user):
            raise PermissionDenied(_("Die Kennzahlen sind der Leitung vorbehalten."))
        return view(request, *args, **kwargs)

    return wrapper


def _office(request, slug: str) -> Office:
    office = catalog_selectors.offices().filter(slug=slug).first()
    if office is None or not account_selectors.may_see_office_insights(request.user, office):
        raise Http404(_("Diesen Standort gibt es nicht."))
    return office


def _period(request, default_days: int) -> tuple[PeriodForm, Period]:
    today = timezone.localdate()
    default = Period(today - dt.timedelta(days=default_days - 1), today)
    if "date_from" in request.GET or "date_to" in request.GET:
        form = PeriodForm(request.GET, today=today)
        if form.is_valid():
            return form, form.period()
        return form, default
    form = PeriodForm(initial={"date_from": default.first, "date_to": default.last}, today=today)
    return form, default


def _chart_block(chart: charts.Chart) -> dict:
    header, rows = charts.table(chart)
    return {"chart": chart, "svg": mark_safe(charts.svg(chart)), "header": header, "rows": rows}


@manager_required
def index(request):
    offices = selectors.offices_for(request.user)
    if len(offices) == 1:
        return redirect("insights:dashboard", slug=offices[0].slug)
    return render(request, "insights/index.html", {"offices": offices})


@manager_required
def dashboard(request, slug: str):
    office = _office(request, slug)
    form, period = _period(request, DASHBOARD_DAYS)
    now = timezone.now()
    ctx = kpis.Context(office, period, now)
    service = selectors.reference_service(office)
    lead_now, measured_at = None, None
    if service is not None:
        try:
            lead_now, measured_at = selectors.current_lead_time(office, service, now=now)
        except DomainError:
            service = None
    band = selectors.target_band(office)
    blocks = [{"kpi": kpi, **_chart_block(kpi.chart(ctx)), "figures": kpi.figures(ctx)} for kpi in kpis.all_kpis()]
    return render(
        request,
        "insights/dashboard.html",
        {
            "office": office,
            "form": form,
            "period": period,
            "service": service,
            "lead_now": lead_now,
            "measured_at": measured_at,
            "band": band,
            "in_band": lead_now is not None and band[0] <= lead_now <= band[1],
            "blocks": blocks,
            "latest": selectors.latest_snapshots(office=office, engine_only=True),
            "room": selectors.waiting_room(office, now=now),
            "pending": [(key, title, section) for key, (title, section) in kpis.PENDING.items()],
        },
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


@manager_required
def committee_report(request, slug: str):
    office = _office(request, slug)
    chosen = request.GET.get("office")
    if chosen and chosen != office.slug:  # another office picked in the form: same period, that office's report
        other = _office(request, chosen)
        query = request.GET.copy()
        query.pop("office")
        return redirect(f"{reverse('insights:report', args=[other.slug])}?{query.urlencode()}")
    form, period = _period(request, REPORT_DAYS)
    context = {"office": office, "form": form, "offices": selectors.offices_for(request.user)}
    if form.is_bound and not form.is_valid():
        return render(request, "insights/report.html", context, status=400)
    built = report.build(office=office, period=period)
    context.update(
        report=built,
        sections=[{"section": s, **_chart_block(s.chart)} for s in built.sections],
        query=f"date_from={period.first.isoformat()}&date_to={period.last.isoformat()}",
    )
    return render(request, "insights/report.html", context)


@manager_required
def committee_report_pdf(request, slug: str):
    office = _office(request, slug)
    form, period = _period(request, REPORT_DAYS)
    if form.is_bound and not form.is_valid():
        return render(request, "insights/report.html", {"office": office, "form": form}, status=400)
    from buergerbuero.insights import pdf  # reportlab: imported by the first report, not at start

    body = pdf.render(report.build(office=office, period=period))
    response = HttpResponse(body, content_type="application/pdf")
    name = f"betriebsausschuss-{office.slug}-{period.first.isoformat()}-{period.last.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@manager_required
def export_csv(request, slug: str, key: str):
    office = _office(request, slug)
    kpi = kpis.get(key)
    if kpi is None:
        raise Http404(_("Diese Kennzahl gibt es nicht."))
    form, period = _period(request, DASHBOARD_DAYS)
    if form.is_bound and not form.is_valid():
        return render(request, "insights/report.html", {"office": office, "form": form}, status=400)
    chart = kpi.chart(kpis.Context(office, period))
    header, rows = charts.csv_rows(chart)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{key}-{office.slug}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
