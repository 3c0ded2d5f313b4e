"""The key flow in a real browser: identify at the local IdP → fill the ID-card pre-application → book the
short appointment → the clerk sees everything from the booking code."""

from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from buergerbuero.applications.identity.contrib.local_idp import LocalIdP
from buergerbuero.applications.local_servers import serve
from buergerbuero.applications.models import Application
from buergerbuero.booking.models import Appointment
from tests.booking.webflow import link_to
from tests.staff_login import browser_sign_in


@pytest.fixture
def browser_idp(transactional_db, live_server, tmp_path, settings):
    app = LocalIdP(
        base_url="http://127.0.0.1:0",
        key_dir=tmp_path / "idp",
        sp_metadata=f"{live_server.url}/online/anmelden/bundid/metadata",
    )
    httpd = serve(app)
    app.base_url = f"http://127.0.0.1:{httpd.server_port}"
    settings.BUNDID = {**settings.BUNDID, "IDP_METADATA_FILE": str(app.write_metadata(tmp_path / "idp.xml"))}
    yield app
    httpd.shutdown()


@pytest.mark.browser
def test_eid_pre_application_short_appointment_and_clerk(
    transactional_db, online, clerk, browser_idp, page, live_server
):
    page.goto("/online/")
    page.get_by_role("link", name="Personalausweis: Vorantrag").click()
    page.locator("#login-eid").click()
    # at the local IdP (127.0.0.1): choose the test person, log in with the Online-Ausweis
    page.get_by_text("Mindest-Vertrauensniveau").wait_for()
    assert "STORK-QAA-Level-4" in page.content()
    page.get_by_label("Erika Mustermann", exact=False).check()
    page.get_by_role("button", name="Anmelden mit Online-Ausweis (eID)").click()
    # back at the office: identified, start the pre-application
    page.get_by_role("button", name="Antrag beginnen").click()
    assert page.locator("#id_given_name").input_value() == "Erika"
    assert page.locator("#id_given_name").get_attribute("readonly") is not None
    page.locator("#id_birth_place").fill("Bochum")
    page.get_by_label("Der bisherige Ausweis läuft ab").check()
    page.get_by_label("Ich habe einen E-Passfoto-Code").check()
    page.locator("#id_photo_code").fill("epf-4711-abcd")
    page.get_by_label("Abholung im Bürgerbüro").check()
    page.get_by_label("Meine Angaben sind richtig und vollständig.").check()
    page.locator("#submit-application").click()
    # the short appointment
    assert not page.locator(".error").count(), page.locator(".error").all_inner_texts()
    page.get_by_role("heading", name="Kurzen Termin buchen").wait_for()
    assert page.locator("#fee").inner_text().startswith("46")
    page.locator("#book-appointment").click()  # the ALTCHA widget solves first (fair release)
    page.locator("#appointment-opt-in").wait_for()
    appointment = Appointment.objects.get()
    application = Application.objects.get()
    assert application.appointment_code == appointment.code
    assert appointment.code in page.locator("#appointment").inner_text()
    local = timezone.localtime(appointment.start, ZoneInfo("Europe/Berlin"))
    assert local.strftime("%H:%M") in page.locator("#appointment-time").inner_text()
    # the opt-in link from the mail books it
    for _ in range(50):
        if mail.outbox:
            break
        page.wait_for_timeout(100)
    page.goto(link_to(mail.outbox[-1], "/bestaetigen/"))
    page.get_by_role("button", name="Termin verbindlich buchen").click()
    page.goto(f"/online/antrag/{application.public_id}/status")
    assert "Der Termin ist bestätigt." in page.locator("#appointment").inner_text()

    # the clerk looks the visit up by its booking code
    clerk_page = page.context.browser.new_page(base_url=live_server.url, locale="de-DE")
    browser_sign_in(clerk_page, "clerk", "pw-clerk-123", next_url="/online/verwaltung/")
    clerk_page.locator("#id_code").fill(appointment.code)
    clerk_page.get_by_role("button", name="Vorantrag öffnen").click()
    clerk_page.locator("#answers").wait_for()
    answers = clerk_page.locator("#answers").inner_text()
    assert "Mustermann" in answers and "EPF-4711-ABCD" in answers and "Bochum" in answers
    assert "Online-Ausweis" in clerk_page.locator("#identity-proof").inner_text()
    assert appointment.code in clerk_page.locator("#appointment-code").inner_text()
    clerk_page.close()
