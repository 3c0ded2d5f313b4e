"""The security-key script in a real browser: Chromium's virtual authenticator (DevTools WebAuthn domain) stands
for the key. A clerk enrols it on first sign-in, is signed in, signs out, and signs in again with the key alone
as second factor — the page's script (security-key.js) runs the ceremony under the site's CSP."""

import pytest
from django.contrib.auth import get_user_model

from buergerbuero.accounts.models import Organisation, StaffMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "lang-genug-und-selten-42"


def _password_step(page, next_url: str) -> None:
    page.goto("/intern/anmelden/")
    page.fill("#id_username", "sachbearbeitung")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"**{next_url}")


def test_a_clerk_enrols_a_security_key_and_signs_in_with_it(page, live_server, settings):
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]  # http://localhost:<port>: a secure context
    city = Organisation.objects.create(name="Stadt Test")
    user = get_user_model().objects.create_user("sachbearbeitung", "sb@example.org", PASSWORD, is_staff=True)
    StaffMembership.objects.create(user=user, organisation=city, role=StaffMembership.Role.CLERK)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    _password_step(page, "/intern/anmelden/einrichten/")
    page.fill("#security-key-name", "Virtueller Schlüssel")
    page.click("#security-key-button")
    page.wait_for_url("**/intern/sicherheit/")
    assert "Virtueller Schlüssel" in page.inner_text("#keys")

    page.click("#logout")
    page.wait_for_url("**/intern/anmelden/")
    _password_step(page, "/intern/anmelden/code/")
    page.click("#security-key-button")
    page.wait_for_url(lambda url: url.endswith("/intern/"))
    assert "Stadt Test" in page.inner_text("#who")
    assert not [e for e in errors if "Content Security Policy" in e], errors
