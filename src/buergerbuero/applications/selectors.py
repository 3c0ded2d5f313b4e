"""Reads of the applications app."""

import datetime as dt

from django.utils import timezone

from buergerbuero.applications.models import PendingLogin


def open_login(*, provider: str, request_id: str, now: dt.datetime | None = None) -> PendingLogin | None:
    now = now or timezone.now()
    return PendingLogin.objects.filter(
        provider=provider, request_id=request_id, expires_at__gt=now, identity__isnull=True
    ).first()
