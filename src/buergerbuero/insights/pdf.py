"""The committee report as PDF (reportlab): the same report data and the same chart shapes as the HTML page."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, PolyLine, String
from reportlab.graphics.shapes import Line as RLLine
from reportlab.graphics.shapes import Rect as RLRect
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from buergerbuero.insights import charts

ANCHORS = {"start": "start", "middle": "middle", "end": "end"}


def drawing(chart: charts.Chart, width: float = 17 * cm) -> Drawing:
    """The chart's shapes scaled onto a reportlab Drawing (PDF has its origin bottom-left: y is flipped)."""
    layout = charts.shapes(chart)
    scale = width / layout.width
    height = layout.height * scale
    d = Drawing(width, height)

    def px(x: float) -> float:
        return x * scale

    def py(y: float) -> float:
        return height - y * scale

    for shape in layout.shapes:
        if isinstance(shape, charts.Rect):
            d.add(
                RLRect(
                    px(shape.x),
                    py(shape.y + shape.h),
                    px(max(shape.w, 0)),
                    px(max(shape.h, 0)),
                    fillColor=colors.HexColor(shape.fill),
                    strokeColor=None,
                )
            )
        elif isinstance(shape, charts.Line):
            d.add(
                RLLine(
                    px(shape.x1),
                    py(shape.y1),
                    px(shape.x2),
                    py(shape.y2),
                    strokeColor=colors.HexColor(shape.stroke),
                    strokeWidth=shape.width * scale,
                    strokeDashArray=[3, 2] if shape.dash else None,
                )
            )
        elif isinstance(shape, charts.Polyline):
            points = [c for x, y in shape.points for c in (px(x), py(y))]
            d.add(PolyLine(points, strokeColor=colors.HexColor(shape.stroke), strokeWidth=shape.width * scale))
        elif isinstance(shape, charts.Text):
            d.add(
                String(
                    px(shape.x),
                    py(shape.y),
                    shape.text,
                    fontSize=shape.size * scale,
                    fontName="Helvetica",
                    fillColor=colors.HexColor(shape.fill),
                    textAnchor=ANCHORS[shape.anchor],
                )
            )
    return d


def _styles():
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10, leading=13)
    return {
        "title": ParagraphStyle(
            "title", parent=sheet["Title"], fontName="Helvetica-Bold", fontSize=17, alignment=TA_LEFT
        ),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontName="Helvetica-Bold", fontSize=13),
        "h3": ParagraphStyle("h3", parent=sheet["Heading3"], fontName="Helvetica-Bold", fontSize=11),
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=12, bulletIndent=2),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
    }


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def render(report) -> bytes:
    """A4 PDF of a `report.Report` (German, readable without the system)."""
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        title=report.title,
        author=report.office.name,
        subject=_("Bericht für den Betriebsausschuss"),
    )
    story = [_p(report.title, st["title"]), _p(report.subtitle, st["body"]), Spacer(1, 6)]
    for paragraph in report.intro:
        story.append(_p(paragraph, st["body"]))
    story += [Spacer(1, 6), _p(_("Das Wichtigste in Kürze"), st["h2"])]
    for sentence in report.highlights:
        story.append(Paragraph(escape(sentence), st["bullet"], bulletText="–"))
    story += [Spacer(1, 6), _p(_("Kennzahlen im Vergleich"), st["h2"])]
    header = [_("Kennzahl"), report.period_label, report.previous_label, _("Veränderung"), _("Ziel")]
    data = [[_p(h, st["cell"]) for h in header]]
    for row in report.rows:
        data.append([_p(c, st["cell"]) for c in (row.label, row.current, row.previous, row.change, row.target)])
    table = Table(data, colWidths=[5.2 * cm, 3 * cm, 3 * cm, 3 * cm, 2.8 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9ca3af")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    for section in report.sections:
        block = [Spacer(1, 8), _p(section.title, st["h2"]), _p(section.definition, st["small"])]
        block.append(drawing(section.chart))
        story.append(KeepTogether(block))
        if section.chart.events:
            story.append(_p(charts.events_text(section.chart), st["small"]))
    story += [Spacer(1, 8), _p(_("So wird gemessen"), st["h2"])]
    for term, text in report.method:
        story.append(_p(f"{term}: {text}", st["small"]))
    if report.pending:
        story += [Spacer(1, 6), _p(_("Noch nicht erfasst"), st["h3"]), _p(report.pending, st["small"])]
    story += [Spacer(1, 8), _p(report.footer, st["small"])]
    doc.build(story)
    return buffer.getvalue()
