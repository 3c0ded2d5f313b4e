"""Holds and bookings are counted for /metrics once their transaction commits – and only then."""

import pytest
from prometheus_client import REGISTRY

from buergerbuero.booking import services
from buergerbuero.core.errors import Conflict
from tests.booking.test_services import at, monday, now, query  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def counted(name, channel="web"):
    return REGISTRY.get_sample_value(f"buergerbuero_{name}_total", {"channel": channel}) or 0.0


def test_a_committed_hold_and_booking_count_once(small_office, monday, now, django_capture_on_commit_callbacks):  # noqa: F811
    holds, bookings = counted("holds"), counted("bookings")
    with django_capture_on_commit_callbacks(execute=True):
        hold, _token = services.hold(query=query(small_office, now), start=at(monday, 8), now=now)
    assert counted("holds") == holds + 1 and counted("bookings") == bookings
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)
        services.confirm(appointment=hold, name="A B", email="a@example.org", now=now)  # the same booking again
    assert counted("bookings") == bookings + 1


def test_a_hold_that_fails_counts_nothing(small_office, monday, now, django_capture_on_commit_callbacks):  # noqa: F811
    q = query(small_office, now)
    with django_capture_on_commit_callbacks(execute=True):
        services.hold(query=q, start=at(monday, 8), now=now)
        services.hold(query=q, start=at(monday, 8), now=now)
    holds = counted("holds")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        services.hold(query=q, start=at(monday, 8), now=now)
    assert counted("holds") == holds
