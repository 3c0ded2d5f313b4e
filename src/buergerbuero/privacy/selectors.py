"""Reads of the privacy app: the retention policy that applies, and the audit log for the officer."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from buergerbuero.privacy import audit, retention
from buergerbuero.privacy.models import AuditRecord, RetentionPolicy


def policy_for(organisation_id: int | None) -> retention.Policy:
    """The municipality's own periods, or the defaults (privacy/retention.py) where it set none."""
    if organisation_id is None:
        return retention.DEFAULT
    row = RetentionPolicy.objects.filter(organisation_id=organisation_id).first()
    return row.as_policy() if row else retention.DEFAULT


def policies() -> dict[int, retention.Policy]:
    """The periods of every organisation that set its own (the others use the defaults)."""
    return {row.organisation_id: row.as_policy() for row in RetentionPolicy.objects.all()}


def installation_policy() -> retention.Policy:
    """For what belongs to no municipality (mail folder, sessions, eID logins): the shortest period wins."""
    return retention.strictest([retention.DEFAULT, *policies().values()])


def records_for_object(object_type: str, object_id) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(object_type=object_type, object_id=str(object_id)).select_related("actor")


def subject_tokens(query: str) -> list[str]:
    """What a citizen's e-mail address or booking code (or application reference) is in the audit log."""
    query = query.strip()
    if not query:
        return []
    if "@" in query:
        return [audit.email_token(query)]
    return [audit.code_token(query)]


def audit_records(
    *,
    citizen: str = "",
    staff: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    organisation_id: int | None = None,
    kind: str = "",
    tz=None,
) -> QuerySet[AuditRecord]:
    """The audit log filtered for an access request (Art. 15 GDPR): reads that touched the citizen
    (by e-mail or booking code) and/or reads by one member of staff (user name), newest first.
    `organisation_id`: only records of staff of that organisation, of the partners reading its data and the
    administrators' reads (None: all — the superuser's view, the only one with failed sign-ins under unknown
    names). `kind`: "security" only the sign-in's security events (failed sign-ins,
    lockouts, second factors), "reads" everything else, "" both."""
    records = AuditRecord.objects.select_related("organisation", "actor")
    tokens = subject_tokens(citizen)
    if citizen:
        match = Q()
        for token in tokens:
            match |= Q(subjects__contains=audit.search_text(token))
        records = records.filter(match)
    if staff.strip():
        records = records.filter(actor_name__iexact=staff.strip())
    if kind == "security":
        records = records.filter(action=AuditRecord.Action.SECURITY)
    elif kind == "reads":
        records = records.exclude(action=AuditRecord.Action.SECURITY)
    if date_from is not None:
        records = records.filter(at__gte=_start_of(date_from, tz))
    if date_to is not None:
        records = records.filter(at__lt=_start_of(date_to + dt.timedelta(days=1), tz))
    if organisation_id is not None:
        # Records without an organisation are the administrators' reads (of every city's citizens); a security
        # event without one is a sign-in under a name that is no account, from an address: it concerns no city,
        # and one city's officer must not see which names were tried at another's, so only the superuser sees it.
        unowned_reads = Q(organisation__isnull=True) & ~Q(action=AuditRecord.Action.SECURITY)
        records = records.filter(Q(organisation_id=organisation_id) | unowned_reads | _partners_of(organisation_id))
    return records


def _partners_of(organisation_id: int) -> Q:
    from buergerbuero.callcenter import selectors as callcenter_selectors

    return Q(organisation_id__in=callcenter_selectors.partner_ids_of(organisation_id))


def _start_of(day: dt.date, tz) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime.combine(day, dt.time(0), tzinfo=tz or timezone.get_current_timezone())


def staff_names() -> list[str]:
    return list(get_user_model().objects.filter(is_staff=True).order_by("username").values_list("username", flat=True))


def citizen_promises() -> list[tuple[str, retention.Policy]]:
    """What the privacy page promises: one policy when every municipality with offices keeps the same
    periods (no name), else one per municipality (its name). The job applies exactly these values."""
    from buergerbuero.catalog import selectors as catalog_selectors

    own = policies()
    by_name: dict[str, retention.Policy] = {}
    for office in catalog_selectors.offices().select_related("organisation"):
        by_name.setdefault(office.organisation.name, own.get(office.organisation_id, retention.DEFAULT))
    distinct = set(by_name.values())
    if len(distinct) <= 1:
        return [("", next(iter(distinct), retention.DEFAULT))]
    return sorted(by_name.items())
