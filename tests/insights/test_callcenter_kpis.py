"""Call-center KPIs (first-contact resolution, service level): hand-computed from calls and interval statistics
created through the callcenter services (real DB), per ISO week for the office's municipality, all its contracts."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.callcenter import selectors as callcenter_selectors
from buergerbuero.callcenter import services as callcenter_services
from buergerbuero.callcenter.models import Contract
from buergerbuero.insights import kpis
from buergerbuero.insights.metrics import Period
from tests import factories

from .conftest import at

pytestmark = pytest.mark.django_db

Role = StaffMembership.Role
MONDAY = dt.date(2026, 3, 2)
TWO_WEEKS = Period(MONDAY, MONDAY + dt.timedelta(days=13))

INTERVALS = "interval;offered;answered;abandoned;answered_within_30s;handle_time\n"


def member(name, organisation, role):
    user = User.objects.create_user(name, password=f"pw-{name}-123", is_staff=True)
    StaffMembership.objects.create(user=user, organisation=organisation, role=role)
    return callcenter_selectors.viewer(user)


@pytest.fixture
def calls(small_office, id_card):
    """Two partners work for the office's municipality; a third contract belongs to another municipality."""
    city = small_office.organisation
    other_city = Organisation.objects.create(name="Stadt Anders")
    other_office = factories.office(slug="anders", organisation=other_city, services=[id_card])
    bochum = Organisation.objects.create(name="Callcenter Bochum", kind=Organisation.Kind.PARTNER)
    dortmund = Organisation.objects.create(name="Callcenter Dortmund", kind=Organisation.Kind.PARTNER)
    start = dt.date(2026, 1, 1)
    main = Contract.objects.create(partner=bochum, municipality=city, name="Bürgertelefon", starts_on=start)
    second = Contract.objects.create(partner=dortmund, municipality=city, name="Überlauf", starts_on=start)
    foreign = Contract.objects.create(partner=bochum, municipality=other_city, name="Anders", starts_on=start)
    agent, agent2 = member("agent", bochum, Role.AGENT), member("agent2", dortmund, Role.AGENT)
    lead, lead2 = member("lead", bochum, Role.MANAGER), member("lead2", dortmund, Role.MANAGER)

    def log(viewer, office, day, outcomes):
        for i, outcome in enumerate(outcomes):
            callcenter_services.log_call(
                viewer=viewer,
                office=office,
                outcome=outcome,
                duration_seconds=180,
                service=None if outcome == "out_of_scope" else id_card,
                started_at=at(day, 9, i),
            )

    week2 = MONDAY + dt.timedelta(days=7)
    # week 1: 3 settled + 1 booked of 6 calls; week 2: 2 + 1 of 4 (Bochum) and 2 of 2 (Dortmund)
    log(agent, small_office, MONDAY, ["settled", "settled", "booked", "callback", "forwarded", "settled"])
    log(agent, small_office, week2 + dt.timedelta(days=1), ["settled", "out_of_scope", "booked", "settled"])
    log(agent2, small_office, week2 + dt.timedelta(days=2), ["settled", "settled"])
    log(agent, small_office, MONDAY + dt.timedelta(days=14), ["callback"])  # after the period
    log(agent, other_office, MONDAY, ["callback", "callback", "forwarded"])  # another municipality

    callcenter_services.import_intervals(
        viewer=lead,
        contract=main,
        data=INTERVALS + "2026-03-02 08:00;20;18;2;15;180\n2026-03-02 08:30;10;10;0;9;200\n"
        "2026-03-10 09:00;40;36;4;27;190\n2026-03-16 09:00;50;10;40;5;100\n",
    )
    callcenter_services.import_intervals(
        viewer=lead2, contract=second, data=INTERVALS + "2026-03-11 10:00;20;19;1;18;150\n"
    )
    callcenter_services.import_intervals(
        viewer=lead, contract=foreign, data=INTERVALS + "2026-03-02 08:00;100;50;50;10;90\n"
    )
    return small_office


def test_call_center_kpis_are_registered_and_no_longer_pending():
    assert kpis.get("first_contact_resolution").section == "callcenter"
    assert kpis.get("service_level").section == "callcenter"
    assert "first_contact_resolution" not in kpis.PENDING and "service_level" not in kpis.PENDING


