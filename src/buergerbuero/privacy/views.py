"""The data-protection officer's page: the audit log filtered by citizen and staff member, and its CSV export."""

import csv
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.privacy import audit, selectors
from buergerbuero.privacy.forms import AuditFilterForm

PAGE_SIZE = 200


def officer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not account_selectors.may_read_audit_log(request.user):
            raise PermissionDenied(_("Das Zugriffsprotokoll ist dem Datenschutz vorbehalten."))
        return view(request, *args, **kwargs)

    return wrapper


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    if not request.GET or not form.is_valid():
        return form, None
    data = form.cleaned_data
    records = selectors.audit_records(
        citizen=data["citizen"],
        staff=data["staff"],
        kind=data["kind"],
        date_from=data["date_from"],
        date_to=data["date_to"],
        organisation_id=account_selectors.audit_log_scope(request.user),
    )
    return form, records


@officer_required
def audit_log(request):
    form, records = _filtered(request)
    rows = list(records[:PAGE_SIZE]) if records is not None else None
    status = 400 if form.errors else 200
    context = {"form": form, "rows": rows, "page_size": PAGE_SIZE, "query": request.GET.urlencode()}
    return render(request, "privacy/audit_log.html", context, status=status)


@officer_required
def audit_csv(request):
    form, records = _filtered(request)
    if records is None:
        return render(request, "privacy/audit_log.html", {"form": form, "rows": None}, status=400)
    rows = list(records)
    audit.record(
        request,
        action=audit.Action.EXPORT,
        object_type="privacy.auditrecord",
        view="privacy:audit_csv",
        fields=("citizen", "staff"),
        subjects=[*selectors.subject_tokens(form.cleaned_data["citizen"])],
        count=len(rows),
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="zugriffsprotokoll-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # Excel opens UTF-8 with umlauts only with a BOM
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Zeitpunkt"),
            _("Person"),
            _("Rolle"),
            _("Organisation"),
            _("Vorgang"),
            _("Art der Daten"),
            _("Kennung"),
            _("Seite oder Liste"),
            _("Felder"),
            _("Anzahl Datensätze"),
            _("Adresse"),
        ]
    )
    for r in rows:
        writer.writerow(
            [
                date_format(timezone.localtime(r.at), "SHORT_DATETIME_FORMAT"),
                r.actor_name or _("Bürger/in oder System"),
                r.role_label,
                r.organisation.name if r.organisation else "–",
                r.get_action_display(),
                r.object_type,
                r.object_id,
                r.view_label,
                r.fields,
                r.count,
                r.ip or "–",
            ]
        )
    return response
