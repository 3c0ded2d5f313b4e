"""Writes of the outbox: queue a message in the caller's transaction, claim due rows with a lease, deliver
them, retry with backoff, give up for good, and let staff send a failed one again (docs/adr/0003-outbox-and-leases.md).
"""

import datetime as dt
import logging
import secrets
import traceback
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from buergerbuero.background import channels, registry
from buergerbuero.background.models import JobState, Lease, Message

log = logging.getLogger(__name__)
Status = Message.Status


def _queue(
    *,
    kind: str,
    channel: str,
    key: str,
    payload: dict[str, Any],
    recipient: str,
    office_id: int | None,
    now: dt.datetime | None,
) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("outbox rows are written inside the transaction of the change that causes them")
    now = now or timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                key=key,
                kind=kind,
                channel=channel,
                recipient=recipient,
                office_id=office_id,
                payload=payload,
                available_at=now,
                created_at=now,
            )
        ],
        ignore_conflicts=True,  # the same key again (a second click, a second scheduler run) is the same message
    )
    if settings.OUTBOX_DELIVER_ON_COMMIT:
        transaction.on_commit(lambda: deliver_due(keys=[key]))


def send_later(
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    recipient: str = "",
    office_id: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Queue a message of a registered kind; call inside the transaction of the change that causes it."""
    _queue(
        kind=kind,
        channel=registry.handler(kind).channel,
        key=key,
        payload=payload,
        recipient=recipient,
        office_id=office_id,
        now=now,
    )


def run_later(
    *, kind: str, key: str, payload: dict[str, Any], office_id: int | None = None, now: dt.datetime | None = None
) -> None:
    """Queue deferred work of a registered task kind (same rules as messages: lease, retry, never lost)."""
    _queue(kind=kind, channel=channels.TASK, key=key, payload=payload, recipient="", office_id=office_id, now=now)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min … doubling, at most an hour."""
    return dt.timedelta(seconds=min(settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def claim(*, now: dt.datetime, limit: int, keys: list[str] | None = None) -> list[Message]:
    """Lease up to `limit` due rows to this caller. A row leased by a worker that died is due again once
    its lease has expired. PostgreSQL skips rows another worker is claiming right now; SQLite runs one
    writer at a time, so its conditional UPDATE alone cannot hand a row to two workers."""
    table = Message._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    token = secrets.token_hex(16)
    lease = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    # Rows just written (delivered on commit) are taken whatever time their change was made at.
    due, params = "available_at <= %s", [adapt(now)]
    if keys is not None:
        due, params = f"{connection.ops.quote_name('key')} IN ({', '.join(['%s'] * len(keys))})", list(keys)
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET leased_until = %s, lease_token = %s, attempts = attempts + 1"
            f" WHERE id IN (SELECT id FROM {table} WHERE status = 'pending' AND {due}"
            " AND (leased_until IS NULL OR leased_until <= %s)"
            f" ORDER BY available_at, id LIMIT %s{lock}) RETURNING id",
            [adapt(lease), token, *params, adapt(now), limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return list(Message.objects.filter(pk__in=ids, lease_token=token).order_by("available_at", "id"))


def _finish(message: Message, **fields: Any) -> bool:
    """Record the outcome if the lease is still ours (a row whose lease expired may have a new holder)."""
    done = Message.objects.filter(pk=message.pk, lease_token=message.lease_token).update(
        leased_until=None, lease_token="", **fields
    )
    if not done:
        log.warning("outbox %s: lease lost before the outcome was recorded", message.pk)
    return bool(done)


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()[:2000]


def deliver(message: Message, *, now: dt.datetime | None = None) -> str:
    """Send or run one claimed row and record the outcome; returns the new status."""
    now = now or timezone.now()
    handler = registry.handler(message.kind)
    # Renew the lease before the hand-over, and only if it still holds: a row that waited in a slow batch past
    # its lease may belong to another worker by now. Long work (a planning run) takes a longer lease.
    lease = dt.timedelta(seconds=handler.lease_seconds or settings.OUTBOX_LEASE_SECONDS)
    renewed = Message.objects.filter(pk=message.pk, lease_token=message.lease_token, leased_until__gt=now).update(
        leased_until=now + lease
    )
    if not renewed:
        return Status.PENDING
    try:
        if handler.channel == channels.TASK:
            handler.run(message.payload, attempt=message.attempts, now=now)
            status = Status.SENT
        else:
            outgoing = handler.run(message.payload, now=now)
            status = Status.SKIPPED if outgoing is None else Status.SENT
            if outgoing is not None:
                channels.SENDERS[handler.channel](outgoing, key=message.key)
    except channels.PermanentFailure as exc:
        _finish(message, status=Status.FAILED, last_error=_error_text(exc), finished_at=now)
        return Status.FAILED
    except Exception as exc:
        log.warning("outbox %s (%s) attempt %s failed", message.pk, message.kind, message.attempts, exc_info=True)
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(message, status=Status.FAILED, last_error=_error_text(exc), finished_at=now)
            return Status.FAILED
        _finish(
            message, status=Status.PENDING, last_error=_error_text(exc), available_at=now + backoff(message.attempts)
        )
        return Status.PENDING
    # A delivered message keeps no secret (a waitlist offer's link token) longer than it needs it.
    payload = {k: v for k, v in message.payload.items() if k != "secret"}
    _finish(message, status=status, finished_at=now, payload=payload)
    return status


def deliver_due(*, now: dt.datetime | None = None, limit: int = 20, keys: list[str] | None = None) -> int:
    """Claim and deliver one batch; returns how many rows were claimed."""
    messages = claim(now=now or timezone.now(), limit=limit, keys=keys)
    for message in messages:
        deliver(message, now=now or timezone.now())
    return len(messages)


@transaction.atomic
def resend(*, message: Message, now: dt.datetime | None = None) -> Message:
    """Staff send a failed message again: it is due at once with a fresh count of attempts."""
    now = now or timezone.now()
    Message.objects.filter(pk=message.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, available_at=now, finished_at=None
    )
    message.refresh_from_db()
    return message


def prune(*, now: dt.datetime, days: int) -> int:
    """Delete delivered and overtaken rows older than `days` (failed ones stay until staff act)."""
    cutoff = now - dt.timedelta(days=days)
    deleted, _ = Message.objects.filter(status__in=[Status.SENT, Status.SKIPPED], finished_at__lt=cutoff).delete()
    deleted += Lease.objects.filter(expires_at__lt=cutoff).delete()[0]  # workers that stopped long ago
    return deleted


def finished_messages(*, organisation_id: int | None, finished_before: dt.datetime) -> QuerySet[Message]:
    """Rows with a recipient and the text of a mail, finished (sent, overtaken or given up) before the cutoff,
    of the municipality's offices (None: of no office). Pending rows stay: they still have work to do."""
    rows = Message.objects.filter(
        status__in=[Status.SENT, Status.SKIPPED, Status.FAILED], finished_at__lt=finished_before
    )
    if organisation_id is None:
        return rows.filter(office__isnull=True)
    return rows.filter(office__organisation_id=organisation_id)


def delete_messages(ids: list[int]) -> int:
    return Message.objects.filter(pk__in=ids).exclude(status=Status.PENDING).delete()[0]


# --- leases of the processes ---------------------------------------------------------------------------------


def take_lease(*, name: str, holder: str, seconds: int, now: dt.datetime) -> bool:
    """Take or renew the named lease; False while another holder's lease is still running."""
    expires = now + dt.timedelta(seconds=seconds)
    with transaction.atomic():
        Lease.objects.bulk_create(
            [Lease(name=name, holder=holder, expires_at=expires, renewed_at=now)], ignore_conflicts=True
        )
        taken = Lease.objects.filter(name=name).filter(holder=holder).update(
            expires_at=expires, renewed_at=now
        ) or Lease.objects.filter(name=name, expires_at__lte=now).update(
            holder=holder, expires_at=expires, renewed_at=now
        )
    return bool(taken)


def release_lease(*, name: str, holder: str, now: dt.datetime) -> None:
    Lease.objects.filter(name=name, holder=holder).update(expires_at=now)


def record_job(
    *, name: str, started_at: dt.datetime, finished_at: dt.datetime, ok: bool, result: str, next_due_at: dt.datetime
) -> None:
    JobState.objects.update_or_create(
        name=name,
        defaults={
            "last_started_at": started_at,
            "last_finished_at": finished_at,
            "last_ok": ok,
            "last_result": result[:2000],
            "next_due_at": next_due_at,
        },
    )
