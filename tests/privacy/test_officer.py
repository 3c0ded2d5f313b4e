"""The data-protection officer answers an access request (Art. 15 GDPR): who read this citizen's data, when,
from where — on a page and as CSV; filtered by citizen (e-mail or booking code) and by staff member."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.booking.models import Appointment
from buergerbuero.privacy.models import AuditRecord
from tests import factories
from tests.insights.conftest import book


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    w = factories.access_world(now=now)
    day = timezone.localdate(now)
    a = book(w.office, w.covered, dt.datetime.combine(day, dt.time(23, 30), tzinfo=ZoneInfo("Europe/Berlin")))
    Appointment.objects.filter(pk=a.pk).update(name="Erika Muster", email="erika@example.org")
    w.objects["appointment"] = a
    orgs = {
        m.user.username: m.organisation for m in [u.membership for u in w.users.values() if hasattr(u, "membership")]
    }
    w.users["dpo"] = factories.staff_user("dpo", orgs["clerk"], "dpo")
    w.users["other_dpo"] = factories.staff_user("other_dpo", orgs["other_clerk"], "dpo")
    clerk = Client(REMOTE_ADDR="10.0.0.7")
    clerk.force_login(w.users["clerk"])
    assert clerk.get(f"/queue/{w.office.slug}/reception/").status_code == 200  # reads Erika's appointment
    return w


def _get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def test_only_the_officer_and_administration_may_read_the_log(world):
    assert account_selectors.may_read_audit_log(world.users["dpo"])
    assert account_selectors.may_read_audit_log(world.users["admin"])
    for name in ("clerk", "manager", "reception", "agent_live"):
        assert not account_selectors.may_read_audit_log(world.users[name])
        assert _get(world.users[name], "/datenschutz/protokoll/").status_code == 403
    # the officer's role reads no citizen data of its own
    assert not account_selectors.may_process_applications(world.users["dpo"])
    assert not account_selectors.may_use_reception(world.users["dpo"], world.office)


@pytest.mark.parametrize("citizen", ["Erika@Example.org", "code"])
def test_the_officer_finds_the_reads_by_e_mail_or_booking_code(world, citizen):
    if citizen == "code":
        citizen = world.objects["appointment"].code.lower()
    response = _get(world.users["dpo"], f"/datenschutz/protokoll/?citizen={citizen}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 Eintrag" in html and ">clerk<" in html and "Empfang: Termine und Wartende" in html
    assert "Sachbearbeitung" in html and "10.0.0.7" in html
    local = timezone.localtime(AuditRecord.objects.get(actor_name="clerk").at)
    assert local.strftime("%d.%m.%Y") in html and local.date().isoformat() not in html  # a German date


def test_another_municipality_s_officer_does_not_see_the_reads(world):
    html = _get(world.users["other_dpo"], "/datenschutz/protokoll/?citizen=erika@example.org").content.decode()
    assert "0 Einträge" in html


def test_filter_by_staff_member_and_csv_export(world):
    response = _get(world.users["dpo"], "/datenschutz/protokoll.csv?staff=clerk")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Zeitpunkt;Person;Rolle")
    assert len(lines) == 2 and ";clerk;Sachbearbeitung;" in lines[1]
    # the export itself is recorded
    assert AuditRecord.objects.filter(actor_name="dpo", action="export").count() == 1


def test_a_bad_date_is_shown_beside_the_field(world):
    response = _get(world.users["dpo"], "/datenschutz/protokoll/?date_from=2026-05-10&date_to=2026-05-01")
    assert response.status_code == 400
    assert "Das Ende liegt vor dem Anfang." in response.content.decode()
