"""Helpers for the citizen web tests: a small office and the steps of the flow through the real HTTP stack."""

import datetime as dt
import re
from html import unescape

import pytest

from buergerbuero.booking.models import Appointment
from buergerbuero.capacity.models import OpeningRule
from tests import factories

T = dt.time
LINK = re.compile(r"https?://[^\s\"<>]+")


def evening_office(**fields):
    """An office that opens only on Thursday evenings, labelled "Serviceabend" (earliest is always labelled)."""
    service = factories.service(
        required_documents="Alter Personalausweis\nBiometrisches Passfoto (digital)", fee_note="ab 24 Jahren"
    )
    office = factories.office(services=[service], weekdays="3", hours=(T(16), T(19, 30)), evening=False, **fields)
    OpeningRule.objects.filter(office=office).update(label="Serviceabend")
    return office, service


def times_url(office, service, persons=1, **filters) -> str:
    query = "&".join([f"services={service.slug}", f"persons={persons}", *(f"{k}={v}" for k, v in filters.items())])
    return f"/termine/{office.slug}/?{query}"


def start_values(html: str) -> list[str]:
    return [unescape(v) for v in re.findall(r'name="start" value="([^"]+)"', html)]


def ticket(html: str) -> str:
    """The no-JS anti-bot ticket the hold form carries (fair release; valid at once in these tests)."""
    return unescape(re.findall(r'name="altcha" value="([^"]+)"', html)[0])


@pytest.fixture(autouse=True)
def no_wait_for_the_no_js_ticket(settings):
    """The fair-release delay ticket is accepted at once here; tests/fair covers the waiting itself."""
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0


def hold(client, office, service, start: str | None = None, persons=1):
    page = client.get(times_url(office, service, persons)).content.decode()
    start = start or start_values(page)[0]
    response = client.post(
        f"/termine/{office.slug}/reservieren/",
        {"services": [service.slug], "persons": persons, "start": start, "altcha": ticket(page)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Appointment.objects.get(public_id=response.url.strip("/").split("/")[-1]), response.url


CONTACT = {"name": "Erika Mustermann", "email": "erika@example.org", "phone": "02305 1060", "consent": "on"}


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def link_to(message, fragment: str) -> str:
    """The path of the first link in the mail that contains `fragment` (host stripped)."""
    for url in links_in(message):
        if fragment in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link with {fragment!r} in {message.body}")
