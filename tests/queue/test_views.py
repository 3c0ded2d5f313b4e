import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.utils import timezone

from buergerbuero.queue import services
from buergerbuero.queue.models import Ticket, Visit, WalkInQuota
from tests import responses
from tests.queue.conftest import appointment


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_kiosk_check_in_shows_the_number_position_and_phone_link(client, open_now, id_card):
    a = appointment(open_now, id_card, timezone.now() + dt.timedelta(minutes=5))
    r = client.post("/queue/test-office/kiosk/", {"action": "check_in", "code": a.code.lower()})
    assert r.status_code == 200
    html = r.content.decode()
    assert "T-001" in html and "Nummer 1 in der Warteschlange" in html
    ticket = Ticket.objects.get()
    assert f"/queue/ticket/{ticket.public_id}/" in html and "<svg" in html
    phone = client.get(f"/queue/ticket/{ticket.public_id}/").content.decode()
    assert "T-001" in phone and "Nummer 1" in phone and "Mustermann" not in phone


def test_kiosk_shows_errors_beside_the_field_and_creates_nothing(client, open_now, id_card):
    r = client.post("/queue/test-office/kiosk/", {"action": "check_in", "code": "ABCD-EFGH"})
    assert r.status_code == 404
    html = r.content.decode()
    assert 'id="code-error"' in html and "keinen Termin mit diesem Buchungscode" in html
    assert 'aria-invalid="true"' in html
    assert not Ticket.objects.exists()


def test_kiosk_says_politely_when_walk_ins_are_used_up_with_the_next_appointment(client, open_now, registration):
    WalkInQuota.objects.create(office=open_now, service=registration, daily_quota=0)
    r = client.post("/queue/test-office/kiosk/", {"action": "walk_in", "service": "wohnsitz-anmelden"})
    assert r.status_code == 409
    html = r.content.decode()
    assert "leider alle Wartenummern vergeben" in html and 'id="service-error"' in html
    assert "nächste freie Termin" in html and " Uhr" in html
    assert not Ticket.objects.exists()


def test_staff_pages_need_login_and_role(client, open_now, empfang):
    assert client.get("/queue/test-office/reception/").status_code == 302
    assert client.get("/queue/test-office/counter/").status_code == 302
    assert logged_in(empfang).get("/queue/test-office/reception/").status_code == 200
    r = logged_in(empfang).get("/queue/test-office/counter/")
    assert r.status_code == 403 and "Rolle" in r.content.decode()


def test_reception_checks_in_late_appointment_as_walk_in_and_sees_quota(open_now, id_card, registration, empfang):
    a = appointment(open_now, id_card, timezone.now() - dt.timedelta(minutes=40))
    WalkInQuota.objects.create(office=open_now, service=registration, daily_quota=1)
    c = logged_in(empfang)
    page = c.get("/queue/test-office/reception/").content.decode()
    assert a.code in page and "Erika Mustermann" in page  # staff see names, public screens never
    r = c.post("/queue/test-office/reception/", {"action": "check_in", "code": a.code})
    assert "verspätet" in r.content.decode() and Ticket.objects.get().late
    c.post("/queue/test-office/reception/", {"action": "walk_in", "service": "wohnsitz-anmelden"})
    r = c.post("/queue/test-office/reception/", {"action": "walk_in", "service": "wohnsitz-anmelden"})
    assert r.status_code == 409 and "alle Wartenummern vergeben" in r.content.decode()
    assert "ausgeschöpft" in r.content.decode()
    r = c.post("/queue/test-office/reception/", {"action": "walk_in", "service": "wohnsitz-anmelden", "override": "on"})
    assert r.status_code == 200 and Ticket.objects.count() == 3


