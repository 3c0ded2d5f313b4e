"""The verified identity of the citizen in this browser session (no user account is created)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone

from buergerbuero.applications.identity.base import Identity

IDENTITY_KEY = "applications_identity"
TRANSACTIONS_KEY = "applications_login_transactions"


def _valid_minutes() -> int:
    """How long the identity stays in the session: the retention policy's eID minutes (the strictest
    municipality's value — a citizen's session belongs to no municipality)."""
    from buergerbuero.privacy import selectors as privacy_selectors  # privacy's job imports this module

    return privacy_selectors.installation_policy().identity_minutes


def remember_transaction(request: HttpRequest, transaction_id: str) -> None:
    request.session[TRANSACTIONS_KEY] = [*request.session.get(TRANSACTIONS_KEY, []), transaction_id][-5:]


def transactions(request: HttpRequest) -> list[str]:
    return list(request.session.get(TRANSACTIONS_KEY, []))


def store(request: HttpRequest, identity_json: dict) -> None:
    request.session.cycle_key()  # a new session id after login (session fixation)
    request.session[IDENTITY_KEY] = {"identity": identity_json, "at": timezone.now().isoformat()}
    request.session.pop(TRANSACTIONS_KEY, None)


def current(request: HttpRequest) -> Identity | None:
    data = request.session.get(IDENTITY_KEY)
    if not data:
        return None
    if dt.datetime.fromisoformat(data["at"]) + dt.timedelta(minutes=_valid_minutes()) < timezone.now():
        request.session.pop(IDENTITY_KEY, None)
        return None
    return Identity.from_json(data["identity"])


def forget(request: HttpRequest) -> None:
    request.session.pop(IDENTITY_KEY, None)


def older_than(session_data: dict, moment: dt.datetime) -> bool:
    """Does this (decoded) session hold an identity stored before `moment`? For the retention job."""
    data = session_data.get(IDENTITY_KEY)
    if not data:
        return False
    try:
        return dt.datetime.fromisoformat(data["at"]) < moment
    except (KeyError, TypeError, ValueError):
        return True  # unreadable: no reason to keep it
