"""ID-card pre-application through the real HTTP stack: drafts, validation, fee, eID prefill, short appointment."""

import datetime as dt
import io
import struct
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import zxingcpp
from django.core import mail
from django.utils import timezone

from buergerbuero.applications.models import Application, Attachment, Status
from buergerbuero.booking.models import Appointment
from tests.antibot import solve
from tests.applications.conftest import VALID_ID_CARD, login, start_draft
from tests.booking.webflow import link_to


def png_bytes(image) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def upload(name, data, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_draft_keeps_everything_typed_even_when_invalid(client, online):
    form_url = start_draft(client)
    partial = {"given_name": "Max", "postcode": "4457", "action": "save"}
    assert client.post(form_url, partial).status_code == 200
    page = client.get(form_url).content.decode()
    assert 'value="Max"' in page and 'value="4457"' in page

    refused = client.post(form_url, {**partial, "action": "submit"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Die Postleitzahl hat fünf Ziffern." in text
    assert "Bitte füllen Sie dieses Feld aus." in text
    application = Application.objects.get()
    assert application.status == Status.DRAFT
    assert application.answers["postcode"] == "4457"


def test_submit_computes_the_fee_and_books_the_short_appointment(client, online, django_capture_on_commit_callbacks):
    form_url = start_draft(client)
    submitted = client.post(form_url, {**VALID_ID_CARD, "action": "submit"})
    assert submitted.status_code == 302, submitted.content.decode()
    application = Application.objects.get()
    assert application.status == Status.SUBMITTED
    assert application.fee == Decimal("46.00")  # born 1990, applying after 7 Feb 2026
    assert application.answers["photo_code"] == "EPF-7Q2X-K9ZB"

    times_page = client.get(submitted["Location"])
    assert times_page.status_code == 200
    first = times_page.context["times"][0]
    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(submitted["Location"], {"start": first.isoformat(), "altcha": solve(client)})
    assert booked.status_code == 302, booked.content.decode()
    appointment = Appointment.objects.get()
    application.refresh_from_db()
    assert application.appointment_code == appointment.code
    assert appointment.status == Appointment.Status.HELD  # kept for the e-mail opt-in, like every web booking
    assert appointment.email == "max@example.org"
    assert [item.service.slug for item in appointment.items.all()] == ["personalausweis-vorantrag"]
    assert (appointment.end - appointment.start) == dt.timedelta(minutes=10)
    local = timezone.localtime(appointment.start, ZoneInfo("Europe/Berlin"))
    status = client.get(booked["Location"])
    text = status.content.decode()
    assert appointment.code in text and "46,00 €" in text
    assert local.strftime("%d.%m.%Y") in text and local.strftime("%H:%M") in text
    assert "Bitte bestätigen Sie den Termin" in text
    assert "no-store" in status["Cache-Control"]

    [opt_in_mail] = mail.outbox
    assert local.strftime("%H:%M") in opt_in_mail.body
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link_to(opt_in_mail, "/bestaetigen/")).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert local.strftime("%H:%M") in mail.outbox[-1].body and mail.outbox[-1].to == ["max@example.org"]
    text = client.get(booked["Location"]).content.decode()
    assert "Der Termin ist bestätigt." in text and 'id="manage-appointment"' in text


def test_direct_delivery_needs_age_16_and_a_second_id(client, online):
    form_url = start_draft(client)
    young = {**VALID_ID_CARD, "birth_date": "2012-01-01", "delivery": "direct", "action": "submit"}
    refused = client.post(form_url, young)
    assert refused.status_code == 400
    assert "Zweites gültiges Ausweisdokument" in refused.content.decode()
    assert "Bitte füllen Sie dieses Feld aus." in refused.content.decode()
    refused = client.post(form_url, {**young, "second_id": "Reisepass C01X00T47"})
    assert "Direktversand ist erst ab 16 Jahren möglich" in refused.content.decode()
    ok = client.post(form_url, {**young, "birth_date": "2004-01-01", "second_id": "Reisepass C01X00T47"})
    assert ok.status_code == 302
    application = Application.objects.get()
    assert application.fee == Decimal("27.60") + Decimal("15.00")


def test_under_16_applies_with_a_guardian_and_pickup_keeps_no_second_id(client, online):
    form_url = start_draft(client)
    child = {**VALID_ID_CARD, "birth_date": "2015-03-01", "second_id": "Reisepass C01X00T47", "action": "submit"}
    refused = client.post(form_url, child)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Unter 16 Jahren stellen Sie den Antrag mit einer sorgeberechtigten Person." in text
    assert 'id="error-guardian_name"' in text and 'id="error-guardian_phone"' in text
    guardian = {"guardian_name": "Petra Muster", "guardian_relation": "parent", "guardian_phone": "02305 1060"}
    assert client.post(form_url, {**child, **guardian}).status_code == 302
    application = Application.objects.get()
    assert application.answers["guardian_name"] == "Petra Muster"
    assert application.answers["second_id"] == ""  # only Direktversand needs it: not kept with pick-up


def test_an_adult_keeps_no_guardian_details(client, online):
    form_url = start_draft(client)
    adult = {**VALID_ID_CARD, "guardian_name": "Petra Muster", "action": "submit"}
    assert client.post(form_url, adult).status_code == 302
    assert Application.objects.get().answers["guardian_name"] == ""


def test_the_form_shows_the_fee_of_the_visit_day_before_submitting(client, online):
    form_url = start_draft(client)
    assert 'id="fee-preview"' not in client.get(form_url).content.decode()  # no birth date yet
    saved = client.post(form_url, {**VALID_ID_CARD, "birth_date": "2005-06-01", "photo": "office", "action": "save"})
    text = saved.content.decode()
    assert 'id="fee-preview"' in text
    assert "33,60 €" in text and "Lichtbild im Bürgerbüro 6,00 €" in text  # 27.60 + 6.00, one decimal format


def test_photo_in_office_costs_six_euro(client, online):
    form_url = start_draft(client)
    data = {**VALID_ID_CARD, "photo": "office", "photo_code": "", "action": "submit"}
    assert client.post(form_url, data).status_code == 302
    assert Application.objects.get().fee == Decimal("52.00")


def test_photo_code_read_from_an_uploaded_datamatrix(client, online):
    code = zxingcpp.create_barcode("EPF-DM-55AA77", zxingcpp.BarcodeFormat.DataMatrix)
    symbol = np.array(code.to_image(scale=6))
    picture = cv2.cvtColor(np.pad(symbol, 40, constant_values=255), cv2.COLOR_GRAY2BGR)
    form_url = start_draft(client)
    data = {**VALID_ID_CARD, "photo_code": "", "action": "submit"}
    data["photo_code_image"] = upload("code.png", png_bytes(picture))
    response = client.post(form_url, data)
    assert response.status_code == 302, response.content.decode()
    assert Application.objects.get().answers["photo_code"] == "EPF-DM-55AA77"


def test_picture_without_code_is_explained(client, online):
    form_url = start_draft(client)
    blank = np.full((200, 200, 3), 255, np.uint8)
    data = {
        **VALID_ID_CARD,
        "photo_code": "",
        "action": "submit",
        "photo_code_image": upload("x.png", png_bytes(blank)),
    }
    response = client.post(form_url, data)
    assert response.status_code == 400
    assert "kein DataMatrix- oder QR-Code" in response.content.decode()


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * 64


def _zip_bomb() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.png", b"\0" * 20_000_000)
    return buffer.getvalue()


def test_bad_uploads_are_refused_and_nothing_is_stored(client, online, settings):
    form_url = start_draft(client)
    cases = [
        (upload("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 50), "beschädigt"),
        (upload("bomb.png", _png_header_only(100_000, 100_000)), "zu viele Bildpunkte"),
        (upload("bomb.zip", _zip_bomb(), "application/zip"), "Dateityp wird nicht angenommen"),
        (upload("fake.png", b"<?php echo 1; ?>", "image/png"), "Dateityp wird nicht angenommen"),
        (upload("empty.png", b""), "leer"),
    ]
    for uploaded, message in cases:
        response = client.post(form_url, {"given_name": "Max", "action": "save", "photo_code_image": uploaded})
        assert response.status_code == 400
        assert message in response.content.decode(), message
    settings.APPLICATIONS_MAX_UPLOAD_BYTES = 1000
    big = upload("big.png", png_bytes(np.random.default_rng(1).integers(0, 255, (100, 100, 3), dtype=np.uint8)))
    response = client.post(form_url, {"action": "save", "photo_code_image": big})
    assert "zu groß" in response.content.decode()
    assert Attachment.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True
    assert Application.objects.get().answers["given_name"] == "Max"  # the draft itself was kept


def test_eid_identity_prefills_and_locks_the_fields(client, online, local_idp):
    login(client, method="eid", next_url="/online/dienst/personalausweis/")
    form_url = start_draft(client)
    page = client.get(form_url).content.decode()
    assert 'value="Erika"' in page and "Aus Ihrem Online-Ausweis übernommen" in page
    data = {**VALID_ID_CARD, "given_name": "Mallory", "birth_date": "2001-01-01", "action": "submit"}
    assert client.post(form_url, data).status_code == 302
    application = Application.objects.get()
    assert application.answers["given_name"] == "Erika"
    assert application.answers["birth_date"] == "1964-08-12"
    assert application.trust_level == 4 and application.identity["subject"] == "bpk2-test-erika-mustermann"


def test_a_stranger_cannot_open_the_application(client, online):
    from django.test import Client

    form_url = start_draft(client)
    assert Client().get(form_url).status_code == 404


def test_huge_upload_is_cut_off_and_the_other_fields_survive(client, online, settings):
    settings.APPLICATIONS_MAX_UPLOAD_BYTES = 64 * 1024
    form_url = start_draft(client)
    huge = upload("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024))
    # the file comes before the text fields in the form; they must still arrive
    response = client.post(form_url, {"photo_code_image": huge, "given_name": "Max", "consent": "on", "action": "save"})
    assert response.status_code == 400
    assert "zu groß" in response.content.decode()
    assert Attachment.objects.count() == 0
    assert Application.objects.get().answers["given_name"] == "Max"


def test_csrf_still_protects_the_form(online):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.post("/online/dienst/personalausweis/", {}).status_code == 403
    client.get("/online/dienst/personalausweis/")
    token = client.cookies["csrftoken"].value
    form_url = client.post("/online/dienst/personalausweis/", {"csrfmiddlewaretoken": token})["Location"]
    assert client.post(form_url, {"given_name": "Max", "action": "save"}).status_code == 403
    saved = client.post(form_url, {"given_name": "Max", "action": "save", "csrfmiddlewaretoken": token})
    assert saved.status_code == 200
    assert Application.objects.get().answers["given_name"] == "Max"
