import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.models import Appointment, WaitlistEntry, WaitlistOffer
from buergerbuero.booking.waitlist import services as waitlist
from buergerbuero.capacity.models import RosterEntry
from tests import factories
from tests.fair.conftest import at, book, solve

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(id_card):
    """One counter, Monday and Thursday 8–9: three 20-minute appointments fill a day."""
    return factories.office(
        slug="wl", counters=1, services=[id_card], weekdays="03", hours=(dt.time(8), dt.time(9)), evening=False
    )


@pytest.fixture
def monday():
    return factories.next_weekday(0, weeks_ahead=2)


@pytest.fixture
def full_monday(office, monday):
    now = timezone.now()
    return {m: book(office, "personalausweis", at(monday, 8, m), now=now) for m in (0, 20, 40)}


def register(office, day, email, windows=(), now=None):
    entry, _token = waitlist.register(
        office_slugs=[office.slug],
        service_slugs=["personalausweis"],
        date_from=day,
        date_to=day,
        windows=list(windows),
        email=email,
        now=now,
    )
    return entry


def offer_token(message) -> tuple[str, str]:
    match = re.search(r"/warteliste/angebot/([0-9a-f-]+)/\?token=(\S+)", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


def cancel_via_api(client, appointment, token):
    return client.post(f"/api/appointments/{appointment.code}/cancel", HTTP_X_BOOKING_TOKEN=token)


def test_cancellation_offers_the_time_to_the_first_entry(
    client, office, monday, full_monday, django_capture_on_commit_callbacks
):
    first = register(office, monday, "erste@example.org")
    second = register(office, monday, "zweite@example.org")
    appointment, token = full_monday[20]
    with django_capture_on_commit_callbacks(execute=True):
        assert cancel_via_api(client, appointment, token).status_code == 200
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    assert second.status == WaitlistEntry.Status.WAITING
    offer = WaitlistOffer.objects.get(entry=first)
    assert offer.appointment.start == at(monday, 8, 20)
    assert offer.appointment.status == Appointment.Status.HELD
    assert offer.expires_at - offer.created_at == dt.timedelta(hours=4)
    (message,) = mail.outbox
    assert message.to == ["erste@example.org"]
    assert "08:20" in message.body
    assert offer_token(message)[0] == str(offer.public_id)
    # The time is held for the entry: nobody else can book it meanwhile.
    assert (
        client.get("/api/availability/times", {"office": "wl", "services": "personalausweis", "date": monday}).json()
        == []
    )


def test_unanswered_offer_lapses_and_passes_to_the_next_entry(
    client, office, monday, full_monday, django_capture_on_commit_callbacks
):
    first = register(office, monday, "erste@example.org")
    second = register(office, monday, "zweite@example.org")
    appointment, token = full_monday[20]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, token)
    lapsed_offer = WaitlistOffer.objects.get(entry=first)
    later = lapsed_offer.expires_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers = waitlist.offer_freed_capacity(office=office, now=later)
    assert [o.entry for o in offers] == [second]
    lapsed_offer.refresh_from_db(), first.refresh_from_db()
    assert lapsed_offer.status == WaitlistOffer.Status.LAPSED
    assert first.status == WaitlistEntry.Status.WAITING and first.queued_at == later  # back of the queue
    assert offers[0].appointment.start == at(monday, 8, 20)
    assert [m.to for m in mail.outbox] == [["erste@example.org"], ["zweite@example.org"]]
    # The lapsed offer can no longer be accepted …
    _id, old_token = offer_token(mail.outbox[0])
    late = client.post(
        f"/api/waitlist/offers/{lapsed_offer.public_id}/accept", {"token": old_token}, content_type="application/json"
    )
    assert late.status_code == 409
    assert late.json()["code"] == "offer_expired"
    # … the current one can, once; a second click answers with the same appointment.
    offer_id, new_token = offer_token(mail.outbox[1])
    accepted = client.post(
        f"/api/waitlist/offers/{offer_id}/accept", {"token": new_token}, content_type="application/json"
    )
    assert accepted.status_code == 200, accepted.content
    again = client.post(
        f"/api/waitlist/offers/{offer_id}/accept", {"token": new_token}, content_type="application/json"
    )
    assert again.json()["code"] == accepted.json()["code"]
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.BOOKED
    booked = Appointment.objects.get(code=accepted.json()["code"])
    assert booked.status == Appointment.Status.CONFIRMED and booked.email == "zweite@example.org"
    # The citizen manages it with the same token, like every appointment.
    assert client.get(f"/api/appointments/{booked.code}", HTTP_X_BOOKING_TOKEN=new_token).status_code == 200


