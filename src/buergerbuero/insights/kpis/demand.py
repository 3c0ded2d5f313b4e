"""Demand: booked appointments by channel."""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.channels import Channel
from buergerbuero.insights import charts, metrics
from buergerbuero.insights.kpis import KPI, Context, Figure, common, register

# --- demand by channel ----------------------------------------------------------------------------


def _bookings(ctx: Context) -> list[tuple[dt.date, str]]:
    return ctx.memo(
        f"bookings:{ctx.period}", lambda: metrics.bookings_by_channel(common.appointment_rows(ctx), ctx.tz, ctx.period)
    )


def demand_chart(ctx: Context) -> charts.Chart:
    counts: dict[dt.date, Counter] = {}
    for day, channel in _bookings(ctx):
        counts.setdefault(metrics.week_start(day), Counter())[channel] += 1
    return common.weekly_chart(
        "demand_by_channel",
        gettext("Nachfrage: gebuchte Termine nach Kanal, je Kalenderwoche der Buchung"),
        pgettext("unit", "Termine"),
        sorted(counts.items()),
        [(str(label), operator.itemgetter(value)) for value, label in Channel.choices],
        kind="stacked",
        summary=gettext("Wie viele Termine je Woche über welchen Weg gebucht wurden (ohne stornierte)."),
    )


def demand_figures(ctx: Context) -> list[Figure]:
    counts = Counter(channel for _day, channel in _bookings(ctx))
    total = sum(counts.values())
    unit = pgettext("unit", "Termine")
    figures = [Figure(gettext("Gebuchte Termine insgesamt"), total, unit)]
    figures += [Figure(str(label), counts[value], unit) for value, label in Channel.choices]
    figures.append(Figure(gettext("Anteil online gebucht"), metrics.ratio(counts[Channel.WEB], total), "%", "higher"))
    return figures


register(
    KPI(
        key="demand_by_channel",
        title=_("Nachfrage nach Kanal"),
        section="booking",
        definition=_(
            "Anzahl der im Zeitraum gebuchten und nicht stornierten Termine je Buchungskanal (online, "
            "Partner-Callcenter, Telefon, vor Ort), nach Kalenderwoche des Buchungstags."
        ),
        chart=demand_chart,
        figures=demand_figures,
    )
)
