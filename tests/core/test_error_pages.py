"""One error page for 400/403/404/500 in German and English, citizen and staff variants, with reason and way back
(issue 16). Runs with DEBUG off like `make run` and production."""

import json
import logging

import pytest
from django.test import Client
from django.urls import include, path

from buergerbuero.accounts.models import Organisation, StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("kaputt")


# A URL conf with a view that fails, and the project's handlers (read from the root URL conf).
urlpatterns = [path("kaputt/", boom), path("", include("buergerbuero.urls"))]
handler500 = "buergerbuero.core.error_views.server_error"


def test_a_mistyped_address_shows_the_citizen_page_not_the_url_list(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Seite nicht gefunden" in html
    assert "Using the URLconf" not in html and "urlpatterns" not in html
    assert 'href="/"' in html and "Meine Buchung" in html  # a way back
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/gibt-es-nicht/").content.decode()
    assert "Page not found" in english and "Seite nicht gefunden" not in english


def test_a_refusal_shows_its_german_reason_on_the_staff_page_without_a_traceback(client, caplog):
    city = Organisation.objects.create(name="Stadt", kind=Organisation.Kind.MUNICIPALITY)
    clerk = factories.staff_user("sachbearbeitung", city, StaffMembership.Role.CLERK)
    client.force_login(clerk)
    with caplog.at_level(logging.INFO):
        response = client.get("/insights/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Kein Zugriff" in html
    assert "Die Kennzahlen sind der Leitung vorbehalten." in html  # the reason the access check gives
    assert "für Mitarbeitende" in html  # the staff variant with its way back
    assert "Meine Buchung" not in html
    assert not [r for r in caplog.records if r.exc_info], "an ordinary refusal must not log a traceback"
    assert [r.getMessage() for r in caplog.records if r.name == "buergerbuero.request"] == ["GET insights/ 403"]
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/insights/").content.decode()
    assert "No access" in english
    assert "Die Kennzahlen" not in english


def test_an_api_address_answers_problem_json(client):
    response = client.get("/api/gibt-es-nicht")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["messages"]["de"] != body["messages"]["en"]


@pytest.mark.urls("tests.core.test_error_pages")
def test_a_server_error_shows_the_page_with_a_request_id(client):
    client.raise_request_exception = False
    response = client.get("/kaputt/", HTTP_X_REQUEST_ID="abc123")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Ein Fehler ist aufgetreten" in html and "Traceback" not in html
    assert "Zur Startseite" in html