def test_first_contact_resolution_by_hand(calls):
    ctx = kpis.Context(calls, TWO_WEEKS)
    chart = kpis.get("first_contact_resolution").chart(ctx)
    assert chart.x == (MONDAY, MONDAY + dt.timedelta(days=7))
    # week 1: 4 of 6 = 66.7 %; week 2: (3 + 2) of (4 + 2) = 83.3 %
    assert chart.columns[0].values == (66.7, 83.3)
    assert chart.band == (80, 90)
    rate, total, resolved = kpis.get("first_contact_resolution").figures(ctx)
    assert (rate.value, total.value, resolved.value) == (75.0, 12, 9)  # 9 of 12, not the mean of the weeks
    assert rate.target == "80–90 %"


def test_service_level_by_hand(calls):
    ctx = kpis.Context(calls, TWO_WEEKS)
    chart = kpis.get("service_level").chart(ctx)
    assert chart.x == (MONDAY, MONDAY + dt.timedelta(days=7))
    # week 1: (15 + 9) / (20 + 10) = 80 %; week 2: (27 + 18) / (40 + 20) = 75 %
    assert chart.columns[0].values == (80.0, 75.0)
    level, threshold, offered, abandoned = kpis.get("service_level").figures(ctx)
    assert (level.value, threshold.value, offered.value) == (76.7, 30, 90)  # 69 of 90
    assert abandoned.value == 7.8  # (2 + 4 + 1) / 90
    assert level.target == "mindestens 75 % in 30 s"


def test_an_office_without_call_center_contract_has_no_values(small_office):
    ctx = kpis.Context(small_office, TWO_WEEKS)
    assert kpis.get("first_contact_resolution").chart(ctx).x == ()
    rate, total, _resolved = kpis.get("first_contact_resolution").figures(ctx)
    assert (rate.value, total.value) == (None, 0)
    assert kpis.get("service_level").figures(ctx)[0].value is None


def test_dashboard_report_and_csv_show_the_call_center_kpis(client, manager, calls):
    client.force_login(manager)
    query = {"date_from": TWO_WEEKS.first.isoformat(), "date_to": TWO_WEEKS.last.isoformat()}
    html = client.get(f"/insights/{calls.slug}/", query).content.decode()
    assert html.count('role="img"') == 11
    assert 'id="kpi-first_contact_resolution"' in html and 'id="kpi-service_level"' in html
    assert "Erstlösungsquote Callcenter" in html and "Servicelevel Callcenter" in html
    assert "Noch nicht verfügbar" not in html

    response = client.get(f"/insights/{calls.slug}/export/first_contact_resolution.csv", query)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["week_start", "Erstlösungsquote"], ["2026-03-02", "66.7"], ["2026-03-09", "83.3"]]
    response = client.get(f"/insights/{calls.slug}/export/service_level.csv", query)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["week_start", "Servicelevel"], ["2026-03-02", "80"], ["2026-03-09", "75"]]

    report = client.get(f"/insights/{calls.slug}/bericht/", query).content.decode()
    assert "Erstlösungsquote Callcenter" in report and "76,7 %" in report
    assert "Folgende Kennzahlen werden ergänzt" not in report


def test_a_year_of_call_center_kpis_reads_the_calls_and_intervals_once(calls, django_assert_max_num_queries):
    """53 ISO weeks × 2 contracts used to be ~5 queries each; now the contracts, the calls and the intervals once."""
    year = Period(MONDAY - dt.timedelta(days=351), MONDAY + dt.timedelta(days=13))
    ctx = kpis.Context(calls, year)
    # contracts (+ their services), calls, intervals, and the events of the trend: the calendar read cold
    # (its stamp, rules, closures, roster, skills, channel shares, services offered) and the recorded events – 8
    with django_assert_max_num_queries(12):
        for key in ("first_contact_resolution", "service_level"):
            kpis.get(key).chart(ctx)
            kpis.get(key).figures(ctx)
    assert kpis.get("first_contact_resolution").chart(ctx).columns[0].values == (66.7, 83.3)
    assert kpis.get("service_level").figures(ctx)[0].value == 76.7