def test_time_windows_are_respected(client, office, monday, full_monday, django_capture_on_commit_callbacks):
    evenings_only = register(office, monday, "abends@example.org", [waitlist.window_from_preset("evenings", 0)])
    mornings = register(office, monday, "morgens@example.org", [waitlist.window_from_preset("mornings")])
    appointment, token = full_monday[0]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, token)
    evenings_only.refresh_from_db(), mornings.refresh_from_db()
    assert evenings_only.status == WaitlistEntry.Status.WAITING
    assert mornings.status == WaitlistEntry.Status.OFFERED


def test_decline_frees_the_time_for_the_next(client, office, monday, full_monday, django_capture_on_commit_callbacks):
    first = register(office, monday, "erste@example.org")
    second = register(office, monday, "zweite@example.org")
    appointment, token = full_monday[40]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, token)
    offer_id, offer_tok = offer_token(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/waitlist/offers/{offer_id}/decline", {"token": offer_tok}, content_type="application/json"
        )
    assert response.json()["status"] == "declined"
    first.refresh_from_db(), second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.OFFERED
    assert first.status == WaitlistEntry.Status.WAITING


def test_wrong_offer_token_reveals_nothing(client, office, monday, full_monday, django_capture_on_commit_callbacks):
    register(office, monday, "erste@example.org")
    appointment, token = full_monday[40]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, token)
    offer_id, _token = offer_token(mail.outbox[0])
    response = client.post(
        f"/api/waitlist/offers/{offer_id}/accept", {"token": "guess"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert WaitlistOffer.objects.get().status == WaitlistOffer.Status.OPEN


def test_a_free_time_is_offered_right_after_registration(office, monday, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = register(office, monday, "sofort@example.org")
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    assert WaitlistOffer.objects.get().appointment.start == at(monday, 8, 0)


def test_scheduler_command_lapses_and_offers(office, monday, full_monday):
    """Capacity from a new roster entry (no cancellation) reaches the waitlist through the scheduler run."""
    entry = register(office, monday, "erste@example.org")
    counter = office.counters.create(number=2)
    RosterEntry.objects.create(counter=counter, weekdays="0", start_time=dt.time(8), end_time=dt.time(8, 20))
    out = StringIO()
    call_command("process_waitlist", stdout=out)
    assert "1 offer(s) made" in out.getvalue()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    call_command("process_waitlist", stdout=out)  # idempotent: nothing more to offer
    assert WaitlistOffer.objects.count() == 1


# --- registration through the API ---------------------------------------------------------------------------


def body(monday, **extra):
    return {
        "offices": ["wl"],
        "services": ["personalausweis"],
        "date_from": monday.isoformat(),
        "date_to": (monday + dt.timedelta(days=7)).isoformat(),
        "email": "neu@example.org",
        "windows": [{"weekday": 3, "preset": "evenings"}, {"from": "08:00", "to": "10:00"}],
    } | extra


def post(client, data):
    return client.post("/api/waitlist", json.dumps(data), content_type="application/json")


def test_register_via_api(client, office, monday, full_monday):
    response = post(client, body(monday, altcha=solve(client)))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["position"] == 1 and data["token"]
    entry = WaitlistEntry.objects.get(public_id=data["entry_id"])
    assert {(w.weekday, w.start_time) for w in entry.windows.all()} == {(None, dt.time(8)), (3, dt.time(16))}
    withdraw = client.post(
        f"/api/waitlist/{data['entry_id']}/withdraw", {"token": data["token"]}, content_type="application/json"
    )
    assert withdraw.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"email": "kein-at-zeichen"}, 400, "email"),
        ({"date_to": "2000-01-01"}, 400, "date_to"),
        ({"services": ["gibt-es-nicht"]}, 404, "services"),
        ({"offices": ["nirgendwo"]}, 404, "office"),
        ({"persons": 0}, 422, "persons"),
        ({"windows": [{"from": "12:00", "to": "09:00"}]}, 400, "windows"),
        ({"windows": [{"weekday": 2}]}, 400, "windows"),
        # A wall-clock time with an offset would shift by an hour across DST: refused.
        ({"windows": [{"from": "08:00+01:00", "to": "10:00"}]}, 422, "windows.from"),
        ({"altcha": None}, 400, "altcha"),
    ],
)
def test_register_bad_input_is_problem_json_and_changes_nothing(client, office, monday, change, status, field):
    data = body(monday, altcha=solve(client)) | change
    response = post(client, data)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert not WaitlistEntry.objects.exists()


