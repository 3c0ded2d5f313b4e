"""The KPI registry: a KPI is one selector (data) + one chart (+ the figures the committee report compares).

Adding a KPI means adding one `KPI(...)` to `REGISTRY` below (or calling `register()` from this module
once the app that owns the data exists): the dashboard, the committee report (HTML and PDF), the CSV
export and the docs table all iterate over the registry. See docs/kpis.md, "Adding a KPI".

Texts built per request (figures, charts, summaries) use `gettext`; the registry entries, built at import, use
`_` = `gettext_lazy`. Both are names makemessages extracts; an alias such as `_g` would keep its strings out of
the catalogue (tests/core/test_translations.py rejects one). A unit written after a number is
`pgettext("unit", ...)`: English writes "3 appointments" in lower case, while the same German word as a heading or
a model name ("Termine") stays "Appointments".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from buergerbuero.capacity.models import Channel
from buergerbuero.catalog.models import Office
from buergerbuero.insights import charts, metrics, selectors
from buergerbuero.insights.metrics import Period
from buergerbuero.queue import selectors as queue_selectors


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
PENDING: dict[str, tuple[object, str]] = {}


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
    return gettext("%(low)d–%(high)d Tage") % {"low": band[0], "high": band[1]}


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
        band_label=gettext("Ziel %(band)s") % {"band": _band_text(band)},
        events=_events(ctx),
        none_label=gettext("kein freier Termin"),
        max_gap_days=1,  # a day without any snapshot is a gap, not a straight line
        summary=summary,
    )


def lead_time_figures(ctx: Context) -> list[Figure]:
    daily = _daily_lead(ctx)
    band = _band(ctx)
    counted = metrics.band_days(daily, *band)
    values = list(daily.values())
    days = pgettext("unit", "Tage")
    target = _band_text(band)
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
    return ctx.memo(f"realised:{ctx.period}", lambda: metrics.realised(_rows(ctx), ctx.tz, ctx.period, ctx.now))


def realised_chart(ctx: Context) -> charts.Chart:
    weeks = metrics.weekly(_realised(ctx))
    spreads = [metrics.spread(values) for values in weeks.values()]
    band = _band(ctx)
    return charts.Chart(
        key="realised_lead_time",
        title=gettext("Realisierte Vorlaufzeit: Tage von der Buchung bis zum Termin, je Kalenderwoche"),
        unit=pgettext("unit", "Tage"),
        x=tuple(weeks),
        x_kind="week",
        kind="line",
        max_gap_days=7,
        columns=(
            charts.Column(gettext("Median"), tuple(s.p50 for s in spreads)),
            charts.Column(gettext("90. Perzentil"), tuple(s.p90 for s in spreads)),
        ),
        band=band,
        band_label=gettext("Ziel %(band)s") % {"band": _band_text(band)},
        events=_events(ctx),
        summary=gettext("Wie lange Menschen, die in der Woche einen Termin wahrgenommen haben, darauf gewartet haben."),
    )


def realised_figures(ctx: Context) -> list[Figure]:
    values = [days for _day, days in _realised(ctx)]
    s = metrics.spread(values)
    band = _band(ctx)
    return [
        Figure(gettext("Realisierte Vorlaufzeit, Median"), s.p50, pgettext("unit", "Tage"), "lower", _band_text(band)),
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
        title=gettext("Auslastung: gebuchte an angebotenen Schalterminuten, je Kalenderwoche"),
        unit="%",
        x=tuple(weeks),
        x_kind="week",
        kind="bar",
        columns=(charts.Column(gettext("Auslastung"), tuple(metrics.ratio(b, o) for o, _w, b in weeks.values())),),
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
    weeks = _weekly_capacity(ctx)
    return charts.Chart(
        key="online_share",
        title=gettext("Online-Anteil der Kapazität, je Kalenderwoche"),
        unit="%",
        x=tuple(weeks),
        x_kind="week",
        kind="bar",
        columns=(charts.Column(gettext("online buchbar"), tuple(metrics.ratio(w, o) for o, w, _b in weeks.values())),),
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
        title=gettext("Nachfrage: gebuchte Termine nach Kanal, je Kalenderwoche der Buchung"),
        unit=pgettext("unit", "Termine"),
        x=tuple(weeks),
        x_kind="week",
        kind="stacked",
        columns=tuple(
            charts.Column(str(label), tuple(counts[w][value] for w in weeks)) for value, label in Channel.choices
        ),
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


# --- weekly KPIs read from another app's selectors ----------------------------------------------------------


@dataclass(frozen=True)
class Weekly[Item, Summary]:
    """A KPI whose chart is one value per ISO week and whose figures are the same value for the whole period.

    `read(ctx)` returns the period's rows as (local day, item) – one read for the whole period, never one per
    week – and `summarise(items)` is the owning app's pure summary of such items, so a week's value and the
    period's value are the same arithmetic on different rows. Weeks without rows are left out; the edge weeks
    hold the period's days only.
    """

    name: str
    read: Callable[[Context], list[tuple[dt.date, Item]]]
    summarise: Callable[[list[Item]], Summary]

    def rows(self, ctx: Context) -> list[tuple[dt.date, Item]]:
        return ctx.memo(f"{self.name}:{ctx.period}", lambda: self.read(ctx))

    def weeks(self, ctx: Context) -> list[tuple[dt.date, Summary]]:
        grouped: dict[dt.date, list[Item]] = {}
        for day, item in self.rows(ctx):
            grouped.setdefault(metrics.week_start(day), []).append(item)
        return [(monday, self.summarise(items)) for monday, items in sorted(grouped.items())]

    def total(self, ctx: Context) -> Summary:
        return self.summarise([item for _day, item in self.rows(ctx)])


# --- office floor (measured by the queue app) -------------------------------------------------------
#
# The definitions are the queue app's (`queue.selectors`: waiting_minutes_rows, waiting_times, handling_times,
# no_show_rate, walk_in_share); percentiles are interpolated as there (`metrics.interpolated_percentile`), so the
# numbers here equal the queue app's for the same days. Each KPI reads its rows once for the period (the queue
# app's per-day reads) and applies the queue app's summary per week and for the period.


def _period_args(ctx: Context) -> tuple[Office, dt.date, dt.date]:
    return ctx.office, ctx.period.first, ctx.period.last


WAITING = Weekly(
    "waiting",
    # (local day of the first call, minutes) of every first leg called in the period
    lambda ctx: [
        (called.astimezone(ctx.tz).date(), minutes)
        for called, _service, minutes in queue_selectors.waiting_minutes_rows(*_period_args(ctx))
    ],
    list,
)
HANDLING = Weekly(
    "handling",
    lambda ctx: [(day, (sid, minutes)) for day, sid, minutes in queue_selectors.handling_rows(*_period_args(ctx))],
    queue_selectors.handling_summary,
)
FIRST_LEGS = Weekly(
    "first_legs", lambda ctx: queue_selectors.first_leg_counts(*_period_args(ctx)), queue_selectors.no_show_summary
)
TICKETS = Weekly(
    "tickets", lambda ctx: queue_selectors.ticket_counts(*_period_args(ctx)), queue_selectors.walk_in_summary
)


def _minutes_text() -> str:
    return pgettext("unit", "Minuten")


def waiting_chart(ctx: Context) -> charts.Chart:
    weeks = WAITING.weeks(ctx)
    values = [minutes for _monday, minutes in weeks]
    return charts.Chart(
        key="waiting_time",
        title=gettext("Wartezeit vor Ort: Minuten bis zum Aufruf, je Kalenderwoche"),
        unit=_minutes_text(),
        x=tuple(monday for monday, _minutes in weeks),
        x_kind="week",
        kind="line",
        max_gap_days=7,
        columns=(
            charts.Column(gettext("Median"), tuple(metrics.interpolated_percentile(v, 50) for v in values)),
            charts.Column(gettext("90. Perzentil"), tuple(metrics.interpolated_percentile(v, 90) for v in values)),
        ),
        events=_events(ctx),
        summary=gettext(
            "Wie lange Menschen im Wartebereich saßen, bis ihre Wartenummer zum ersten Mal aufgerufen wurde "
            "(mit Termin ab der Terminzeit gerechnet)."
        ),
    )


def waiting_figures(ctx: Context) -> list[Figure]:
    values = WAITING.total(ctx)
    minutes = _minutes_text()
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
    return ctx.memo("floor_services", lambda: list(queue_selectors.walk_in_services(ctx.office)))


def handling_chart(ctx: Context) -> charts.Chart:
    period = _handling(ctx)
    names = {s.pk: s.name for s in _floor_services(ctx)}
    top = sorted(period, key=lambda sid: (-period[sid]["visits"], sid))[:HANDLING_CHART_SERVICES]
    top = top[: _fitting_legend([str(names.get(sid, sid)) for sid in top])]
    by_week = [(monday, {row["service"]: row["p50"] for row in rows}) for monday, rows in HANDLING.weeks(ctx)]
    return charts.Chart(
        key="handling_time",
        title=gettext("Bearbeitungszeit je Leistung: Median in Minuten, je Kalenderwoche"),
        unit=_minutes_text(),
        x=tuple(monday for monday, _rows in by_week),
        x_kind="week",
        kind="line",
        max_gap_days=7,
        columns=tuple(
            charts.Column(
                str(names.get(sid, gettext("Leistung %(id)s") % {"id": sid})),
                tuple(rows.get(sid) for _monday, rows in by_week),
            )
            for sid in top
        ),
        summary=gettext(
            "Wie lange ein erledigter Schalterkontakt dauerte (Beginn bis Abschluss), für die %(n)d häufigsten "
            "Leistungen des Zeitraums; alle Leistungen stehen in den Kennzahlen."
        )
        % {"n": len(top)},
    )


def handling_figures(ctx: Context) -> list[Figure]:
    rows = _handling(ctx)
    minutes = _minutes_text()
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
    weeks = [(m, r) for m, r in FIRST_LEGS.weeks(ctx) if r["visits"]]
    return charts.Chart(
        key="no_show_rate",
        title=gettext("No-Show-Quote: aufgerufen und nicht erschienen, je Kalenderwoche"),
        unit="%",
        x=tuple(m for m, _r in weeks),
        x_kind="week",
        kind="bar",
        columns=(
            charts.Column(
                gettext("No-Show-Quote"), tuple(metrics.ratio(r["no_shows"], r["visits"]) for _m, r in weeks)
            ),
        ),
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
    weeks = [(m, r) for m, r in TICKETS.weeks(ctx) if r["share"] is not None]
    return charts.Chart(
        key="walk_in_share",
        title=gettext("Vorsprachen mit und ohne Termin: Wartenummern je Kalenderwoche"),
        unit=pgettext("unit", "Anzahl"),
        x=tuple(m for m, _r in weeks),
        x_kind="week",
        kind="stacked",
        columns=(
            charts.Column(gettext("mit Termin"), tuple(r["appointment"] for _m, r in weeks)),
            charts.Column(gettext("ohne Termin"), tuple(r["walk_in"] for _m, r in weeks)),
        ),
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


CALLS = Weekly("calls", _call_rows, lambda counts: sum(counts, selectors.CallNumbers()))


def _municipality_note() -> str:
    return gettext("Zahlen der ganzen Kommune (alle Verträge mit Callcentern), nicht nur dieses Standorts.")


def fcr_chart(ctx: Context) -> charts.Chart:
    weeks = [(m, n) for m, n in CALLS.weeks(ctx) if n.calls]
    low, high = FCR_TARGET
    return charts.Chart(
        key="first_contact_resolution",
        title=gettext("Erstlösungsquote Callcenter: im ersten Anruf erledigt, je Kalenderwoche"),
        unit="%",
        x=tuple(m for m, _n in weeks),
        x_kind="week",
        kind="line",
        max_gap_days=7,
        columns=(
            charts.Column(gettext("Erstlösungsquote"), tuple(metrics.ratio(n.resolved, n.calls) for _m, n in weeks)),
        ),
        band=(low, high),
        band_label=gettext("Ziel %(low)d–%(high)d %%") % {"low": low, "high": high},
        y_max=100,
        events=_events(ctx),
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
    weeks = [(m, n) for m, n in CALLS.weeks(ctx) if n.offered]
    return charts.Chart(
        key="service_level",
        title=gettext("Servicelevel Callcenter: Anteil der Anrufe in der Schwelle angenommen, je Kalenderwoche"),
        unit="%",
        x=tuple(m for m, _n in weeks),
        x_kind="week",
        kind="line",
        max_gap_days=7,
        columns=(
            charts.Column(
                gettext("Servicelevel"), tuple(metrics.ratio(n.answered_within, n.offered) for _m, n in weeks)
            ),
        ),
        band=(SERVICE_LEVEL_TARGET, 100),
        band_label=gettext("Ziel mindestens %(level)d %% in %(seconds)d s")
        % {"level": SERVICE_LEVEL_TARGET, "seconds": SERVICE_LEVEL_SECONDS},
        y_max=100,
        events=_events(ctx),
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
