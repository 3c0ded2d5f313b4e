"""The staff sign-in over HTTP: password, second factor (TOTP, recovery code, enrolment), lockout, password rules,
idle and absolute timeout, no-store, the start page's tiles (issues 14 and 16)."""

import datetime as dt
import re
import time

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from buergerbuero.accounts import middleware, twofactor
from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.privacy.models import AuditRecord
from tests import staff_login

PASSWORD = "lang-genug-und-selten-42"


@pytest.fixture
def clerk(db):
    city = Organisation.objects.create(name="Stadt Test")
    user = get_user_model().objects.create_user(
        "sachbearbeitung", "sb@example.org", PASSWORD, first_name="Sabine", last_name="Kowalski", is_staff=True
    )
    StaffMembership.objects.create(user=user, organisation=city, role=StaffMembership.Role.CLERK)
    return user


def test_password_then_code_leads_to_the_start_page(clerk):
    client = Client()
    device = staff_login.authenticator(clerk)
    answer = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/intern/anmelden/code/"
    # Only the password: every staff page still treats the person as anonymous.
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")
    wrong = client.post("/intern/anmelden/code/", {"code": _wrong_code(device)})
    assert wrong.status_code == 200 and "Der Code stimmt nicht" in wrong.content.decode()
    _unthrottle(device)
    answer = client.post("/intern/anmelden/code/", {"code": staff_login.current_code(device)})
    assert answer.status_code == 302 and answer["Location"] == "/intern/"
    page = client.get("/intern/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sabine Kowalski" in text and "Stadt Test" in text and "Sachbearbeitung" in text


def _unthrottle(device) -> None:
    """Forget the library's wait after wrong codes (it doubles with each; the person would simply wait)."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def _wrong_code(device) -> str:
    right = staff_login.current_code(device)
    return "000000" if right != "000000" else "111111"


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes_once(clerk):
    client = Client()
    answer = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert answer["Location"] == "/intern/anmelden/einrichten/"
    page = client.get("/intern/anmelden/einrichten/").content.decode()
    assert "<svg" in page and "otp-secret" in page and "<script" not in page.split("<main", 1)[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    refused = client.post("/intern/anmelden/einrichten/", {"code": _wrong_code(device)})
    assert refused.status_code == 200 and not TOTPDevice.objects.filter(user=clerk, confirmed=True).exists()
    device.refresh_from_db()
    _unthrottle(device)
    device.refresh_from_db()
    done = client.post("/intern/anmelden/einrichten/", {"code": staff_login.current_code(device)})
    codes = re.findall(r"<li>(\w+)</li>", done.content.decode().split('id="recovery-codes"')[1].split("</ul>")[0])
    assert len(codes) == twofactor.RECOVERY_CODES
    assert client.get("/intern/").status_code == 200  # signed in
    # Next time: password, then one recovery code (each works once).
    client.post("/intern/abmelden/")
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert client.post("/intern/anmelden/code/", {"code": codes[0]})["Location"] == "/intern/"
    assert twofactor.recovery_codes_left(clerk) == twofactor.RECOVERY_CODES - 1
    client.post("/intern/abmelden/")
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert client.post("/intern/anmelden/code/", {"code": codes[0]}).status_code == 200  # used up


def test_a_password_alone_opens_no_staff_page_and_no_api(clerk):
    client = Client()
    staff_login.password_only(client, clerk)
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")
    assert client.get("/api/callcenter/contracts").status_code == 401
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    # The sign-in page sends such a session on to its second step.
    assert client.get("/intern/anmelden/")["Location"] == "/intern/anmelden/einrichten/"


def test_the_admin_login_leads_to_the_staff_sign_in(db):
    answer = Client().get("/admin/login/?next=/admin/")
    assert answer.status_code == 302 and answer["Location"] == "/intern/anmelden/?next=/admin/"


def test_next_is_kept_through_both_steps_and_foreign_hosts_are_ignored(clerk):
    client = Client()
    device = staff_login.authenticator(clerk)
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD, "next": "/insights/"})
    assert client.post("/intern/anmelden/code/", {"code": staff_login.current_code(device)})["Location"] == "/insights/"
    other = Client()
    other.post(
        "/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD, "next": "https://evil.example/"}
    )
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    assert other.post("/intern/anmelden/code/", {"code": staff_login.current_code(device)})["Location"] == "/intern/"


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(clerk, settings, caplog):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _attempt in range(2):
        answer = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": "falsch-falsch-falsch"})
        assert answer.status_code == 200 and "Benutzername oder Passwort stimmt nicht." in answer.content.decode()
    with caplog.at_level("WARNING", logger="buergerbuero.security"):
        locked = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": "falsch-falsch-falsch"})
    assert locked.status_code == 429 and "Zu viele fehlgeschlagene Anmeldeversuche" in locked.content.decode()
    assert [r for r in caplog.records if getattr(r, "event", "") == "login_locked"]
    right = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # Another address cannot unlock the account either; the count is per account.
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert elsewhere.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD}).status_code == 429


def test_wrong_codes_lock_the_account_although_the_password_was_right(clerk, settings, caplog):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    device = staff_login.authenticator(clerk)
    client = Client()
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    for _attempt in range(2):
        wrong = client.post("/intern/anmelden/code/", {"code": _wrong_code(device)})
        assert wrong.status_code == 200 and "Der Code stimmt nicht" in wrong.content.decode()
    # The right password again does not start a new count of codes (whoever tries codes has the password).
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    with caplog.at_level("WARNING", logger="buergerbuero.security"):
        locked = client.post("/intern/anmelden/code/", {"code": _wrong_code(device)})
    assert locked.status_code == 429 and "Zu viele fehlgeschlagene Anmeldeversuche" in locked.content.decode()
    assert [r for r in caplog.records if getattr(r, "event", "") == "login_locked"]
    assert AuditRecord.objects.filter(view="security:login_locked", actor=clerk).count() == 1
    # Locked: the right code is not even checked, and the password step is refused too, from any address.
    _unthrottle(device)
    right = client.post("/intern/anmelden/code/", {"code": staff_login.current_code(device)})
    assert right.status_code == 429 and client.get("/intern/").status_code == 302
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert elsewhere.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD}).status_code == 429
    # After the lockout time without another try, the person signs in; a right code ends the count.
    later = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    with time_machine.travel(later, tick=True):
        assert staff_login.sign_in(Client(), "sachbearbeitung", PASSWORD)["Location"] == "/intern/"
        for _round in range(2):  # two wrong codes, then the right one: never three wrong in a row
            again = Client()
            again.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
            for _attempt in range(2):
                assert again.post("/intern/anmelden/code/", {"code": _wrong_code(device)}).status_code == 200
            TOTPDevice.objects.filter(pk=device.pk).update(
                throttling_failure_count=0, throttling_failure_timestamp=None
            )
            device.refresh_from_db()
            code = staff_login.current_code(device, drift=_round + 1)  # each code works once
            assert again.post("/intern/anmelden/code/", {"code": code})["Location"] == "/intern/"


def test_one_address_trying_many_accounts_is_locked_out(clerk, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    client = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(4):
        client.post("/intern/anmelden/", {"username": f"gibt-es-nicht-{n}", "password": "irgendwas-langes"})
    answer = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert answer.status_code == 429
    assert (
        Client(REMOTE_ADDR="10.1.2.4")
        .post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
        .status_code
        == 302
    )


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("12345678", True),  # short, numeric, common
        ("123456789012", True),  # numeric
        ("kowalski1234", True),  # too close to the name
        ("kurz-aber", True),  # under 12
        ("Lindenblüte-Rathaus-7", False),
    ],
)
def test_staff_passwords_follow_django_validators_with_twelve_characters(clerk, password, refused):
    try:
        validate_password(password, user=clerk)
    except ValidationError:
        assert refused
    else:
        assert not refused


def _signed_in(clerk) -> Client:
    client = Client()
    client.force_login(clerk)  # password and second factor (tests/staff_login.py)
    assert client.get("/intern/").status_code == 200
    return client


def _shift(client, **seconds_ago) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_thirty_minutes_without_a_request_end_the_staff_session(clerk):
    client = _signed_in(clerk)
    _shift(client, staff_seen_at=29 * 60, staff_signed_in_at=3 * 3600)
    assert client.get("/intern/").status_code == 200  # 29 minutes: still there, and the clock starts again
    _shift(client, staff_seen_at=31 * 60)
    answer = client.get("/intern/", follow=True)
    assert answer.redirect_chain[0][0].startswith("/intern/anmelden/")
    assert "nach 30 Minuten ohne Aktivität abgemeldet" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_working_day_is_the_longest_staff_session(clerk, settings):
    settings.STAFF_SESSION_MAX_HOURS = 10
    client = _signed_in(clerk)
    _shift(client, staff_seen_at=60, staff_signed_in_at=10 * 3600 - 120)
    assert client.get("/intern/").status_code == 200
    _shift(client, staff_seen_at=60, staff_signed_in_at=10 * 3600 + 60)
    answer = client.get("/intern/", follow=True)
    assert "Ihr Arbeitstag ist um" in answer.content.decode()


def test_idle_timeout_is_a_setting(clerk, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    client = _signed_in(clerk)
    _shift(client, staff_seen_at=6 * 60)
    assert client.get("/intern/").status_code == 302
    assert middleware.session_ended({"staff_seen_at": 0, "staff_signed_in_at": 0}, now=4 * 60) is None


def test_staff_pages_and_signed_in_api_answers_are_never_stored(clerk, small_office):
    client = _signed_in(clerk)
    for path in ("/intern/", "/intern/anmelden/", f"/api/staff/offices/{small_office.slug}/day"):
        cache_control = client.get(path)["Cache-Control"]
        assert "no-store" in cache_control, path
    assert "no-store" in Client().get("/intern/anmelden/")["Cache-Control"]
    # A citizen's page without a staff session keeps its own caching rules.
    assert "no-store" not in Client().get("/").get("Cache-Control", "")


def test_the_demo_may_skip_the_code_but_only_for_people_with_an_authenticator(clerk, settings):
    settings.DEMO_SKIP_2FA = True
    client = Client()
    assert client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})["Location"] == (
        "/intern/anmelden/einrichten/"
    )
    staff_login.authenticator(clerk)
    client = Client()
    assert client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})["Location"] == (
        "/intern/"
    )
    assert client.get("/intern/").status_code == 200


def test_production_refuses_the_demo_skip():
    import subprocess
    import sys

    env = {
        "BUERGERBUERO_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "BUERGERBUERO_DEMO_SKIP_2FA": "1",
        "DJANGO_SETTINGS_MODULE": "buergerbuero.settings",
        "PYTHONPATH": "src",
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode != 0 and "BUERGERBUERO_DEMO_SKIP_2FA" in run.stderr


def test_an_administrator_resets_a_lost_second_factor(clerk):
    staff_login.authenticator(clerk)
    twofactor.new_recovery_codes(clerk)
    assert twofactor.reset(None, clerk) == 2
    client = Client()
    answer = client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    assert answer["Location"] == "/intern/anmelden/einrichten/"


def test_sign_out_is_a_post_and_ends_the_session(clerk):
    client = _signed_in(clerk)
    assert client.get("/intern/abmelden/").status_code == 405
    answer = client.post("/intern/abmelden/", follow=True)
    assert "Sie sind abgemeldet." in answer.content.decode()
    assert client.get("/intern/").status_code == 302
