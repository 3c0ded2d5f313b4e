"""The eID identity leaves the citizen's session after the retention policy's minutes and at logout on every
session backend (database, cache, signed cookie), not only where the retention job can search the rows."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from buergerbuero.applications.identity import session as identity_session
from tests.applications.conftest import login

ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.signed_cookies",
]


@pytest.fixture(params=ENGINES, ids=["db", "cache", "signed_cookies"])
def citizen(request, local_idp, settings):
    settings.SESSION_ENGINE = request.param
    client = Client()  # its handler loads the session middleware with this backend
    assert login(client, person="erika").status_code == 302
    return client


def _identity(client):
    data = client.session.get(identity_session.IDENTITY_KEY)
    return data and data["identity"]


def _age_identity(client, minutes: int) -> None:
    """The identity was stored `minutes` ago (the session as the store keeps it)."""
    session = client.session
    data = session[identity_session.IDENTITY_KEY]
    data["at"] = (timezone.now() - dt.timedelta(minutes=minutes)).isoformat()
    session[identity_session.IDENTITY_KEY] = data
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key  # the signed cookie is the data


def test_the_session_ends_when_the_identity_must_be_gone(citizen):
    assert _identity(citizen)["family_name"] == "Mustermann"
    assert 0 < citizen.session.get_expiry_age() <= 30 * 60  # cache entry, cookie and row expire with it


def test_an_identity_older_than_the_policy_is_dropped_on_read(citizen):
    _age_identity(citizen, 29)
    assert "Erika Mustermann" in citizen.get("/online/").content.decode()
    _age_identity(citizen, 31)
    page = citizen.get("/online/").content.decode()
    assert "Erika Mustermann" not in page
    assert _identity(citizen) is None  # gone from the store (or the cookie), not only hidden


def test_logout_flushes_the_session_in_the_store(citizen, settings):
    before = citizen.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert citizen.post("/online/abmelden").status_code == 302
    assert _identity(citizen) is None  # the browser's cookie carries no identity any more
    if settings.SESSION_ENGINE.endswith("signed_cookies"):
        return  # the data was only in the cookie: a copy of the old one stays readable until it expires
    old = citizen.session.__class__(session_key=before)
    assert identity_session.IDENTITY_KEY not in old.load()  # gone from the server's store too
