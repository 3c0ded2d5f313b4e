"""The privacy page and the consent checkbox say what the retention job does: both read the same policy."""

from django.test import Client

from buergerbuero.accounts.models import Organisation
from buergerbuero.booking.forms import ContactForm
from buergerbuero.privacy import retention
from buergerbuero.privacy.models import RetentionPolicy
from tests import factories


def _page() -> str:
    response = Client().get("/info/datenschutz/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_states_the_default_periods(db):
    factories.office(services=[factories.service()])
    text = _page()
    d = retention.DEFAULT
    assert f"nach Ablauf von {d.appointment_days} Tagen nach dem Termin gelöscht" in text
    assert f"{d.callback_ticket_days} Tage nach der Erledigung" in text
    assert f"höchstens {d.identity_minutes} Minuten" in text
    assert "sobald er endet" in text


def test_a_municipality_s_own_period_changes_page_and_checkbox(db):
    office = factories.office(services=[factories.service()])
    RetentionPolicy.objects.create(organisation=office.organisation, appointment_days=14, identity_minutes=20)
    text = _page()
    assert "nach Ablauf von 14 Tagen nach dem Termin" in text and "höchstens 20 Minuten" in text
    assert "30 Tagen" not in text
    label = str(ContactForm(retention_days=14).fields["consent"].label)
    assert "nach Ablauf von 14 Tagen nach dem Termin gelöscht" in label


def test_two_municipalities_with_different_periods_are_named(db):
    factories.office(services=[factories.service()])
    herne = Organisation.objects.create(name="Stadt Herne")
    other = factories.office(
        slug="herne", organisation=herne, services=[factories.service(slug="pass", leika="99085001000000")]
    )
    RetentionPolicy.objects.create(organisation=other.organisation, appointment_days=7)
    text = _page()
    assert "Stadt Herne" in text and "7 Tagen" in text and "30 Tagen" in text


def test_the_booking_form_shows_the_office_s_period(db, client, settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0  # as in tests/booking: the no-JS ticket is accepted at once
    from tests.booking.webflow import evening_office, hold

    office, service = evening_office()
    RetentionPolicy.objects.create(organisation=office.organisation, appointment_days=21)
    _appointment, contact_url = hold(client, office, service)
    html = client.get(contact_url).content.decode()
    assert "nach Ablauf von 21 Tagen nach dem Termin gelöscht" in html
