"""The short appointment of a pre-application is booked like every citizen booking (docs/fair-release.md):
anti-bot proof, per-IP hold limit, per-address limit and the e-mail opt-in. The bot script of issue 18, as a test."""

import pytest
from django.core import mail
from django.test import Client

from buergerbuero.applications.models import Application
from buergerbuero.booking.models import Appointment
from tests.antibot import solve
from tests.applications.conftest import VALID_ID_CARD, start_draft
from tests.booking.webflow import link_to


def submitted(client, email: str) -> str:
    """A fresh pre-application in this client's session; returns the URL of its appointment step."""
    form_url = start_draft(client)
    response = client.post(form_url, {**VALID_ID_CARD, "email": email, "action": "submit"})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def first_time(client, url: str) -> str:
    return client.get(url).context["times"][0].isoformat()


def test_bot_script_books_nothing_without_proof_and_confirms_nothing_without_the_mail(client, online):
    # The script of the report: one address, fake mailboxes, straight to the appointment step.
    url = submitted(client, "bot0@example.invalid")
    refused = client.post(url, {"start": first_time(client, url)})
    assert refused.status_code == 400
    assert "Sicherheitsprüfung" in refused.content.decode()
    assert not Appointment.objects.exists()

    proof = solve(client)
    assert client.post(url, {"start": first_time(client, url), "altcha": proof}).status_code == 302
    replayed_url = submitted(client, "bot1@example.invalid")
    replayed = client.post(replayed_url, {"start": first_time(client, replayed_url), "altcha": proof})
    assert replayed.status_code == 400
    assert "schon verwendet" in replayed.content.decode()

    answers = []
    for n in range(2, 12):
        url = submitted(client, f"bot{n}@example.invalid")
        answers.append(client.post(url, {"start": first_time(client, url), "altcha": solve(client)}).status_code)
    # RATELIMIT_HOLD (10 per 10 minutes per address) counts every try, the refused ones too.
    assert answers.count(302) == 10 - 3
    assert answers[-3:] == [429, 429, 429]
    # Held only until the opt-in link is used: a made-up mailbox never confirms, the times come free again.
    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == 0
    assert Appointment.objects.filter(status=Appointment.Status.HELD).count() == 8


def test_one_address_books_at_most_the_office_limit(online, django_capture_on_commit_callbacks):
    office = online["office"]
    office.max_active_per_email = 2
    office.save()
    for n in range(3):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")  # other households: only the mailbox is shared
        url = submitted(client, "family@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"start": first_time(client, url), "altcha": solve(client)})
        if n < 2:
            assert response.status_code == 302, response.content.decode()
            with django_capture_on_commit_callbacks(execute=True):
                assert client.post(link_to(mail.outbox[-1], "/bestaetigen/")).status_code == 302
        else:
            assert response.status_code == 409
            assert "Mit dieser E-Mail-Adresse sind bereits 2 Termine gebucht" in response.content.decode()
    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == 2
    assert Application.objects.latest("created_at").appointment_code == ""  # nothing held, nothing linked


@pytest.mark.parametrize("status", ["held", "confirmed"])
def test_a_second_booking_for_the_same_pre_application_is_refused(
    client, online, status, django_capture_on_commit_callbacks
):
    url = submitted(client, "max@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"start": first_time(client, url), "altcha": solve(client)}).status_code == 302
    if status == "confirmed":
        with django_capture_on_commit_callbacks(execute=True):
            client.post(link_to(mail.outbox[-1], "/bestaetigen/"))
        # a confirmed visit is moved on the same page, without a second appointment
        page = client.get(url)
        assert page.context["moving"] and "Termin verschieben" in page.content.decode()
        later = page.context["times"][-1]
        assert client.post(url, {"start": later.isoformat()}).status_code == 302
        assert Appointment.objects.get().start == later
    else:
        assert client.get(url).status_code == 302  # back to the status page: confirm the mail first
    assert Appointment.objects.count() == 1
