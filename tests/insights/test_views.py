"""Dashboard, committee report (HTML + PDF), CSV export and open data through the real HTTP stack."""

import calendar
import csv
import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone

from buergerbuero.accounts.models import Organisation
from buergerbuero.insights import services

from .conftest import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(small_office, id_card):
    """A snapshot taken now and a few past visits, so every KPI has data."""
    now = timezone.now()
    services.take_snapshots(now=now)
    for days in (3, 10, 30):
        visit = now - dt.timedelta(days=days)
        book(small_office, id_card, visit, created=visit - dt.timedelta(days=days + 5))
    return small_office


def test_dashboard_needs_login_and_the_manager_role(client, small_office, clerk, foreign_manager):
    url = f"/insights/{small_office.slug}/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/intern/anmelden/")
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    client.force_login(foreign_manager)
    assert client.get(url).status_code == 404


def test_dashboard_shows_lead_time_now_and_accessible_charts(client, manager, measured):
    client.force_login(manager)
    assert client.get("/insights/")["Location"] == f"/insights/{measured.slug}/"
    response = client.get(f"/insights/{measured.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "bis zum nächsten freien Online-Termin" in html
    # lead time, realised, utilisation, online share, demand + 4 floor KPIs + 2 call-center KPIs
    assert html.count('role="img"') == 11
    assert '<desc id="chart-lead_time-desc">' in html
    assert "Werte als Tabelle" in html
    assert "Wartezeit vor Ort" in html and "Wartebereich jetzt" in html
    assert "Servicelevel Callcenter" in html and 'id="kpi-service_level"' in html  # registered, no longer pending
    assert "Noch nicht verfügbar" not in html


def test_bad_period_shows_the_message_beside_the_field(client, manager, measured):
    client.force_login(manager)
    response = client.get(f"/insights/{measured.slug}/bericht/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_date_to-error"' in html and "Das Enddatum liegt vor dem Anfangsdatum." in html
    response = client.get(f"/insights/{measured.slug}/bericht.pdf", {"date_from": "kaputt", "date_to": ""})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode() or "gültiges Datum" in response.content.decode()


def test_committee_report_html_and_pdf(client, manager, measured):
    client.force_login(manager)
    today = timezone.localdate()
    params = {"date_from": (today - dt.timedelta(days=59)).isoformat(), "date_to": today.isoformat()}
    html = client.get(f"/insights/{measured.slug}/bericht/", params).content.decode()
    assert "Bericht für den Betriebsausschuss" in html
    assert "Vorzeitraum" in html and "Das Wichtigste in Kürze" in html
    response = client.get(f"/insights/{measured.slug}/bericht.pdf", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert measured.name in text
    assert "Bericht für den Betriebsausschuss" in text
    assert "Kennzahlen im Vergleich" in text
    assert "Realisierte Vorlaufzeit, Median" in text
    assert "Zielkorridor" in text
    assert "So wird gemessen" in text
    assert reader.metadata.title.startswith("Terminvorlauf und Kapazität")


def test_csv_export_of_every_kpi(client, manager, measured):
    from buergerbuero.insights import kpis

    client.force_login(manager)
    for kpi in kpis.all_kpis():
        response = client.get(f"/insights/{measured.slug}/export/{kpi.key}.csv")
        assert response.status_code == 200, kpi.key
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] in {"date", "week_start"}
    rows = list(csv.reader(io.StringIO(client.get(f"/insights/{measured.slug}/export/lead_time.csv").content.decode())))
    assert rows[-1][0] == timezone.localdate().isoformat()  # today's snapshot is the last row
    assert rows[-1][1].isdigit()
    assert client.get(f"/insights/{measured.slug}/export/gibtsnicht.csv").status_code == 404


def test_open_data_lead_times_are_public(client, measured, id_card):
    response = client.get("/api/open/lead-times")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=300"
    [row] = response.json()
    assert row["office"] == measured.slug
    assert row["service"] == id_card.slug
    assert row["leika_key"] == "99008001000000"
    assert isinstance(row["lead_time_days"], int)
    assert row["earliest_start"] is not None


def test_an_office_without_any_data_still_renders_everything(client, manager, small_office):
    client.force_login(manager)
    small_office.reference_service = None
    small_office.save()
    html = client.get(f"/insights/{small_office.slug}/").content.decode()
    assert "Keine Daten im Zeitraum." in html
    response = client.get(f"/insights/{small_office.slug}/bericht.pdf")
    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "keine Messung" in text.replace("\n", " ")


def test_committee_report_lets_the_manager_pick_another_office(client, manager, small_office, id_card):
    from tests import factories

    other = factories.office(slug="zweigstelle", services=[id_card], organisation=small_office.organisation)
    client.force_login(manager)
    html = client.get(f"/insights/{small_office.slug}/bericht/").content.decode()
    assert '<option value="zweigstelle">' in html
    params = {"office": other.slug, "date_from": "2026-01-01", "date_to": "2026-03-31"}
    response = client.get(f"/insights/{small_office.slug}/bericht/", params)
    assert response.status_code == 302
    assert response["Location"] == "/insights/zweigstelle/bericht/?date_from=2026-01-01&date_to=2026-03-31"
    foreign = factories.office(slug="fremd", services=[id_card], organisation=Organisation.objects.create(name="X"))
    assert client.get(f"/insights/{small_office.slug}/bericht/", {"office": foreign.slug}).status_code == 404


def test_dashboard_and_committee_report_speak_english_when_asked(client, manager, measured):
    # the figure labels, chart texts and report sentences are built in Python (kpis.py, report.py), not in templates
    client.force_login(manager)
    dashboard = client.get(f"/insights/{measured.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in dashboard
    for english, german in [
        ("Lead time on the last day", "Vorlaufzeit am letzten Tag"),
        ("Days within the target range", "Tage im Zielkorridor"),
        ("Waiting time on site, median", "Wartezeit vor Ort, Median"),
    ]:
        assert english in dashboard and german not in dashboard

    today = timezone.localdate()
    params = {"date_from": (today - dt.timedelta(days=59)).isoformat(), "date_to": today.isoformat()}
    report = client.get(f"/insights/{measured.slug}/bericht/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for english, german in [
        ("Report for the council committee", "Bericht für den Betriebsausschuss"),
        ("Previous period", "Vorzeitraum"),
        ("Lead time on the last day", "Vorlaufzeit am letzten Tag"),
    ]:
        assert english in report and german not in report


def test_english_pages_and_the_pdf_write_dates_the_english_way(client, manager, measured):
    client.force_login(manager)
    today = timezone.localdate()
    first = today - dt.timedelta(days=59)

    def english(day):
        return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"

    german_date = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")
    params = {"date_from": first.isoformat(), "date_to": today.isoformat()}
    pages = {
        "dashboard": client.get(f"/insights/{measured.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode(),
        "report": client.get(f"/insights/{measured.slug}/bericht/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode(),
    }
    pdf = client.get(f"/insights/{measured.slug}/bericht.pdf", params, HTTP_ACCEPT_LANGUAGE="en").content
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages["pdf"] = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    for name, text in pages.items():
        assert not german_date.search(text), (name, german_date.search(text))
    assert f"Measured on {english(today)} " in pages["dashboard"]
    assert f"Latest value ({english(today)})" in pages["dashboard"]
    assert f"period {english(first)}–{english(today)}" in pages["report"]
    assert f"Created on {english(today)} " in pages["report"]
    assert f"{english(first)}–{english(today)}" in pages["pdf"]

    german = client.get(f"/insights/{measured.slug}/bericht/", params, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f"Zeitraum {first:%d.%m.%Y}–{today:%d.%m.%Y}" in german


def test_english_units_after_numbers_are_lower_case_and_headers_capitalised(client, manager, measured):
    # "Termine", "Vorsprachen", "Tage" ... are headings or model names elsewhere: the unit has its own context
    client.force_login(manager)
    today = timezone.localdate()
    params = {"date_from": (today - dt.timedelta(days=59)).isoformat(), "date_to": today.isoformat()}
    dashboard = client.get(f"/insights/{measured.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    report = client.get(f"/insights/{measured.slug}/bericht/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    capitalised = re.compile(r"\d (Days|Minutes|Hours|Seconds|Appointments|Visits|Ticket numbers|Calls)\b")
    for text in (dashboard, report):
        assert not capitalised.search(text), capitalised.search(text)
    assert re.search(r"\d appointments\b", dashboard) and re.search(r"\d days\b", dashboard)
    assert '<th scope="col">Days</th>' in dashboard  # the column of the lead time per service
    for unit in ("appointments", "visits", "ticket numbers", "calls", "hours", "days"):
        assert re.search(rf"\d {unit}\b", report), unit
    assert "(appointments)" in report  # the unit in a chart's table header
    text = re.sub(r"<[^>]+>", " ", report)  # numbers as people read them, not the SVG coordinates
    assert not re.search(r"\b\d+,\d\b", text), re.search(r".{40}\b\d+,\d\b.{40}", text)  # no German 0,2
