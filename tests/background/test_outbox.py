"""The outbox on both databases: written with its transaction, leased, retried with backoff, failed for good,
never sent twice, sent again by staff. Mails go to a real SMTP server or the mail folder."""

import datetime as dt
import socket

import pytest
from django.core import mail
from django.db import transaction

from buergerbuero.background import channels, services
from buergerbuero.background.models import Message
from buergerbuero.core.email_url import parse_email_url
from tests.background.smtp import smtp_server

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # a DST night in Berlin: nothing here depends on the hour
NOTICE = "applications.notice"  # a registered kind whose text is stored in the row


@pytest.fixture(autouse=True)
def worker_delivers(settings):
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    settings.OUTBOX_LEASE_SECONDS = 120
    settings.OUTBOX_RETRY_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 3


def queue(key="notice:1", to="erika@example.org", now=NOW):
    with transaction.atomic():
        services.send_later(
            kind=NOTICE, key=key, payload={"subject": "Betreff", "body": "Text", "to": to}, recipient=to, now=now
        )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


def smtp(settings, port: int) -> None:
    settings.MAILERS = {"default": parse_email_url(f"smtp://127.0.0.1:{port}")}
    settings.MAILERS["default"]["OPTIONS"]["use_tls"] = False
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 5


def test_a_message_exists_only_if_its_transaction_commits():
    with pytest.raises(LookupError), transaction.atomic():
        services.send_later(kind=NOTICE, key="notice:gone", payload={"subject": "s", "body": "b", "to": "a@b.de"})
        services.send_later(kind="no.such.kind", key="x", payload={})  # the change fails after the mail was written
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_queueing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.send_later(kind=NOTICE, key="notice:x", payload={"subject": "s", "body": "b", "to": "a@b.de"})


def test_the_same_key_twice_is_one_message_sent_once():
    queue()
    queue()  # a second click, a second scheduler run: the same message
    assert Message.objects.count() == 1
    assert services.deliver_due(now=NOW) == 1
    assert services.deliver_due(now=NOW + dt.timedelta(hours=1)) == 0
    (sent,) = mail.outbox
    assert sent.to == ["erika@example.org"] and sent.subject == "Betreff"
    assert sent.extra_headers["Message-ID"] == channels.message_id("notice:1")
    message = Message.objects.get()
    assert message.status == Message.Status.SENT and message.attempts == 1 and message.finished_at == NOW


def test_a_lease_keeps_a_row_from_a_second_worker_until_it_expires():
    queue()
    (first,) = services.claim(now=NOW, limit=10)  # this worker dies without recording anything
    assert services.claim(now=NOW + dt.timedelta(seconds=119), limit=10) == []
    (again,) = services.claim(now=NOW + dt.timedelta(seconds=121), limit=10)
    assert again.pk == first.pk and again.attempts == 2 and again.lease_token != first.lease_token
    # The first worker was only slow: it finds its lease gone and leaves the row to the second one.
    assert services.deliver(first, now=NOW + dt.timedelta(seconds=122)) == Message.Status.PENDING
    assert services.deliver(again, now=NOW + dt.timedelta(seconds=122)) == Message.Status.SENT
    assert Message.objects.get().status == Message.Status.SENT
    assert len(mail.outbox) == 1


def test_a_failed_try_waits_longer_each_time_then_gives_up(settings):
    smtp(settings, closed_port())
    queue()
    assert services.deliver_due(now=NOW) == 1
    message = Message.objects.get()
    assert message.status == Message.Status.PENDING and message.attempts == 1
    assert message.available_at == NOW + dt.timedelta(seconds=30)
    assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error
    assert services.deliver_due(now=NOW + dt.timedelta(seconds=29)) == 0  # not due yet
    second = NOW + dt.timedelta(seconds=30)
    assert services.deliver_due(now=second) == 1
    assert Message.objects.get().available_at == second + dt.timedelta(seconds=60)
    assert services.deliver_due(now=second + dt.timedelta(seconds=60)) == 1
    message = Message.objects.get()
    assert message.status == Message.Status.FAILED and message.attempts == 3  # OUTBOX_MAX_ATTEMPTS
    assert services.deliver_due(now=second + dt.timedelta(days=1)) == 0


def test_backoff_doubles_up_to_an_hour(settings):
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.backoff(20) == dt.timedelta(hours=1)


def test_a_refused_recipient_fails_at_once_and_staff_can_send_it_again(settings):
    with smtp_server(refuse=True) as (port, received):
        smtp(settings, port)
        queue(to="niemand@example.org")
        assert services.deliver_due(now=NOW) == 1
    message = Message.objects.get()
    assert message.status == Message.Status.FAILED and message.attempts == 1
    assert "550" in message.last_error and not received
    with smtp_server() as (port, received):
        smtp(settings, port)
        services.resend(message=message, now=NOW + dt.timedelta(hours=2))
        assert Message.objects.get().status == Message.Status.PENDING
        assert services.deliver_due(now=NOW + dt.timedelta(hours=2)) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 1
    (raw,) = received
    assert b"Message-ID: " + channels.message_id("notice:1").encode() in raw


def test_the_mail_folder_keeps_one_file_per_message_even_if_handed_over_twice(settings, tmp_path):
    settings.MAILERS = {"default": parse_email_url(f"file://{tmp_path}")}
    queue()
    (message,) = services.claim(now=NOW, limit=1)
    services.deliver(message, now=NOW)
    # A worker killed after the hand-over, before recording it: the row is delivered again after its lease.
    Message.objects.update(status=Message.Status.PENDING, leased_until=None)
    (again,) = services.claim(now=NOW, limit=1)
    assert services.deliver(again, now=NOW) == Message.Status.SENT
    (path,) = tmp_path.glob("*.eml")
    assert b"Subject: Betreff" in path.read_bytes()


def test_rows_are_claimed_oldest_first_in_batches():
    for n in range(5):
        queue(key=f"notice:{n}", now=NOW + dt.timedelta(seconds=n))
    batch = services.claim(now=NOW + dt.timedelta(minutes=1), limit=3)
    assert [m.key for m in batch] == ["notice:0", "notice:1", "notice:2"]
    assert [m.key for m in services.claim(now=NOW + dt.timedelta(minutes=1), limit=3)] == ["notice:3", "notice:4"]


def test_prune_deletes_old_delivered_rows_and_keeps_failed_ones():
    queue(key="notice:old")
    queue(key="notice:failed")
    services.deliver_due(now=NOW)
    Message.objects.filter(key="notice:failed").update(status=Message.Status.FAILED)
    assert services.prune(now=NOW + dt.timedelta(days=29), days=30) == 0
    assert services.prune(now=NOW + dt.timedelta(days=31), days=30) == 1
    assert list(Message.objects.values_list("key", flat=True)) == ["notice:failed"]
