"""Back office: state machine in the database, questions to the citizen with the SLA clock paused, audit, retention."""

import datetime as dt

import cv2
import numpy as np
import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from buergerbuero.applications import selectors, services
from buergerbuero.applications.models import Application, Attachment, Status, StatusChange
from buergerbuero.core.errors import Conflict
from buergerbuero.privacy.models import AuditRecord
from tests.applications.conftest import VALID_ID_CARD, start_draft


@pytest.fixture
def submitted(client, online, django_capture_on_commit_callbacks):
    form_url = start_draft(client)
    _ok, png = cv2.imencode(".png", np.full((60, 60, 3), 200, np.uint8))
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**VALID_ID_CARD, "action": "submit", "photo_code_image": SimpleUploadedFile("c.png", png.tobytes())}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(form_url, data).status_code == 302
    return Application.objects.get()


def test_submission_mails_the_citizen_after_commit(submitted, client):
    assert [m.to for m in mail.outbox] == [["max@example.org"]]
    assert submitted.reference in mail.outbox[0].subject
    # the mail carries the access link: it opens the status page in another browser
    link = next(line for line in mail.outbox[0].body.splitlines() if "/status?t=" in line)
    assert Client().get(link.replace("http://testserver", "")).status_code == 200


def test_database_refuses_a_transition_outside_the_state_machine(submitted):
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusChange.objects.create(
            application=submitted, from_status="submitted", to_status="completed", at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=submitted.pk).update(status="needs_info")  # SLA pause missing


def test_service_refuses_skipping_states(submitted, clerk):
    with pytest.raises(Conflict) as err:
        services.transition(application=submitted, to=Status.COMPLETED, actor=clerk)
    assert "kann nicht" in str(err.value.message)
    assert Application.objects.get().status == Status.SUBMITTED