def test_workstation_login_next_finish(open_now, registration, anna):
    services.draw_ticket(office=open_now, service=registration)
    c = logged_in(anna)
    assert "Am Schalter anmelden" in c.get("/queue/test-office/counter/").content.decode()
    assert c.post("/queue/test-office/counter/", {"action": "login", "counter": "2"}).status_code == 302
    assert c.post("/queue/test-office/counter/", {"action": "next"}).status_code == 302
    page = c.get("/queue/test-office/counter/").content.decode()
    assert 'id="current-ticket">T-001<' in page
    visit = Visit.objects.get()
    r = c.post("/queue/test-office/counter/", {"action": "finish", "visit": visit.pk, "services": [registration.pk]})
    assert r.status_code == 302
    r = c.post("/queue/test-office/counter/", {"action": "finish", "visit": visit.pk, "services": [registration.pk]})
    assert r.status_code == 409 and "bereits abgeschlossen" in r.content.decode()
    r = c.post("/queue/test-office/counter/", {"action": "next"})
    assert r.status_code == 404 and "Zurzeit wartet niemand" in r.content.decode()
    r = c.post("/queue/test-office/counter/", {"action": "explode"})
    assert r.status_code == 400


def test_display_page_shows_numbers_and_counters_only(client, open_now, id_card, anna):
    a = appointment(open_now, id_card, timezone.now())
    services.check_in(office=open_now, code=a.code, by_reception=True)
    services.open_session(clerk=anna, counter=open_now.counters.get(number=2))
    services.call_next(clerk=anna)
    html = client.get("/queue/test-office/display/").content.decode()
    assert "T-001" in html and ">2<" in html
    assert "Mustermann" not in html and a.code not in html
    assert client.get("/queue/nirgendwo/display/").status_code == 404


@pytest.fixture
def short_streams(settings):
    settings.QUEUE_SSE_POLL_SECONDS = 0.05
    settings.QUEUE_SSE_MAX_SECONDS = 0.3


def test_sse_stream_sends_the_last_calls_and_nothing_when_unchanged(
    client, open_now, registration, anna, short_streams
):
    services.draw_ticket(office=open_now, service=registration)
    services.open_session(clerk=anna, counter=open_now.counters.get(number=1))
    services.call_next(clerk=anna)
    r = client.get("/queue/test-office/display/events")
    assert r["Content-Type"].startswith("text/event-stream")
    body = b"".join(r.streaming_content).decode()
    responses.close(r)  # gives the stream's slot back (per-address and per-process caps)
    assert body.startswith("retry: ")
    assert body.count("event: calls") == 1
    assert '"ticket": "T-001", "counter": 1' in body
    version = body.split("id: ")[1].split("\n")[0]
    # a screen reconnecting with the version it has gets no repeat
    r = client.get("/queue/test-office/display/events", HTTP_LAST_EVENT_ID=version)
    assert "event: calls" not in b"".join(r.streaming_content).decode()
    responses.close(r)


def test_sse_under_asgi_streams_asynchronously(open_now, short_streams):
    """Under ASGI the stream is an async generator: an open screen costs a coroutine, not a thread."""

    async def read():
        response = await AsyncClient().get("/queue/test-office/display/events")
        assert response.is_async
        text = b"".join([chunk async for chunk in response.streaming_content]).decode()
        responses.close(response)  # gives the stream's slot back
        return text

    text = async_to_sync(read)()
    assert text.startswith("retry: ") and "event: calls" in text and '"calls": []' in text


def test_workstation_bad_visit_id_gets_a_message_not_a_500(open_now, anna):
    c = logged_in(anna)
    c.post("/queue/test-office/counter/", {"action": "login", "counter": "1"})
    for value in ("", "abc", "999999"):
        r = c.post("/queue/test-office/counter/", {"action": "finish", "visit": value})
        assert r.status_code in (400, 404) and "queue-error" in r.content.decode()
    r = c.post("/queue/test-office/counter/", {"action": "login", "counter": "x"})
    assert r.status_code == 400


def test_staff_lists_poll_with_htmx_and_work_without_it(open_now, registration, anna, empfang, settings):
    settings.QUEUE_LIST_POLL_SECONDS = 7
    services.draw_ticket(office=open_now, service=registration)
    page = logged_in(empfang).get("/queue/test-office/reception/").content.decode()
    assert 'hx-trigger="every 7s"' in page and 'hx-select-oob="#clerks-present,' in page
    assert '<div id="waiting-list">' in page and "T-001" in page  # the list is in the page itself
    services.open_session(clerk=anna, counter=open_now.counters.get(number=1))
    page = logged_in(anna).get("/queue/test-office/counter/").content.decode()
    assert 'id="waiting-list" hx-get="/queue/test-office/counter/" hx-trigger="every 7s"' in page and "T-001" in page
