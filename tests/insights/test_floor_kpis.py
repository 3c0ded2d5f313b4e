"""Floor KPIs (waiting, handling, no-shows, walk-ins) from visits made with the real queue services.

Two Mondays on the floor of a small office with one clerk. Every visit is called explicitly, so the
times below are known and the expected figures are worked out by hand (percentiles interpolate
linearly between neighbouring values, as the queue app computes them).
"""

import csv
import datetime as dt
import io

import pypdf
import pytest
from django.utils import timezone

from buergerbuero.accounts.models import StaffMembership
from buergerbuero.capacity.models import OpeningRule
from buergerbuero.catalog.models import Counter
from buergerbuero.insights import kpis, metrics, report, selectors
from buergerbuero.insights.metrics import Period
from buergerbuero.queue import services as floor
from buergerbuero.queue.selectors import stats as queue_stats
from tests import factories
from tests.queue.conftest import appointment, staff

from .conftest import at

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)  # in the past: the period form refuses future dates
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)
TWO_WEEKS = Period(MONDAY, NEXT_MONDAY + dt.timedelta(days=6))


@pytest.fixture
def registration(db):
    return factories.service(slug="wohnsitz-anmelden", minutes=10, leika="99115005000000", name_de="Anmeldung")


@pytest.fixture
def office(db, id_card, registration):
    office = factories.office(services=[id_card, registration], evening=False)
    OpeningRule.objects.create(
        office=office, kind=OpeningRule.Kind.WALK_IN, weekdays="01234", start_time=dt.time(8), end_time=dt.time(12)
    )
    return office


@pytest.fixture
def anna(office):
    clerk = staff("anna", office)
    floor.open_session(clerk=clerk, counter=Counter.objects.filter(office=office).order_by("number").first())
    return clerk


def walk_in(office, service, when):
    return floor.draw_ticket(office=office, service=service, now=when, override_quota=True)


def serve(clerk, ticket, called, started=None, ended=None, *, outcome="done"):
    """Call the ticket's first leg at `called`; then start/finish it or close it as a no-show."""
    visit = floor.call_visit(clerk=clerk, visit=ticket.visits.get(previous__isnull=True), now=called)
    if outcome == "no_show":
        return floor.no_show(clerk=clerk, visit=visit, now=ended)
    if started:
        visit = floor.start(clerk=clerk, visit=visit, now=started)
    if outcome == "transfer":
        return floor.transfer(clerk=clerk, visit=visit, to_service=ended, now=started)
    return floor.finish(clerk=clerk, visit=visit, services=[visit.service], now=ended)


@pytest.fixture
def two_mondays(office, anna, id_card, registration):
    """Monday 1: six tickets (waits 4, 15, 16, 5, 10, 2 min); Monday 2: one walk-in waiting 30 min."""
    d = MONDAY
    a1 = appointment(office, id_card, at(d, 9, 0))
    a2 = appointment(office, registration, at(d, 9, 30))
    a3 = appointment(office, id_card, at(d, 10, 0))
    t_a1 = floor.check_in(office=office, code=a1.code, now=at(d, 8, 50))  # early: waits from 9:00
    serve(anna, t_a1, at(d, 9, 4), at(d, 9, 5), at(d, 9, 25))  # wait 4, handling 20
    t_w1 = walk_in(office, registration, at(d, 9, 10))
    t_w2 = walk_in(office, registration, at(d, 9, 20))
    serve(anna, t_w1, at(d, 9, 25), at(d, 9, 26), at(d, 9, 36))  # wait 15, handling 10
    t_a2 = floor.check_in(office=office, code=a2.code, now=at(d, 9, 35))
    serve(anna, t_w2, at(d, 9, 36), ended=at(d, 9, 40), outcome="no_show")  # wait 16, no-show
    serve(anna, t_a2, at(d, 9, 40), at(d, 9, 40), at(d, 9, 52))  # wait 5 (from 9:35), handling 12
    t_a3 = floor.check_in(office=office, code=a3.code, now=at(d, 10, 20), by_reception=True)  # late: a walk-in
    serve(anna, t_a3, at(d, 10, 30), ended=at(d, 11, 0))  # wait 10, finished without "start": handling 30
    t_w3 = walk_in(office, id_card, at(d, 11, 0))
    leg = serve(anna, t_w3, at(d, 11, 2), at(d, 11, 2), registration, outcome="transfer")  # wait 2
    leg = floor.call_visit(clerk=anna, visit=leg, now=at(d, 11, 10))  # the second leg's wait is not counted
    floor.start(clerk=anna, visit=leg, now=at(d, 11, 10))
    floor.finish(clerk=anna, visit=leg, services=[registration], now=at(d, 11, 18))  # handling 8
    t_w4 = walk_in(office, registration, at(NEXT_MONDAY, 9, 0))
    serve(anna, t_w4, at(NEXT_MONDAY, 9, 30), at(NEXT_MONDAY, 9, 30), at(NEXT_MONDAY, 9, 40))  # wait 30
    return office


