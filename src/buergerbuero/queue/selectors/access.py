"""Who may work on the floor: the reception and the counters (decided in accounts.selectors), a clerk's skills."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.catalog.models import Office
from buergerbuero.core.errors import Forbidden


def _refusal(user, office: Office | None) -> Forbidden:
    if office is not None and not account_selectors.can_see_office(user, office):
        return Forbidden(_("Diesen Standort dürfen Sie nicht bearbeiten."), field="office")
    return Forbidden(_("Dafür fehlt Ihnen die Rolle (Empfang oder Sachbearbeitung)."), field="role")


def require_reception(user, office: Office) -> None:
    """Raise Forbidden unless the user may work the office's reception desk (accounts.selectors decides)."""
    if not account_selectors.may_use_reception(user, office):
        raise _refusal(user, office)


def require_counter(user, office: Office | None = None) -> None:
    """Raise Forbidden unless the user may serve at a counter of the office (None: of any own office)."""
    if not account_selectors.may_serve_at_counter(user, office):
        raise _refusal(user, office)


def clerk_skills(user) -> frozenset[int] | None:
    """Service ids the clerk may handle; None = all (no skills recorded)."""
    member = account_selectors.membership(user)
    if member is None:
        return None
    ids = frozenset(member.skills.values_list("id", flat=True))
    return ids or None
