"""Who may do what — decided here, once: role AND organisation AND office AND, for partners, a live contract.

Views and API functions only ask these `may_*` functions (and raise the refusal the `require_*` twins give).
docs/roles-and-rights.md is the same matrix in words; tests/core/test_access_matrix.py proves it for every
page and API operation. The call center's finer abilities (knowledge base, tickets, numbers) are decided by
`callcenter.selectors.Viewer`, which builds on the memberships read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeGuard

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts.models import ApiToken, Organisation, StaffMembership
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import Forbidden
from buergerbuero.core.tokens import hash_token

# Every API token starts with this: recognisable in logs and secret scanners, never mistaken for a booking key.
TOKEN_PREFIX = "bb_"

Role = StaffMembership.Role

# The staff channels (counter, phone) are booked by the municipality's own people at its own offices.
STAFF_CHANNELS = frozenset({Channel.COUNTER, Channel.PHONE})
STAFF_CHANNEL_ROLES = frozenset({Role.CLERK, Role.RECEPTION, Role.MANAGER, Role.ADMIN})
# The office floor: reception hands out numbers and checks in; clerks call and serve at a counter.
RECEPTION_ROLES = frozenset({Role.RECEPTION, Role.CLERK, Role.MANAGER, Role.ADMIN})
COUNTER_ROLES = frozenset({Role.CLERK, Role.MANAGER, Role.ADMIN})
# Online applications are read and decided by the back office (never by reception or partners).
APPLICATION_ROLES = frozenset({Role.CLERK, Role.MANAGER, Role.ADMIN})
# Dashboards, committee reports and the planner belong to the municipality's leadership.
LEAD_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
# The audit log (who read which citizen's data) belongs to the data-protection officer; the municipality's
# administration may stand in. The officer's role reads nothing else.
AUDIT_ROLES = frozenset({Role.DPO, Role.ADMIN})


def role_label(role: str) -> str:
    """A staff role's name for people (an unknown role as it is stored)."""
    return str(dict(StaffMembership.Role.choices).get(role, role or "–"))


def membership(user: AbstractBaseUser | AnonymousUser | None) -> StaffMembership | None:
    if not isinstance(user, User) or not user.is_active:  # (anonymous users are no User)
        return None
    return StaffMembership.objects.select_related("organisation").filter(user=user).first()