def test_question_pauses_the_sla_and_the_answer_resumes_it(
    client, submitted, clerk, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(clerk)
    url = f"/online/verwaltung/{submitted.reference}/"
    with django_capture_on_commit_callbacks(execute=True):
        asked = staff.post(url, {"action": "ask", "info_request": "Bitte Geburtsort mit Landkreis angeben."})
    assert asked.status_code == 302
    application = Application.objects.get()
    assert application.status == Status.NEEDS_INFO and application.sla_paused_since is not None
    assert "Geburtsort mit Landkreis" in mail.outbox[-1].body

    later = application.sla_paused_since + dt.timedelta(hours=5)
    assert selectors.sla_hours_used(application, now=later) < 1  # the waiting time does not count

    status_url = f"/online/antrag/{application.public_id}/status"
    page = client.get(status_url).content.decode()
    assert "Geburtsort mit Landkreis" in page
    assert client.post(status_url, {"answer": ""}).status_code == 400
    assert client.post(status_url, {"answer": "Dortmund (kreisfrei)"}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW and application.sla_paused_since is None
    assert application.sla_paused_seconds >= 0

    for action in ("approve", "complete"):
        assert staff.post(url, {"action": action}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.COMPLETED and application.completed_at is not None
    assert list(application.changes.values_list("to_status", flat=True)) == [
        "submitted",
        "in_review",
        "needs_info",
        "in_review",
        "approved",
        "completed",
    ]
    assert "abgeschlossen" in client.get(status_url).content.decode()
    log = staff.get(url).content.decode()  # the audit log in words, not raw values
    assert "geändert – Status → genehmigt" in log and "gelöscht – Dateien" in log and "approved" not in log


def test_clerk_sees_everything_from_the_booking_code_and_is_logged(submitted, clerk):
    Application.objects.filter(pk=submitted.pk).update(appointment_code="ABCD-EFGH")
    staff = Client()
    staff.force_login(clerk)
    detail = staff.get("/online/verwaltung/?code=abcd-efgh", follow=True)
    assert detail.redirect_chain[-1][0] == f"/online/verwaltung/{submitted.reference}/"
    text = detail.content.decode()
    assert "Dortmund" in text and "EPF-7Q2X-K9ZB" in text and "46.00" in text.replace(",", ".")
    attachment = Attachment.objects.get()
    download = staff.get(f"/online/verwaltung/{submitted.reference}/datei/{attachment.pk}")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    actions = list(AuditRecord.objects.filter(actor=clerk).values_list("action", flat=True))
    assert "search" in actions and "read" in actions and "download" in actions


def test_the_clerk_reads_labels_and_local_formats_not_raw_values(submitted, clerk):
    staff = Client()
    staff.force_login(clerk)
    text = staff.get(f"/online/verwaltung/{submitted.reference}/").content.decode()
    answers = text[text.index('id="answers"') : text.index("</table>")]
    for shown in ("Der bisherige Ausweis läuft ab", "Ich habe einen E-Passfoto-Code", "Abholung im Bürgerbüro"):
        assert shown in answers
    assert "17.05.1990" in answers and "1990-05-17" not in answers
    assert ">ja<" in answers
    for raw in (">expiry<", ">code<", ">pickup<", ">on<", ">office<", ">first<"):
        assert raw not in answers
    assert "46,00 €" in answers and "46.00" not in answers
    assert "Bild des Foto-Codes" in text and ">photo_code_image<" not in text


def test_staff_of_another_organisation_is_refused(submitted, django_user_model):
    from buergerbuero.accounts.models import Organisation, StaffMembership

    other = django_user_model.objects.create_user("other")
    StaffMembership.objects.create(user=other, organisation=Organisation.objects.create(name="Stadt X"), role="clerk")
    staff = Client()
    staff.force_login(other)
    assert staff.get(f"/online/verwaltung/{submitted.reference}/").status_code == 403
    assert not AuditRecord.objects.filter(actor=other).exists()
    assert Client().get("/online/verwaltung/").status_code == 302  # login first


def test_retention_deletes_personal_data_and_files(submitted, clerk, django_capture_on_commit_callbacks, settings):
    stored = Attachment.objects.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        for to in (Status.IN_REVIEW, Status.APPROVED, Status.COMPLETED):
            services.transition(application=submitted, to=to, actor=clerk)
    import os

    assert not Attachment.objects.exists() and not os.path.exists(stored)  # files go when the visit is done
    application = Application.objects.get()
    assert application.answers  # the rest stays until the retention period ends
    assert application.purge_after is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_due(now=application.purge_after - dt.timedelta(seconds=1)) == 0
        assert services.purge_due(now=application.purge_after) == 1
    application.refresh_from_db()
    assert application.answers == {} and application.identity == {} and application.email == ""
    purge = AuditRecord.objects.filter(action="purge", object_id=application.reference).order_by("pk").last()
    assert f" code:{application.reference} " in purge.subjects  # the officer finds the purge by the reference
    assert not StatusChange.objects.filter(application=application).exclude(note="").exists()
    assert Client().get(f"/online/antrag/{application.public_id}/status").status_code == 404


def test_purge_command_clears_stale_drafts(client, online):
    from django.core.management import call_command

    start_draft(client)
    application = Application.objects.get()
    Application.objects.filter(pk=application.pk).update(purge_after=timezone.now() - dt.timedelta(days=1))
    call_command("purge_applications")
    application.refresh_from_db()
    assert application.purged_at is not None


def test_list_marks_applications_over_their_target(submitted, clerk):
    staff = Client()
    staff.force_login(clerk)
    assert "über dem Bearbeitungsziel" not in staff.get("/online/verwaltung/?status=submitted").content.decode()
    Application.objects.filter(pk=submitted.pk).update(submitted_at=timezone.now() - dt.timedelta(days=40))
    page = staff.get("/online/verwaltung/?status=submitted").content.decode()
    assert submitted.reference in page and "über dem Bearbeitungsziel" in page
