"""Per-address limits on everything that takes a booking code or an appointment link: look-ups, moves,
cancellations and resend-links requests, in the API (429 problem+json) and on the pages (the message, 429)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from buergerbuero.booking import links
from buergerbuero.booking.models import Appointment
from tests import factories
from tests.fair.conftest import at, book

ELSEWHERE = "203.0.113.9"  # another client address


@pytest.fixture
def limits(settings):
    """One try per scope and address, so the second request shows the limit."""
    settings.RATELIMITS = {**settings.RATELIMITS, "lookup": "2/600", "cancel": "1/600", "resend": "1/3600"}


@pytest.fixture
def booked(small_office):
    """A confirmed appointment next week and its secret key."""
    now = timezone.now()
    return book(small_office, "personalausweis", at(factories.next_weekday(0), 9), now=now, email="erika@example.org")


def assert_limited_problem(response):
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "rate_limited" and body["retry_after"] == int(response["Retry-After"]) >= 1
    assert "Sekunden" in body["messages"]["de"] and "seconds" in body["messages"]["en"]


def test_code_look_ups_are_limited_per_address_also_for_the_right_key(client, limits, booked):
    appointment, token = booked
    url = f"/api/appointments/{appointment.code}"
    assert client.get(url, headers={"X-Booking-Token": "guess-1"}).status_code == 404  # guesses count
    assert client.get(url, headers={"X-Booking-Token": "guess-2"}).status_code == 404
    assert_limited_problem(client.get(url, headers={"X-Booking-Token": token}))
    other = client.get(url, headers={"X-Booking-Token": token}, REMOTE_ADDR=ELSEWHERE)
    assert other.status_code == 200 and other.json()["code"] == appointment.code


def test_moves_through_the_api_count_as_code_look_ups(client, limits, booked):
    appointment, token = booked
    headers = {"X-Booking-Token": token}
    client.get(f"/api/appointments/{appointment.code}", headers=headers)
    client.get(f"/api/appointments/{appointment.code}", headers=headers)
    moved_to = (appointment.start + dt.timedelta(hours=1)).isoformat()
    response = client.post(
        f"/api/appointments/{appointment.code}/reschedule",
        {"start": moved_to},
        content_type="application/json",
        headers=headers,
    )
    assert_limited_problem(response)
    assert Appointment.objects.get(pk=appointment.pk).start == appointment.start, "nothing moved"


def test_api_cancellations_are_limited_before_anything_changes(client, limits, booked):
    appointment, token = booked
    url = f"/api/appointments/{appointment.code}/cancel"
    assert client.post(url, headers={"X-Booking-Token": "guess"}).status_code == 404
    assert_limited_problem(client.post(url, headers={"X-Booking-Token": token}))
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CONFIRMED
    assert client.post(url, headers={"X-Booking-Token": token}, REMOTE_ADDR=ELSEWHERE).json()["status"] == "cancelled"


def test_the_cancel_page_says_when_there_were_too_many_requests(client, limits, small_office):
    day = factories.next_weekday(0)
    now = timezone.now()
    first, _ = book(small_office, "personalausweis", at(day, 9), now=now, email="a@example.org")
    second, _ = book(small_office, "personalausweis", at(day, 10), now=now, email="b@example.org")
    done = client.post(f"/meine-buchung/{links.manage_token(first.public_id)}/absagen/")
    assert done.status_code == 302
    refused = client.post(f"/meine-buchung/{links.manage_token(second.public_id)}/absagen/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Zu viele Anfragen. Bitte versuchen Sie es in" in refused.content.decode()
    assert Appointment.objects.get(pk=second.pk).status == Appointment.Status.CONFIRMED


def test_resend_links_is_limited_and_says_so_on_the_page(client, limits, booked, django_capture_on_commit_callbacks):
    appointment, _token = booked
    form = {"code": appointment.code, "email": "erika@example.org"}
    assert client.post("/meine-buchung/", {"code": "", "email": "x"}).status_code == 400  # a typo costs no try
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/meine-buchung/", form).status_code == 200
        refused = client.post("/meine-buchung/", form)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert "Zu viele Anfragen. Bitte versuchen Sie es in" in html
    assert "zusammenpassen" not in html, "a refused request does not claim that links were sent"
    assert appointment.code in html, "what was typed is kept"
    assert len([m for m in mail.outbox if appointment.code in m.body]) == 1
