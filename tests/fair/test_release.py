"""New days are released once a day at the office's published time (Office.release_time), not continuously."""

import datetime as dt

import pytest
from django.utils import timezone

from buergerbuero.booking import feed, services
from buergerbuero.booking.selectors import live
from buergerbuero.core.errors import DomainError
from tests import factories
from tests.fair.conftest import BERLIN

pytestmark = pytest.mark.django_db

# Monday 1 March 2027, 07:00 in Berlin; with a 10-day horizon the new day is Thursday 11 March.
RELEASE = dt.datetime(2027, 3, 1, 7, 0, tzinfo=BERLIN)
NEW_DAY = dt.date(2027, 3, 11)
JUST_BEFORE = RELEASE - dt.timedelta(microseconds=1)


@pytest.fixture
def office(id_card):
    return factories.office(services=[id_card], horizon_days=10, release_time=dt.time(7, 0))


def test_the_last_day_moves_exactly_at_release_time(office):
    before = live.booking_query(office=office, service_slugs=["personalausweis"], now=JUST_BEFORE)
    at = live.booking_query(office=office, service_slugs=["personalausweis"], now=RELEASE)
    assert before.request.last_day == NEW_DAY - dt.timedelta(days=1)
    assert at.request.last_day == NEW_DAY


def test_the_new_day_has_no_times_before_and_all_times_at_release(office):
    before = live.booking_query(office=office, service_slugs=["personalausweis"], now=JUST_BEFORE)
    with pytest.raises(DomainError) as exc:
        live.free_times(before, NEW_DAY, NEW_DAY, now=JUST_BEFORE)
    assert exc.value.field == "from"
    at = live.booking_query(office=office, service_slugs=["personalausweis"], now=RELEASE)
    times = live.free_times(at, NEW_DAY, NEW_DAY, now=RELEASE)[NEW_DAY]
    # Thursday: morning 8–12 and the service evening 16–19:30, two counters, 20-minute service, 10-minute grid.
    assert times[0].start == dt.datetime(2027, 3, 11, 8, 0, tzinfo=BERLIN)
    assert times[-1].start == dt.datetime(2027, 3, 11, 19, 10, tzinfo=BERLIN)


def test_a_booking_for_the_new_day_is_refused_before_release(office):
    start = dt.datetime(2027, 3, 11, 8, 0, tzinfo=BERLIN)
    before = live.booking_query(office=office, service_slugs=["personalausweis"], now=JUST_BEFORE)
    with pytest.raises(DomainError) as exc:
        services.hold(query=before, start=start, now=JUST_BEFORE)
    assert exc.value.field == "start"
    at = live.booking_query(office=office, service_slugs=["personalausweis"], now=RELEASE)
    hold, _token = services.hold(query=at, start=start, now=RELEASE)
    assert hold.start == start


def test_the_open_feed_shows_the_new_day_at_release(office):
    def days(now):
        row = feed.office_feed(office, now=now)
        return row, [d["date"] for d in row["services"][0]["days"]]

    row, before = days(JUST_BEFORE)
    assert NEW_DAY not in before
    assert row["bookable_until"] == NEW_DAY - dt.timedelta(days=1)
    assert row["next_release_at"] == RELEASE
    row, after = days(RELEASE)
    assert after[-1] == NEW_DAY
    assert row["next_release_at"] == RELEASE + dt.timedelta(days=1)


def test_release_follows_local_time_across_the_dst_change(id_card):
    """On 28 March 2027 clocks jump forward: 07:00 local is 05:00 UTC, one hour earlier than the day before."""
    office = factories.office(services=[id_card], horizon_days=10, release_time=dt.time(7, 0))
    release = dt.datetime(2027, 3, 29, 7, 0, tzinfo=BERLIN)
    assert release.utcoffset() == dt.timedelta(hours=2)
    for now, last in ((release - dt.timedelta(seconds=1), dt.date(2027, 4, 7)), (release, dt.date(2027, 4, 8))):
        query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
        assert query.request.last_day == last


def test_api_days_end_at_the_released_horizon(client, office):
    """Through the HTTP API: with the release not yet reached today the horizon ends a day earlier."""
    today = timezone.localdate(timezone=BERLIN)
    params = {
        "office": office.slug,
        "services": "personalausweis",
        "from": today.isoformat(),
        "to": (today + dt.timedelta(days=20)).isoformat(),
    }
    office.release_time = dt.time(0, 0)  # released already today
    office.save()
    released = [d["date"] for d in client.get("/api/availability/days", params).json()]
    office.release_time = dt.time(23, 59, 59, 999999)  # not yet released today
    office.save()
    not_yet = [d["date"] for d in client.get("/api/availability/days", params).json()]
    assert released[-1] == (today + dt.timedelta(days=10)).isoformat()
    assert not_yet[-1] == (today + dt.timedelta(days=9)).isoformat()