def test_register_limit_per_email(client, office, monday, settings):
    settings.WAITLIST_MAX_ACTIVE_PER_EMAIL = 1
    assert post(client, body(monday, altcha=solve(client))).status_code == 201
    response = post(client, body(monday, altcha=solve(client)))
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_waitlist_entries"


# --- staff ----------------------------------------------------------------------------------------------------


def test_staff_see_waitlist_and_offers(client, office, monday, full_monday, django_capture_on_commit_callbacks):
    register(office, monday, "erste@example.org")
    register(office, monday, "zweite@example.org")
    appointment, token = full_monday[20]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, token)
    assert client.get("/api/staff/offices/wl/waitlist").status_code == 401
    client.force_login(User.objects.create_superuser("chef", "chef@example.org", "pw-123456789"))
    rows = client.get("/api/staff/offices/wl/waitlist").json()
    assert [(r["email"], r["status"], r["position"]) for r in rows] == [
        ("erste@example.org", "offered", None),
        ("zweite@example.org", "waiting", 1),
    ]
    assert rows[0]["offers"][0]["status"] == "open"
    assert client.get("/admin/booking/waitlistentry/").status_code == 200
    assert client.get("/admin/booking/waitlistoffer/").status_code == 200


def test_staff_of_another_city_see_nothing(client, office):
    user = User.objects.create_user("fremd", password="pw-123456789")
    other = Organisation.objects.create(name="Stadt Anders")
    StaffMembership.objects.create(user=user, organisation=other, role=StaffMembership.Role.MANAGER)
    client.force_login(user)
    response = client.get("/api/staff/offices/wl/waitlist")
    assert response.status_code == 403


# --- HTML pages -----------------------------------------------------------------------------------------------


def form_data(monday, **extra):
    return {
        "services": ["personalausweis"],
        "offices": ["wl"],
        "persons": "1",
        "date_from": monday.isoformat(),
        "date_to": monday.isoformat(),
        "weekdays": ["3"],
        "presets": ["evenings"],
        "email": "html@example.org",
    } | extra


def ticket(page: str) -> str:
    return re.findall(r'name="altcha" value="([^"]+)"', page)[0]


