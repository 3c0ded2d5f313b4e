"""Retention: the pure rules, and the job that applies them on the real database (SQLite and PostgreSQL)."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone

from buergerbuero.applications import services as application_services
from buergerbuero.applications.identity import session as identity_session
from buergerbuero.applications.models import Application, OnlineService, PendingLogin, Status, StatusChange
from buergerbuero.background.models import Message
from buergerbuero.booking.models import Appointment, WaitlistEntry
from buergerbuero.callcenter import selectors as callcenter_selectors
from buergerbuero.callcenter import services as callcenter_services
from buergerbuero.callcenter.models import Call, Ticket
from buergerbuero.privacy import retention, services
from buergerbuero.privacy.models import AuditRecord, RetentionPolicy
from buergerbuero.privacy.retention import Kind
from tests import factories
from tests.insights.conftest import book

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


# --- the pure rules -------------------------------------------------------------------------------------


def test_defaults_are_what_the_pages_promise():
    p = retention.DEFAULT
    assert (p.appointment_days, p.callback_ticket_days, p.call_days, p.identity_minutes) == (30, 90, 90, 30)
    assert p.waitlist_days == 0 and p.open_application_days > 0 and p.audit_days > 0


@pytest.mark.parametrize(
    ("appointment_day", "today", "due"),
    [
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31), False),  # the 30th day after: still kept
        (dt.date(2026, 3, 1), dt.date(2026, 4, 1), True),  # the day after that: due (across the DST change)
        (dt.date(2026, 10, 1), dt.date(2026, 11, 1), True),
    ],
)
def test_an_appointment_is_due_from_the_31st_day_after_its_date(appointment_day, today, due):
    now = at(today, 0, 30)
    assert retention.is_due(Kind.APPOINTMENTS, retention.DEFAULT, ended=appointment_day, now=now, today=today) is due


def test_ticket_due_90_days_after_closing_and_identity_after_30_minutes():
    now = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)  # the night clocks go forward in Berlin
    p = retention.DEFAULT
    kw = {"now": now, "today": now.date()}
    assert not retention.is_due(Kind.CALLBACK_TICKETS, p, ended=now - dt.timedelta(days=90), **kw)
    assert retention.is_due(Kind.CALLBACK_TICKETS, p, ended=now - dt.timedelta(days=90, seconds=1), **kw)
    assert not retention.is_due(Kind.IDENTITY, p, ended=now - dt.timedelta(minutes=30), **kw)
    assert retention.is_due(Kind.IDENTITY, p, ended=now - dt.timedelta(minutes=31), **kw)


def test_naive_now_and_negative_periods_are_refused():
    with pytest.raises(ValueError):
        retention.cutoffs(retention.DEFAULT, now=dt.datetime(2026, 1, 1), today=dt.date(2026, 1, 1))
    with pytest.raises(ValueError):
        retention.Policy(appointment_days=-1)


def test_what_belongs_to_no_municipality_follows_the_shortest_period():
    assert retention.strictest([retention.DEFAULT, retention.Policy(message_days=7)]).message_days == 7


# --- the job on the database ----------------------------------------------------------------------------


@pytest.fixture
def office(db):
    return factories.office(services=[factories.service()])


def _with_person(appointment, n=1):
    Appointment.objects.filter(pk=appointment.pk).update(
        name=f"Erika Muster {n}", email=f"erika{n}@example.org", phone="0234 1"
    )


def test_appointments_are_anonymised_30_days_after_their_day_and_only_once(office):
    service = office.services.first() if hasattr(office, "services") else None
    from buergerbuero.catalog.models import Service

    service = Service.objects.first()
    today = dt.date(2026, 4, 1)
    now = at(today, 0, 30)
    old = book(office, service, at(dt.date(2026, 3, 1), 17, 30))  # 31 days ago (DST in between)
    kept = book(office, service, at(dt.date(2026, 3, 2), 8, 0))  # 30 days ago
    for n, a in enumerate((old, kept)):
        _with_person(a, n)

    dry = services.apply_retention(now=now, dry_run=True)
    assert dry[Kind.APPOINTMENTS] == 1
    assert Appointment.objects.get(pk=old.pk).email  # a dry run changes nothing

    assert services.apply_retention(now=now, batch_size=1)[Kind.APPOINTMENTS] == 1
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.name, old.email, old.phone) == ("", "", "")
    assert old.start and old.code and old.items.count() == 1  # what statistics need stays
    assert kept.email == "erika1@example.org"
    assert services.apply_retention(now=now)[Kind.APPOINTMENTS] == 0  # idempotent


def test_a_municipality_sets_its_own_period(office):
    from buergerbuero.catalog.models import Service

    RetentionPolicy.objects.create(organisation=office.organisation, appointment_days=7)
    now = at(dt.date(2026, 6, 10), 12)
    a = book(office, Service.objects.first(), at(dt.date(2026, 6, 2), 9))
    _with_person(a)
    assert services.apply_retention(now=now)[Kind.APPOINTMENTS] == 1


def test_callback_tickets_and_calls_lose_the_caller_90_days_after(db):
    now = timezone.now()
    world = factories.access_world(now=now - dt.timedelta(days=100))
    agent = callcenter_selectors.viewer(world.users["agent_live"])
    closed_at = now - dt.timedelta(days=91)
    ticket = world.objects["ticket_live"]
    back_office = callcenter_selectors.viewer(world.users["clerk"])
    callcenter_services.close_ticket(viewer=back_office, ticket_id=ticket.pk, note="Erika zurückgerufen", now=closed_at)
    Call.objects.update(caller_number="+492305123456", started_at=closed_at)
    recent = callcenter_services.create_ticket(
        viewer=agent, office=world.office, reason="Frage", caller_name="Max", caller_phone="0234 123456", now=now
    )

    counts = services.apply_retention(now=now)
    assert counts[Kind.CALLBACK_TICKETS] == 1 and counts[Kind.CALLS] == Call.objects.count()
    ticket.refresh_from_db()
    assert (ticket.caller_name, ticket.caller_phone, ticket.reason, ticket.closing_note) == ("", "", "", "")
    assert ticket.anonymised_at == now and ticket.closed_at == closed_at and ticket.status == Ticket.Status.CLOSED
    assert not Call.objects.exclude(caller_number="").exists()
    assert Ticket.objects.get(pk=recent.pk).caller_name == "Max"
    assert services.apply_retention(now=now)[Kind.CALLBACK_TICKETS] == 0


def test_waitlist_entries_go_when_they_lapse(office):
    def entry(status, date_to, **kw):
        e = WaitlistEntry.objects.create(
            email="w@example.org",
            date_from=date_to - dt.timedelta(days=5),
            date_to=date_to,
            status=status,
            created_at=now - dt.timedelta(days=10),
            queued_at=now - dt.timedelta(days=10),
        )
        e.offices.set([office])
        return e

    now = at(dt.date(2026, 5, 20), 9)
    over = entry("waiting", dt.date(2026, 5, 19))
    withdrawn = entry("withdrawn", dt.date(2026, 6, 30))
    waiting = entry("waiting", dt.date(2026, 6, 30))
    assert services.apply_retention(now=now)[Kind.WAITLIST] == 2
    assert list(WaitlistEntry.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not WaitlistEntry.objects.filter(pk__in=[over.pk, withdrawn.pk]).exists()


def test_every_open_application_gets_a_deletion_date_and_the_purge_clears_the_history(office, django_user_model):
    from buergerbuero.catalog.models import Service

    online = OnlineService.objects.create(
        slug="pa", kind="id_card", service=Service.objects.first(), title_de="PA", title_en="ID"
    )
    start = timezone.now() - dt.timedelta(days=200)
    application = Application.objects.create(
        reference="A-1",
        service=online,
        office=office,
        answers={"given_name": "Erika"},
        identity={"family_name": "Muster"},
        email="erika@example.org",
        created_at=start,
        updated_at=start,
    )
    clerk = django_user_model.objects.create_user("clerk")
    Application.objects.filter(pk=application.pk).update(status=Status.SUBMITTED, submitted_at=start)
    application.refresh_from_db()
    application_services.ask_for_info(application=application, question="Welche Größe?", actor=clerk, now=start)
    application.refresh_from_db()
    assert application.purge_after == start + dt.timedelta(days=retention.DEFAULT.open_application_days)

    # an older application without a date (from before the rule) gets one from its last change
    legacy = Application.objects.create(
        reference="A-2", service=online, office=office, email="x@example.org", created_at=start, updated_at=start
    )
    Application.objects.filter(pk=legacy.pk).update(status=Status.APPROVED, submitted_at=start, decided_at=start)

    counts = services.apply_retention(now=timezone.now())
    assert counts[Kind.APPLICATIONS] == 2  # A-2 got the date of its last change + 90 days: past, so it goes too
    application.refresh_from_db()
    assert application.purged_at and application.answers == {} and application.email == ""
    assert not StatusChange.objects.filter(application=application).exclude(note="").exists()
    assert AuditRecord.objects.filter(action="purge", object_id="A-1").exists()
    assert Application.objects.get(pk=legacy.pk).purged_at is not None
    assert services.apply_retention(now=timezone.now())[Kind.APPLICATIONS] == 0


def test_mail_records_and_files_go_after_their_period(office, tmp_path, settings):
    folder = tmp_path / "mail"
    folder.mkdir()
    settings.MAILERS = {
        "default": {"BACKEND": "buergerbuero.core.mailfolder.EmailBackend", "OPTIONS": {"file_path": str(folder)}}
    }
    now = timezone.now()
    old, new = folder / "old.eml", folder / "new.eml"
    for path in (old, new):
        path.write_text("To: erika@example.org")
    # Both files get their age from the clock passed in, not from the file system's (which a shifted test clock
    # does not move): 31 days, past the period, and one day.
    for path, days in ((old, 31), (new, 1)):
        stamp = (now - dt.timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
    for key, status, finished in (("a", "sent", 31), ("b", "failed", 31), ("c", "sent", 1), ("d", "pending", None)):
        Message.objects.create(
            key=key,
            kind="booking.confirmation",
            channel="email",
            recipient="erika@example.org",
            office=office,
            status=status,
            available_at=now,
            created_at=now - dt.timedelta(days=40),
            finished_at=None if finished is None else now - dt.timedelta(days=finished),
        )
    counts = services.apply_retention(now=now)
    assert counts[Kind.MESSAGES] == 2 and counts[Kind.MAIL_FILES] == 1
    assert sorted(Message.objects.values_list("key", flat=True)) == ["c", "d"]
    assert not old.exists() and new.exists()


def test_eid_identity_leaves_the_session_after_30_minutes(db):
    now = timezone.now()

    def session(minutes_ago):
        store = SessionStore()
        store[identity_session.IDENTITY_KEY] = {
            "identity": {"family_name": "Muster"},
            "at": (now - dt.timedelta(minutes=minutes_ago)).isoformat(),
        }
        store["other"] = 1
        store.create()
        return store.session_key

    stale, fresh = session(31), session(5)
    PendingLogin.objects.create(
        provider="local",
        request_id="r1",
        level=4,
        next_url="/",
        created_at=now - dt.timedelta(minutes=40),
        expires_at=now + dt.timedelta(minutes=1),
        identity={"family_name": "Muster"},
    )
    assert services.apply_retention(now=now, dry_run=True)[Kind.IDENTITY] == 2
    assert services.apply_retention(now=now)[Kind.IDENTITY] == 2
    assert identity_session.IDENTITY_KEY not in SessionStore(session_key=stale).load()
    assert SessionStore(session_key=stale).load()["other"] == 1
    assert identity_session.IDENTITY_KEY in SessionStore(session_key=fresh).load()
    assert not PendingLogin.objects.exists()


def test_audit_records_have_their_own_period(office):
    now = timezone.now()
    for days in (400, 10):
        AuditRecord.objects.create(at=now - dt.timedelta(days=days), action="read", object_type="x", actor_name="a")
    assert services.apply_retention(now=now)[Kind.AUDIT] == 1
    assert AuditRecord.objects.count() == 1


def test_dry_run_command_reports_counts_per_kind(office):
    from io import StringIO

    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Probelauf" in text
    for kind in Kind:
        assert kind.value in text


def test_the_scheduler_runs_the_retention_job():
    from buergerbuero.background import jobs

    assert "retention" in {job.name for job in jobs.JOBS}
