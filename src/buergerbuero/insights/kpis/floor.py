"""The office floor, as the queue app measures it: waiting, handling, no-shows, walk-ins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from buergerbuero.insights import charts, metrics
from buergerbuero.insights.kpis import KPI, Context, Figure, common, register
from buergerbuero.queue.selectors import live as queue_live
from buergerbuero.queue.selectors import stats as queue_stats

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office

# --- office floor (measured by the queue app) -------------------------------------------------------
#
# The definitions are the queue app's (`queue.selectors.stats`: waiting_minutes_rows, waiting_times, handling_times,
# no_show_rate, walk_in_share); percentiles are interpolated as there (`metrics.interpolated_percentile`), so the
# numbers here equal the queue app's for the same days. Each KPI reads its rows once for the period (the queue
# app's per-day reads) and applies the queue app's summary per week and for the period.


def _period_args(ctx: Context) -> tuple[Office, dt.date, dt.date]:
    return ctx.office, ctx.period.first, ctx.period.last


WAITING = common.Weekly(
    "waiting",
    # (local day of the first call, minutes) of every first leg called in the period
    lambda ctx: [
        (called.astimezone(ctx.tz).date(), minutes)
        for called, _service, minutes in queue_stats.waiting_minutes_rows(*_period_args(ctx))
    ],
    list,
)
HANDLING = common.Weekly(
    "handling",
    lambda ctx: [(day, (sid, minutes)) for day, sid, minutes in queue_stats.handling_rows(*_period_args(ctx))],
    queue_stats.handling_summary,
)
FIRST_LEGS = common.Weekly(
    "first_legs", lambda ctx: queue_stats.first_leg_counts(*_period_args(ctx)), queue_stats.no_show_summary
)
TICKETS = common.Weekly(
    "tickets", lambda ctx: queue_stats.ticket_counts(*_period_args(ctx)), queue_stats.walk_in_summary
)


def waiting_chart(ctx: Context) -> charts.Chart:
    return common.weekly_chart(
        "waiting_time",
        gettext("Wartezeit vor Ort: Minuten bis zum Aufruf, je Kalenderwoche"),
        common.minutes_text(),
        WAITING.weeks(ctx),
        [
            (gettext("Median"), lambda minutes: metrics.interpolated_percentile(minutes, 50)),
            (gettext("90. Perzentil"), lambda minutes: metrics.interpolated_percentile(minutes, 90)),
        ],
        events=common.events(ctx),
        summary=gettext(
            "Wie lange Menschen im Wartebereich saßen, bis ihre Wartenummer zum ersten Mal aufgerufen wurde "
            "(mit Termin ab der Terminzeit gerechnet)."
        ),
    )


def waiting_figures(ctx: Context) -> list[Figure]:
    values = WAITING.total(ctx)
    minutes = common.minutes_text()
    return [
        Figure(gettext("Wartezeit vor Ort, Median"), metrics.interpolated_percentile(values, 50), minutes, "lower"),
        Figure(
            gettext("Wartezeit vor Ort, 90. Perzentil"), metrics.interpolated_percentile(values, 90), minutes, "lower"
        ),
        Figure(gettext("Aufgerufene Wartenummern"), len(values), pgettext("unit", "Vorsprachen")),
        # never called before the day was closed: their wait is unknown, so it is counted here, not as a time
        Figure(
            gettext("Bis zum Tagesabschluss nicht aufgerufen (Wartezeit unbekannt)"),
            FIRST_LEGS.total(ctx)["never_called"],
            pgettext("unit", "Wartenummern"),
            "lower",
        ),
    ]


register(
    KPI(
        key="waiting_time",
        title=_("Wartezeit vor Ort (Median/90. Perzentil)"),
        section="floor",
        definition=_(
            "Minuten vom Einchecken bis zum ersten Aufruf an einen Schalter, nur für den ersten Schalterkontakt "
            "einer Wartenummer; bei Terminen zählt die Zeit erst ab der Terminzeit (wer früh eincheckt, wartet "
            "nicht). Median und 90. Perzentil mit linearer Interpolation, je Kalenderwoche des Aufrufs. "
            "Wartenummern, die bis zum Tagesabschluss nicht aufgerufen wurden, haben keine bekannte Wartezeit; "
            "sie werden gesondert gezählt."
        ),
        chart=waiting_chart,
        figures=waiting_figures,
    )
)


HANDLING_CHART_SERVICES = len(charts.PALETTE)  # one colour per line


def _fitting_legend(names: list[str]) -> int:
    """How many of the names (in order) fit the chart's one-line legend."""
    room, used = charts.WIDTH - charts.LEFT - charts.RIGHT, 0.0
    for count, name in enumerate(names):
        used += charts.legend_entry_width(name)
        if used > room:
            return max(1, count)
    return len(names)


def _handling(ctx: Context) -> dict[int, dict]:
    """The period's handling times by service id."""
    return {row["service"]: row for row in HANDLING.total(ctx)}


def _floor_services(ctx: Context) -> list:
    return ctx.memo("floor_services", lambda: list(queue_live.walk_in_services(ctx.office)))


def _median_of(service_id: int) -> Callable[[dict[int, float]], float | None]:
    """A chart column: a week's median of one service (none in a week without it)."""
    return lambda medians: medians.get(service_id)


