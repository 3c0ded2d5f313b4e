"""The verified identity of the citizen in this browser session (no user account is created)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone

from buergerbuero.applications.identity.base import Identity

IDENTITY_KEY = "applications_identity"
TRANSACTIONS_KEY = "applications_login_transactions"
VALID_MINUTES = 60


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
    if dt.datetime.fromisoformat(data["at"]) + dt.timedelta(minutes=VALID_MINUTES) < timezone.now():
        request.session.pop(IDENTITY_KEY, None)
        return None
    return Identity.from_json(data["identity"])


def forget(request: HttpRequest) -> None:
    request.session.pop(IDENTITY_KEY, None)
