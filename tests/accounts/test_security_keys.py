"""Security keys (WebAuthn) as second factor of the staff sign-in, over HTTP with a software key (tests/soft_key.py)
whose signatures the server really checks: enrol with a key, sign in with it, see and remove keys, the
administrator's reset removes them too, a replayed or forged answer is refused, and the pages run no inline script."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from buergerbuero.accounts import twofactor
from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.privacy.models import AuditRecord
from tests import staff_login
from tests.soft_key import SoftKey, b64url, unb64url

PASSWORD = "lang-genug-und-selten-42"


@pytest.fixture
def clerk(db):
    city = Organisation.objects.create(name="Stadt Test")
    user = get_user_model().objects.create_user("sachbearbeitung", "sb@example.org", PASSWORD, is_staff=True)
    StaffMembership.objects.create(user=user, organisation=city, role=StaffMembership.Role.CLERK)
    return user


def _post_json(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def register(client, key: SoftKey, name: str = "YubiKey blau"):
    options = _post_json(client, "/intern/sicherheit/schluessel/optionen/")
    assert options.status_code == 200, options.content
    return _post_json(
        client, "/intern/sicherheit/schluessel/", {"credential": key.create(options.json()), "name": name}
    )


def sign_in_with_key(client, key: SoftKey):
    options = _post_json(client, "/intern/anmelden/schluessel/optionen/")
    assert options.status_code == 200, options.content
    data = options.json()
    answer = key.get(data, rp_id=data["rpId"])
    return _post_json(client, "/intern/anmelden/schluessel/", {"credential": answer}), answer


def _password(client):
    return client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})


def _no_inline_script(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_first_sign_in_enrols_a_security_key_instead_of_the_app(clerk):
    client = Client()
    assert _password(client)["Location"] == "/intern/anmelden/einrichten/"
    page = client.get("/intern/anmelden/einrichten/").content.decode()
    assert 'id="security-key"' in page and "accounts/security-key.js" in page
    _no_inline_script(page)
    key = SoftKey()
    options = _post_json(client, "/intern/sicherheit/schluessel/optionen/").json()
    assert options["rp"]["id"] == "localhost" and options["user"]["name"] == "sachbearbeitung"
    done = _post_json(
        client, "/intern/sicherheit/schluessel/", {"credential": key.create(options), "name": "YubiKey blau"}
    )
    assert done.status_code == 200 and done.json()["redirect_url"] == "/intern/sicherheit/"
    stored = WebAuthnCredential.objects.get(user=clerk)
    assert stored.name == "YubiKey blau" and stored.credential_id == key.credential_id
    # The session passed the second factor with the new key; the page asks for recovery codes next.
    security = client.get("/intern/sicherheit/")
    text = security.content.decode()
    assert security.status_code == 200 and "YubiKey blau" in text and "Keine Wiederherstellungscodes" in text
    _no_inline_script(text)
    assert client.get("/intern/").status_code == 200
    codes = client.post("/intern/sicherheit/wiederherstellungscodes/").content.decode()
    assert len(re.findall(r"<li>(\w+)</li>", codes.split('id="recovery-codes"')[1])) == twofactor.RECOVERY_CODES
    events = list(AuditRecord.objects.filter(action="security").values_list("view", flat=True))
    assert {"security:key_added", "security:second_factor_enrolled", "security:recovery_codes_renewed"} <= set(events)


def test_sign_in_with_a_security_key_checks_its_signature(clerk):
    key = SoftKey()
    client = Client()
    client.force_login(clerk)  # password and app: a complete sign-in
    assert register(client, key).status_code == 200
    client.post("/intern/abmelden/")

    assert _password(client)["Location"] == "/intern/anmelden/code/"
    page = client.get("/intern/anmelden/code/").content.decode()
    assert "Mit Sicherheitsschlüssel anmelden" in page and "accounts/security-key.js" in page
    _no_inline_script(page)
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")
    answer, signed = sign_in_with_key(client, key)
    assert answer.status_code == 200 and answer.json()["redirect_url"] == "/intern/"
    assert client.get("/intern/").status_code == 200
    assert WebAuthnCredential.objects.get(user=clerk).last_used_at is not None

    # The same answer again (a replay) is refused: its challenge was used up.
    client.post("/intern/abmelden/")
    _password(client)
    replay = _post_json(client, "/intern/anmelden/schluessel/", {"credential": signed})
    assert replay.status_code == 400
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")


def test_a_forged_signature_or_another_key_is_refused(clerk):
    key = SoftKey()
    client = Client()
    client.force_login(clerk)
    register(client, key)
    client.post("/intern/abmelden/")
    _password(client)
    options = _post_json(client, "/intern/anmelden/schluessel/optionen/").json()
    forged = key.get(options, rp_id=options["rpId"])
    signature = bytearray(unb64url(forged["response"]["signature"]))
    signature[-1] ^= 0x01
    forged["response"]["signature"] = b64url(bytes(signature))
    refused = _post_json(client, "/intern/anmelden/schluessel/", {"credential": forged})
    assert refused.status_code == 400 and "nicht erkannt" in refused.json()["detail"]
    # A key of somebody else (unknown to the server) signing the next challenge: refused as well.
    stranger = SoftKey()
    options = _post_json(client, "/intern/anmelden/schluessel/optionen/").json()
    options["allowCredentials"] = []
    refused = _post_json(
        client, "/intern/anmelden/schluessel/", {"credential": stranger.get(options, rp_id=options["rpId"])}
    )
    assert refused.status_code == 400
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")
    assert AuditRecord.objects.filter(view="security:second_factor_failed", actor=clerk).count() == 2


def test_staff_see_their_keys_and_remove_one_but_not_the_last_factor(clerk):
    client = Client()
    client.force_login(clerk)
    first, second = SoftKey(), SoftKey()
    register(client, first, "Schlüssel am Bund")
    register(client, second, "Ersatzschlüssel")
    page = client.get("/intern/sicherheit/").content.decode()
    assert "Schlüssel am Bund" in page and "Ersatzschlüssel" in page
    spare = WebAuthnCredential.objects.get(name="Ersatzschlüssel")
    assert client.post(f"/intern/sicherheit/schluessel/{spare.pk}/entfernen/")["Location"] == "/intern/sicherheit/"
    assert list(WebAuthnCredential.objects.values_list("name", flat=True)) == ["Schlüssel am Bund"]
    assert AuditRecord.objects.filter(view="security:key_removed", actor=clerk).count() == 1
    # Without the app, the last key is the last second factor: it stays.
    TOTPDevice.objects.filter(user=clerk).delete()
    client = Client()
    _password(client)
    assert sign_in_with_key(client, first)[0].status_code == 200
    last = WebAuthnCredential.objects.get()
    answer = client.post(f"/intern/sicherheit/schluessel/{last.pk}/entfernen/", follow=True)
    assert "letzter zweiter Faktor" in answer.content.decode()
    assert WebAuthnCredential.objects.filter(pk=last.pk).exists()


def test_nobody_removes_or_uses_a_key_of_someone_else(clerk):
    other = get_user_model().objects.create_user("kollegin", "k@example.org", PASSWORD, is_staff=True)
    StaffMembership.objects.create(user=other, organisation=clerk.membership.organisation, role="clerk")
    mine, theirs = Client(), Client()
    mine.force_login(clerk)
    theirs.force_login(other)
    register(mine, SoftKey())
    key = WebAuthnCredential.objects.get(user=clerk)
    assert theirs.post(f"/intern/sicherheit/schluessel/{key.pk}/entfernen/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    # Before the password nothing of this works.
    anonymous = Client()
    assert _post_json(anonymous, "/intern/sicherheit/schluessel/optionen/").status_code == 403
    assert _post_json(anonymous, "/intern/anmelden/schluessel/optionen/").status_code == 403


def test_the_administrators_reset_removes_keys_app_and_codes(clerk):
    client = Client()
    client.force_login(clerk)
    register(client, SoftKey())
    twofactor.new_recovery_codes(clerk)
    admin = get_user_model().objects.create_superuser("admin", "a@example.org", PASSWORD)
    staff = Client()
    staff.force_login(admin)
    answer = staff.post(
        "/admin/accounts/staffmembership/",
        {"action": "reset_second_factor", "_selected_action": [clerk.membership.pk]},
    )
    assert answer.status_code == 302
    assert not WebAuthnCredential.objects.filter(user=clerk).exists()
    assert not twofactor.has_authenticator(clerk) and twofactor.recovery_codes_left(clerk) == 0
    record = AuditRecord.objects.get(view="security:second_factor_reset")
    assert record.actor == admin and record.object_id == str(clerk.pk) and " user:sachbearbeitung " in record.subjects
    assert _password(Client())["Location"] == "/intern/anmelden/einrichten/"


def test_registering_a_key_needs_a_complete_sign_in_once_a_factor_exists(clerk):
    staff_login.authenticator(clerk)
    client = Client()
    _password(client)  # the app exists: only the code (or a key) completes the sign-in
    assert _post_json(client, "/intern/sicherheit/schluessel/optionen/").status_code == 403


def test_a_person_with_keys_only_adds_the_authenticator_app_later(clerk):
    client = Client()
    _password(client)
    key = SoftKey()
    options = _post_json(client, "/intern/sicherheit/schluessel/optionen/").json()
    _post_json(client, "/intern/sicherheit/schluessel/", {"credential": key.create(options), "name": "Schlüssel"})
    codes = twofactor.new_recovery_codes(clerk)
    page = client.get("/intern/sicherheit/").content.decode()
    assert "Nicht eingerichtet." in page and 'href="/intern/sicherheit/app/"' in page
    setup = client.get("/intern/sicherheit/app/")
    assert setup.status_code == 200 and 'id="otp-secret"' in setup.content.decode()
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    # A wrong code: said beside the form, nothing confirmed.
    bad = "000000" if staff_login.current_code(device) != "000000" else "111111"
    wrong = client.post("/intern/sicherheit/app/", {"code": bad})
    assert wrong.status_code == 200 and "Der Code stimmt nicht" in wrong.content.decode()
    assert not twofactor.has_app(clerk)
    # django-otp's throttle refuses every code for a second after a wrong one: the person types the next a bit later.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=True):
        done = client.post("/intern/sicherheit/app/", {"code": staff_login.current_code(device)})
    assert done["Location"] == "/intern/sicherheit/"
    assert twofactor.has_app(clerk) and twofactor.has_key(clerk)
    # The recovery codes the person keeps on paper stay valid.
    assert twofactor.recovery_codes_left(clerk) == len(codes)
    assert AuditRecord.objects.filter(view="security:second_factor_enrolled", actor=clerk).exists()
    assert client.get("/intern/sicherheit/app/")["Location"] == "/intern/sicherheit/"  # nothing to add twice
    # The app now signs in on its own (a minute later: a code works once).
    device.refresh_from_db()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=65), tick=True):
        fresh = Client()
        _password(fresh)
        assert fresh.post("/intern/anmelden/code/", {"code": staff_login.current_code(device)}).status_code == 302
        assert fresh.get("/intern/").status_code == 200


def test_adding_the_app_needs_a_complete_sign_in(clerk):
    client = Client()
    assert client.get("/intern/sicherheit/app/")["Location"].startswith("/intern/anmelden/")
    key = SoftKey()
    _password(client)
    options = _post_json(client, "/intern/sicherheit/schluessel/optionen/").json()
    _post_json(client, "/intern/sicherheit/schluessel/", {"credential": key.create(options), "name": "Schlüssel"})
    half = Client()
    _password(half)  # password given, the key not yet used: not signed in
    assert half.get("/intern/sicherheit/app/")["Location"].startswith("/intern/anmelden/")
    assert not TOTPDevice.objects.filter(user=clerk).exists()
