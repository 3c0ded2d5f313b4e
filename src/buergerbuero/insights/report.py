"""The committee report (Betriebsausschuss): every registered KPI for one office and period, compared with the
previous period of the same length and with the target. Plain data; `views` renders it as HTML, `pdf` as PDF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from buergerbuero.insights import charts, kpis, selectors
from buergerbuero.insights.metrics import Period

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office


@dataclass(frozen=True)
class Row:
    label: str
    current: str
    previous: str
    change: str
    target: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    definition: str
    chart: charts.Chart


@dataclass(frozen=True)
class Report:
    office: Office
    period: Period
    previous: Period
    title: str
    subtitle: str
    period_label: str
    previous_label: str
    intro: list[str]
    highlights: list[str]
    rows: list[Row]
    sections: list[Section]
    method: list[tuple[str, str]]
    pending: str
    footer: str


def _dates(period: Period) -> str:
    return f"{date_format(period.first, 'SHORT_DATE_FORMAT')}–{date_format(period.last, 'SHORT_DATE_FORMAT')}"


def change_text(current: kpis.Figure, previous: kpis.Figure) -> str:
    if current.value is None or previous.value is None:
        return "–"
    delta = round(current.value - previous.value, 1)
    unit = _("Prozentpunkte") if current.unit == "%" else current.unit
    if delta == 0:
        return _("unverändert")
    text = f"{'+' if delta > 0 else '−'}{charts.format_number(abs(delta))} {unit}"
    if current.better:
        improved = (delta < 0) == (current.better == "lower")
        text += " (" + (_("besser") if improved else _("schlechter")) + ")"
    return text


def build(*, office: Office, period: Period, now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    ctx = kpis.Context(office, period, now)
    previous_ctx = ctx.with_period(period.previous())
    band = selectors.target_band(office)
    rows, sections, method = [], [], []
    figures_now: dict[str, list[kpis.Figure]] = {}
    for kpi in kpis.all_kpis():
        current, previous = kpi.figures(ctx), kpi.figures(previous_ctx)
        figures_now[kpi.key] = current
        for c, p in zip(current, previous, strict=True):
            rows.append(
                Row(
                    c.label,
                    f"{c.display()} {c.unit}" if c.value is not None else c.display(),
                    f"{p.display()} {p.unit}" if p.value is not None else p.display(),
                    change_text(c, p),
                    c.target or "–",
                )
            )
        sections.append(Section(kpi.key, str(kpi.title), str(kpi.definition), kpi.chart(ctx)))
        method.append((str(kpi.title), str(kpi.definition)))
    service = selectors.reference_service(office)
    return Report(
        office=office,
        period=period,
        previous=period.previous(),
        title=_("Terminvorlauf und Kapazität – %(office)s") % {"office": office.name},
        subtitle=_("Bericht für den Betriebsausschuss · Zeitraum %(period)s · Vergleich mit %(previous)s")
        % {"period": _dates(period), "previous": _dates(period.previous())},
        period_label=_("Zeitraum"),
        previous_label=_("Vorzeitraum"),
        intro=[
            _(
                "Dieser Bericht zeigt, wie lange Bürgerinnen und Bürger auf einen Termin im %(office)s warten "
                "und wie die Terminkapazität genutzt wird. Ziel der Verwaltung ist eine Vorlaufzeit von "
                "%(low)d bis höchstens %(high)d Tagen (2 bis 4 Wochen)."
            )
            % {"office": office.name, "low": band[0], "high": band[1]},
            _(
                "Die Vorlaufzeit wird jede Stunde automatisch gemessen: Das System fragt dieselbe "
                "Terminberechnung ab, die auch die Online-Terminbuchung verwendet, und hält fest, in wie vielen "
                "Tagen der nächste freie Termin für „%(service)s“ liegt. Verglichen wird mit dem gleich langen "
                "Zeitraum davor."
            )
            % {"service": service.name if service else "–"},
        ],
        highlights=_highlights(figures_now, kpis.Context(office, period.previous(), now), band),
        rows=rows,
        sections=sections,
        method=method,
        pending=_pending_text(),
        footer=_("Erstellt am %(when)s mit buergerbuero. Alle Zahlen beziehen sich auf den Standort %(office)s.")
        % {"when": date_format(timezone.localtime(now), "SHORT_DATETIME_FORMAT"), "office": office.name},
    )


def _pending_text() -> str:
    if not kpis.PENDING:
        return ""
    names = ", ".join(str(title) for title, _section in kpis.PENDING.values())
    return _("Folgende Kennzahlen werden ergänzt, sobald die zugehörigen Module Daten liefern: %(names)s.") % {
        "names": names
    }


def _highlights(figures: dict[str, list[kpis.Figure]], previous_ctx: kpis.Context, band: tuple[int, int]) -> list[str]:
    out = []
    lead = figures.get("lead_time")
    if lead:
        last, median, _max, inside, above = lead[0], lead[1], lead[2], lead[3], lead[4]
        if last.value is None and lead[-1].value:
            out.append(_("Am Ende des Zeitraums war im Buchungshorizont kein Termin mehr frei."))
        elif last.value is not None:
            position = (
                _("über dem Zielkorridor")
                if last.value > band[1]
                else _("unter dem Zielkorridor")
                if last.value < band[0]
                else _("im Zielkorridor")
            )
            out.append(
                _("Am Ende des Zeitraums lag der nächste freie Termin %(days)s Tage entfernt (%(position)s).")
                % {"days": last.display(), "position": position}
            )
        if lead[-1].value:
            lead_kpi = kpis.get("lead_time")
            assert lead_kpi is not None  # a KPI of this module
            previous = lead_kpi.figures(previous_ctx)
            out.append(
                _(
                    "An %(inside)s von %(measured)s Tagen mit Messung lag die Vorlaufzeit im Zielkorridor, "
                    "an %(above)s Tagen darüber. Median: %(median)s Tage (Vorzeitraum: %(prev)s)."
                )
                % {
                    "inside": inside.display(),
                    "measured": lead[-1].display(),
                    "above": above.display(),
                    "median": median.display(),
                    "prev": previous[1].display(),
                }
            )
        else:
            out.append(_("Für diesen Zeitraum liegen keine Messungen der Vorlaufzeit vor."))
    realised = figures.get("realised_lead_time")
    if realised and realised[2].value:
        out.append(
            _(
                "Wer im Zeitraum einen Termin wahrgenommen hat, hatte ihn im Mittel (Median) %(p50)s Tage vorher "
                "gebucht; jede zehnte Person wartete %(p90)s Tage oder länger."
            )
            % {"p50": realised[0].display(), "p90": realised[1].display()}
        )
    utilisation = figures.get("utilisation")
    if utilisation and utilisation[0].value is not None:
        out.append(
            _("Die angebotenen Terminzeiten waren zu %(value)s %% belegt.") % {"value": utilisation[0].display()}
        )
    waiting, no_shows = figures.get("waiting_time"), figures.get("no_show_rate")
    if waiting and waiting[2].value:
        out.append(
            _(
                "Im Wartebereich wurden die Wartenden im Median nach %(p50)s Minuten aufgerufen; jede zehnte Person "
                "wartete %(p90)s Minuten oder länger (%(n)s Aufrufe)."
            )
            % {"p50": waiting[0].display(), "p90": waiting[1].display(), "n": waiting[2].display()}
        )
    if waiting and waiting[3].value:
        out.append(
            ngettext(
                "%(n)s Wartenummer wurde bis zum Tagesabschluss nicht aufgerufen; ihre Wartezeit ist unbekannt "
                "und in diesen Werten nicht enthalten.",
                "%(n)s Wartenummern wurden bis zum Tagesabschluss nicht aufgerufen; ihre Wartezeit ist unbekannt "
                "und in diesen Werten nicht enthalten.",
                int(waiting[3].value),
            )
            % {"n": waiting[3].display()}
        )
    if no_shows and no_shows[0].value is not None:
        out.append(
            _("%(rate)s %% der aufgerufenen Wartenummern erschienen nicht am Schalter.")
            % {"rate": no_shows[0].display()}
        )
    return out
