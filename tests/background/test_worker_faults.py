"""Fault tests with real processes on PostgreSQL: a worker killed mid-delivery loses and doubles nothing,
and a worker outlives a short database outage."""

import email
import email.policy
import signal

import pytest
from django.db import connection
from django.utils import timezone

from buergerbuero.background.models import Lease, Message
from buergerbuero.booking.models import Appointment
from tests import factories
from tests.background.bookings import confirmed_appointment
from tests.background.processes import Proxy, start_worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BOOKINGS = 40


@pytest.fixture(autouse=True)
def worker_delivers(settings):
    settings.OUTBOX_DELIVER_ON_COMMIT = False


def mails(folder) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.glob("*.eml")]


def book(office, count: int) -> list[Appointment]:
    now = timezone.now()
    return [
        confirmed_appointment(office, now=now, email=f"buerger{n}@example.org", weeks_ahead=1 + n // 20)
        for n in range(count)
    ]


def stop(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_a_worker_killed_mid_delivery_loses_no_confirmation_and_sends_none_twice(tmp_path):
    office = factories.office(services=[factories.service()], counters=2, max_active_per_email=3)
    appointments = book(office, BOOKINGS)
    assert Appointment.objects.filter(status="confirmed").count() == BOOKINGS
    folder, log = tmp_path / "mail", tmp_path / "worker.log"
    victim = start_worker(mail_dir=folder, log=log, OUTBOX_LEASE_SECONDS=3)
    wait_until(lambda: folder.exists() and any(folder.glob("*.eml")), what="the first mail")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    left_leased = Message.objects.filter(status="pending", leased_until__isnull=False).count()
    assert left_leased > 0, "the kill must land while the worker holds claimed rows"
    connection.close()

    survivors = [start_worker(mail_dir=folder, log=log, OUTBOX_LEASE_SECONDS=3) for _ in range(2)]
    try:
        wait_until(lambda: not Message.objects.filter(status="pending").exists(), what="an empty outbox")
    finally:
        for process in survivors:
            stop(process)

    confirmations = [m for m in mails(folder) if "bestätigt" in m["subject"]]
    by_address = {}
    for message in confirmations:
        by_address.setdefault(str(message["to"]), []).append(message)
    assert sorted(by_address) == sorted(a.email for a in appointments)
    assert all(len(found) == 1 for found in by_address.values()), "one confirmation per booking"
    assert len(mails(folder)) == BOOKINGS  # the opt-in mails were overtaken by the confirmations
    for appointment in appointments:
        row = Message.objects.get(key=f"booking:{appointment.pk}:confirmed:{appointment.sequence}")
        assert row.status == Message.Status.SENT
    assert Message.objects.filter(status="sent", attempts__gt=1).exists(), "killed rows were delivered again"


def test_a_worker_survives_a_short_database_outage(tmp_path):
    office = factories.office(services=[factories.service()])
    proxy = Proxy(upstream_port=int(connection.settings_dict["PORT"] or 5432))
    proxy.open()
    folder, log = tmp_path / "mail", tmp_path / "worker.log"
    process = start_worker(mail_dir=folder, log=log, port=proxy.port, WORKER_HEARTBEAT_SECONDS=1)
    try:
        wait_until(lambda: Lease.objects.filter(name__startswith="worker:").exists(), what="the first heartbeat")
        proxy.cut()
        wait_until(lambda: b"database unavailable" in log.read_bytes(), what="the worker to notice the outage")
        (appointment,) = book(office, 1)  # written meanwhile through the test's own connection
        wait_until(lambda: log.read_bytes().count(b"database unavailable") >= 2, what="a second failed try")
        assert process.poll() is None, "the worker must not exit while the database is away"
        proxy.open()
        wait_until(
            lambda: Message.objects.filter(
                key__startswith=f"booking:{appointment.pk}:confirmed", status="sent"
            ).exists(),
            what="the confirmation after the outage",
        )
        # The worker logs its recovery after the batch it delivered: the line may follow the row by a moment.
        wait_until(lambda: b"database is back" in log.read_bytes(), what="the worker to log its recovery")
        assert process.poll() is None
        assert any(appointment.code in m.get_body(("plain",)).get_content() for m in mails(folder))
    finally:
        stop(process)
        proxy.cut()
