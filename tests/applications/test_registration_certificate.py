"""Meldebescheinigung fully online: eID (level hoch) only, signed PDF downloadable and verifiable with pyHanko."""

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from buergerbuero.applications import certificate, signing
from buergerbuero.applications.local_servers import serve
from buergerbuero.applications.local_tsa import LocalTSA
from buergerbuero.applications.models import Application, Status
from tests.applications.conftest import login, start_draft


def test_needs_an_eid_login(client, online):
    page = client.get("/online/dienst/meldebescheinigung/").content.decode()
    assert "Mit BundID und Online-Ausweis anmelden" in page
    refused = client.post("/online/dienst/meldebescheinigung/")
    assert refused.status_code == 403
    assert "Vertrauensniveau" in refused.content.decode()
    assert not Application.objects.exists()


def test_elster_is_not_enough(client, online, local_idp):
    from tests.applications.conftest import idp_response

    fields = idp_response(client, method="elster", level=4, next_url="/online/dienst/meldebescheinigung/")
    done = client.post("/online/anmelden/bundid/acs", fields)
    login_page = client.get(done["Location"])
    assert login_page.status_code == 403
    refused = client.post("/online/dienst/meldebescheinigung/")
    assert refused.status_code == 403
    assert not Application.objects.exists()


def test_signed_certificate_is_issued_and_verifies(client, online, local_idp, sp_var):
    login(client, method="eid", next_url="/online/dienst/meldebescheinigung/")
    form_url = start_draft(client, "meldebescheinigung")
    done = client.post(
        form_url, {"kind": "extended", "email": "erika@example.org", "consent": "on", "action": "submit"}
    )
    assert done.status_code == 302, done.content.decode()
    application = Application.objects.get()
    assert application.status == Status.COMPLETED
    assert list(application.changes.values_list("to_status", flat=True)) == ["submitted", "approved", "completed"]

    status = client.get(done["Location"]).content.decode()
    assert "Dokument herunterladen" in status
    download = client.get(f"/online/antrag/{application.public_id}/dokument")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content)

    ca = sp_var / "pki" / "test-ca.crt"
    assert client.get("/online/zertifikat.pem").content == ca.read_bytes()
    result = signing.verify_pdf(pdf, trust_root=ca)
    assert result.intact and result.valid and result.trusted
    assert "Bürgerbüro" in result.signer

    title = f"(Meldebescheinigung {application.reference})".encode()
    assert pdf.count(title) == 1
    tampered = pdf.replace(title, title.replace(b"VA-", b"VB-"))
    broken = signing.verify_pdf(tampered, trust_root=ca)
    assert not broken.intact and not broken.bottom_line

    assert Client().get(f"/online/antrag/{application.public_id}/dokument").status_code == 404


def outside_event_loop(function, *args, **kwargs):
    """pyHanko signs with asyncio.run(); after a browser test Playwright's loop runs in this thread (the server's
    request threads have none, so the views need no such care)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def issued_pdf() -> bytes:
    return outside_event_loop(_issued_pdf)


def _issued_pdf() -> bytes:
    pdf = certificate.render(
        office_name="Bürgerbüro Teststadt",
        office_address="Markt 1, 44575 Teststadt",
        reference="VA-TEST-0001",
        person={"given_name": "Erika", "family_name": "Mustermann", "birth_date": "1964-08-12"},
        kind="simple",
        issued=dt.date(2026, 12, 2),
    )
    return signing.sign_pdf(pdf, reason="Meldebescheinigung VA-TEST-0001", location="Teststadt")


def signed_attribute_names(pdf: bytes) -> set[str]:
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    return {attribute["type"].native for attribute in signature.signer_info["signed_attrs"]}


def test_the_signature_is_pades_baseline_b_and_validates_against_the_test_ca(sp_var):
    pdf = issued_pdf()
    names = signed_attribute_names(pdf)
    assert "signing_certificate_v2" in names and "message_digest" in names
    assert "signing_time" not in names  # PAdES: the time is /M or a timestamp, never the CMS attribute
    verdict = outside_event_loop(signing.verify_pdf, pdf, trust_root=sp_var / "pki" / "test-ca.crt")
    assert verdict.bottom_line and verdict.unchanged and not verdict.timestamped
    assert verdict.status.md_algorithm == "sha256"


def test_with_a_tsa_configured_the_signature_is_b_t(sp_var, settings):
    tsa = LocalTSA(sp_var / "pki")
    httpd = serve(tsa)
    settings.APPLICATIONS_SIGNING_TSA_URL = f"http://127.0.0.1:{httpd.server_port}/"
    try:
        pdf = issued_pdf()
    finally:
        httpd.shutdown()
    assert tsa.served  # (pyHanko asks once more to size the signature field)
    verdict = outside_event_loop(signing.verify_pdf, pdf, trust_root=sp_var / "pki" / "test-ca.crt")
    assert verdict.timestamped and verdict.bottom_line
    stamp = verdict.status.timestamp_validity
    assert stamp.intact and stamp.valid and stamp.trusted


def test_a_copy_changed_in_a_later_revision_is_not_called_unchanged(sp_var, tmp_path):
    pdf = issued_pdf()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    forged = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 72 400 Td (Wohnort: Anderswo) Tj ET"))
    writer.add_stream_to_page(0, forged)
    out = io.BytesIO()
    writer.write(out)
    changed = tmp_path / "geaendert.pdf"
    changed.write_bytes(out.getvalue())

    verdict = outside_event_loop(signing.verify_pdf, changed.read_bytes(), trust_root=sp_var / "pki" / "test-ca.crt")
    assert verdict.intact  # the signed bytes are untouched: the change sits in a revision after them
    assert not verdict.unchanged and not verdict.bottom_line
    printed = io.StringIO()
    with pytest.raises(CommandError, match="NICHT gültig"):
        outside_event_loop(
            call_command, "verify_document", str(changed), trust=str(sp_var / "pki" / "test-ca.crt"), stdout=printed
        )
    assert "unverändert: False" in printed.getvalue()

    original = tmp_path / "original.pdf"
    original.write_bytes(pdf)
    printed = io.StringIO()
    outside_event_loop(
        call_command, "verify_document", str(original), trust=str(sp_var / "pki" / "test-ca.crt"), stdout=printed
    )
    assert "unverändert: True" in printed.getvalue()
