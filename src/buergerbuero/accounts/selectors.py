from django.contrib.auth.models import AbstractBaseUser

from buergerbuero.accounts.models import StaffMembership
from buergerbuero.capacity.models import Channel
from buergerbuero.catalog.models import Office

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
