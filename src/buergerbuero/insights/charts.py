"""Charts as plain shapes (pure, no ORM, no Django): rendered to accessible SVG here and to PDF by `pdf.py`.

A chart is data (x values, named columns, an optional target band and events). `shapes()` lays it out once;
`svg()` writes those shapes as SVG with role="img", <title> and <desc>, and `table()` gives the same numbers
as rows for the data-table alternative, the CSV export and the PDF appendix. One layout, three outputs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from html import escape

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _  # text, date and number formats only: no ORM

PALETTE = ("#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#a16207", "#6b7280")
BAND_FILL = "#dcfce7"
EVENT_STROKE = "#9f1239"
GRID = "#d1d5db"
INK = "#111827"
MUTED = "#4b5563"


@dataclass(frozen=True)
class Column:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    x: tuple[dt.date, ...]
    columns: tuple[Column, ...]
    kind: str = "line"  # line | bar | stacked
    x_kind: str = "day"  # day | week (x values are Mondays)
    band: tuple[float, float] | None = None
    band_label: str = ""
    events: tuple[tuple[dt.date, str], ...] = ()
    none_label: str = ""  # for lines: how a missing value is shown (e.g. "kein freier Termin"); "" = a gap
    y_max: float | None = None  # fixed upper end of the axis, e.g. 100 for percentages
    max_gap_days: int | None = None  # lines break where consecutive x values are further apart (no measurement)
    summary: str = ""  # one sentence for <desc>: what the chart shows and its latest value


# --- shapes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    label: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0
    dash: bool = False
    label: str = ""


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 11
    anchor: str = "start"  # start | middle | end
    fill: str = INK


@dataclass
class Layout:
    width: int
    height: int
    shapes: list = field(default_factory=list)


WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 34, 44


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` intervals over `span`."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def legend_entry_width(name: str) -> float:
    """Width of one legend entry (swatch, gap, text at 11 px); the legend is one line of WIDTH - LEFT - RIGHT."""
    return 24 + 6.5 * len(name)


def format_number(value: float | None, none_label: str = "–") -> str:
    """A number as the active language writes it (German 1.234,5; English 1,234.5), at most one decimal place."""
    if value is None:
        return none_label
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(value, 1), 1, force_grouping=True)


def format_x(day: dt.date, x_kind: str) -> str:
    if x_kind == "week":
        year, week, _weekday = day.isocalendar()
        return _("KW %(week)02d/%(year)d") % {"week": week, "year": year}
    return date_format(day, "SHORT_DATE_FORMAT")


def _y_top(chart: Chart) -> float:
    values = []
    if chart.kind == "stacked":
        for i in range(len(chart.x)):
            values.append(sum(c.values[i] or 0 for c in chart.columns))
    else:
        values = [v for c in chart.columns for v in c.values if v is not None]
    if chart.band:
        values.append(chart.band[1])
    top = max(values, default=0)
    if chart.y_max is not None:
        top = max(top, chart.y_max)
    step = nice_step(top or 1)
    return max(step, math.ceil(top / step) * step if top else step)


def shapes(chart: Chart, width: int = WIDTH, height: int = HEIGHT) -> Layout:
    layout = Layout(width, height)
    out = layout.shapes
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    top = _y_top(chart)

    def y_of(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    n = len(chart.x)
    if chart.kind == "line" and n > 1:
        first, span = chart.x[0], max(1, (chart.x[-1] - chart.x[0]).days)

        def x_of(i: int) -> float:
            return LEFT + (chart.x[i] - first).days / span * plot_w

        def x_of_day(day: dt.date) -> float:
            return LEFT + (day - first).days / span * plot_w
    else:
        band_w = plot_w / max(n, 1)

        def x_of(i: int) -> float:
            return LEFT + (i + 0.5) * band_w

        def x_of_day(day: dt.date) -> float:
            if not n:
                return LEFT
            index = sum(1 for x in chart.x if x <= day) - 1
            return LEFT + (max(index, 0) + 0.5) * band_w

    # target band behind everything
    if chart.band:
        low, high = chart.band
        out.append(Rect(LEFT, y_of(high), plot_w, y_of(low) - y_of(high), BAND_FILL, chart.band_label))
        out.append(Text(LEFT + plot_w - 4, y_of(high) + 12, chart.band_label, 10, "end", "#166534"))
    # y grid and labels
    step = nice_step(top)
    tick = 0.0
    while tick <= top + 1e-9:
        y = y_of(tick)
        out.append(Line(LEFT, y, LEFT + plot_w, y, GRID, 0.5))
        out.append(Text(LEFT - 6, y + 4, format_number(tick), 10, "end", MUTED))
        tick += step
    out.append(Text(4, TOP - 12, chart.unit, 10, "start", MUTED))
    # x labels
    for i, label in _x_ticks(chart):
        x = x_of(i)
        out.append(Line(x, TOP + plot_h, x, TOP + plot_h + 4, MUTED, 0.5))
        out.append(Text(x, TOP + plot_h + 16, label, 10, "middle", MUTED))
    out.append(Line(LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h, MUTED, 1))
    # events: dashed vertical lines with a number; the list with the numbers is in the legend below
    for number, (day, title) in enumerate(chart.events, start=1):
        if not n or day < chart.x[0] or day > chart.x[-1]:
            continue
        x = x_of_day(day)
        out.append(Line(x, TOP, x, TOP + plot_h, EVENT_STROKE, 1, True, f"{number}: {title}"))
        out.append(Text(x + 3, TOP + 10, str(number), 10, "start", EVENT_STROKE))
    # data
    if chart.kind == "line":
        for c_index, column in enumerate(chart.columns):
            color = PALETTE[c_index % len(PALETTE)]
            segment: list[tuple[float, float]] = []
            for i, value in enumerate(column.values):
                gap = chart.max_gap_days is not None and i and (chart.x[i] - chart.x[i - 1]).days > chart.max_gap_days
                if gap and segment:
                    out.append(Polyline(tuple(segment), color) if len(segment) > 1 else _dot(segment[0], color))
                    segment = []
                if value is None:
                    if len(segment) > 1:
                        out.append(Polyline(tuple(segment), color))
                    elif segment:
                        out.append(Rect(segment[0][0] - 2, segment[0][1] - 2, 4, 4, color))
                    segment = []
                    if chart.none_label:
                        out.append(Rect(x_of(i) - 2, TOP - 2, 4, 6, EVENT_STROKE, chart.none_label))
                    continue
                segment.append((x_of(i), y_of(value)))
            if len(segment) > 1:
                out.append(Polyline(tuple(segment), color))
            elif segment:
                out.append(Rect(segment[0][0] - 2, segment[0][1] - 2, 4, 4, color))
    else:
        band_w = plot_w / max(n, 1)
        columns = chart.columns
        for i in range(n):
            base = 0.0
            for c_index, column in enumerate(columns):
                value = column.values[i] or 0
                color = PALETTE[c_index % len(PALETTE)]
                label = f"{format_x(chart.x[i], chart.x_kind)}, {column.name}: {format_number(column.values[i])}"
                if chart.kind == "stacked":
                    y0, y1 = y_of(base + value), y_of(base)
                    out.append(Rect(LEFT + i * band_w + band_w * 0.1, y0, band_w * 0.8, y1 - y0, color, label))
                    base += value
                else:
                    bar = band_w * 0.8 / len(columns)
                    x0 = LEFT + i * band_w + band_w * 0.1 + c_index * bar
                    out.append(Rect(x0, y_of(value), bar, y_of(0) - y_of(value), color, label))
    # legend
    x = LEFT
    for c_index, column in enumerate(chart.columns):
        out.append(Rect(x, 8, 10, 10, PALETTE[c_index % len(PALETTE)]))
        out.append(Text(x + 14, 17, column.name, 11))
        x += legend_entry_width(column.name)
    if chart.none_label and any(v is None for c in chart.columns for v in c.values):
        out.append(Rect(x, 8, 4, 10, EVENT_STROKE))
        out.append(Text(x + 8, 17, chart.none_label, 11))
    return layout


def _dot(point: tuple[float, float], color: str) -> Rect:
    return Rect(point[0] - 2, point[1] - 2, 4, 4, color)


def _x_ticks(chart: Chart) -> list[tuple[int, str]]:
    n = len(chart.x)
    if not n:
        return []
    span = (chart.x[-1] - chart.x[0]).days
    if chart.x_kind == "day" and span > 62:
        ticks, seen = [], set()
        for i, day in enumerate(chart.x):
            if (day.year, day.month) not in seen:
                seen.add((day.year, day.month))
                if day.day <= 7:
                    ticks.append((i, date_format(day, "M y")))
        return ticks[:: max(1, math.ceil(len(ticks) / 12))]
    every = max(1, math.ceil(n / 10))
    if chart.x_kind == "week":
        return [(i, _("KW %(week)02d") % {"week": chart.x[i].isocalendar()[1]}) for i in range(0, n, every)]
    return [(i, date_format(chart.x[i], "MONTH_DAY_FORMAT")) for i in range(0, n, every)]


# --- outputs --------------------------------------------------------------------------------------


def description(chart: Chart) -> str:
    parts = [chart.summary] if chart.summary else []
    if chart.x:
        parts.append(
            _("Zeitraum %(first)s bis %(last)s, Einheit: %(unit)s.")
            % {
                "first": format_x(chart.x[0], chart.x_kind),
                "last": format_x(chart.x[-1], chart.x_kind),
                "unit": chart.unit,
            }
        )
    if chart.band:
        parts.append(
            _("Zielkorridor %(low)s bis %(high)s %(unit)s.")
            % {"low": format_number(chart.band[0]), "high": format_number(chart.band[1]), "unit": chart.unit}
        )
    if chart.events:
        parts.append(events_text(chart) + ".")
    parts.append(_("Die Werte stehen in der Tabelle unter dem Diagramm."))
    return " ".join(parts)


def events_text(chart: Chart) -> str:
    """The numbered events of a chart in words (the chart itself shows only their numbers)."""
    listed = "; ".join(
        f"{n}: {date_format(day, 'SHORT_DATE_FORMAT')} {title}" for n, (day, title) in enumerate(chart.events, 1)
    )
    return _("Ereignisse: ") + listed


def svg(chart: Chart, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart as an inline SVG string (all text escaped)."""
    layout = shapes(chart, width, height)
    ident = f"chart-{escape(chart.key)}"
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" class="kpi-chart" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(description(chart))}</desc>',
    ]
    for shape in layout.shapes:
        body.append(_svg_shape(shape))
    body.append("</svg>")
    return "\n".join(body)


