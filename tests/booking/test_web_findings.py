"""Issue 16 on the citizen pages: online services and the waitlist are linked, the pre-application's short
service is offered only through it, bad filter values and a day past the horizon are explained, a favicon."""

import datetime as dt

import pytest

from buergerbuero.applications import idcard
from buergerbuero.applications.models import OnlineService
from tests import factories
from tests.booking.webflow import evening_office, times_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pre_application():
    office, service = evening_office()
    short = factories.service(slug="personalausweis-vorantrag", name_de="Personalausweis mit Vorantrag")
    office.office_services.create(service=short)
    online = OnlineService.objects.create(
        slug="personalausweis",
        kind=OnlineService.Kind.ID_CARD_PRE_APPLICATION,
        service=service,
        appointment_service=short,
        title_de="Personalausweis: Vorantrag und kurzer Termin",
        title_en="ID card: pre-application and a short appointment",
        trust_level=None,
        form_schema=idcard.FORM,
        retention_days=30,
        draft_retention_days=14,
        sla_days=3,
    )
    return office, service, short, online


def test_the_short_service_is_offered_only_through_its_pre_application(client, pre_application):
    office, service, short, _online = pre_application
    start = client.get("/").content.decode()
    assert f'value="{service.slug}"' in start
    assert f'value="{short.slug}"' not in start  # no checkbox for the short service
    assert "/online/dienst/personalausweis/" in start  # the online services are linked
    times = client.get(times_url(office, short))
    assert times.status_code == 400
    assert "/online/dienst/personalausweis/" in times.content.decode()


def test_the_waitlist_is_linked_with_the_choice(client, pre_application):
    office, service, _short, _online = pre_application
    start = client.get(f"/?services={service.slug}&persons=2").content.decode()
    assert f"/warteliste/?services={service.slug}&amp;persons=2" in start
    times = client.get(times_url(office, service)).content.decode()
    assert f"/warteliste/?services={service.slug}&amp;persons=1" in times
    form = client.get(f"/warteliste/?services={service.slug}&persons=2").content.decode()
    assert f'value="{service.slug}" checked' in form or f'value="{service.slug}"\n' in form or "checked" in form


def test_bad_filter_values_are_named_beside_the_field(client):
    office, service = evening_office()
    html = client.get(times_url(office, service, part="nachts", weekday="9")).content.decode()
    assert 'id="id_part-error"' in html and "Diese Tageszeit gibt es nicht" in html
    assert 'id="id_weekday-error"' in html
    assert 'name="start"' in html  # the list is still shown, unfiltered


def test_a_day_past_the_horizon_says_until_when_and_when_it_is_released(client):
    office, service = evening_office()
    far = dt.date.today() + dt.timedelta(days=office.horizon_days + 10)
    html = client.get(times_url(office, service, day=far.isoformat())).content.decode()
    assert 'id="id_day-error"' in html
    assert "Termine sind bis" in html and "freigegeben" in html and f"{far:%d.%m.%Y}" in html


def test_there_is_a_favicon(client):
    assert 'rel="icon"' in client.get("/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("core/favicon.svg")
