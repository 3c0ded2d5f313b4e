"""Double opt-in, manage links, .ics, cancel/reschedule and reminders through HTTP, tasks and mail."""

import calendar
import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from buergerbuero.background.models import Message
from buergerbuero.booking import links
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live
from tests.booking.webflow import (
    CONTACT,
    evening_office,
    hold,
    link_to,
    no_wait_for_the_no_js_ticket,  # noqa: F401 (autouse fixture)
    start_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_service():
    return evening_office()


def book_until_mail(client, office, service, capture, contact=CONTACT):
    appointment, contact_url = hold(client, office, service)
    with capture(execute=True):
        response = client.post(contact_url, contact)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Appointment.objects.get(pk=appointment.pk), response


def confirmed(client, office, service, capture):
    appointment, _ = book_until_mail(client, office, service, capture)
    opt_in = link_to(mail.outbox[-1], "/bestaetigen/")
    with capture(execute=True):
        response = client.post(opt_in)
    assert response.status_code == 302
    return Appointment.objects.get(pk=appointment.pk), response.url.split("?")[0]


def test_contact_form_extends_the_hold_and_mails_the_opt_in_link(
    client, office_service, settings, django_capture_on_commit_callbacks
):
    office, service = office_service
    settings.BOOKING_OPT_IN_MINUTES = 60
    before = timezone.now()
    appointment, response = book_until_mail(client, office, service, django_capture_on_commit_callbacks)
    assert response.url.endswith("/e-mail-gesendet/")
    assert appointment.status == Appointment.Status.HELD
    assert appointment.email == "erika@example.org" and appointment.phone == "+4923051060"
    assert appointment.blocks_until >= before + dt.timedelta(minutes=59)
    assert all(c.expires_at == appointment.blocks_until for c in appointment.claims.all())
    (message,) = mail.outbox
    assert message.to == ["erika@example.org"]
    assert "Bitte bestätigen Sie Ihren Termin" in message.subject
    assert "/bestaetigen/" in message.body
    html = message.alternatives[0].content
    assert "Termin bestätigen" in html and "Alter Personalausweis" in html
    page = client.get(response.url).content.decode()
    assert "erika@example.org" in page and "E-Mail-Adresse korrigieren" in page


def test_opt_in_get_only_shows_the_post_confirms_and_a_double_click_changes_nothing(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, _ = book_until_mail(client, office, service, django_capture_on_commit_callbacks)
    opt_in = link_to(mail.outbox[-1], "/bestaetigen/")
    page = client.get(opt_in)  # a mail scanner following the link must not book
    assert page.status_code == 200 and "Termin verbindlich buchen" in page.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.HELD
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(opt_in)
        second = client.post(opt_in)
    assert first.status_code == second.status_code == 302
    assert first.url.split("?")[0] == second.url.split("?")[0]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED and appointment.blocks_until is None
    kinds = [m.subject for m in mail.outbox]
    assert sum("bestätigt" in s for s in kinds) == 1
    assert Message.objects.filter(key__startswith=f"booking:{appointment.pk}:confirmed:").count() == 1


def test_confirmation_page_and_mail_carry_code_qr_documents_map_ics_and_links(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, manage_url = confirmed(client, office, service, django_capture_on_commit_callbacks)
    html = client.get(manage_url + "?neu=1").content.decode()
    for text in (
        appointment.code,
        "<svg",
        "QR-Code",
        "Alter Personalausweis",
        "openstreetmap.org",
        "termin.ics",
        "verbindlich gebucht",
    ):
        assert text in html, text
    message = mail.outbox[-1]
    assert appointment.code in message.body and "Ihr Termin ist bestätigt" in message.subject
    for fragment in ("/absagen/", "/verschieben/", "termin.ics"):
        link_to(message, fragment)
    ics_parts = [a for a in message.attachments if getattr(a, "mimetype", "").startswith("text/calendar")]
    assert ics_parts, message.attachments
    cal = icalendar.Calendar.from_ical(ics_parts[0].content)
    assert str(cal["method"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"{appointment.public_id}@buergerbuero"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == appointment.start
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    download = client.get(link_to(message, "termin.ics"))
    assert download["Content-Type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(download.content).walk("VEVENT")[0]["uid"] == event["uid"]


def test_reschedule_keeps_uid_raises_sequence_and_mails_the_update(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, manage_url = confirmed(client, office, service, django_capture_on_commit_callbacks)
    page = client.get(manage_url + "verschieben/").content.decode()
    new = [v for v in start_values(page) if dt.datetime.fromisoformat(v) != appointment.start][-1]
    confirm_page = client.post(manage_url + "verschieben/", {"start": new})
    assert confirm_page.status_code == 200 and "Ja, Termin verschieben" in confirm_page.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).start == appointment.start  # nothing moved yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage_url + "verschieben/", {"start": new, "confirm": "1"})
    assert response.status_code == 302 and "verschoben=1" in response.url
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.start == dt.datetime.fromisoformat(new) and moved.sequence == 1
    message = mail.outbox[-1]
    assert "verschoben" in message.subject
    cal = icalendar.Calendar.from_ical(message.attachments[0].content)
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"{appointment.public_id}@buergerbuero" and int(event["sequence"]) == 1


def test_cancel_asks_first_releases_after_the_delay_and_sends_method_cancel(
    client, settings, django_capture_on_commit_callbacks
):
    office, service = evening_office(counters=1)
    settings.BOOKING_CANCEL_RELEASE_MINUTES = 30
    appointment, manage_url = confirmed(client, office, service, django_capture_on_commit_callbacks)
    ask = client.get(manage_url + "absagen/").content.decode()
    assert "Ja, Termin absagen" in ask
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage_url + "absagen/")
        again = client.post(manage_url + "absagen/")  # double click
    assert response.status_code == again.status_code == 302
    cancelled = Appointment.objects.get(pk=appointment.pk)
    assert cancelled.status == Appointment.Status.CANCELLED and cancelled.sequence == 1
    assert cancelled.blocks_until - cancelled.cancelled_at == dt.timedelta(minutes=30)
    now = timezone.now()
    query = live.booking_query(office=office, service_slugs=[service.slug], now=now)
    day = cancelled.start.astimezone(query.tz).date()
    assert cancelled.start not in [t.start for t in live.free_times(query, day, day, now=now)[day]]
    later = cancelled.blocks_until + dt.timedelta(seconds=1)
    assert cancelled.start in [t.start for t in live.free_times(query, day, day, now=later)[day]]
    cancel_mails = [m for m in mail.outbox if "abgesagt" in m.subject]
    assert len(cancel_mails) == 1
    cal = icalendar.Calendar.from_ical(cancel_mails[0].attachments[0].content)
    assert str(cal["method"]) == "CANCEL"
    assert int(cal.walk("VEVENT")[0]["sequence"]) == 1
    assert "abgesagt" in client.get(manage_url).content.decode()


def test_tampered_and_expired_links_get_a_clear_message_and_a_way_forward(
    client, office_service, settings, django_capture_on_commit_callbacks
):
    office, service = office_service
    book_until_mail(client, office, service, django_capture_on_commit_callbacks)
    opt_in = link_to(mail.outbox[-1], "/bestaetigen/")
    tampered = opt_in[:-3] + ("AAA" if not opt_in.endswith("AAA/") else "BBB") + "/"
    for url in (tampered, "/bestaetigen/kaputt/", "/meine-buchung/kaputt/", "/meine-buchung/kaputt/termin.ics"):
        response = client.get(url)
        assert response.status_code == 400, url
        html = response.content.decode()
        assert "Dieser Link ist ungültig" in html and "So geht es weiter" in html
    settings.BOOKING_OPT_IN_LINK_HOURS = -1
    response = client.get(opt_in)
    assert response.status_code == 400 and "abgelaufen" in response.content.decode()
    assert "Links zu meinem Termin neu anfordern" in client.get("/meine-buchung/kaputt/").content.decode()


def test_hold_lapsed_while_typing_is_taken_again_when_still_free(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, contact_url = hold(client, office, service)
    past = timezone.now() - dt.timedelta(minutes=1)
    Appointment.objects.filter(pk=appointment.pk).update(blocks_until=past)
    appointment.claims.update(expires_at=past)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(contact_url, CONTACT)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.blocks_until > timezone.now() and appointment.claims.count() > 0


def test_hold_lapsed_and_taken_keeps_what_was_typed_and_offers_another_time(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, contact_url = hold(client, office, service)
    past = timezone.now() - dt.timedelta(minutes=1)
    Appointment.objects.filter(pk=appointment.pk).update(blocks_until=past)
    appointment.claims.update(expires_at=past)
    other = client.__class__()
    for _ in range(office.counters.count()):
        hold(other, office, service, appointment.start.isoformat())
    response = client.post(contact_url, CONTACT)
    html = response.content.decode()
    assert response.status_code == 409
    assert "inzwischen vergeben" in html and "Andere Zeit wählen" in html
    assert 'value="Erika Mustermann"' in html
    _second, second_url = hold(client, office, service)  # the citizen picks another time
    assert 'value="erika@example.org"' in client.get(second_url).content.decode()


def test_e_mail_typo_missing_consent_and_bad_phone_show_messages_beside_the_fields(client, office_service):
    office, service = office_service
    _appointment, contact_url = hold(client, office, service)
    response = client.post(contact_url, {**CONTACT, "email": "erika@gmial.com", "phone": "abc", "consent": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Meinten Sie erika@gmail.com?" in html
    assert "Bitte stimmen Sie der Speicherung" in html
    assert "Bitte geben Sie eine Telefonnummer" in html
    assert 'aria-invalid="true"' in html and 'value="erika@gmial.com"' in html
    assert not mail.outbox
    # the citizen insists the address is right
    response = client.post(contact_url, {**CONTACT, "email": "erika@gmial.com", "email_checked": "on"})
    assert response.status_code == 302


def test_someone_elses_hold_is_not_shown(client, office_service):
    office, service = office_service
    _appointment, contact_url = hold(client, office, service)
    response = client.__class__().get(contact_url)
    assert response.status_code == 404
    assert "gehört nicht zu dieser Sitzung" in response.content.decode()


def test_too_many_appointments_for_one_address_is_said_beside_the_e_mail_field(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    office.max_active_per_email = 1
    office.save()
    confirmed(client, office, service, django_capture_on_commit_callbacks)
    _appointment, contact_url = hold(client, office, service)
    response = client.post(contact_url, CONTACT)
    assert response.status_code == 400
    assert "bereits 1 Termine gebucht" in response.content.decode()


def test_resend_links_mails_only_when_code_and_address_match(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, _ = confirmed(client, office, service, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post("/meine-buchung/", {"code": appointment.code, "email": "mallory@example.org"})
        right = client.post("/meine-buchung/", {"code": appointment.code.lower(), "email": "ERIKA@example.org"})
    assert wrong.content.decode().count("zusammenpassen") == right.content.decode().count("zusammenpassen") == 1
    assert len(mail.outbox) == sent + 1
    assert link_to(mail.outbox[-1], "/meine-buchung/").startswith(
        "/meine-buchung/" + links.manage_token(appointment.public_id)
    )


def test_reminder_command_twice_sends_one_mail_and_a_moved_appointment_is_reminded_again(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, _ = confirmed(client, office, service, django_capture_on_commit_callbacks)
    hours = int((appointment.start - timezone.now()).total_seconds() // 3600) + 1
    Appointment.objects.filter(pk=appointment.pk).update(confirmed_at=appointment.start - dt.timedelta(days=10))
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", hours=hours, verbosity=0)
        call_command("send_reminders", hours=hours, verbosity=0)
    reminders = [m for m in mail.outbox[sent:] if "Erinnerung" in m.subject]
    assert len(reminders) == 1
    assert appointment.code in reminders[0].body
    assert not live.due_reminders(now=timezone.now(), hours=hours).exists()
    Appointment.objects.filter(pk=appointment.pk).update(sequence=5)  # e.g. moved: a new version
    assert live.due_reminders(now=timezone.now(), hours=hours).exists()


def test_no_reminder_for_appointments_booked_inside_the_window(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    appointment, _ = confirmed(client, office, service, django_capture_on_commit_callbacks)
    hours = int((appointment.start - timezone.now()).total_seconds() // 3600) + 1
    assert not live.due_reminders(now=timezone.now(), hours=hours).exists()


@pytest.mark.django_db(transaction=True)
def test_mails_go_through_the_outbox_worker(client, settings):
    """The request writes an outbox row, `run_worker` sends it; a second run sends nothing."""
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    office, service = evening_office()
    _appointment, contact_url = hold(client, office, service)
    assert client.post(contact_url, CONTACT).status_code == 302
    assert not mail.outbox  # queued, not sent inside the request
    call_command("run_worker", once=True, interval=0)
    assert len(mail.outbox) == 1 and "bestätigen" in mail.outbox[0].subject
    call_command("run_worker", once=True, interval=0)
    assert len(mail.outbox) == 1


def test_mails_are_written_in_the_language_the_citizen_booked_in(
    client, office_service, django_capture_on_commit_callbacks
):
    office, service = office_service
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    appointment, _ = book_until_mail(client, office, service, django_capture_on_commit_callbacks)
    assert appointment.language == "en"
    message = mail.outbox[-1]
    assert message.subject.startswith("Please confirm your appointment")
    assert "Dear Erika Mustermann," in message.body
    start = timezone.localtime(appointment.start)
    day = f"{calendar.day_name[start.weekday()]}, {start.day} {calendar.month_name[start.month]} {start.year}"
    assert f"When: {day}, {start:%H:%M}" in message.body  # not the German "Donnerstag, 10. Dezember"
