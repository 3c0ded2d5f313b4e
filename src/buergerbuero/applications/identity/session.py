"""The verified identity of the citizen in this browser session (no user account is created).

It stays at most the retention policy's eID minutes, whatever the session backend: the session itself expires at
that moment (database row, cache entry and cookie alike), a read after it drops the identity, and the citizen's
logout flushes the whole session (privacy's job also clears database sessions on its schedule)."""

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
    now = timezone.now()
    request.session[IDENTITY_KEY] = {"identity": identity_json, "at": now.isoformat()}
    request.session.pop(TRANSACTIONS_KEY, None)
    # The session ends when the identity must be gone: the store forgets it (cache TTL, cookie lifetime, row's
    # expiry date) even if the citizen never comes back to have it dropped on read.
    request.session.set_expiry(now + dt.timedelta(minutes=_valid_minutes()))


def current(request: HttpRequest) -> Identity | None:
    data = request.session.get(IDENTITY_KEY)
    if not data:
        return None
    if dt.datetime.fromisoformat(data["at"]) + dt.timedelta(minutes=_valid_minutes()) < timezone.now():
        request.session.pop(IDENTITY_KEY, None)
        request.session.set_expiry(None)  # what is left of the session keeps the usual lifetime
        return None
    return Identity.from_json(data["identity"])


def forget(request: HttpRequest) -> None:
    """The citizen's logout: the whole session goes, in the store too (a new, empty one follows)."""
    request.session.flush()


def older_than(session_data: dict, moment: dt.datetime) -> bool:
    """Does this (decoded) session hold an identity stored before `moment`? For the retention job."""
    data = session_data.get(IDENTITY_KEY)
    if not data:
        return False
    try:
        return dt.datetime.fromisoformat(data["at"]) < moment
    except (KeyError, TypeError, ValueError):
        return True  # unreadable: no reason to keep it
