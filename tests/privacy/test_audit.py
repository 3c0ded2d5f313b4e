"""Every page and API that shows citizens' personal data to staff writes exactly one audit record per request,
with who, role, organisation, what, which fields or list, when and from where; the log is append-only."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from buergerbuero.booking.models import Appointment
from buergerbuero.callcenter.models import Call, Ticket
from buergerbuero.privacy import audit
from buergerbuero.privacy.models import AuditRecord
from tests import factories
from tests.insights.conftest import book


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    w = factories.access_world(now=now)
    today = timezone.localdate(now)
    a = book(w.office, w.covered, dt.datetime.combine(today, dt.time(23, 30), tzinfo=ZoneInfo("Europe/Berlin")))
    Appointment.objects.filter(pk=a.pk).update(name="Erika Muster", email="Erika@Example.org")
    w.objects["appointment"] = a
    w.today = today
    return w


def _client(user) -> Client:
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(user)
    return client


def PAGES(w):
    office = w.office.slug
    app = w.objects["application"]
    return [
        ("clerk", f"/queue/{office}/reception/"),
        ("clerk", f"/queue/{office}/counter/"),
        ("clerk", f"/api/queue/offices/{office}/waiting"),
        ("agent_live", "/callcenter/"),
        ("clerk", f"/api/staff/offices/{office}/day?date={w.today.isoformat()}"),
        ("clerk", f"/api/staff/offices/{office}/waitlist"),
        ("clerk", "/callcenter/rueckrufe/"),
        ("clerk", f"/callcenter/rueckrufe/{w.objects['ticket_live'].pk}/"),
        ("agent_live", "/api/callcenter/calls"),
        ("clerk", "/api/callcenter/callbacks?status=all"),
        ("clerk", f"/api/callcenter/callbacks/{w.objects['ticket_live'].pk}"),
        ("clerk", "/online/verwaltung/"),
        ("clerk", f"/online/verwaltung/{app.reference}/"),
        ("clerk", f"/online/verwaltung/{app.reference}/datei/{w.objects['attachment'].pk}"),
        ("clerk", f"/online/verwaltung/termin/{app.appointment_code}"),
        ("admin", f"/admin/booking/appointment/{w.objects['appointment'].pk}/change/"),
        ("admin", "/admin/booking/appointment/"),
        ("admin", f"/admin/callcenter/ticket/{w.objects['ticket_live'].pk}/change/"),
        ("admin", f"/admin/callcenter/call/{Call.objects.first().pk}/change/"),
        ("admin", f"/admin/applications/application/{app.pk}/change/"),
    ]


def test_each_page_writes_exactly_one_record_per_request(world):
    for actor, url in PAGES(world):
        before = AuditRecord.objects.count()
        response = _client(world.users[actor]).get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert AuditRecord.objects.count() == before + 1, url
        record = AuditRecord.objects.order_by("pk").last()
        assert record.actor == world.users[actor] and record.actor_name == actor
        assert record.ip == "10.1.2.3" and record.at is not None and record.object_type


def test_a_list_names_every_citizen_it_showed(world):
    response = _client(world.users["clerk"]).get(f"/queue/{world.office.slug}/reception/")
    assert response.status_code == 200
    record = AuditRecord.objects.get()
    assert record.action == "list" and record.view == "queue:reception" and record.count == 1
    assert record.role == "clerk" and record.organisation == world.office.organisation
    # found by the e-mail address in any spelling and by the booking code; the address itself is not stored
    assert audit.search_text(audit.email_token("erika@example.ORG")) in record.subjects
    assert audit.search_text(audit.code_token(world.objects["appointment"].code)) in record.subjects
    assert "erika" not in record.subjects.lower()


def test_a_refused_request_records_nothing(world):
    assert _client(world.users["other_clerk"]).get(f"/queue/{world.office.slug}/reception/").status_code in (403, 404)
    assert not AuditRecord.objects.exists()


def test_records_are_append_only(world):
    record = AuditRecord.objects.create(at=timezone.now(), action="read", object_type="x", actor_name="a")
    with pytest.raises(TypeError):
        AuditRecord.objects.filter(pk=record.pk).update(actor_name="b")
    record.actor_name = "b"
    with pytest.raises(TypeError):
        record.save()


def test_ticket_anonymised_keeps_its_reads_findable_by_phone(world):
    ticket = Ticket.objects.get(pk=world.objects["ticket_live"].pk)
    _client(world.users["clerk"]).get(f"/callcenter/rueckrufe/{ticket.pk}/")
    assert " phone:234123456 " in AuditRecord.objects.get().subjects


def test_a_visit_answered_to_the_clerk_by_the_api_writes_one_record(world):
    visit = world.objects["called_visit"]
    client = _client(world.users["clerk"])
    response = client.post(f"/api/queue/visits/{visit.pk}/recall", content_type="application/json")
    assert response.status_code == 200
    record = AuditRecord.objects.get()
    assert (record.action, record.view, record.object_id) == ("read", "queue:visit", str(visit.pk))
    assert f" queue.visit#{visit.pk} " in record.subjects and record.actor == world.users["clerk"]


def test_the_counter_names_the_booked_citizens_it_shows(world):
    """A checked-in appointment waits at the counter: the workstation's record finds it by e-mail address."""
    from buergerbuero.queue.models import Ticket, Visit

    now = timezone.now()
    booked = Ticket.objects.create(
        office=world.office,
        day=world.today,
        number=3,
        label="T003",
        kind="appointment",
        appointment=world.objects["appointment"],
        arrived_at=now,
        checked_in_at=now,
    )
    Visit.objects.create(
        ticket=booked, office=world.office, day=world.today, kind="appointment", service=world.covered, queued_at=now
    )
    assert _client(world.users["clerk"]).get(f"/queue/{world.office.slug}/counter/").status_code == 200
    record = AuditRecord.objects.get(view="queue:workstation")
    assert audit.search_text(audit.email_token("erika@example.org")) in record.subjects
