"""KPI selectors and the registry on small, hand-computed data in the real database."""

import datetime as dt

import pytest

from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.insights import kpis, selectors, services
from buergerbuero.insights.metrics import Period
from buergerbuero.insights.models import Event, KPISnapshot

from .conftest import at, book

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2027, 3, 1)
WEEK = Period(MONDAY, MONDAY + dt.timedelta(days=6))


def figures(key, office, period, now=None):
    ctx = kpis.Context(office, period, now or at(period.last, 23))
    return {f.label: f.value for f in kpis.get(key).figures(ctx)}


def test_realised_lead_time_per_week(small_office, id_card):
    for lead in (3, 10, 14, 20):
        book(small_office, id_card, at(MONDAY, 9), created=at(MONDAY - dt.timedelta(days=lead), 15))
    book(small_office, id_card, at(MONDAY, 10), created=at(MONDAY - dt.timedelta(days=99), 15), status="cancelled")
    book(small_office, id_card, at(MONDAY + dt.timedelta(days=3), 9), created=at(MONDAY, 9))  # still ahead
    got = figures("realised_lead_time", small_office, WEEK, now=at(MONDAY, 12))
    assert got == {
        "Realisierte Vorlaufzeit, Median": 10,  # rank ceil(0.5 × 4) = 2 of [3, 10, 14, 20]
        "Realisierte Vorlaufzeit, 90. Perzentil": 20,  # rank ceil(0.9 × 4) = 4
        "Wahrgenommene Termine": 4,
    }
    chart = kpis.get("realised_lead_time").chart(kpis.Context(small_office, WEEK, at(MONDAY, 12)))
    assert chart.x == (MONDAY,)
    assert [c.values for c in chart.columns] == [(10,), (20,)]


def test_utilisation_and_online_share(small_office, id_card):
    # Week of MONDAY: 5 mornings × 4 h + Thursday evening 3.5 h, on 2 counters = 47 counter-hours.
    ChannelShare.objects.create(office=small_office, channel="web", percent=50)
    ChannelShare.objects.create(office=small_office, channel="counter", percent=50)
    book(small_office, id_card, at(MONDAY, 8), minutes=60)
    book(small_office, id_card, at(MONDAY, 9), minutes=30, channel="counter")
    book(small_office, id_card, at(MONDAY, 10), minutes=30, status="cancelled")
    got = figures("utilisation", small_office, WEEK)
    assert got["Angebotene Schalterstunden (Termine)"] == 47
    assert got["Gebuchte Schalterstunden"] == 1.5
    assert got["Auslastung der Terminkapazität"] == round(100 * 90 / (47 * 60), 1)
    assert figures("online_share", small_office, WEEK) == {"Online buchbarer Anteil der Kapazität": 50}


def test_a_closure_takes_capacity_out_and_is_an_event(small_office, id_card):
    Closure.objects.create(office=small_office, start_date=MONDAY, end_date=MONDAY, reason="Betriebsausflug")
    got = figures("utilisation", small_office, WEEK)
    assert got["Angebotene Schalterstunden (Termine)"] == 47 - 8
    assert (MONDAY, Event.Kind.CLOSURE, "Schließung: Betriebsausflug") in selectors.events(small_office, WEEK)


def test_events_from_dated_rules_roster_and_recorded_events(small_office):
    wednesday = MONDAY + dt.timedelta(days=2)
    OpeningRule.objects.create(
        office=small_office,
        weekdays="1",
        start_time=dt.time(16),
        end_time=dt.time(19),
        label="Serviceabend",
        valid_from=wednesday,
    )
    counter = small_office.counters.first()
    RosterEntry.objects.create(
        counter=counter, weekdays="1", start_time=dt.time(16), end_time=dt.time(19), valid_from=wednesday
    )
    services.record_event(office=small_office, day=MONDAY, title="Callcenter Bochum übernimmt Anrufe")
    assert selectors.events(small_office, WEEK) == [
        (MONDAY, Event.Kind.MEASURE, "Callcenter Bochum übernimmt Anrufe"),
        (wednesday, Event.Kind.OPENING, "Serviceabend eingeführt"),
        (wednesday, Event.Kind.ROSTER, "Dienstplan geändert (1 Schalter)"),
    ]


