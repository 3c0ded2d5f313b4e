"""Meldebescheinigung fully online: eID (level hoch) only, signed PDF downloadable and verifiable with pyHanko."""

from django.test import Client

from buergerbuero.applications import signing
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
    assert "Bürgerbüro" in result.signing_cert.subject.human_friendly

    title = f"(Meldebescheinigung {application.reference})".encode()
    assert pdf.count(title) == 1
    tampered = pdf.replace(title, title.replace(b"VA-", b"VB-"))
    broken = signing.verify_pdf(tampered, trust_root=ca)
    assert not broken.intact and not broken.bottom_line

    assert Client().get(f"/online/antrag/{application.public_id}/dokument").status_code == 404