def figures(key, office, period):
    ctx = kpis.Context(office, period, at(period.last, 23))
    return {f.label: f.value for f in kpis.get(key).figures(ctx)}


def chart(key, office, period):
    return kpis.get(key).chart(kpis.Context(office, period, at(period.last, 23)))


def test_interpolated_percentile_by_hand():
    assert metrics.interpolated_percentile([], 50) is None
    assert metrics.interpolated_percentile([7], 90) == 7
    assert metrics.interpolated_percentile([10, 2, 5, 4, 15, 16], 50) == 7.5  # between 5 and 10
    assert metrics.interpolated_percentile([10, 2, 5, 4, 15, 16], 90) == 15.5  # position 4.5 of 0..5


def test_edge_weeks_hold_the_period_days_only(two_mondays):
    """A period from Tuesday to the next Monday: week 1 without Monday's visits, week 2 with one day."""
    period = Period(MONDAY + dt.timedelta(days=1), NEXT_MONDAY)
    assert chart("waiting_time", two_mondays, period).x == (NEXT_MONDAY,)  # week 1 had visits on Monday only
    assert figures("walk_in_share", two_mondays, period)["Wartenummern ohne Termin"] == 1


def test_waiting_time_per_week_and_for_the_period(two_mondays):
    week = Period(MONDAY, MONDAY + dt.timedelta(days=6))
    assert figures("waiting_time", two_mondays, week) == {
        "Wartezeit vor Ort, Median": 7.5,  # [2, 4, 5, 10, 15, 16]
        "Wartezeit vor Ort, 90. Perzentil": 15.5,
        "Aufgerufene Wartenummern": 6,
        "Bis zum Tagesabschluss nicht aufgerufen (Wartezeit unbekannt)": 0,
    }
    assert figures("waiting_time", two_mondays, TWO_WEEKS) == {
        "Wartezeit vor Ort, Median": 10,  # [2, 4, 5, 10, 15, 16, 30]: position 3
        "Wartezeit vor Ort, 90. Perzentil": 21.6,  # position 5.4: 16 + 0.4 × 14
        "Aufgerufene Wartenummern": 7,
        "Bis zum Tagesabschluss nicht aufgerufen (Wartezeit unbekannt)": 0,
    }
    c = chart("waiting_time", two_mondays, TWO_WEEKS)
    assert c.x == (MONDAY, NEXT_MONDAY)
    assert [col.values for col in c.columns] == [(7.5, 30), (15.5, 30)]
    # the same numbers as the queue app's own statistics for those days
    by_day = queue_stats.waiting_times(two_mondays, MONDAY, NEXT_MONDAY, by="day")
    assert [(r["p50"], r["p90"]) for r in by_day] == [(7.5, 15.5), (30, 30)]


def test_handling_time_per_service(two_mondays, id_card, registration):
    got = figures("handling_time", two_mondays, TWO_WEEKS)
    assert got == {
        "Bearbeitungszeit Anmeldung, Median": 10,  # [8, 10, 10, 12]: 10 twice in the middle
        "Bearbeitungszeit Personalausweis, Median": 25,  # [20, 30]
        "Erledigte Schalterkontakte": 6,  # no-show and the transferred leg are not handling times
    }
    c = chart("handling_time", two_mondays, TWO_WEEKS)
    assert c.x == (MONDAY, NEXT_MONDAY)
    assert {col.name: col.values for col in c.columns} == {"Anmeldung": (10, 10), "Personalausweis": (25, None)}