def test_demand_by_channel_counts_bookings_by_booking_day(small_office, id_card):
    later = at(MONDAY + dt.timedelta(days=20), 9)
    for channel, n in (("web", 3), ("partner", 2), ("counter", 1)):
        for _ in range(n):
            book(small_office, id_card, later, created=at(MONDAY, 10), channel=channel)
    book(small_office, id_card, later, created=at(MONDAY, 10), status="cancelled")
    got = figures("demand_by_channel", small_office, WEEK)
    assert got["Gebuchte Termine insgesamt"] == 6
    assert got["Online (Bürger)"] == 3
    assert got["Partner-Callcenter"] == 2
    assert got["Anteil online gebucht"] == 50


def _snapshot(office, service, moment, days):
    KPISnapshot.objects.create(
        office=office,
        service=service,
        hour=services.snapshot_hour(moment),
        taken_at=services.snapshot_hour(moment),
        lead_time_days=days,
        earliest_start=None if days is None else moment + dt.timedelta(days=days),
        horizon_days=56,
    )


def test_lead_time_days_in_and_outside_the_target_band(small_office, id_card):
    services.set_target(office=small_office, min_days=14, max_days=28)
    for offset, values in enumerate([(20, 22, 21), (30, 31, 29), (None, None, 40), (10, 12, 11)]):
        for hour, value in zip((8, 12, 16), values, strict=True):
            _snapshot(small_office, id_card, at(MONDAY + dt.timedelta(days=offset), hour), value)
    got = figures("lead_time", small_office, WEEK)
    assert got["Tage im Zielkorridor"] == 1
    assert got["Tage über dem Zielkorridor"] == 2
    assert got["davon ohne freien Termin im Horizont"] == 1
    assert got["Tage unter dem Zielkorridor"] == 1
    assert got["Vorlaufzeit am letzten Tag"] == 11
    assert got["Tage mit Messung"] == 4


def test_a_25_hour_day_is_one_day_of_lead_time(small_office, id_card):
    sunday = dt.date(2026, 10, 25)
    start = at(sunday, 0)
    for hour in range(25):  # the local day has 25 hours
        _snapshot(small_office, id_card, start + dt.timedelta(hours=hour), 20 if hour < 13 else 30)
    daily = selectors.daily_lead_times(small_office, id_card, Period(sunday, sunday))
    assert daily == {sunday: 20}  # 25 samples, rank 13 is the last 20


def test_target_band_defaults_and_validation(small_office):
    from buergerbuero.core.errors import DomainError

    assert selectors.target_band(small_office) == (14, 28)
    with pytest.raises(DomainError) as excinfo:
        services.set_target(office=small_office, min_days=30, max_days=20)
    assert excinfo.value.field == "min_days"
    assert selectors.target_band(small_office) == (14, 28)


def test_registry_adding_a_kpi_is_one_selector_and_one_chart(small_office):
    from buergerbuero.insights import charts

    kpi = kpis.KPI(
        key="callback_sla",
        title="Rückrufe in der Frist",
        section="callcenter",
        definition="Anteil der Rückruf-Tickets, die innerhalb der Frist erledigt wurden.",
        chart=lambda ctx: charts.Chart(
            "callback_sla", "Rückrufe in der Frist", "%", (MONDAY,), (charts.Column("in der Frist", (81,)),)
        ),
        figures=lambda ctx: [kpis.Figure("Rückrufe in der Frist", 81, "%", "higher")],
    )
    pending = dict(kpis.PENDING)
    kpis.PENDING["callback_sla"] = ("Rückrufe in der Frist", "callcenter")
    try:
        kpis.register(kpi)
        assert "callback_sla" not in kpis.PENDING
        assert kpis.all_kpis()[-1] is kpi
    finally:
        kpis.REGISTRY.pop("callback_sla")
        kpis.PENDING.clear()
        kpis.PENDING.update(pending)