def _svg_shape(shape) -> str:
    tip = f"<title>{escape(shape.label)}</title>" if getattr(shape, "label", "") else ""
    if isinstance(shape, Rect):
        attrs = f'x="{shape.x:.1f}" y="{shape.y:.1f}" width="{max(shape.w, 0):.1f}" height="{max(shape.h, 0):.1f}"'
        return f'<rect {attrs} fill="{shape.fill}">{tip}</rect>'
    if isinstance(shape, Line):
        dash = ' stroke-dasharray="4 3"' if shape.dash else ""
        return (
            f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" y2="{shape.y2:.1f}" '
            f'stroke="{shape.stroke}" stroke-width="{shape.width}"{dash}>{tip}</line>'
        )
    if isinstance(shape, Polyline):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
        return f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" stroke-width="{shape.width}"/>'
    if isinstance(shape, Text):
        return (
            f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size}" text-anchor="{shape.anchor}" '
            f'fill="{shape.fill}">{escape(shape.text)}</text>'
        )
    raise TypeError(shape)


def table(chart: Chart) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the data-table alternative (formatted for people)."""
    header = [_("Woche") if chart.x_kind == "week" else _("Tag")] + [f"{c.name} ({chart.unit})" for c in chart.columns]
    rows = []
    for i, x in enumerate(chart.x):
        rows.append(
            [format_x(x, chart.x_kind)] + [format_number(c.values[i], chart.none_label or "–") for c in chart.columns]
        )
    return header, rows


def csv_rows(chart: Chart) -> tuple[list[str], list[list[str]]]:
    """Header and rows for machines: ISO dates, dot decimals, empty cell for a missing value."""
    header = ["week_start" if chart.x_kind == "week" else "date"] + [c.name for c in chart.columns]
    rows = []
    for i, x in enumerate(chart.x):
        missing = "none" if chart.none_label else ""
        rows.append([x.isoformat()] + [missing if c.values[i] is None else f"{c.values[i]:g}" for c in chart.columns])
    return header, rows
