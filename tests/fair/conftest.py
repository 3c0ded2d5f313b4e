import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.booking import services
from buergerbuero.booking.selectors import live
from tests.antibot import solve  # noqa: F401  (used by the tests of this folder)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def fair_settings(settings):
    settings.ANTIBOT_REQUIRED = True
    return settings


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def book(office, service_slug: str, start: dt.datetime, *, now: dt.datetime, email="x@example.org"):
    query = live.booking_query(office=office, service_slugs=[service_slug], now=now)
    hold, token = services.hold(query=query, start=start, now=now)
    return services.confirm(appointment=hold, name="Test", email=email, now=now), token
