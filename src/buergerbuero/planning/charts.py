"""Server-rendered SVG charts (pure): lead-time bands over the months and the cost/lead-time trade-off.

No JavaScript, no library: the same SVG goes into the web page, the CLI output and the council report.
Each chart carries a <title> and <desc> so screen readers announce what it shows; the tables next to
the charts hold the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from html import escape

COLOURS = ("#0b5cad", "#c0392b", "#1e8449", "#7d3c98", "#b9770e", "#566573")
MONTHS_DE = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")
W, H = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 48
LEGEND_COLUMN, LEGEND_ROW, LEGEND_CHARS = 340, 18, 46


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _header(title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" style="max-width:{W}px;font-family:sans-serif;font-size:12px">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]


def _y_axis(top: float, label: str) -> tuple[list[str], Callable[[float], float]]:
    plot_h = H - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(max(v, 0), top) / top)

    out = []
    for i in range(6):
        v = top * i / 5
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(
        f'<text x="14" y="{TOP + plot_h / 2:.0f}" transform="rotate(-90 14 {TOP + plot_h / 2:.0f})" '
        f'text-anchor="middle">{escape(label)}</text>'
    )
    return out, y


def _target_lines(y, targets: list[tuple[float, str]], top: float) -> list[str]:
    out = []
    for value, label in targets:
        if 0 < value <= top:
            out.append(
                f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                f'stroke="#333" stroke-dasharray="6 4"/>'
            )
            out.append(f'<text x="{W - RIGHT - 4}" y="{y(value) - 4:.1f}" text-anchor="end">{escape(label)}</text>')
    return out


def lead_bands(series: list[dict], *, targets: list[tuple[float, str]], title: str, ident: str = "bands") -> str:
    """Lead-time bands: per series a shaded p10–p90 band, the median as a solid and p90 as a dashed line.

    `series`: dicts with label, dates (ISO strings, same start), p10, p50, p90 (days).
    """
    days = max(len(s["dates"]) for s in series)
    start = dt.date.fromisoformat(series[0]["dates"][0])
    top = _nice_max(max([max(s["p90"]) for s in series] + [t for t, _l in targets]) * 1.05)
    plot_w = W - LEFT - RIGHT
    desc = "; ".join(
        f"{s['label']}: Median heute {s['p50'][0]:g} Tage, am Ende {s['p50'][-1]:g} Tage, "
        f"90-%-Wert am Ende {s['p90'][-1]:g} Tage"
        for s in series
    )
    out = _header(title, desc, ident)
    axis, y = _y_axis(top, "Tage bis zum nächsten freien Termin")
    out += axis

    def x(i: int) -> float:
        return LEFT + plot_w * i / max(days - 1, 1)

    for i in range(days):  # month ticks
        day = start + dt.timedelta(days=i)
        if day.day == 1:
            out.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#f0f0f0"/>')
            out.append(
                f'<text x="{x(i):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{MONTHS_DE[day.month - 1]}</text>'
            )
            if day.month == 1:
                out.append(f'<text x="{x(i):.1f}" y="{H - BOTTOM + 30}" text-anchor="middle">{day.year}</text>')
    out += _target_lines(y, targets, top)
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        n = len(s["dates"])
        upper = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s["p90"]))
        lower = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(s["p10"]))))
        out.append(f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.15" stroke="none"/>')
        median = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s["p50"][:n]))
        out.append(f'<polyline points="{median}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.append(
            f'<polyline points="{upper}" fill="none" stroke="{colour}" stroke-width="1" stroke-dasharray="3 3"/>'
        )
        # Legend below the plot, two entries a row, each row its own line: a long scenario name is shortened
        # with an ellipsis (the full name is its tooltip and stands in the table beside the chart).
        lx = LEFT + LEGEND_COLUMN * (k % 2)
        ly = H + LEGEND_ROW * (k // 2) + 4
        label = s["label"] if len(s["label"]) <= LEGEND_CHARS else s["label"][: LEGEND_CHARS - 1] + "…"
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="10" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly}"><title>{escape(s["label"])}</title>{escape(label)}</text>')
    out.append("</svg>")
    height = H + LEGEND_ROW * math.ceil(len(series) / 2) + 4
    out[0] = out[0].replace(f'viewBox="0 0 {W} {H}"', f'viewBox="0 0 {W} {height}"', 1)
    return "\n".join(out)


def tradeoff(candidates: list[dict], *, targets: list[tuple[float, str]], title: str, ident: str = "tradeoff") -> str:
    """Cost per year (x) against the worst p90 lead time once the target should hold (y), one dot per
    combination of measures; the Pareto front is joined, the chosen combinations are ringed."""
    top_cost = _nice_max(max([c["cost_eur"] for c in candidates] + [1.0]) / 1000 * 1.05)
    top = _nice_max(max([c["tail_lead"] for c in candidates] + [t for t, _l in targets]) * 1.05)
    plot_w = W - LEFT - RIGHT
    desc = f"{len(candidates)} Kombinationen von Maßnahmen; " + "; ".join(
        f"{c['cost_eur'] / 1000:.0f} T€: {c['tail_lead']:g} Tage" for c in candidates if c.get("pareto")
    )
    out = _header(title, desc, ident)
    axis, y = _y_axis(top, "90-%-Vorlaufzeit (Tage)")
    out += axis

    def x(cost: float) -> float:
        return LEFT + plot_w * (cost / 1000) / top_cost

    for i in range(6):
        v = top_cost * i / 5
        out.append(f'<text x="{LEFT + plot_w * i / 5:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{v:g}</text>')
    out.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{H - 10}" text-anchor="middle">Kosten je Jahr (Tausend Euro)</text>'
    )
    out += _target_lines(y, targets, top)
    front = sorted((c for c in candidates if c.get("pareto")), key=lambda c: c["cost_eur"])
    if len(front) > 1:
        points = " ".join(f"{x(c['cost_eur']):.1f},{y(c['tail_lead']):.1f}" for c in front)
        out.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[0]}" stroke-width="1.5"/>')
    for c in candidates:
        colour = COLOURS[2] if c.get("feasible") else COLOURS[1]
        label = escape(", ".join(c["measures"]) or "ohne Maßnahmen")
        out.append(
            f'<circle cx="{x(c["cost_eur"]):.1f}" cy="{y(c["tail_lead"]):.1f}" r="4" fill="{colour}">'
            f"<title>{label}: {c['cost_eur']:.0f} €, {c['tail_lead']:g} Tage</title></circle>"
        )
        if c.get("chosen"):
            out.append(
                f'<circle cx="{x(c["cost_eur"]):.1f}" cy="{y(c["tail_lead"]):.1f}" r="8" fill="none" '
                f'stroke="#000" stroke-width="1.5"/>'
            )
    out.append("</svg>")
    return "\n".join(out)