def test_no_show_rate_and_walk_in_share(two_mondays):
    assert figures("no_show_rate", two_mondays, TWO_WEEKS) == {
        "No-Show-Quote": 14.3,  # 1 of 7 closed first legs (the transferred one counts, its second leg not)
        "Nicht erschienen nach Aufruf": 1,
        "Abgeschlossene erste Schalterkontakte": 7,
        "Beim Tagesabschluss offen (nicht mitgezählt)": 0,
    }
    assert [col.values for col in chart("no_show_rate", two_mondays, TWO_WEEKS).columns] == [(16.7, 0)]
    assert figures("walk_in_share", two_mondays, TWO_WEEKS) == {
        "Anteil ohne Termin": 71.4,  # W1, W2, W3, W4 and the late A3 of 7 tickets
        "Wartenummern mit Termin": 2,
        "Wartenummern ohne Termin": 5,
    }
    c = chart("walk_in_share", two_mondays, TWO_WEEKS)
    assert c.kind == "stacked" and [col.values for col in c.columns] == [(2, 0), (4, 1)]


def test_visits_left_open_at_the_day_close_are_counted_beside_the_rates(two_mondays, anna, registration):
    """W5 is never called, W6 called and then left: both closed as end of day the night after."""
    walk_in(two_mondays, registration, at(MONDAY, 11, 20))
    w6 = walk_in(two_mondays, registration, at(MONDAY, 11, 25))
    floor.call_visit(clerk=anna, visit=w6.visits.get(), now=at(MONDAY, 11, 30))  # wait 5, then nothing recorded
    floor.close_office_past_days(office=two_mondays, now=at(MONDAY + dt.timedelta(days=1), 0, 30))
    assert figures("waiting_time", two_mondays, TWO_WEEKS) == {
        "Wartezeit vor Ort, Median": 7.5,  # [2, 4, 5, 5, 10, 15, 16, 30]: W6's 5 counts, W5 has no waiting time
        "Wartezeit vor Ort, 90. Perzentil": 20.2,  # position 6.3: 16 + 0.3 × 14
        "Aufgerufene Wartenummern": 8,
        "Bis zum Tagesabschluss nicht aufgerufen (Wartezeit unbekannt)": 1,
    }
    assert figures("no_show_rate", two_mondays, TWO_WEEKS) == {
        "No-Show-Quote": 14.3,  # still 1 of 7: the two open legs are neither served nor no-shows
        "Nicht erschienen nach Aufruf": 1,
        "Abgeschlossene erste Schalterkontakte": 7,
        "Beim Tagesabschluss offen (nicht mitgezählt)": 2,
    }
    highlights = report.build(office=two_mondays, period=TWO_WEEKS, now=at(TWO_WEEKS.last, 23)).highlights
    assert (
        "1 Wartenummer wurde bis zum Tagesabschluss nicht aufgerufen; ihre Wartezeit ist unbekannt und in diesen "
        "Werten nicht enthalten." in highlights
    )


def test_a_period_without_visits_has_no_values(office):
    empty = Period(MONDAY, MONDAY)
    assert figures("waiting_time", office, empty)["Wartezeit vor Ort, Median"] is None
    assert figures("no_show_rate", office, empty)["No-Show-Quote"] is None
    assert figures("walk_in_share", office, empty)["Anteil ohne Termin"] is None
    for key in ("waiting_time", "handling_time", "no_show_rate", "walk_in_share"):
        assert chart(key, office, empty).x == ()


def test_waiting_room_now(office, anna, registration):
    now = at(MONDAY, 9, 0)
    assert selectors.waiting_room(office, now=now).waiting == 0
    walk_in(office, registration, now)
    walk_in(office, registration, now)
    room = selectors.waiting_room(office, now=now + dt.timedelta(minutes=3))
    assert (room.waiting, room.walk_ins, room.clerks, room.longest) == (2, 2, 1, 3)
    assert room.last_wait == 10  # one registration (catalogue 10 min) ahead, one clerk
    assert room.walk_in_open and room.walk_in_minutes_left == 2 * (180 - 3)  # two counters until 12:00


