import datetime as dt
from zoneinfo import ZoneInfo

import altcha
import pytest
from django.core.cache import cache

from buergerbuero.booking import selectors, services

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def fair_settings(settings):
    """Real proof-of-work at a low difficulty (a few PBKDF2 rounds) and a clean cache per test."""
    settings.ALTCHA_COST = 1
    settings.ALTCHA_MAX_COUNTER = 20
    settings.ANTIBOT_REQUIRED = True
    cache.clear()
    yield settings
    cache.clear()


def solve(client) -> str:
    """Do what the widget does: fetch a challenge, find the counter, send back the base64 payload."""
    response = client.get("/api/antibot/challenge")
    assert response.status_code == 200, response.content
    challenge = altcha.Challenge.from_dict(response.json())
    solution = altcha.solve_challenge(challenge, timeout=30)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def book(office, service_slug: str, start: dt.datetime, *, now: dt.datetime, email="x@example.org"):
    query = selectors.booking_query(office=office, service_slugs=[service_slug], now=now)
    hold, token = services.hold(query=query, start=start, now=now)
    return services.confirm(appointment=hold, name="Test", email=email, now=now), token
