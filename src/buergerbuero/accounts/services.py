"""Writes of the accounts app: issuing and revoking API tokens."""

import datetime as dt
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts.models import ApiToken, StaffMembership
from buergerbuero.accounts.selectors import TOKEN_PREFIX
from buergerbuero.core.errors import DomainError
from buergerbuero.core.tokens import hash_token


def check_token_request(*, user: User, now: dt.datetime, expires_at: dt.datetime | None = None) -> StaffMembership:
    """The membership a new token would be bound to; DomainError when none may be issued."""
    member = StaffMembership.objects.filter(user=user).first()
    if member is None:
        raise DomainError(_("Nur Mitarbeitende mit Organisation und Rolle erhalten einen API-Schlüssel."), field="user")
    if expires_at is not None and expires_at <= now:
        raise DomainError(_("Das Ablaufdatum muss in der Zukunft liegen."), field="expires_at")
    return member


@transaction.atomic
def issue_api_token(
    *, user: User, name: str, now: dt.datetime, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for this staff member's current organisation and role; returns it with its key (shown once)."""
    member = check_token_request(user=user, expires_at=expires_at, now=now)
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        organisation_id=member.organisation_id,
        role=member.role,
        prefix=key[:10],
        key_hash=hash_token(key),
        created_at=now,
        expires_at=expires_at,
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, now: dt.datetime) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