def test_waiting_room_counts_an_early_appointment_from_its_time(office, anna, id_card):
    booked = appointment(office, id_card, at(MONDAY, 9, 0))
    floor.check_in(office=office, code=booked.code, now=at(MONDAY, 8, 40))
    room = selectors.waiting_room(office, now=at(MONDAY, 8, 45))
    assert (room.waiting, room.walk_ins, room.longest) == (1, 0, 0)  # checked in 20 min early: not waiting yet
    assert room.last_wait == 15  # nobody ahead, but not called before its time
    assert selectors.waiting_room(office, now=at(MONDAY, 9, 6)).longest == 6


@pytest.fixture
def manager_client(client, office):
    client.force_login(staff("chefin", office, role=StaffMembership.Role.MANAGER))
    return client


def test_dashboard_report_and_csv_show_the_floor_kpis(manager_client, two_mondays, registration):
    office = two_mondays
    walk_in(office, registration, timezone.now())
    query = {"date_from": TWO_WEEKS.first.isoformat(), "date_to": TWO_WEEKS.last.isoformat()}
    html = manager_client.get(f"/insights/{office.slug}/", query).content.decode()
    assert html.count('role="img"') == 11  # 9 + the two call-center KPIs
    for title in ("Wartezeit vor Ort", "Bearbeitungszeit je Leistung", "No-Show-Quote", "Vorsprachen ohne Termin"):
        assert title in html

    assert '<desc id="chart-waiting_time-desc">' in html and "7,5" in html and "21,6" in html
    assert "Wartebereich jetzt" in html and "davon 1 ohne Termin" in html
    assert "Noch nicht verfügbar" not in html  # the call-center KPIs are registered too

    response = manager_client.get(f"/insights/{office.slug}/export/waiting_time.csv", query)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["week_start", "Median", "90. Perzentil"],
        ["2026-03-02", "7.5", "15.5"],
        ["2026-03-09", "30", "30"],
    ]
    response = manager_client.get(f"/insights/{office.slug}/export/no_show_rate.csv", query)
    assert response.content.decode().splitlines()[1:] == ["2026-03-02,16.7", "2026-03-09,0"]

    report = manager_client.get(f"/insights/{office.slug}/bericht/", query).content.decode()
    for label in ("Wartezeit vor Ort, Median", "No-Show-Quote", "Bearbeitungszeit Personalausweis, Median"):
        assert label in report
    assert "14,3 %" in report and "71,4 %" in report
    assert "im Median nach 10 Minuten aufgerufen; jede zehnte Person wartete 21,6 Minuten" in report
    assert "14,3 % der aufgerufenen Wartenummern erschienen nicht am Schalter." in report

    response = manager_client.get(f"/insights/{office.slug}/bericht.pdf", query)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Wartezeit vor Ort" in text and "No-Show-Quote" in text and "Anteil ohne Termin" in text


def test_a_year_of_weekly_floor_kpis_reads_each_statistic_once(two_mondays, django_assert_max_num_queries):
    """53 ISO weeks: one read per statistic for the whole period, not one per week (that was ~160 queries)."""
    year = Period(MONDAY - dt.timedelta(days=351), NEXT_MONDAY + dt.timedelta(days=6))
    ctx = kpis.Context(two_mondays, year, at(year.last, 23))
    # waiting rows, first-leg counts, handling rows, ticket counts, the office's services, and the events of the
    # trend: the calendar read cold (its stamp, rules, closures, roster, skills, channel shares, services offered)
    # and the recorded events – 8
    with django_assert_max_num_queries(13):
        for key in ("waiting_time", "handling_time", "no_show_rate", "walk_in_share"):
            kpis.get(key).chart(ctx)
            kpis.get(key).figures(ctx)
    assert chart("waiting_time", two_mondays, year).x == (MONDAY, NEXT_MONDAY)
