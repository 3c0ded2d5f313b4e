"""Lead time: the citizen's engine's earliest free appointment, and the realised lead time of bookings."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from buergerbuero.insights import charts, metrics, selectors
from buergerbuero.insights.kpis import KPI, Context, Figure, common, register

# --- lead time (snapshots of the citizen's engine) ------------------------------------------------


def _daily_lead(ctx: Context) -> dict[dt.date, int | None]:
    def compute():
        service = selectors.reference_service(ctx.office)
        if service is None:
            return {}
        return selectors.daily_lead_times(ctx.office, service, ctx.period)

    return ctx.memo(f"daily_lead:{ctx.period}", compute)


def lead_time_chart(ctx: Context) -> charts.Chart:
    daily = _daily_lead(ctx)
    band = common.band(ctx)
    service = selectors.reference_service(ctx.office)
    days = tuple(daily)
    latest = daily[days[-1]] if days else None
    summary = gettext("Tägliche Vorlaufzeit bis zum nächsten freien Online-Termin für %(service)s.") % {
        "service": service.name if service else "–"
    }
    if days:
        summary += " " + gettext("Letzter Wert (%(day)s): %(value)s.") % {
            "day": date_format(days[-1], "SHORT_DATE_FORMAT"),
            "value": charts.format_number(latest, gettext("kein freier Termin")),
        }
    return charts.Chart(
        key="lead_time",
        title=gettext("Vorlaufzeit: Tage bis zum nächsten freien Termin (%(service)s)")
        % {"service": service.name if service else "–"},
        unit=pgettext("unit", "Tage"),
        x=days,
        columns=(charts.Column(gettext("Vorlaufzeit"), tuple(daily.values())),),
        band=band,
        band_label=gettext("Ziel %(band)s") % {"band": common.band_text(band)},
        events=common.events(ctx),
        none_label=gettext("kein freier Termin"),
        max_gap_days=1,  # a day without any snapshot is a gap, not a straight line
        summary=summary,
    )


def lead_time_figures(ctx: Context) -> list[Figure]:
    daily = _daily_lead(ctx)
    band = common.band(ctx)
    counted = metrics.band_days(daily, *band)
    values = list(daily.values())
    days = pgettext("unit", "Tage")
    target = common.band_text(band)
    # Without any measurement a missing value means "no data", not "no free appointment".
    no_free = gettext("kein freier Termin") if daily else gettext("keine Messung")
    return [
        Figure(gettext("Vorlaufzeit am letzten Tag"), values[-1] if values else None, days, "lower", target, no_free),
        Figure(gettext("Vorlaufzeit, Median der Tage"), metrics.percentile(values, 50), days, "lower", target, no_free),
        Figure(gettext("Vorlaufzeit, höchster Tageswert"), metrics.percentile(values, 100), days, "lower", "", no_free),
        Figure(gettext("Tage im Zielkorridor"), counted.inside if daily else None, days, "higher"),
        Figure(gettext("Tage über dem Zielkorridor"), counted.above if daily else None, days, "lower", "0"),
        Figure(gettext("davon ohne freien Termin im Horizont"), counted.no_free if daily else None, days, "lower", "0"),
        Figure(gettext("Tage unter dem Zielkorridor"), counted.below if daily else None, days),
        Figure(gettext("Tage mit Messung"), counted.measured, days),
    ]


register(
    KPI(
        key="lead_time",
        title=_("Vorlaufzeit (Tage bis zum nächsten freien Termin)"),
        section="booking",
        definition=_(
            "Kalendertage von heute bis zum frühesten freien Online-Termin für eine Person und die "
            "Referenzleistung, stündlich mit derselben Verfügbarkeitsberechnung gemessen, die Bürgerinnen und "
            "Bürger sehen; Tageswert = Median der Messungen des Tages."
        ),
        chart=lead_time_chart,
        figures=lead_time_figures,
    )
)


# --- realised lead time (bookings that took place) ------------------------------------------------


def _realised(ctx: Context) -> list[tuple[dt.date, int]]:
    return ctx.memo(
        f"realised:{ctx.period}", lambda: metrics.realised(common.appointment_rows(ctx), ctx.tz, ctx.period, ctx.now)
    )


def realised_chart(ctx: Context) -> charts.Chart:
    weeks = [(monday, metrics.spread(values)) for monday, values in metrics.weekly(_realised(ctx)).items()]
    band = common.band(ctx)
    return common.weekly_chart(
        "realised_lead_time",
        gettext("Realisierte Vorlaufzeit: Tage von der Buchung bis zum Termin, je Kalenderwoche"),
        pgettext("unit", "Tage"),
        weeks,
        [(gettext("Median"), lambda s: s.p50), (gettext("90. Perzentil"), lambda s: s.p90)],
        band=band,
        band_label=gettext("Ziel %(band)s") % {"band": common.band_text(band)},
        events=common.events(ctx),
        summary=gettext("Wie lange Menschen, die in der Woche einen Termin wahrgenommen haben, darauf gewartet haben."),
    )


def realised_figures(ctx: Context) -> list[Figure]:
    values = [days for _day, days in _realised(ctx)]
    s = metrics.spread(values)
    band = common.band(ctx)
    return [
        Figure(
            gettext("Realisierte Vorlaufzeit, Median"), s.p50, pgettext("unit", "Tage"), "lower", common.band_text(band)
        ),
        Figure(
            gettext("Realisierte Vorlaufzeit, 90. Perzentil"),
            s.p90,
            pgettext("unit", "Tage"),
            "lower",
            gettext("höchstens %(days)d Tage") % {"days": band[1]},
        ),
        Figure(gettext("Wahrgenommene Termine"), s.count, pgettext("unit", "Termine")),
    ]


register(
    KPI(
        key="realised_lead_time",
        title=_("Realisierte Vorlaufzeit (Buchung bis Termin)"),
        section="booking",
        definition=_(
            "Für jeden bestätigten Termin, der im Zeitraum stattfand: Kalendertage vom Tag der Buchung bis zum "
            "Tag des Termins; je Kalenderwoche des Termins Median und 90. Perzentil (Rangverfahren)."
        ),
        chart=realised_chart,
        figures=realised_figures,
    )
)