def test_html_form_without_javascript(client, office, monday, settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 15
    page = client.get("/warteliste/")
    assert page.status_code == 200
    too_early = client.post("/warteliste/", form_data(monday, altcha=ticket(page.content.decode())))
    assert too_early.status_code == 400
    assert "Sekunden" in too_early.content.decode()
    assert not WaitlistEntry.objects.exists()
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0
    page = client.get("/warteliste/").content.decode()
    done = client.post("/warteliste/", form_data(monday, altcha=ticket(page)))
    assert done.status_code == 201, done.content.decode()
    entry = WaitlistEntry.objects.get()
    assert [(w.weekday, w.start_time) for w in entry.windows.all()] == [(3, dt.time(16))]


def test_html_form_shows_errors_next_to_fields(client, office, monday, settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0
    page = client.get("/warteliste/").content.decode()
    response = client.post("/warteliste/", form_data(monday, email="falsch", altcha=ticket(page)))
    assert response.status_code == 400
    assert 'id="id_email-error"' in response.content.decode()
    assert 'aria-describedby="id_email-error"' in response.content.decode()
    response = client.post("/warteliste/", form_data(monday, date_to="2000-01-01", altcha=ticket(page)))
    assert 'id="id_date_to-error"' in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_html_offer_page_accepts(client, office, monday, full_monday, django_capture_on_commit_callbacks):
    register(office, monday, "erste@example.org")
    appointment, token = full_monday[20]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, token)
    offer_id, offer_tok = offer_token(mail.outbox[0])
    url = f"/warteliste/angebot/{offer_id}/"
    page = client.get(url, {"token": offer_tok})
    assert page.status_code == 200 and "Termin annehmen" in page.content.decode()
    assert client.get(url, {"token": "falsch"}).status_code == 404
    done = client.post(url, {"token": offer_tok, "answer": "accept"})
    assert done.status_code == 200
    code = WaitlistOffer.objects.get().appointment.code
    assert code in done.content.decode()


def test_two_freed_times_go_to_the_first_two_in_queue_order(
    client, office, monday, full_monday, django_capture_on_commit_callbacks
):
    entries = [register(office, monday, f"person{i}@example.org") for i in range(3)]
    for minute in (40, 0):
        Appointment.objects.filter(pk=full_monday[minute][0].pk).delete()  # capacity appears without a hook
    # Rows changed by hand are seen once their day's stamp is renewed (docs/adr/0001-day-cache.md, deployment.md).
    booking_services.renew_day_stamps(offices=[office], first=monday, last=monday)
    with django_capture_on_commit_callbacks(execute=True):
        offers = waitlist.offer_freed_capacity(office=office, now=timezone.now())
    assert [(o.entry, o.appointment.start) for o in offers] == [
        (entries[0], at(monday, 8, 0)),
        (entries[1], at(monday, 8, 40)),
    ]
    entries[2].refresh_from_db()
    assert entries[2].status == WaitlistEntry.Status.WAITING
    assert len(mail.outbox) == 2


def test_withdrawing_with_an_open_offer_passes_the_time_on(
    client, office, monday, full_monday, django_capture_on_commit_callbacks
):
    first, first_token = waitlist.register(
        office_slugs=["wl"], service_slugs=["personalausweis"], date_from=monday, date_to=monday, email="a@example.org"
    )
    second = register(office, monday, "b@example.org")
    appointment, appointment_token = full_monday[20]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_via_api(client, appointment, appointment_token)
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/waitlist/{first.public_id}/withdraw", {"token": first_token}, content_type="application/json"
        )
    assert response.json() == {"status": "withdrawn"}
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.OFFERED
    assert WaitlistOffer.objects.get(entry=second).appointment.start == at(monday, 8, 20)
    wrong = client.post(f"/api/waitlist/{second.public_id}/withdraw", {"token": "x"}, content_type="application/json")
    assert wrong.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_withdrawing_outside_a_surrounding_transaction(client, office, monday):
    """As in production, no test transaction around the request: the withdrawal locks the entry in its own."""
    entry, token = waitlist.register(
        office_slugs=[office.slug], service_slugs=["personalausweis"], date_from=monday, date_to=monday, email="a@x.de"
    )
    response = client.post(
        f"/api/waitlist/{entry.public_id}/withdraw", {"token": token}, content_type="application/json"
    )
    assert response.json() == {"status": "withdrawn"}
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WITHDRAWN
