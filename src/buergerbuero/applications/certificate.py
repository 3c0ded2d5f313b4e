"""The Meldebescheinigung as a PDF (reportlab), before it is signed."""

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def render(*, office_name: str, office_address: str, reference: str, person: dict, kind: str, issued: dt.date) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"Meldebescheinigung {reference}")
    _width, height = A4
    y = height - 30 * mm
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(25 * mm, y, "Meldebescheinigung" + (" (erweitert)" if kind == "extended" else ""))
    pdf.setFont("Helvetica", 10)
    y -= 8 * mm
    pdf.drawString(25 * mm, y, f"{office_name}, {office_address}")
    y -= 12 * mm
    pdf.setFont("Helvetica", 11)
    birth = person.get("birth_date") or ""
    if birth:
        birth = dt.date.fromisoformat(birth).strftime("%d.%m.%Y")
    rows = [
        ("Familienname", person.get("family_name", "")),
        ("Vorname(n)", person.get("given_name", "")),
        ("Geburtsdatum", birth),
        ("Anschrift", f"{person.get('street', '')}, {person.get('postcode', '')} {person.get('city', '')}"),
    ]
    if kind == "extended":
        rows.append(
            (
                "Staatsangehörigkeit",
                "deutsch" if person.get("nationality") in ("D", "DE") else person.get("nationality", ""),
            )
        )
    for label, value in rows:
        pdf.drawString(25 * mm, y, f"{label}:")
        pdf.drawString(70 * mm, y, value)
        y -= 7 * mm
    y -= 8 * mm
    pdf.setFont("Helvetica", 9)
    pdf.drawString(25 * mm, y, f"Vorgangsnummer {reference} · ausgestellt am {issued.strftime('%d.%m.%Y')}")
    y -= 5 * mm
    pdf.drawString(25 * mm, y, "Identität nachgewiesen mit der Online-Ausweisfunktion (Vertrauensniveau hoch).")
    y -= 5 * mm
    pdf.drawString(25 * mm, y, "Dieses Dokument ist elektronisch mit dem Dienstsiegel des Bürgerbüros signiert.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
