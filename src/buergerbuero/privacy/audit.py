"""Who read what: the recorder that staff pages and APIs call when they show citizens' personal data.

    audit.record(request, action=AuditRecord.Action.LIST, object_type="booking.appointment",
                 view="reception", subjects=audit.appointment_subjects(appointments), fields=("name", "code"))

`record` only collects (no query); `AuditMiddleware` writes what a request collected in one bulk insert
after the response was made — a hot page pays one INSERT. Several calls of one request for the same page and
object are merged into one record, so every page writes exactly one record per request.
Services that change data without a request (a purge, a payment notice) call `write` instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from buergerbuero.privacy.models import AuditRecord

log = logging.getLogger(__name__)
Action = AuditRecord.Action
_ATTRIBUTE = "_privacy_audit"
MAX_SUBJECTS_CHARS = 20_000  # a list of a few hundred citizens; beyond that the count still tells how many


# --- search tokens of the citizens a record touches ------------------------------------------------------


def email_token(email: str) -> str:
    """A citizen's e-mail address as a search token: a hash, so the log does not keep a readable address
    after the object itself was anonymised, yet the officer finds the reads by the address the citizen gives."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]
    return f"mail:{digest}"


def code_token(code: str) -> str:
    return f"code:{code.strip().upper()}"


def object_token(object_type: str, pk) -> str:
    return f"{object_type}#{pk}"


def tokens(*, email: str = "", code: str = "", object_type: str = "", pk=None) -> list[str]:
    out = []
    if email:
        out.append(email_token(email))
    if code:
        out.append(code_token(code))
    if object_type and pk is not None:
        out.append(object_token(object_type, pk))
    return out


def appointment_subjects(appointments: Iterable) -> list[str]:
    return [
        t for a in appointments for t in tokens(email=a.email, code=a.code, object_type="booking.appointment", pk=a.pk)
    ]


def _subjects_text(subjects: Iterable[str]) -> str:
    seen = dict.fromkeys(s for s in subjects if s)
    text = " " + " ".join(seen) + " " if seen else ""
    return text[:MAX_SUBJECTS_CHARS]


def search_text(token: str) -> str:
    """What `subjects__contains` looks for: a whole token, not a prefix of another one."""
    return f" {token} "


# --- who and from where ----------------------------------------------------------------------------------


def client_address(request) -> str | None:
    """The client's address (behind RATELIMIT_PROXY_COUNT trusted proxies, from X-Forwarded-For), or None."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "RATELIMIT_PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _actor_fields(user) -> dict:
    from buergerbuero.accounts import selectors as account_selectors  # accounts reads privacy's policy only

    if user is None or not getattr(user, "is_authenticated", False):
        return {"actor": None, "actor_name": "", "role": "", "organisation": None}
    member = account_selectors.membership(user)
    return {
        "actor": user,
        "actor_name": user.get_username(),
        "role": member.role if member else ("superuser" if user.is_superuser else ""),
        "organisation": member.organisation if member else None,
    }


def _request_user(request):
    auth = getattr(request, "auth", None)  # django-ninja: the user an API token or session stands for
    if auth is not None and getattr(auth, "is_authenticated", False):
        return auth
    return getattr(request, "user", None)


# --- recording ---------------------------------------------------------------------------------------------


def record(
    request,
    *,
    action: str,
    object_type: str,
    object_id="",
    view: str = "",
    fields: Iterable[str] = (),
    subjects: Iterable[str] = (),
    count: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Note that this request showed staff personal data; written once at the end of the request."""
    pending: dict = request.__dict__.setdefault(_ATTRIBUTE, {})
    key = (action, object_type, str(object_id), view)
    subjects = list(subjects)
    entry = pending.get(key)
    if entry is None:
        pending[key] = {
            "fields": list(dict.fromkeys(fields)),
            "subjects": subjects,
            "count": count,
            "at": now or timezone.now(),
        }
        return
    entry["fields"] = list(dict.fromkeys([*entry["fields"], *fields]))
    entry["subjects"].extend(subjects)
    if count is not None:
        entry["count"] = (entry["count"] or 0) + count


def pending_records(request) -> list[AuditRecord]:
    pending = request.__dict__.get(_ATTRIBUTE) or {}
    if not pending:
        return []
    who = _actor_fields(_request_user(request))
    ip = client_address(request)
    records = []
    for (action, object_type, object_id, view), entry in pending.items():
        subjects = entry["subjects"]
        count = entry["count"]
        if count is None:
            count = 1 if object_id else len({s for s in subjects if "#" in s}) or 1
        records.append(
            AuditRecord(
                at=entry["at"],
                action=action,
                object_type=object_type,
                object_id=str(object_id)[:40],
                view=view[:120],
                fields=",".join(entry["fields"])[:300],
                subjects=_subjects_text(subjects),
                count=count,
                ip=ip,
                **who,
            )
        )
    return records


