"""Retention of online applications and of eID logins (the rules: privacy/retention.py; the job: privacy.services).

Every application has a deletion date (purge_after) from the moment it is created; the status changes set it
(services.purge_after). Applications from before that rule may wait without one: `backfill_open` gives
them the date the rule would have given at their last change.
"""

import datetime as dt

from django.db.models import F, QuerySet

from buergerbuero.applications import services
from buergerbuero.applications.models import Application, PendingLogin, Status

OPEN = [Status.SUBMITTED, Status.IN_REVIEW, Status.NEEDS_INFO, Status.APPROVED]


def without_date(*, organisation_id: int) -> QuerySet[Application]:
    return Application.objects.filter(
        office__organisation_id=organisation_id, status__in=OPEN, purge_after__isnull=True, purged_at__isnull=True
    )


def backfill_open(*, organisation_id: int, days: int) -> int:
    return without_date(organisation_id=organisation_id).update(purge_after=F("updated_at") + dt.timedelta(days=days))


def due(*, now: dt.datetime) -> QuerySet[Application]:
    return services.due_for_purge(now=now)


def purge(*, now: dt.datetime, limit: int) -> int:
    return services.purge_due(now=now, limit=limit)


def logins_due(*, started_before: dt.datetime, now: dt.datetime) -> QuerySet[PendingLogin]:
    """Unfinished or unclaimed eID logins: they may carry the identity the provider sent."""
    return PendingLogin.objects.filter(created_at__lt=started_before) | PendingLogin.objects.filter(expires_at__lte=now)


def delete_logins(ids: list[int]) -> int:
    return PendingLogin.objects.filter(pk__in=ids).delete()[0]
