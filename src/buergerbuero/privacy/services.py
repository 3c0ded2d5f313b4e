"""The retention job: anonymise what statistics still need, delete the rest — per kind, per municipality.

Rules and defaults: privacy/retention.py (a municipality's own values: privacy.RetentionPolicy). Each kind is
worked in batches of `batch_size` rows, each batch its own transaction, and every step only touches rows that
still carry personal data: a second run, or a run after a crash half-way, finds nothing more to do.
`dry_run` counts what a run would change and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from collections.abc import Callable
from importlib import import_module
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from buergerbuero.accounts.models import Organisation
from buergerbuero.applications import retention as application_retention
from buergerbuero.applications.identity import session as identity_session
from buergerbuero.background import services as background_services
from buergerbuero.booking import retention as booking_retention
from buergerbuero.callcenter import retention as callcenter_retention
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.privacy import retention, selectors
from buergerbuero.privacy.models import AuditRecord
from buergerbuero.privacy.retention import Kind

log = logging.getLogger(__name__)
BATCH_SIZE = 500


class _Run(TypedDict):
    dry_run: bool
    batch_size: int


def _batched(queryset: QuerySet[Any], act: Callable[[list[int]], int], *, dry_run: bool, batch_size: int) -> int:
    """Count (dry run) or work off the queryset in batches; `act` gets primary keys and returns rows changed."""
    if dry_run:
        return queryset.count()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return done
            changed = act(ids)
        done += changed
        if changed == 0:  # nothing of this batch could be changed (rows taken meanwhile): do not spin
            return done


def _instant(cut: dt.datetime | dt.date) -> dt.datetime:
    """A cutoff that is an instant (every kind but appointments and waitlist entries, which end on a day)."""
    if not isinstance(cut, dt.datetime):
        raise TypeError(f"expected an instant, got the day {cut}")
    return cut


def _local_midnight(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(tz))


def apply_retention(*, now: dt.datetime, dry_run: bool = False, batch_size: int = BATCH_SIZE) -> dict[Kind, int]:
    """Apply every retention rule as of `now`; how many records of each kind were (or would be) changed."""
    counts: Counter[Kind] = Counter({kind: 0 for kind in Kind})
    own = selectors.policies()
    run = _Run(dry_run=dry_run, batch_size=batch_size)

    for office in catalog_selectors.offices():
        policy = own.get(office.organisation_id, retention.DEFAULT)
        today = now.astimezone(ZoneInfo(office.timezone)).date()
        cut = retention.cutoffs(policy, now=now, today=today)
        counts[Kind.APPOINTMENTS] += _batched(
            booking_retention.appointments_due(
                office_id=office.pk, start_before=_local_midnight(cut[Kind.APPOINTMENTS], office.timezone)
            ),
            booking_retention.anonymise_appointments,
            **run,
        )
        counts[Kind.CALLBACK_TICKETS] += _batched(
            callcenter_retention.tickets_due(office_id=office.pk, closed_before=_instant(cut[Kind.CALLBACK_TICKETS])),
            lambda ids: callcenter_retention.anonymise_tickets(ids, now=now),
            **run,
        )

    for organisation in Organisation.objects.all():
        policy = own.get(organisation.pk, retention.DEFAULT)
        today = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        cut = retention.cutoffs(policy, now=now, today=today)
        if organisation.kind == Organisation.Kind.MUNICIPALITY:
            counts[Kind.CALLS] += _batched(
                callcenter_retention.calls_due(
                    municipality_id=organisation.pk, started_before=_instant(cut[Kind.CALLS])
                ),
                callcenter_retention.anonymise_calls,
                **run,
            )
            counts[Kind.WAITLIST] += _batched(
                booking_retention.waitlist_due(
                    organisation_id=organisation.pk,
                    day_before=cut[Kind.WAITLIST],
                    lapsed_before=_local_midnight(cut[Kind.WAITLIST], settings.TIME_ZONE),
                ),
                booking_retention.delete_waitlist_entries,
                **run,
            )
            if not dry_run:  # applications from before every status had a deletion date get one now
                application_retention.backfill_open(organisation_id=organisation.pk, days=policy.open_application_days)
            counts[Kind.MESSAGES] += _batched(
                background_services.finished_messages(
                    organisation_id=organisation.pk, finished_before=_instant(cut[Kind.MESSAGES])
                ),
                background_services.delete_messages,
                **run,
            )
        counts[Kind.AUDIT] += _batched(
            AuditRecord.objects.filter(organisation=organisation, at__lt=cut[Kind.AUDIT]),
            _delete_audit,
            **run,
        )

    counts[Kind.APPLICATIONS] += _applications(now=now, **run)

    strictest = selectors.installation_policy()
    cut = retention.cutoffs(strictest, now=now, today=now.date())
    counts[Kind.MESSAGES] += _batched(
        background_services.finished_messages(organisation_id=None, finished_before=_instant(cut[Kind.MESSAGES])),
        background_services.delete_messages,
        **run,
    )
    counts[Kind.AUDIT] += _batched(
        AuditRecord.objects.filter(organisation__isnull=True, at__lt=cut[Kind.AUDIT]), _delete_audit, **run
    )
    counts[Kind.MAIL_FILES] += _mail_files(before=_instant(cut[Kind.MAIL_FILES]), dry_run=dry_run)
    counts[Kind.IDENTITY] += _batched(
        application_retention.logins_due(started_before=_instant(cut[Kind.IDENTITY]), now=now),
        application_retention.delete_logins,
        **run,
    )
    counts[Kind.IDENTITY] += _session_identities(before=_instant(cut[Kind.IDENTITY]), dry_run=dry_run)
    counts[Kind.SESSIONS] += _expired_sessions(now=now, dry_run=dry_run)
    if not dry_run:
        log.info("retention applied", extra={"counts": {str(k): v for k, v in counts.items()}})
    return dict(counts)


def _delete_audit(ids: list[int]) -> int:
    # The one way an audit record leaves: its own retention period is over.
    return AuditRecord.objects.filter(pk__in=ids).delete()[0]


def _applications(*, now: dt.datetime, dry_run: bool, batch_size: int) -> int:
    if dry_run:
        return application_retention.due(now=now).count()
    done = 0
    while purged := application_retention.purge(now=now, limit=batch_size):
        done += purged
    return done


def _mail_files(*, before: dt.datetime, dry_run: bool) -> int:
    """.eml files of the file mailer (EMAIL_URL=file://…): the mail folder holds the mails' full text."""
    folders = {
        config.get("OPTIONS", {}).get("file_path")
        for config in getattr(settings, "MAILERS", {}).values()
        if config.get("BACKEND", "").endswith("mailfolder.EmailBackend")
    } - {None}
    count = 0
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.is_file() or not entry.name.endswith((".eml", ".log")):
                    continue
                if dt.datetime.fromtimestamp(entry.stat().st_mtime, tz=dt.UTC) < before:
                    count += 1
                    if not dry_run:
                        try:
                            os.remove(entry.path)
                        except FileNotFoundError:  # another node was quicker
                            count -= 1
    return count


def _session_store() -> Any:  # SESSION_ENGINE's store class: db-backed ones have get_model_class()
    return import_module(settings.SESSION_ENGINE).SessionStore


def _session_identities(*, before: dt.datetime, dry_run: bool) -> int:
    """The eID identity in citizens' sessions: removed once it is older than the policy's minutes (the
    citizen's logout removes it at once). Only database-backed sessions can be searched; cache-backed ones
    expire with the cache and the page refuses an identity older than the limit anyway."""
    store = _session_store()
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    count = 0
    for session in model.objects.filter(expire_date__gt=before).iterator(chunk_size=BATCH_SIZE):
        data = store().decode(session.session_data)
        if not identity_session.older_than(data, before):
            continue
        count += 1
        if not dry_run:
            data.pop(identity_session.IDENTITY_KEY, None)
            model.objects.filter(pk=session.pk, session_data=session.session_data).update(
                session_data=store().encode(data)
            )
    return count


def _expired_sessions(*, now: dt.datetime, dry_run: bool) -> int:
    store = _session_store()
    if not hasattr(store, "get_model_class"):
        if not dry_run:
            store.clear_expired()
        return 0
    expired: QuerySet[Any] = store.get_model_class().objects.filter(expire_date__lt=now)
    if dry_run:
        return expired.count()
    return expired.delete()[0]
