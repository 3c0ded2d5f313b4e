"""The demo city tells the 2019 story in the lead-time trend (loads the whole demo: ~10 s)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.catalog.models import Office
from buergerbuero.insights import kpis, selectors
from buergerbuero.insights.metrics import Period
from buergerbuero.insights.models import KPISnapshot

pytestmark = pytest.mark.django_db

# The demo tells its story around "today": last year's autumn of vacancies and closure between the years, extra
# afternoons in spring, vacancies again since autumn (capacity/demo.py). Its windows exist only when today lies late
# in a year, so this test runs on the day the docs' numbers were measured (docs/planner.md), not on the real one.
STORY_DAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


@time_machine.travel(STORY_DAY, tick=True)
def test_demo_trend_rises_before_last_years_closure_recovers_and_rises_again():
    call_command("load_demo")
    office = Office.objects.get()
    service = office.reference_service
    today = timezone.localdate()
    daily = selectors.daily_lead_times(office, service, Period(today - dt.timedelta(days=430), today))
    closure = dt.date(today.year - 1, 12, 24)

    def window(first, last):
        return [v for d, v in daily.items() if first <= d <= last]

    autumn_before = window(closure - dt.timedelta(days=60), closure - dt.timedelta(days=35))
    spring = window(closure + dt.timedelta(days=60), closure + dt.timedelta(days=150))
    assert max(autumn_before) >= 42  # ~6–7 weeks once the closure came into the horizon
    assert min(spring) <= 21 and max(spring) <= 30  # the extra afternoons brought it down to ~3 weeks
    assert daily[today] >= 44  # rising again now: the live engine's value (~7 weeks)
    live = KPISnapshot.objects.filter(source="engine", service=service).get()
    assert live.lead_time_days == daily[today]
    # The history is what the snapshot measured on the same book: yesterday evening's value joins today's.
    assert abs(daily[today - dt.timedelta(days=1)] - live.lead_time_days) <= 2
    # The batched snapshot gives what the citizen's lead-time query gives, on a busy calendar.
    for row in KPISnapshot.objects.filter(source="engine", service__slug__in=["personalausweis", "fuehrungszeugnis"]):
        assert row.lead_time_days == booking_live.lead_time_days(office, row.service, now=row.taken_at)
    events = selectors.events(office, Period(closure - dt.timedelta(days=1), closure))
    assert [title for _d, _k, title in events] == ["Schließung: Rathausschließung zwischen den Jahren"]

    ctx = kpis.Context(office, Period(today - dt.timedelta(days=90), today))
    assert {f.label: f.value for f in kpis.get("lead_time").figures(ctx)}["Tage über dem Zielkorridor"] > 30

    # The floor KPIs of the last quarter are plausible: the demo's ~8 % no-shows, minutes of waiting,
    # ID-card handling near its catalogue time, and some walk-ins beside the appointments.
    floor = {key: {f.label: f.value for f in kpis.get(key).figures(ctx)} for key in _FLOOR}
    assert 6 <= floor["no_show_rate"]["No-Show-Quote"] <= 10
    waiting = floor["waiting_time"]
    assert 1 <= waiting["Wartezeit vor Ort, Median"] < waiting["Wartezeit vor Ort, 90. Perzentil"] <= 60
    assert waiting["Aufgerufene Wartenummern"] > 1000
    id_card = floor["handling_time"][f"Bearbeitungszeit {service.name}, Median"]
    assert 0.7 * service.handling_minutes <= id_card <= 1.5 * service.handling_minutes
    assert 2 <= floor["walk_in_share"]["Anteil ohne Termin"] <= 40
    assert selectors.waiting_room(office, now=timezone.now()).clerks == 1  # the demo clerk at counter 1


_FLOOR = ("waiting_time", "handling_time", "no_show_rate", "walk_in_share")
