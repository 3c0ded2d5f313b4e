"""The staff sign-in's security events are audit records the data-protection officer sees and filters: failed
sign-ins (also for accounts that do not exist), the lockout, a refused code, the enrolment of a second factor, a used
recovery code and the administrator's reset — with who, organisation, when and from where."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from buergerbuero.accounts.models import Organisation
from buergerbuero.privacy.models import AuditRecord
from tests import factories, staff_login

PASSWORD = "lang-genug-und-selten-42"


@pytest.fixture
def people(db):
    city = Organisation.objects.create(name="Stadt Test")
    clerk = factories.staff_user("sachbearbeitung", city, "clerk")
    clerk.set_password(PASSWORD)
    clerk.save()
    return {"city": city, "clerk": clerk, "dpo": factories.staff_user("datenschutz", city, "dpo")}


def _events(**filters):
    return list(AuditRecord.objects.filter(action="security", **filters).order_by("pk"))


def test_failed_sign_ins_and_the_lockout_are_recorded_with_account_and_address(people, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client(REMOTE_ADDR="10.9.8.7")
    for _attempt in range(3):
        client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": "falsch-falsch-falsch"})
    # refused while locked: not recorded one by one
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    views = [r.view for r in _events(actor=people["clerk"])]
    assert views == ["security:login_failed"] * 3 + ["security:login_locked"]
    record = _events(view="security:login_locked")[0]
    assert record.ip == "10.9.8.7" and record.organisation == people["city"] and record.role == "clerk"
    # a name that is no account: kept as typed, without a person
    client.post("/intern/anmelden/", {"username": "root", "password": "x"})
    guess = _events(actor_name="root")
    assert [r.view for r in guess] == ["security:login_failed"] and guess[0].actor is None


def test_enrolment_a_refused_code_and_a_used_recovery_code_are_recorded(people):
    clerk = people["clerk"]
    client = Client()
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    client.get("/intern/anmelden/einrichten/")
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    done = client.post("/intern/anmelden/einrichten/", {"code": staff_login.current_code(device)})
    codes = re.findall(r"<li>(\w+)</li>", done.content.decode().split('id="recovery-codes"')[1].split("</ul>")[0])
    client.post("/intern/abmelden/")
    client.post("/intern/anmelden/", {"username": "sachbearbeitung", "password": PASSWORD})
    device.refresh_from_db()
    wrong = "000000" if staff_login.current_code(device) != "000000" else "111111"
    client.post("/intern/anmelden/code/", {"code": wrong})  # the app's code, wrong
    client.post("/intern/anmelden/code/", {"code": codes[0]})
    assert [r.view for r in _events(actor=clerk)] == [
        "security:second_factor_enrolled",
        "security:second_factor_failed",
        "security:recovery_code_used",
    ]


def test_the_officer_filters_security_events_apart_from_reads(people):
    clerk = people["clerk"]
    Client().post("/intern/anmelden/", {"username": "sachbearbeitung", "password": "falsch-falsch-falsch"})
    AuditRecord.objects.create(
        at=clerk.date_joined,
        action="list",
        object_type="booking.appointment",
        actor=clerk,
        actor_name="sachbearbeitung",
        organisation=people["city"],
        view="queue:reception",
    )
    officer = Client()
    officer.force_login(people["dpo"])
    security = officer.get("/datenschutz/protokoll/?staff=sachbearbeitung&kind=security").content.decode()
    assert "Anmeldung fehlgeschlagen (Passwort)" in security and "Sicherheitsereignis" in security
    assert "Empfang: Termine und Wartende" not in security
    reads = officer.get("/datenschutz/protokoll/?staff=sachbearbeitung&kind=reads").content.decode()
    assert "Empfang: Termine und Wartende" in reads and "Anmeldung fehlgeschlagen" not in reads
    csv = officer.get("/datenschutz/protokoll.csv?staff=sachbearbeitung&kind=security").content.decode()
    assert "Anmeldung fehlgeschlagen (Passwort)" in csv and "Empfang" not in csv


def test_the_administrators_reset_names_the_administrator_and_the_account(people):
    clerk = people["clerk"]
    staff_login.authenticator(clerk)
    admin = get_user_model().objects.create_superuser("admin", "a@example.org", PASSWORD)
    client = Client(REMOTE_ADDR="10.0.0.1")
    client.force_login(admin)
    client.post(
        "/admin/accounts/staffmembership/",
        {"action": "reset_second_factor", "_selected_action": [clerk.membership.pk]},
    )
    (record,) = _events(view="security:second_factor_reset")
    assert record.actor == admin and record.ip == "10.0.0.1" and " user:sachbearbeitung " in record.subjects


def test_a_guessed_name_is_shown_to_the_superuser_not_to_a_city_officer(people):
    from buergerbuero.privacy import selectors

    Client(REMOTE_ADDR="10.1.2.3").post("/intern/anmelden/", {"username": "m.mueller", "password": "x"})
    Client().post("/intern/anmelden/", {"username": "sachbearbeitung", "password": "falsch-falsch-falsch"})
    city = people["city"].pk
    officer = [r.actor_name for r in selectors.audit_records(organisation_id=city, kind="security")]
    everything = [r.actor_name for r in selectors.audit_records(kind="security")]
    assert officer == ["sachbearbeitung"]
    assert sorted(everything) == ["m.mueller", "sachbearbeitung"]
