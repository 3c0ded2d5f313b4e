"""Monthly statement of a contract as CSV and PDF (reportlab)."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _

from buergerbuero.callcenter import selectors
from buergerbuero.callcenter.models import Contract


def _euro(value: Decimal) -> str:
    return f"{value:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")


def statement_rows(contract: Contract, month: dt.date) -> list[tuple[str, str, str]]:
    """(position, quantity, amount) lines; the last is the total."""
    s = selectors.statement(contract, month)
    carried = []
    if contract.allowance_period == Contract.AllowancePeriod.YEAR:
        carried = [
            (_("Übertrag ungenutzter Inklusivanrufe aus dem Vertragsjahr"), str(s.carried_calls), ""),
            (_("Übertrag ungenutzter Inklusivminuten aus dem Vertragsjahr"), str(s.carried_minutes), ""),
        ]
    return [
        (_("Anrufe"), str(s.calls), ""),
        (_("Gesprächsminuten (je angefangene Minute)"), str(s.minutes), ""),
        *carried,
        (_("Pauschale"), "", _euro(s.flat_fee)),
        (
            _("Anrufe über Inklusivvolumen (%(n)d) × %(p)s")
            % {"n": contract.included_calls, "p": _euro(contract.price_per_call)},
            str(s.billable_calls),
            _euro(s.calls_amount),
        ),
        (
            _("Minuten über Inklusivvolumen (%(n)d) × %(p)s")
            % {"n": contract.included_minutes, "p": _euro(contract.price_per_minute)},
            str(s.billable_minutes),
            _euro(s.minutes_amount),
        ),
        (_("Gesamtbetrag"), "", _euro(s.total)),
    ]


def _filename(contract: Contract, month: dt.date, ext: str) -> str:
    return f"abrechnung-vertrag-{contract.pk}-{month:%Y-%m}.{ext}"


def statement_csv_response(contract: Contract, month: dt.date) -> HttpResponse:
    s = selectors.statement(contract, month)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "vertrag",
            "monat",
            "anrufe",
            "minuten",
            "pauschale",
            "anrufe_abrechenbar",
            "betrag_anrufe",
            "minuten_abrechenbar",
            "betrag_minuten",
            "gesamt",
            "uebertrag_anrufe",
            "uebertrag_minuten",
        ]
    )
    writer.writerow(
        [
            contract.name,
            f"{month:%Y-%m}",
            s.calls,
            s.minutes,
            s.flat_fee,
            s.billable_calls,
            s.calls_amount,
            s.billable_minutes,
            s.minutes_amount,
            s.total,
            s.carried_calls,
            s.carried_minutes,
        ]
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(contract, month, "csv")}"'
    return response


def statement_pdf(contract: Contract, month: dt.date) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=_("Monatsabrechnung"), author=contract.partner.name)
    styles = getSampleStyleSheet()
    rows = statement_rows(contract, month)
    table = Table([[_("Position"), _("Menge"), _("Betrag")], *rows], colWidths=[300, 70, 100])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    story = [
        Paragraph(_("Monatsabrechnung %(month)s") % {"month": f"{month:%m/%Y}"}, styles["Title"]),
        Paragraph(f"{contract.name}: {contract.partner.name} → {contract.municipality.name}", styles["Normal"]),
        Spacer(1, 12),
        table,
    ]
    doc.build(story)
    return buffer.getvalue()


def statement_pdf_response(contract: Contract, month: dt.date) -> HttpResponse:
    response = HttpResponse(statement_pdf(contract, month), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(contract, month, "pdf")}"'
    return response
