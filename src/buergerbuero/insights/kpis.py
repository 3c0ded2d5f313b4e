"""The KPI registry: a KPI is one selector (data) + one chart (+ the figures the committee report compares).

Adding a KPI means adding one `KPI(...)` to `REGISTRY` below (or calling `register()` from this module
once the app that owns the data exists): the dashboard, the committee report (HTML and PDF), the CSV
export and the docs table all iterate over the registry. See docs/kpis.md, "Adding a KPI".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from buergerbuero.capacity.models import Channel
from buergerbuero.catalog.models import Office
from buergerbuero.insights import charts, metrics, selectors
from buergerbuero.insights.metrics import Period


@dataclass
class Context:
    """What every KPI function gets: office, period, the moment of the request and a per-request memo."""

    office: Office
    period: Period
    now: dt.datetime = field(default_factory=timezone.now)
    _memo: dict = field(default_factory=dict)

    def memo(self, key: str, compute: Callable):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def with_period(self, period: Period) -> Context:
        return Context(self.office, period, self.now)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)


@dataclass(frozen=True)
class Figure:
    """One number of the committee report, compared with the previous period (and the target where there is one)."""

    label: str
    value: float | None
    unit: str
    better: str = ""  # "lower" | "higher" | "" (no judgement)
    target: str = ""
    none_text: str = "–"

    def display(self) -> str:
        return charts.format_number(self.value, self.none_text)


@dataclass(frozen=True)
class KPI:
    key: str
    title: object  # lazy German title
    section: str  # booking | capacity | floor | callcenter
    definition: object  # lazy German definition (the short form of docs/kpis.md)
    chart: Callable[[Context], charts.Chart]
    figures: Callable[[Context], list[Figure]]


REGISTRY: dict[str, KPI] = {}

# KPIs that other apps' data will feed; shown as "not yet available" until registered (docs/kpis.md).
PENDING = {
    "waiting_time": (_("Wartezeit vor Ort (Median/90. Perzentil)"), "floor"),
    "handling_time": (_("Bearbeitungszeit je Leistung"), "floor"),
    "no_show_rate": (_("Nicht erschienene Termine (No-Show-Quote)"), "floor"),
    "first_contact_resolution": (_("Erstlösungsquote Callcenter"), "callcenter"),
    "service_level": (_("Servicelevel Callcenter (Anteil in 30 s angenommen)"), "callcenter"),
}


def register(kpi: KPI) -> KPI:
    REGISTRY[kpi.key] = kpi
    PENDING.pop(kpi.key, None)
    return kpi


def get(key: str) -> KPI | None:
    return REGISTRY.get(key)


def all_kpis() -> list[KPI]:
    return list(REGISTRY.values())


def _rows(ctx: Context) -> list[metrics.AppointmentRow]:
    """The period's confirmed appointments, read once per request and shared by several KPIs."""
    return ctx.memo(f"rows:{ctx.period}", lambda: selectors.appointment_rows(ctx.office, ctx.period))


# --- lead time (snapshots of the citizen's engine) ------------------------------------------------


def _daily_lead(ctx: Context) -> dict[dt.date, int | None]:
    def compute():
        service = selectors.reference_service(ctx.office)
        if service is None:
            return {}
        return selectors.daily_lead_times(ctx.office, service, ctx.period)

    return ctx.memo(f"daily_lead:{ctx.period}", compute)


def _band(ctx: Context) -> tuple[int, int]:
    return ctx.memo("band", lambda: selectors.target_band(ctx.office))


def _band_text(band: tuple[int, int]) -> str:
    return _g("%(low)d–%(high)d Tage") % {"low": band[0], "high": band[1]}


def _events(ctx: Context) -> tuple[tuple[dt.date, str], ...]:
    return ctx.memo(
        f"events:{ctx.period}",
        lambda: tuple((day, title) for day, _kind, title in selectors.events(ctx.office, ctx.period)),
    )


