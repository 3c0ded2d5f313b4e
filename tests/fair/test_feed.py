import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from buergerbuero.booking import feed
from tests import factories
from tests.fair.conftest import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(id_card):
    factories.service(slug="beglaubigung", minutes=10, leika="99014002035000")
    offline = factories.service(slug="waffenschein", minutes=30, leika="99089034001001", online=False)
    o = factories.office(services=[id_card, offline], horizon_days=14)
    o.office_services.create(service=factories.Service.objects.get(slug="beglaubigung"))
    return o


def test_feed_lists_offices_services_earliest_and_days(client, office):
    response = client.get("/api/open/availability")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["version"] == 1
    assert data["max_age_seconds"] == 60
    (row,) = data["offices"]
    assert row["office"] == "test-office"
    assert row["release_time"] == "07:00"
    services = {s["service"]: s for s in row["services"]}
    assert set(services) == {"personalausweis", "beglaubigung"}  # online-bookable only
    id_card = services["personalausweis"]
    assert id_card["leika_key"] == "99008001000000"
    assert id_card["earliest"] == id_card["days"][0]["first"]
    assert all(day["free_times"] > 0 for day in id_card["days"])
    assert id_card["days"][-1]["date"] <= row["bookable_until"]


def test_feed_is_the_truth_the_booking_api_tells(client, office):
    """The earliest time in the feed is the one /availability/earliest gives and a hold can take."""
    data = client.get("/api/open/availability").json()
    earliest = {s["service"]: s for s in data["offices"][0]["services"]}["personalausweis"]["earliest"]
    api = client.get("/api/availability/earliest", {"services": "personalausweis"}).json()
    assert dt.datetime.fromisoformat(api[0]["start"]) == dt.datetime.fromisoformat(earliest)


def test_feed_is_cacheable_with_etag_and_304(client, office):
    first = client.get("/api/open/availability")
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first["Cache-Control"].startswith("public, max-age=")
    assert 0 < int(first["Cache-Control"].rsplit("=", 1)[1]) <= 60
    again = client.get("/api/open/availability", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get("/api/open/availability", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_feed_is_computed_once_per_cache_period(client, office):
    before = client.get("/api/open/availability").json()
    earliest = dt.datetime.fromisoformat(
        {s["service"]: s for s in before["offices"][0]["services"]}["personalausweis"]["earliest"]
    )
    # Book every counter at the earliest time: the cached feed does not move until it expires …
    for _ in office.counters.all():
        book(office, "personalausweis", earliest, now=timezone.now())
    assert client.get("/api/open/availability").json() == before
    # … and the next computation shows the change.
    cache.delete(feed.CACHE_KEY)
    after = client.get("/api/open/availability").json()
    moved = {s["service"]: s for s in after["offices"][0]["services"]}["personalausweis"]["earliest"]
    assert dt.datetime.fromisoformat(moved) > earliest


def test_feed_days_skip_closed_days(office):
    now = at(factories.next_weekday(0), 6)  # a Monday morning
    data = feed.office_feed(office, now=now)
    weekdays = {d["date"].weekday() for d in data["services"][0]["days"]}
    assert weekdays <= {0, 1, 2, 3, 4}
    assert timezone.is_aware(data["next_release_at"])


def test_feed_is_rate_limited(client, office, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "feed": "2/60"}
    assert client.get("/api/open/availability").status_code == 200
    assert client.get("/api/open/availability").status_code == 200
    limited = client.get("/api/open/availability")
    assert limited.status_code == 429
    assert "Retry-After" in limited
