"""The partner call center, as the callcenter app counts it: first-contact resolution and service level."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from buergerbuero.insights import charts, metrics, selectors
from buergerbuero.insights.kpis import KPI, Context, Figure, common, register

# --- call center (callcenter app; its numbers are per municipality and contract, not per office) ---------------
#
# The definitions are the call-center app's (`callcenter.selectors.numbers`: first-contact resolution = (settled
# with the knowledge base + appointment booked) / all calls; `service_level` / `summarize_intervals`: answered
# within the threshold / offered, from the imported interval statistics). Insights reads the counts of every
# contract of the office's municipality once for the period, per day (`selectors.call_days`), and sums them per
# week and for the period: both KPIs are ratios of sums.

FCR_TARGET = (80, 90)  # % settled in the first contact (docs/call-center.md)
SERVICE_LEVEL_TARGET = 75  # % answered within 30 s (the 115 promise; Erlang C default)
SERVICE_LEVEL_SECONDS = 30


def _call_rows(ctx: Context) -> list[tuple[dt.date, selectors.CallNumbers]]:
    contracts = ctx.memo("callcenter_contracts", lambda: selectors.callcenter_contracts(ctx.office))
    return selectors.call_days(ctx.office, contracts, ctx.period.first, ctx.period.last)


CALLS = common.Weekly("calls", _call_rows, lambda counts: sum(counts, selectors.CallNumbers()))


def _municipality_note() -> str:
    return gettext("Zahlen der ganzen Kommune (alle Verträge mit Callcentern), nicht nur dieses Standorts.")


def fcr_chart(ctx: Context) -> charts.Chart:
    low, high = FCR_TARGET
    return common.weekly_chart(
        "first_contact_resolution",
        gettext("Erstlösungsquote Callcenter: im ersten Anruf erledigt, je Kalenderwoche"),
        "%",
        [(m, n) for m, n in CALLS.weeks(ctx) if n.calls],
        [(gettext("Erstlösungsquote"), lambda n: metrics.ratio(n.resolved, n.calls))],
        band=(low, high),
        band_label=gettext("Ziel %(low)d–%(high)d %%") % {"low": low, "high": high},
        y_max=100,
        events=common.events(ctx),
        summary=gettext(
            "Anteil der Anrufe beim Partner-Callcenter, die mit der Wissensdatenbank oder einer Terminbuchung "
            "erledigt wurden."
        )
        + " "
        + _municipality_note(),
    )


def fcr_figures(ctx: Context) -> list[Figure]:
    n = CALLS.total(ctx)
    low, high = FCR_TARGET
    unit = pgettext("unit", "Anrufe")
    return [
        Figure(
            gettext("Erstlösungsquote Callcenter"),
            metrics.ratio(n.resolved, n.calls),
            "%",
            "higher",
            gettext("%(low)d–%(high)d %%") % {"low": low, "high": high},
        ),
        Figure(gettext("Anrufe beim Callcenter"), n.calls, unit),
        Figure(gettext("davon im ersten Anruf erledigt"), n.resolved, unit),
    ]


register(
    KPI(
        key="first_contact_resolution",
        title=_("Erstlösungsquote Callcenter"),
        section="callcenter",
        definition=_(
            "Anrufe beim Partner-Callcenter, die mit der Wissensdatenbank erledigt oder mit einer Terminbuchung "
            "abgeschlossen wurden, geteilt durch alle protokollierten Anrufe (auch Rückruf-Tickets, "
            "Weiterleitungen und nicht zuständige), je Kalenderwoche des Anrufs. Ziel: 80–90 %. Die Anrufe "
            "gehören zur Kommune (Vertrag), nicht zu einem Standort."
        ),
        chart=fcr_chart,
        figures=fcr_figures,
    )
)


def _threshold(n: selectors.CallNumbers) -> int | None:
    """The service-level threshold of the intervals in seconds; None when none or several were imported."""
    return next(iter(n.thresholds)) if len(n.thresholds) == 1 else None


def service_level_chart(ctx: Context) -> charts.Chart:
    return common.weekly_chart(
        "service_level",
        gettext("Servicelevel Callcenter: Anteil der Anrufe in der Schwelle angenommen, je Kalenderwoche"),
        "%",
        [(m, n) for m, n in CALLS.weeks(ctx) if n.offered],
        [(gettext("Servicelevel"), lambda n: metrics.ratio(n.answered_within, n.offered))],
        band=(SERVICE_LEVEL_TARGET, 100),
        band_label=gettext("Ziel mindestens %(level)d %% in %(seconds)d s")
        % {"level": SERVICE_LEVEL_TARGET, "seconds": SERVICE_LEVEL_SECONDS},
        y_max=100,
        events=common.events(ctx),
        summary=gettext(
            "Anteil der angebotenen Anrufe, die innerhalb der Schwelle der Telefonanlage angenommen wurden "
            "(Intervallstatistik)."
        )
        + " "
        + _municipality_note(),
    )


def service_level_figures(ctx: Context) -> list[Figure]:
    n = CALLS.total(ctx)
    unit = pgettext("unit", "Anrufe")
    return [
        Figure(
            gettext("Servicelevel Callcenter"),
            metrics.ratio(n.answered_within, n.offered),
            "%",
            "higher",
            gettext("mindestens %(level)d %% in %(seconds)d s")
            % {"level": SERVICE_LEVEL_TARGET, "seconds": SERVICE_LEVEL_SECONDS},
        ),
        Figure(
            gettext("Schwelle des Servicelevels"),
            _threshold(n),
            pgettext("unit", "Sekunden"),
            "",
            str(SERVICE_LEVEL_SECONDS),
        ),
        Figure(gettext("Angebotene Anrufe (Telefonanlage)"), n.offered, unit),
        Figure(gettext("Aufgelegt vor der Annahme"), metrics.ratio(n.abandoned, n.offered), "%", "lower"),
    ]


register(
    KPI(
        key="service_level",
        title=_("Servicelevel Callcenter (Anteil in 30 s angenommen)"),
        section="callcenter",
        definition=_(
            "Aus der importierten Intervallstatistik der Telefonanlage: Anrufe, die innerhalb der Schwelle "
            "(30 Sekunden) angenommen wurden, geteilt durch alle angebotenen Anrufe (auch aufgelegte), je "
            "Kalenderwoche des Intervalls. Ziel: mindestens 75 % in 30 s (Versprechen der 115). Die Zahlen "
            "gehören zur Kommune (Vertrag), nicht zu einem Standort."
        ),
        chart=service_level_chart,
        figures=service_level_figures,
    )
)
