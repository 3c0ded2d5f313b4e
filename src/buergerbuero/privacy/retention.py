"""How long each kind of personal data is kept — one policy, decided here without the ORM.

The job (privacy.services.apply_retention), the privacy page and the consent checkbox all read this policy,
so what the citizen is promised and what the system does cannot drift apart. The defaults are the promise;
a municipality may change its own values in the admin (privacy.RetentionPolicy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum


class Kind(enum.StrEnum):
    """A kind of personal data with its own rule. The value is what the dry run and the logs print."""

    APPOINTMENTS = "appointments"  # name, e-mail, phone of a booking: N days after the appointment's day
    CALLBACK_TICKETS = "callback_tickets"  # caller, contact, reason, notes: N days after the ticket was closed
    CALLS = "calls"  # the caller's number in the call log: N days after the call
    WAITLIST = "waitlist"  # a waitlist entry: N days after it lapsed (booked, withdrawn, range over)
    APPLICATIONS = "applications"  # online applications: deletion date in every status (see below)
    MESSAGES = "messages"  # outbox rows (recipient, text of the mail): N days after delivery or failure
    MAIL_FILES = "mail_files"  # .eml files of the file mailer (development, tests, some test systems)
    IDENTITY = "identity"  # eID/BundID identity in a citizen's session and in unfinished logins: minutes
    SESSIONS = "sessions"  # expired sessions (Django's own expiry)
    AUDIT = "audit"  # who read what: N days after the read


@dataclasses.dataclass(frozen=True)
class Policy:
    """Days (minutes for the eID identity) each kind is kept. The defaults are what the pages promise."""

    appointment_days: int = 30
    callback_ticket_days: int = 90
    call_days: int = 90
    waitlist_days: int = 0
    open_application_days: int = 90
    message_days: int = 30
    identity_minutes: int = 30
    audit_days: int = 365

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) < 0:
                raise ValueError(f"{field.name} must not be negative")
        if self.identity_minutes < 1:
            raise ValueError("identity_minutes must be at least 1")


DEFAULT = Policy()
# The fields of Policy that a municipality may set in the admin (the model mirrors them one to one).
FIELDS = tuple(field.name for field in dataclasses.fields(Policy))


def cutoffs(policy: Policy, *, now: dt.datetime, today: dt.date) -> dict[Kind, dt.datetime | dt.date]:
    """What is due at `now`: everything that ended before its cutoff.

    Appointments and waitlist entries end on a (local) day: an appointment of day D is due once `today` is
    after D + N days, i.e. its day is before `today - N` (a date); the rest end at an instant.
    Applications carry their own deletion date (purge_after), set from the policy at every status change;
    their cutoff is `now` itself."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    days = dt.timedelta
    return {
        Kind.APPOINTMENTS: today - days(days=policy.appointment_days),
        Kind.CALLBACK_TICKETS: now - days(days=policy.callback_ticket_days),
        Kind.CALLS: now - days(days=policy.call_days),
        Kind.WAITLIST: today - days(days=policy.waitlist_days),
        Kind.APPLICATIONS: now,
        Kind.MESSAGES: now - days(days=policy.message_days),
        Kind.MAIL_FILES: now - days(days=policy.message_days),
        Kind.IDENTITY: now - days(minutes=policy.identity_minutes),
        Kind.SESSIONS: now,
        Kind.AUDIT: now - days(days=policy.audit_days),
    }


def is_due(kind: Kind, policy: Policy, *, ended: dt.datetime | dt.date, now: dt.datetime, today: dt.date) -> bool:
    """Is a record of `kind` that ended at `ended` (a day for appointments and waitlist entries) due now?"""
    return ended < cutoffs(policy, now=now, today=today)[kind]


def open_application_purge_after(policy: Policy, *, changed_at: dt.datetime) -> dt.datetime:
    """The deletion date of an application that waits (submitted, in review, needs info, approved): a
    citizen who never comes back must not keep their eID data in the system for ever."""
    return changed_at + dt.timedelta(days=policy.open_application_days)


def strictest(policies: list[Policy]) -> Policy:
    """For what belongs to no municipality (files of the mail folder, sessions): the shortest period wins."""
    if not policies:
        return DEFAULT
    return Policy(**{name: min(getattr(p, name) for p in policies) for name in FIELDS})
