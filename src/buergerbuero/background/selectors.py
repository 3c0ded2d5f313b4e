"""Reads of the outbox, the scheduler's jobs and the process leases; who may see and resend messages."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.background import scheduler, worker
from buergerbuero.background.models import JobState, Lease, Message

OPERATORS = {StaffMembership.Role.ADMIN}


def may_operate(user) -> bool:
    """Administrators of a municipality (and superusers) see failed messages, resend them and see the jobs."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    member = account_selectors.membership(user)
    return (
        member is not None and member.role in OPERATORS and member.organisation.kind == Organisation.Kind.MUNICIPALITY
    )


def messages_for(user) -> QuerySet[Message]:
    """The messages an operator may see: those of the offices of their organisation (all for superusers)."""
    messages = Message.objects.select_related("office")
    if not may_operate(user):
        return messages.none()
    if user.is_superuser:
        return messages
    member = account_selectors.membership(user)
    if member is None:  # may_operate: a superuser or a member
        return messages.none()
    offices = member.offices.all()
    if offices.exists():
        return messages.filter(office__in=offices)
    return messages.filter(office__organisation=member.organisation)


def failed_messages(user) -> QuerySet[Message]:
    return messages_for(user).filter(status=Message.Status.FAILED).order_by("-finished_at", "-id")


def message_for(user, pk: int) -> Message | None:
    return messages_for(user).filter(pk=pk).first()


def job_states(jobs: list[scheduler.Job]) -> list[tuple[scheduler.Job, JobState | None]]:
    states = {state.name: state for state in JobState.objects.all()}
    return [(job, states.get(job.name)) for job in jobs]


def readiness(*, now: dt.datetime) -> dict[str, dict]:
    """The background part of /readyz: outbox backlog and failures, a live worker, a live scheduler."""
    counts = Message.objects.aggregate(
        due=Count("id", filter=Q(status=Message.Status.PENDING, available_at__lte=now)),
        oldest=Min("available_at", filter=Q(status=Message.Status.PENDING, available_at__lte=now)),
        failed=Count("id", filter=Q(status=Message.Status.FAILED)),
    )
    age = (now - counts["oldest"]).total_seconds() if counts["oldest"] else 0.0
    workers = Lease.objects.filter(name__startswith=worker.HEARTBEAT, expires_at__gt=now).count()
    scheduler_lease = Lease.objects.filter(name=scheduler.LEASE, expires_at__gt=now).first()
    return {
        # Failed messages wait for staff (the page shows them); they do not make the service unready.
        "outbox": {
            "ok": age <= settings.OUTBOX_BACKLOG_SECONDS,
            "due": counts["due"],
            "oldest_due_seconds": round(age),
            "failed": counts["failed"],
        },
        "worker": {"ok": workers > 0, "alive": workers},
        "scheduler": {"ok": scheduler_lease is not None},
    }
