"""Capacity: utilisation of the offered counter minutes and the online share of them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.channels import Channel
from buergerbuero.insights import charts, metrics, selectors
from buergerbuero.insights.kpis import KPI, Context, Figure, common, register

# --- capacity: utilisation and online share -------------------------------------------------------


def _capacity(ctx: Context) -> dict[dt.date, tuple[int, int, int]]:
    """Per day: (offered minutes, online-bookable minutes, booked minutes)."""

    def compute():
        shares = selectors.channel_shares(ctx.office)
        booked = metrics.booked_minutes(common.appointment_rows(ctx), ctx.tz, ctx.period)
        return {
            plan.day: (
                metrics.offered_minutes(plan),
                metrics.channel_minutes(plan, shares, Channel.WEB),
                booked.get(plan.day, 0),
            )
            for plan in selectors.day_plans(ctx.office, ctx.period)
        }

    return ctx.memo(f"capacity:{ctx.period}", compute)


def _weekly_capacity(ctx: Context) -> list[tuple[dt.date, tuple[int, int, int]]]:
    def compute():
        weeks: dict[dt.date, tuple[int, int, int]] = {}
        for day, (offered, online, booked) in _capacity(ctx).items():
            o, w, b = weeks.get(metrics.week_start(day), (0, 0, 0))
            weeks[metrics.week_start(day)] = (o + offered, w + online, b + booked)
        return sorted(weeks.items())

    return ctx.memo(f"weekly_capacity:{ctx.period}", compute)


def utilisation_chart(ctx: Context) -> charts.Chart:
    return common.weekly_chart(
        "utilisation",
        gettext("Auslastung: gebuchte an angebotenen Schalterminuten, je Kalenderwoche"),
        "%",
        _weekly_capacity(ctx),
        [(gettext("Auslastung"), lambda week: metrics.ratio(week[2], week[0]))],
        kind="bar",
        y_max=100,
        summary=gettext("Anteil der Schalterminuten in der Terminsprechstunde, die mit Terminen belegt waren."),
    )


def utilisation_figures(ctx: Context) -> list[Figure]:
    days = _capacity(ctx).values()
    offered = sum(o for o, _w, _b in days)
    booked = sum(b for _o, _w, b in days)
    hours = pgettext("unit", "Stunden")
    return [
        Figure(gettext("Auslastung der Terminkapazität"), metrics.ratio(booked, offered), "%", "higher"),
        Figure(gettext("Angebotene Schalterstunden (Termine)"), round(offered / 60, 1), hours, "higher"),
        Figure(gettext("Gebuchte Schalterstunden"), round(booked / 60, 1), hours),
    ]


register(
    KPI(
        key="utilisation",
        title=_("Auslastung der Terminkapazität"),
        section="capacity",
        definition=_(
            "Gebuchte Minuten bestätigter Termine (im Buchungsraster, mit Puffer) geteilt durch die angebotenen "
            "Minuten: besetzte Schalter während der Terminsprechstunde, ohne Feiertage und Schließungen."
        ),
        chart=utilisation_chart,
        figures=utilisation_figures,
    )
)


def online_share_chart(ctx: Context) -> charts.Chart:
    return common.weekly_chart(
        "online_share",
        gettext("Online-Anteil der Kapazität, je Kalenderwoche"),
        "%",
        _weekly_capacity(ctx),
        [(gettext("online buchbar"), lambda week: metrics.ratio(week[1], week[0]))],
        kind="bar",
        y_max=100,
        summary=gettext(
            "Anteil der angebotenen Schalterminuten, die Bürgerinnen und Bürger selbst online buchen können."
        ),
    )


def online_share_figures(ctx: Context) -> list[Figure]:
    days = _capacity(ctx).values()
    offered = sum(o for o, _w, _b in days)
    online = sum(w for _o, w, _b in days)
    return [Figure(gettext("Online buchbarer Anteil der Kapazität"), metrics.ratio(online, offered), "%", "higher")]


register(
    KPI(
        key="online_share",
        title=_("Online-Anteil der Kapazität"),
        section="capacity",
        definition=_(
            "Schalterminuten, die der Kanal „Online“ nach den Kanal-Anteilen buchen darf, geteilt durch alle "
            "angebotenen Schalterminuten (gleiche Aufteilung wie in der Terminbuchung)."
        ),
        chart=online_share_chart,
        figures=online_share_figures,
    )
)
