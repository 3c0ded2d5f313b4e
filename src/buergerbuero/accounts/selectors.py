import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from buergerbuero.accounts.models import ApiToken, Organisation, StaffMembership
from buergerbuero.capacity.models import Channel
from buergerbuero.catalog.models import Office
from buergerbuero.core.tokens import hash_token

# Every API token starts with this: recognisable in logs and secret scanners, never mistaken for a booking key.
TOKEN_PREFIX = "bb_"

# Which booking channel a staff role books through.
ROLE_CHANNELS = {
    StaffMembership.Role.AGENT: {Channel.PARTNER},
    StaffMembership.Role.CLERK: {Channel.COUNTER, Channel.PHONE},
    StaffMembership.Role.RECEPTION: {Channel.COUNTER, Channel.PHONE},
    StaffMembership.Role.MANAGER: {Channel.COUNTER, Channel.PHONE},
    StaffMembership.Role.ADMIN: {Channel.COUNTER, Channel.PHONE},
}


def membership(user: AbstractBaseUser | None) -> StaffMembership | None:
    if user is None or not user.is_authenticated:
        return None
    return StaffMembership.objects.select_related("organisation").filter(user=user).first()


def can_see_office(user, office: Office) -> bool:
    """Municipal staff see their own organisation's offices; a user without membership needs superuser."""
    if user.is_superuser:
        return True
    member = membership(user)
    if member is None or member.organisation_id != office.organisation_id:
        return False
    return not member.offices.exists() or member.offices.filter(pk=office.pk).exists()


def may_book_channel(user, channel: str) -> bool:
    if channel == Channel.WEB:
        return True
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    member = membership(user)
    return member is not None and channel in ROLE_CHANNELS.get(member.role, set())


def user_for_api_token(key: str, *, now: dt.datetime):
    """The staff member a valid token acts for, or None (unknown, revoked, expired, or role/organisation changed)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user__membership")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    member = getattr(token.user, "membership", None)
    if member is None or (member.organisation_id, member.role) != (token.organisation_id, token.role):
        return None
    # Coarse on purpose: one write per token and minute, not per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def is_municipality(organisation_id: int) -> bool:
    return Organisation.objects.filter(pk=organisation_id, kind=Organisation.Kind.MUNICIPALITY).exists()