def handling_chart(ctx: Context) -> charts.Chart:
    period = _handling(ctx)
    names = {s.pk: s.name for s in _floor_services(ctx)}
    top = sorted(period, key=lambda sid: (-period[sid]["visits"], sid))[:HANDLING_CHART_SERVICES]
    top = top[: _fitting_legend([str(names.get(sid, sid)) for sid in top])]
    by_week = [(monday, {row["service"]: row["p50"] for row in rows}) for monday, rows in HANDLING.weeks(ctx)]
    return common.weekly_chart(
        "handling_time",
        gettext("Bearbeitungszeit je Leistung: Median in Minuten, je Kalenderwoche"),
        common.minutes_text(),
        by_week,
        [(str(names.get(sid, gettext("Leistung %(id)s") % {"id": sid})), _median_of(sid)) for sid in top],
        summary=gettext(
            "Wie lange ein erledigter Schalterkontakt dauerte (Beginn bis Abschluss), für die %(n)d häufigsten "
            "Leistungen des Zeitraums; alle Leistungen stehen in den Kennzahlen."
        )
        % {"n": len(top)},
    )


def handling_figures(ctx: Context) -> list[Figure]:
    rows = _handling(ctx)
    minutes = common.minutes_text()
    figures = [
        Figure(
            gettext("Bearbeitungszeit %(service)s, Median") % {"service": service.name},
            rows[service.pk]["p50"] if service.pk in rows else None,
            minutes,
        )
        for service in _floor_services(ctx)
    ]
    figures.append(
        Figure(
            gettext("Erledigte Schalterkontakte"),
            sum(r["visits"] for r in rows.values()),
            pgettext("unit", "Vorsprachen"),
        )
    )
    return figures


register(
    KPI(
        key="handling_time",
        title=_("Bearbeitungszeit je Leistung"),
        section="floor",
        definition=_(
            "Minuten vom Beginn bis zum Abschluss eines Schalterkontakts, der als erledigt abgeschlossen wurde "
            "(auch nach Weiterleitung jeder Kontakt für sich), je Leistung der Vorsprache; Median mit linearer "
            "Interpolation. Nicht erschienene und weitergeleitete Kontakte zählen nicht."
        ),
        chart=handling_chart,
        figures=handling_figures,
    )
)


def no_show_chart(ctx: Context) -> charts.Chart:
    return common.weekly_chart(
        "no_show_rate",
        gettext("No-Show-Quote: aufgerufen und nicht erschienen, je Kalenderwoche"),
        "%",
        [(m, r) for m, r in FIRST_LEGS.weeks(ctx) if r["visits"]],
        [(gettext("No-Show-Quote"), lambda r: metrics.ratio(r["no_shows"], r["visits"]))],
        kind="bar",
        summary=gettext(
            "Anteil der aufgerufenen Wartenummern, deren Inhaberin oder Inhaber nicht an den Schalter kam."
        ),
    )


def no_show_figures(ctx: Context) -> list[Figure]:
    counts = FIRST_LEGS.total(ctx)
    unit = pgettext("unit", "Vorsprachen")
    return [
        Figure(gettext("No-Show-Quote"), metrics.ratio(counts["no_shows"], counts["visits"]), "%", "lower"),
        Figure(gettext("Nicht erschienen nach Aufruf"), counts["no_shows"], unit, "lower"),
        Figure(gettext("Abgeschlossene erste Schalterkontakte"), counts["visits"], unit),
        Figure(gettext("Beim Tagesabschluss offen (nicht mitgezählt)"), counts["end_of_day"], unit, "lower"),
    ]


register(
    KPI(
        key="no_show_rate",
        title=_("Nicht erschienen nach Aufruf (No-Show-Quote)"),
        section="floor",
        definition=_(
            "Erste Schalterkontakte von Wartenummern (mit und ohne Termin), die als „nicht erschienen“ "
            "abgeschlossen wurden, geteilt durch alle abgeschlossenen ersten Schalterkontakte (erledigt, nicht "
            "erschienen oder weitergeleitet). Gebuchte Termine ohne Check-in zählen nicht mit, ebenso wenig "
            "Schalterkontakte, die beim Tagesabschluss noch offen waren (gesondert gezählt)."
        ),
        chart=no_show_chart,
        figures=no_show_figures,
    )
)


def walk_in_chart(ctx: Context) -> charts.Chart:
    return common.weekly_chart(
        "walk_in_share",
        gettext("Vorsprachen mit und ohne Termin: Wartenummern je Kalenderwoche"),
        pgettext("unit", "Anzahl"),
        [(m, r) for m, r in TICKETS.weeks(ctx) if r["share"] is not None],
        [(gettext("mit Termin"), lambda r: r["appointment"]), (gettext("ohne Termin"), lambda r: r["walk_in"])],
        kind="stacked",
        summary=gettext(
            "Wie viele Menschen je Woche mit Termin und ohne Termin (offene Sprechstunde, verspätet) eine "
            "Wartenummer bekamen."
        ),
    )


def walk_in_figures(ctx: Context) -> list[Figure]:
    counts = TICKETS.total(ctx)
    unit = pgettext("unit", "Wartenummern")
    share = metrics.ratio(counts["walk_in"], counts["walk_in"] + counts["appointment"])
    return [
        Figure(gettext("Anteil ohne Termin"), share, "%"),
        Figure(gettext("Wartenummern mit Termin"), counts["appointment"], unit),
        Figure(gettext("Wartenummern ohne Termin"), counts["walk_in"], unit),
    ]


register(
    KPI(
        key="walk_in_share",
        title=_("Vorsprachen ohne Termin (Anteil)"),
        section="floor",
        definition=_(
            "Wartenummern ohne Termin geteilt durch alle Wartenummern des Zeitraums; wer zu spät zum Termin kam "
            "und ohne Termin eingereiht wurde, zählt als ohne Termin."
        ),
        chart=walk_in_chart,
        figures=walk_in_figures,
    )
)
