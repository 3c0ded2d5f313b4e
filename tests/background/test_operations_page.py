"""The operations page and /readyz: failed messages for the administration of their own offices, resend,
the scheduler's jobs with localised times, and readiness from the outbox and the process leases."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.background import jobs, scheduler, services, worker
from buergerbuero.background import selectors as background_selectors
from buergerbuero.background.models import Message
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_delivers(settings):
    settings.OUTBOX_DELIVER_ON_COMMIT = False


def staff(username, organisation, role):
    user = get_user_model().objects.create_user(username, password="pw")
    StaffMembership.objects.create(user=user, organisation=organisation, role=role)
    return user


def failed_message(office, key, to):
    with transaction.atomic():
        services.send_later(
            kind="applications.notice",
            key=key,
            payload={"subject": "s", "body": "b", "to": to},
            recipient=to,
            office_id=office.pk,
        )
    Message.objects.filter(key=key).update(
        status=Message.Status.FAILED, attempts=8, last_error="SMTP 550: no such user", finished_at=timezone.now()
    )
    return Message.objects.get(key=key)


@pytest.fixture
def two_cities(small_office):
    other = factories.office(slug="andere-stadt", organisation=Organisation.objects.create(name="Andere Stadt"))
    return small_office, other


def test_the_administration_sees_its_failed_messages_and_sends_one_again(client, two_cities):
    ours, theirs = two_cities
    mine = failed_message(ours, "a:1", "erika@example.org")
    foreign = failed_message(theirs, "b:1", "max@example.org")
    client.force_login(staff("admin", ours.organisation, StaffMembership.Role.ADMIN))
    page = client.get("/betrieb/").content.decode()
    assert "erika@example.org" in page and "E-Mail zum Online-Antrag" in page and "SMTP 550" in page
    assert "max@example.org" not in page
    assert client.post(f"/betrieb/nachrichten/{foreign.pk}/erneut-senden/").status_code == 404
    response = client.post(f"/betrieb/nachrichten/{mine.pk}/erneut-senden/", follow=True)
    assert "wird erneut gesendet" in response.content.decode()
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert mine.status == Message.Status.PENDING and mine.attempts == 0
    assert foreign.status == Message.Status.FAILED


@pytest.mark.parametrize("role", [StaffMembership.Role.CLERK, StaffMembership.Role.MANAGER])
def test_other_roles_may_not_open_the_page(client, small_office, role):
    message = failed_message(small_office, "a:1", "erika@example.org")
    client.force_login(staff("someone", small_office.organisation, role))
    assert client.get("/betrieb/").status_code == 403
    assert client.post(f"/betrieb/nachrichten/{message.pk}/erneut-senden/").status_code == 403
    assert Message.objects.get().status == Message.Status.FAILED


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/betrieb/")
    assert response.status_code == 302 and response.url.startswith("/intern/anmelden/")


def test_the_jobs_show_their_last_run_in_local_words(client, small_office):
    now = dt.datetime(2026, 12, 1, 13, 5, tzinfo=dt.UTC)
    scheduler.tick(jobs=jobs.JOBS, now=now, holder="test")
    client.force_login(staff("admin", small_office.organisation, StaffMembership.Role.ADMIN))
    page = client.get("/betrieb/").content.decode()
    assert "Kennzahlen messen" in page and "Tagesabschluss der Wartebereiche" in page
    assert "01.12.2026 14:05" in page  # Berlin time, German format
    assert "2026-12-01" not in page


def test_readyz_needs_a_worker_a_scheduler_and_no_old_backlog(client, settings, small_office):
    settings.OUTBOX_BACKLOG_SECONDS = 600
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "NotReady"
    assert response.json()["checks"]["scheduler"] == "NotReady"
    now = timezone.now()
    worker.beat(name=worker.HEARTBEAT + "test:1", now=now)
    scheduler.tick(jobs=[], now=now, holder="test")
    assert client.get("/readyz").status_code == 200
    failed_message(small_office, "a:1", "erika@example.org")
    with transaction.atomic():
        services.send_later(
            kind="applications.notice",
            key="late",
            payload={"subject": "s", "body": "b", "to": "x@example.org"},
            now=now - dt.timedelta(minutes=11),
        )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"] == "NotReady"
    outbox = background_selectors.readiness(now=timezone.now())["outbox"]
    assert outbox["ok"] is False and outbox["due"] == 1 and outbox["failed"] == 1
    assert outbox["oldest_due_seconds"] >= 660


def test_the_admin_lists_messages_and_sends_failed_ones_again(admin_client, small_office):
    message = failed_message(small_office, "a:1", "erika@example.org")
    page = admin_client.get("/admin/background/message/?status=failed").content.decode()
    assert "E-Mail zum Online-Antrag" in page and "erika@example.org" in page
    response = admin_client.post(
        "/admin/background/message/", {"action": "resend", "_selected_action": [message.pk]}, follow=True
    )
    assert "1 Nachricht(en) werden erneut gesendet." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert admin_client.get("/admin/background/jobstate/").status_code == 200