def lead_time_chart(ctx: Context) -> charts.Chart:
    daily = _daily_lead(ctx)
    band = _band(ctx)
    service = selectors.reference_service(ctx.office)
    days = tuple(daily)
    latest = daily[days[-1]] if days else None
    summary = _g("Tägliche Vorlaufzeit bis zum nächsten freien Online-Termin für %(service)s.") % {
        "service": service.name if service else "–"
    }
    if days:
        summary += " " + _g("Letzter Wert (%(day)s): %(value)s.") % {
            "day": days[-1].strftime("%d.%m.%Y"),
            "value": charts.format_number(latest, _g("kein freier Termin")),
        }
    return charts.Chart(
        key="lead_time",
        title=_g("Vorlaufzeit: Tage bis zum nächsten freien Termin (%(service)s)")
        % {"service": service.name if service else "–"},
        unit=_g("Tage"),
        x=days,
        columns=(charts.Column(_g("Vorlaufzeit"), tuple(daily.values())),),
        band=band,
        band_label=_g("Ziel %(band)s") % {"band": _band_text(band)},
        events=_events(ctx),
        none_label=_g("kein freier Termin"),
        max_gap_days=1,  # a day without any snapshot is a gap, not a straight line
        summary=summary,
    )


def lead_time_figures(ctx: Context) -> list[Figure]:
    daily = _daily_lead(ctx)
    band = _band(ctx)
    counted = metrics.band_days(daily, *band)
    values = list(daily.values())
    days = _g("Tage")
    target = _band_text(band)
    # Without any measurement a missing value means "no data", not "no free appointment".
    no_free = _g("kein freier Termin") if daily else _g("keine Messung")
    return [
        Figure(_g("Vorlaufzeit am letzten Tag"), values[-1] if values else None, days, "lower", target, no_free),
        Figure(_g("Vorlaufzeit, Median der Tage"), metrics.percentile(values, 50), days, "lower", target, no_free),
        Figure(_g("Vorlaufzeit, höchster Tageswert"), metrics.percentile(values, 100), days, "lower", "", no_free),
        Figure(_g("Tage im Zielkorridor"), counted.inside if daily else None, days, "higher"),
        Figure(_g("Tage über dem Zielkorridor"), counted.above if daily else None, days, "lower", "0"),
        Figure(_g("davon ohne freien Termin im Horizont"), counted.no_free if daily else None, days, "lower", "0"),
        Figure(_g("Tage unter dem Zielkorridor"), counted.below if daily else None, days),
        Figure(_g("Tage mit Messung"), counted.measured, days),
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
    return ctx.memo(f"realised:{ctx.period}", lambda: metrics.realised(_rows(ctx), ctx.tz, ctx.period, ctx.now))


def realised_chart(ctx: Context) -> charts.Chart:
    weeks = metrics.weekly(_realised(ctx))
    spreads = [metrics.spread(values) for values in weeks.values()]
    band = _band(ctx)
    return charts.Chart(
        key="realised_lead_time",
        title=_g("Realisierte Vorlaufzeit: Tage von der Buchung bis zum Termin, je Kalenderwoche"),
        unit=_g("Tage"),
        x=tuple(weeks),
        x_kind="week",
        kind="line",
        max_gap_days=7,
        columns=(
            charts.Column(_g("Median"), tuple(s.p50 for s in spreads)),
            charts.Column(_g("90. Perzentil"), tuple(s.p90 for s in spreads)),
        ),
        band=band,
        band_label=_g("Ziel %(band)s") % {"band": _band_text(band)},
        events=_events(ctx),
        summary=_g("Wie lange Menschen, die in der Woche einen Termin wahrgenommen haben, darauf gewartet haben."),
    )


def realised_figures(ctx: Context) -> list[Figure]:
    values = [days for _day, days in _realised(ctx)]
    s = metrics.spread(values)
    band = _band(ctx)
    return [
        Figure(_g("Realisierte Vorlaufzeit, Median"), s.p50, _g("Tage"), "lower", _band_text(band)),
        Figure(
            _g("Realisierte Vorlaufzeit, 90. Perzentil"),
            s.p90,
            _g("Tage"),
            "lower",
            _g("höchstens %(days)d Tage") % {"days": band[1]},
        ),
        Figure(_g("Wahrgenommene Termine"), s.count, _g("Termine")),
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


# --- capacity: utilisation and online share -------------------------------------------------------


def _capacity(ctx: Context) -> dict[dt.date, tuple[int, int, int]]:
    """Per day: (offered minutes, online-bookable minutes, booked minutes)."""

    def compute():
        shares = selectors.channel_shares(ctx.office)
        booked = metrics.booked_minutes(_rows(ctx), ctx.tz, ctx.period)
        return {
            plan.day: (
                metrics.offered_minutes(plan),
                metrics.channel_minutes(plan, shares, Channel.WEB),
                booked.get(plan.day, 0),
            )
            for plan in selectors.day_plans(ctx.office, ctx.period)
        }

    return ctx.memo(f"capacity:{ctx.period}", compute)


def _weekly_capacity(ctx: Context) -> dict[dt.date, tuple[int, int, int]]:
    def compute():
        weeks: dict[dt.date, tuple[int, int, int]] = {}
        for day, (offered, online, booked) in _capacity(ctx).items():
            o, w, b = weeks.get(metrics.week_start(day), (0, 0, 0))
            weeks[metrics.week_start(day)] = (o + offered, w + online, b + booked)
        return dict(sorted(weeks.items()))

    return ctx.memo(f"weekly_capacity:{ctx.period}", compute)


def utilisation_chart(ctx: Context) -> charts.Chart:
    weeks = _weekly_capacity(ctx)
    return charts.Chart(
        key="utilisation",
        title=_g("Auslastung: gebuchte an angebotenen Schalterminuten, je Kalenderwoche"),
        unit="%",
        x=tuple(weeks),
        x_kind="week",
        kind="bar",
        columns=(charts.Column(_g("Auslastung"), tuple(metrics.ratio(b, o) for o, _w, b in weeks.values())),),
        y_max=100,
        summary=_g("Anteil der Schalterminuten in der Terminsprechstunde, die mit Terminen belegt waren."),
    )


def utilisation_figures(ctx: Context) -> list[Figure]:
    days = _capacity(ctx).values()
    offered = sum(o for o, _w, _b in days)
    booked = sum(b for _o, _w, b in days)
    hours = _g("Stunden")
    return [
        Figure(_g("Auslastung der Terminkapazität"), metrics.ratio(booked, offered), "%", "higher"),
        Figure(_g("Angebotene Schalterstunden (Termine)"), round(offered / 60, 1), hours, "higher"),
        Figure(_g("Gebuchte Schalterstunden"), round(booked / 60, 1), hours),
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
    weeks = _weekly_capacity(ctx)
    return charts.Chart(
        key="online_share",
        title=_g("Online-Anteil der Kapazität, je Kalenderwoche"),
        unit="%",
        x=tuple(weeks),
        x_kind="week",
        kind="bar",
        columns=(charts.Column(_g("online buchbar"), tuple(metrics.ratio(w, o) for o, w, _b in weeks.values())),),
        y_max=100,
        summary=_g("Anteil der angebotenen Schalterminuten, die Bürgerinnen und Bürger selbst online buchen können."),
    )


def online_share_figures(ctx: Context) -> list[Figure]:
    days = _capacity(ctx).values()
    offered = sum(o for o, _w, _b in days)
    online = sum(w for _o, w, _b in days)
    return [Figure(_g("Online buchbarer Anteil der Kapazität"), metrics.ratio(online, offered), "%", "higher")]


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


# --- demand by channel ----------------------------------------------------------------------------


def _bookings(ctx: Context) -> list[tuple[dt.date, str]]:
    return ctx.memo(f"bookings:{ctx.period}", lambda: metrics.bookings_by_channel(_rows(ctx), ctx.tz, ctx.period))


def demand_chart(ctx: Context) -> charts.Chart:
    counts: dict[dt.date, Counter] = {}
    for day, channel in _bookings(ctx):
        counts.setdefault(metrics.week_start(day), Counter())[channel] += 1
    weeks = sorted(counts)
    return charts.Chart(
        key="demand_by_channel",
        title=_g("Nachfrage: gebuchte Termine nach Kanal, je Kalenderwoche der Buchung"),
        unit=_g("Termine"),
        x=tuple(weeks),
        x_kind="week",
        kind="stacked",
        columns=tuple(
            charts.Column(str(label), tuple(counts[w][value] for w in weeks)) for value, label in Channel.choices
        ),
        summary=_g("Wie viele Termine je Woche über welchen Weg gebucht wurden (ohne stornierte)."),
    )


def demand_figures(ctx: Context) -> list[Figure]:
    counts = Counter(channel for _day, channel in _bookings(ctx))
    total = sum(counts.values())
    unit = _g("Termine")
    figures = [Figure(_g("Gebuchte Termine insgesamt"), total, unit)]
    figures += [Figure(str(label), counts[value], unit) for value, label in Channel.choices]
    figures.append(Figure(_g("Anteil online gebucht"), metrics.ratio(counts[Channel.WEB], total), "%", "higher"))
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
