"""Citizen pages through the real HTTP stack: start, earliest time, time list and filters, hold, bad input."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from buergerbuero.booking import services
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live
from tests import factories
from tests.booking.webflow import (
    evening_office,
    hold,
    no_wait_for_the_no_js_ticket,  # noqa: F401 (autouse fixture)
    start_values,
    ticket,
    times_url,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def test_start_page_lists_services_with_fee_and_documents_and_the_earliest_time_with_its_label(client):
    office, service = evening_office()
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="de"' in html
    assert "46.00 €" in html or "46,00 €" in html
    assert "Alter Personalausweis" in html
    chosen = client.get(f"/?services={service.slug}&persons=1").content.decode()
    query = live.booking_query(office=office, service_slugs=[service.slug], now=timezone.now())
    offer = live.earliest_offer(query, now=timezone.now())
    assert offer.label == "Serviceabend"
    weekday = {0: "Mo", 1: "Di", 2: "Mi", 3: "Do", 4: "Fr", 5: "Sa", 6: "So"}[offer.start.weekday()]
    day = f"{offer.start.day}.{offer.start.month}."
    assert f"Nächster freier Termin: {weekday} {day}, {offer.start:%H:%M} Uhr — Serviceabend" in chosen
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/?services={service.slug}&persons=1").content.decode()
    weekday, month = calendar.day_abbr[offer.start.weekday()], calendar.month_abbr[offer.start.month]
    assert f"{weekday} {offer.start.day} {month}, {offer.start:%H:%M}" in english  # not "Thu 10.12."
    assert times_url(office, service).replace("&", "&amp;") in chosen


def test_start_page_uses_the_reference_service_when_nothing_is_chosen(client):
    office, service = evening_office()
    office.reference_service = service
    office.save()
    html = client.get("/").content.decode()
    assert "Nächster freier Termin:" in html
    assert "Angezeigt für:" in html


def test_every_listed_day_has_times_and_each_time_can_really_be_held(client):
    office, service = evening_office()
    html = client.get(times_url(office, service)).content.decode()
    starts = start_values(html)
    assert starts, html
    assert html.count('class="day"') == 7  # a page of seven days, all with times (days without are skipped)
    now = timezone.now()
    query = live.booking_query(office=office, service_slugs=[service.slug], now=now)
    for value in (starts[0], starts[len(starts) // 2], starts[-1]):
        appointment, _token = services.hold(query=query, start=dt.datetime.fromisoformat(value), now=now)
        assert appointment.status == Appointment.Status.HELD


def test_filters_mornings_evenings_weekday_and_paging_back_to_the_first_free_day(client):
    service = factories.service()
    office = factories.office(services=[service])  # Mon–Fri 8–12 and Thursday 16–19:30
    evening = start_values(client.get(times_url(office, service, part="evening")).content.decode())
    assert evening and all(dt.datetime.fromisoformat(v).astimezone(BERLIN).hour >= 16 for v in evening)
    assert all(dt.datetime.fromisoformat(v).weekday() == 3 for v in evening)
    mornings = start_values(client.get(times_url(office, service, part="morning")).content.decode())
    assert mornings and all(dt.datetime.fromisoformat(v).astimezone(BERLIN).hour < 12 for v in mornings)
    tuesdays = start_values(client.get(times_url(office, service, weekday=1)).content.decode())
    assert tuesdays and {dt.datetime.fromisoformat(v).weekday() for v in tuesdays} == {1}
    later = factories.next_weekday(0, weeks_ahead=3)
    html = client.get(times_url(office, service, day=later.isoformat())).content.decode()
    assert min(dt.datetime.fromisoformat(v).date() for v in start_values(html)) >= later
    assert "Zum ersten freien Tag" in html
    assert "Weitere Tage anzeigen" in html


def test_no_free_times_says_so_and_offers_other_filters(client):
    service = factories.service()
    office = factories.office(services=[service], evening=False)
    response = client.get(times_url(office, service, part="evening"))
    assert response.status_code == 200
    assert "keine Zeiten frei" in response.content.decode()


def test_bad_parameters_get_a_message_not_a_500(client):
    office, service = evening_office()
    for url in (
        f"/termine/{office.slug}/?persons=1",
        f"/termine/{office.slug}/?services=gibt-es-nicht&persons=1",
        times_url(office, service, persons=9),
        times_url(office, service, day="morgen"),
        times_url(office, service, weekday="x"),
        "/termine/kein-standort/?services=personalausweis",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        assert "<main" in response.content.decode()
    response = client.get(times_url(office, service, day="morgen"))
    assert "Bitte ein Datum" in response.content.decode()


def test_hold_with_a_tampered_time_or_a_taken_time_explains_and_offers_alternatives(client):
    office, service = evening_office(counters=1)
    response = client.post(
        f"/termine/{office.slug}/reservieren/", {"services": [service.slug], "persons": 1, "start": "gestern"}
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie eine Zeit aus der Liste." in response.content.decode()
    first = start_values(client.get(times_url(office, service)).content.decode())[0]
    hold(client, office, service, first)
    other = client.__class__()
    proof = ticket(other.get(times_url(office, service)).content.decode())
    form = {"services": [service.slug], "persons": 1, "start": first, "altcha": proof}
    response = other.post(f"/termine/{office.slug}/reservieren/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "gerade vergeben" in html
    assert "Diese Zeiten sind noch frei:" in html
    assert first not in start_values(html)
    # the lost race gave the proof back: the same ticket holds one of the alternatives
    again = other.post(f"/termine/{office.slug}/reservieren/", {**form, "start": start_values(html)[0]})
    assert again.status_code == 302


def test_a_web_hold_needs_the_anti_bot_proof_once(client, settings):
    office, service = evening_office()
    page = client.get(times_url(office, service)).content.decode()
    starts = start_values(page)
    form = {"services": [service.slug], "persons": 1, "start": starts[0]}
    missing = client.post(f"/termine/{office.slug}/reservieren/", form)
    assert missing.status_code == 400 and not Appointment.objects.exists()
    proof = ticket(page)
    assert client.post(f"/termine/{office.slug}/reservieren/", {**form, "altcha": proof}).status_code == 302
    replay = client.post(f"/termine/{office.slug}/reservieren/", {**form, "start": starts[1], "altcha": proof})
    assert replay.status_code == 400 and Appointment.objects.count() == 1
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 15
    page = client.get(times_url(office, service)).content.decode()
    early = client.post(f"/termine/{office.slug}/reservieren/", {**form, "start": starts[2], "altcha": ticket(page)})
    assert early.status_code == 400 and "Sekunden" in early.content.decode()
    assert ticket(early.content.decode()) == ticket(page)  # the waited-for ticket is kept for the next click


def test_holds_are_rate_limited_per_address(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "hold": "2/600"}
    office, service = evening_office()
    for _ in range(2):
        hold(client, office, service)
    page = client.get(times_url(office, service)).content.decode()
    form = {"services": [service.slug], "persons": 1, "start": start_values(page)[0], "altcha": ticket(page)}
    response = client.post(f"/termine/{office.slug}/reservieren/", form)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Zu viele Anfragen" in response.content.decode()


def test_language_switch_to_english(client):
    evening_office()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Deutsch" in html  # the way back
    assert "Book an appointment at the citizen office" in html
    assert "Skip to content" in html


def test_legal_pages_exist_and_unknown_ones_are_404(client):
    for page in ("impressum", "datenschutz", "barrierefreiheit"):
        assert client.get(f"/info/{page}/").status_code == 200
    assert client.get("/info/geheim/").status_code == 404


def test_service_search_filters_the_list_and_keeps_what_was_chosen(client):
    evening_office()
    factories.service(slug="wohnsitz-anmelden", leika="99115005000000", name_de="Wohnsitz anmelden")
    html = client.get("/?q=wohnsitz&action=search&services=personalausweis").content.decode()
    assert 'value="wohnsitz-anmelden"' in html
    assert 'id="service-personalausweis"' not in html  # filtered out of the list …
    assert '<input type="hidden" name="services" value="personalausweis">' in html  # … but still chosen
    assert "Nichts gefunden" in client.get("/?q=raumschiff&action=search").content.decode()