def _superuser(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.is_superuser


def _municipal(member: StaffMembership | None, roles: frozenset[str]) -> TypeGuard[StaffMembership]:
    return member is not None and member.organisation.kind == Organisation.Kind.MUNICIPALITY and member.role in roles


def _at_office(member: StaffMembership, office: Office) -> bool:
    """The office belongs to the member's municipality and, where the membership lists offices, is one of them."""
    if member.organisation_id != office.organisation_id:
        return False
    return not member.offices.exists() or member.offices.filter(pk=office.pk).exists()


def can_see_office(user, office: Office) -> bool:
    """Municipal staff see their own organisation's offices (only the listed ones, where the membership lists
    offices); partners see none; a user without membership needs superuser."""
    if _superuser(user):
        return True
    member = membership(user)
    return (
        member is not None and member.organisation.kind == Organisation.Kind.MUNICIPALITY and _at_office(member, office)
    )


def _works_at(user, office: Office | None, roles: frozenset[str]) -> bool:
    """In one of the roles at the office (office None: at some office of the own municipality)."""
    if _superuser(user):
        return True
    member = membership(user)
    return _municipal(member, roles) and (office is None or _at_office(member, office))


# --- booking channels --------------------------------------------------------------------------------


def channel_refusal(
    user, channel: str, *, office: Office, services: Iterable[Service] = (), now: dt.datetime
) -> Forbidden | None:
    """Why the user may not book these services at this office through this channel (None: they may).

    web: everybody. counter/phone: municipal staff at offices of their own organisation (and only the listed
    ones, where the membership lists offices). partner: agents of a partner call center, only under a contract
    with the office's municipality that is live at `now`, and only for the services it covers."""
    if channel == Channel.WEB:
        return None
    if channel in STAFF_CHANNELS:
        if _works_at(user, office, STAFF_CHANNEL_ROLES):
            return None
        return Forbidden(_("An diesem Standort dürfen Sie über diesen Kanal nicht buchen."), field="channel")
    if channel != Channel.PARTNER:
        return Forbidden(_("Über diesen Kanal dürfen Sie nicht buchen."), field="channel")
    member = membership(user)
    if member is None or member.role != Role.AGENT or member.organisation.kind != Organisation.Kind.PARTNER:
        return Forbidden(_("Über diesen Kanal buchen nur Agenten eines Partner-Callcenters."), field="channel")
    # Local import: the call-center app builds on accounts, so accounts asks it only at call time.
    from buergerbuero.callcenter import selectors as callcenter_selectors

    contract = callcenter_selectors.live_contract(
        partner_id=member.organisation_id, municipality_id=office.organisation_id, now=now
    )
    if contract is None:
        return Forbidden(
            _("Für diese Kommune besteht kein aktiver Vertrag Ihres Callcenters."), field="office", code="no_contract"
        )
    return callcenter_selectors.coverage_refusal(contract, services)


def may_book_channel(user, channel: str, *, office: Office, services: Iterable[Service] = (), now: dt.datetime) -> bool:
    return channel_refusal(user, channel, office=office, services=services, now=now) is None


def require_book_channel(
    user, channel: str, *, office: Office, services: Iterable[Service] = (), now: dt.datetime
) -> None:
    refusal = channel_refusal(user, channel, office=office, services=services, now=now)
    if refusal is not None:
        raise refusal


# --- office floor ------------------------------------------------------------------------------------


def may_use_reception(user, office: Office) -> bool:
    """Reception desk of an office: issue numbers, check appointments in, see who waits."""
    return _works_at(user, office, RECEPTION_ROLES)


def may_serve_at_counter(user, office: Office | None = None) -> bool:
    """Clerk workstation: log in at a counter of the office, call and serve (office None: at any own office)."""
    return _works_at(user, office, COUNTER_ROLES)


def may_see_day_list(user, office: Office) -> bool:
    """The office's appointments and waiting list of a day (names of citizens): the office's own staff."""
    return can_see_office(user, office)


# --- online applications -----------------------------------------------------------------------------


def may_process_applications(user) -> bool:
    """The back-office list of online applications (it shows only the offices `may_process_application` allows)."""
    return _works_at(user, None, APPLICATION_ROLES)


def may_process_application(user, office: Office) -> bool:
    """Read and decide an application handled at `office` (also: find it by its booking code)."""
    return _works_at(user, office, APPLICATION_ROLES)


# --- leadership: KPIs and planner --------------------------------------------------------------------


def may_see_insights(user) -> bool:
    """KPI dashboards, committee reports and exports (per office: `may_see_office_insights`)."""
    return _works_at(user, None, LEAD_ROLES)


def may_see_office_insights(user, office: Office) -> bool:
    return _works_at(user, office, LEAD_ROLES)


def may_plan(user) -> bool:
    """The what-if planner (scenarios of the offices `may_plan_office` allows)."""
    return _works_at(user, None, LEAD_ROLES)


def may_plan_office(user, office: Office) -> bool:
    return _works_at(user, office, LEAD_ROLES)


# --- data protection -------------------------------------------------------------------------------


def may_read_audit_log(user) -> bool:
    """The audit log of staff reads, filtered by citizen or staff member and exported for access requests
    (Art. 15 GDPR): the municipality's data-protection officer (role "Datenschutz") or administration, for
    its own organisation (`audit_log_scope`); a superuser for all."""
    return _works_at(user, None, AUDIT_ROLES)


def audit_log_scope(user) -> int | None:
    """The organisation whose staff's (and partners') reads the user sees; None: all (superuser)."""
    if _superuser(user):
        return None
    member = membership(user)
    if not _municipal(member, AUDIT_ROLES):
        raise Forbidden(_("Das Zugriffsprotokoll ist dem Datenschutz vorbehalten."))
    return member.organisation_id


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


# --- signing in ----------------------------------------------------------------------------------------


def needs_second_factor(user) -> bool:
    """Everybody who can read citizens' personal data signs in with a second factor: every staff member (all five
    roles see names, appointments, calls or applications), everybody who may open the admin, and superusers."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or StaffMembership.objects.filter(user=user).exists()
