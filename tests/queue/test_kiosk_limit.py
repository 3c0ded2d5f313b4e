"""The kiosk's code check-in is limited per address like the other code look-ups; walk-in tickets are not."""

import datetime as dt

import pytest
from django.utils import timezone

from buergerbuero.queue.models import Ticket
from tests.queue.conftest import appointment


@pytest.fixture
def one_check_in(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "checkin": "1/60"}


def test_too_many_check_ins_from_one_address_are_refused_beside_the_code_field(client, one_check_in, open_now, id_card):
    booked = appointment(open_now, id_card, timezone.now() + dt.timedelta(minutes=5))
    assert client.post("/queue/test-office/kiosk/", {"action": "check_in", "code": "ABCD-EFGH"}).status_code == 404
    refused = client.post("/queue/test-office/kiosk/", {"action": "check_in", "code": booked.code})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert 'id="code-error"' in html and "Zu viele Anfragen. Bitte versuchen Sie es in" in html
    assert booked.code in html, "the typed code is kept for the next try"
    assert not Ticket.objects.exists()
    other = client.post(
        "/queue/test-office/kiosk/", {"action": "check_in", "code": booked.code}, REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 200 and Ticket.objects.get().appointment_id == booked.pk


def test_walk_in_tickets_are_not_counted_as_check_ins(client, one_check_in, open_now, registration):
    for _ in range(2):
        assert (
            client.post("/queue/test-office/kiosk/", {"action": "walk_in", "service": registration.slug}).status_code
            == 200
        )
    assert Ticket.objects.count() == 2