def flush(request) -> int:
    records = pending_records(request)
    if records:
        AuditRecord.objects.bulk_create(records)
    request.__dict__.pop(_ATTRIBUTE, None)
    return len(records)


def write(
    *,
    actor,
    action: str,
    object_type: str,
    object_id="",
    view: str = "",
    fields: Iterable[str] = (),
    subjects: Iterable[str] = (),
    now: dt.datetime,
) -> AuditRecord:
    """Record a change made outside a page request (a service, the scheduler), in the caller's transaction."""
    return AuditRecord.objects.create(
        at=now,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:40],
        view=view[:120],
        fields=",".join(fields)[:300],
        subjects=_subjects_text(subjects),
        **_actor_fields(actor),
    )


def security_event(
    request,
    event: str,
    *,
    user=None,
    username: str = "",
    about=None,
    now: dt.datetime | None = None,
) -> AuditRecord:
    """A security event of the staff sign-in (failed sign-in, lockout, second factor enrolled, reset, ...), written
    at once (a refused sign-in has no signed-in user for the request's batch). `user`: the account the event is
    about as the actor (or, for an account that does not exist, only the `username` typed); `about`: another
    account an administrator acted on (the reset of someone's second factor), found by its user name."""
    who = _actor_fields(user)
    if user is None and username:
        who["actor_name"] = username[:150]
    subjects = [f"user:{about.get_username()}"] if about is not None else []
    return AuditRecord.objects.create(
        at=now or timezone.now(),
        action=Action.SECURITY,
        object_type="auth.user",
        object_id=str(about.pk if about is not None else getattr(user, "pk", "") or ""),
        view=f"security:{event}"[:120],
        subjects=_subjects_text(subjects),
        ip=client_address(request) if request is not None else None,
        **who,
    )


class AuditMiddleware:
    """Writes the records a request collected, in one INSERT, after the view answered (also when it failed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            try:
                flush(request)
            except DatabaseError:
                # The answer is made; an unreachable database cannot take the record either. Say so loudly.
                log.exception("audit records of this request could not be written")


# --- what the domain objects are in the log ----------------------------------------------------------------


def ticket_subjects(tickets: Iterable) -> list[str]:
    return [
        t
        for ticket in tickets
        for t in tokens(email=ticket.caller_email, object_type="callcenter.ticket", pk=ticket.pk)
        + ([f"phone:{_digits(ticket.caller_phone)}"] if ticket.caller_phone else [])
    ]


def call_subjects(calls: Iterable) -> list[str]:
    return [
        t
        for call in calls
        for t in [object_token("callcenter.call", call.pk)]
        + ([f"phone:{_digits(call.caller_number)}"] if call.caller_number else [])
    ]


def visit_subjects(visits: Iterable) -> list[str]:
    """Visits on the office floor: the visit itself and, for a booked one, its appointment's e-mail and booking
    code (one query for all of them)."""
    from buergerbuero.booking.selectors import live  # privacy knows the domain only here

    visits = [v for v in visits if v is not None]
    appointments = live.appointments_of_tickets({v.ticket_id for v in visits})
    return [object_token("queue.visit", v.pk) for v in visits] + appointment_subjects(appointments)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())[-9:]


def record_list(request, *, object_type: str, view: str, objects: list, subjects: list[str], fields=()) -> None:
    record(
        request,
        action=Action.LIST,
        object_type=object_type,
        view=view,
        fields=fields,
        subjects=subjects,
        count=len(objects),
    )


class AuditedAdminMixin:
    """Admin change pages and lists of personal data: one record per request (what the page showed)."""

    audit_object_type = ""
    audit_fields: tuple[str, ...] = ()

    def audit_subjects(self, obj) -> list[str]:
        return [object_token(self.audit_object_type, obj.pk)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if getattr(response, "status_code", 500) < 400:
            obj = self.get_object(request, object_id)
            if obj is not None:
                record(
                    request,
                    action=Action.READ,
                    object_type=self.audit_object_type,
                    object_id=obj.pk,
                    view="admin:change",
                    fields=self.audit_fields,
                    subjects=self.audit_subjects(obj),
                )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        shown = getattr(getattr(response, "context_data", None) or {}, "get", lambda _k: None)("cl")
        if shown is not None:
            objects = list(shown.result_list)
            record_list(
                request,
                object_type=self.audit_object_type,
                view="admin:changelist",
                objects=objects,
                subjects=[s for obj in objects for s in self.audit_subjects(obj)],
                fields=tuple(name for name in self.list_display if isinstance(name, str)),
            )
        return response
