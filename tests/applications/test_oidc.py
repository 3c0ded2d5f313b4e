"""Generic OpenID Connect relying party against a real local OIDC provider on 127.0.0.1."""

import urllib.error
import urllib.parse
import urllib.request

import pytest

from buergerbuero.applications.identity import session as identity_session
from tests import local_oidc
from tests.applications.conftest import form_fields

REDIRECT = "http://testserver/online/anmelden/oidc/acs"


def start_provider(tmp_path, settings, **kwargs):
    app, httpd = local_oidc.start(
        tmp_path / "oidc", client_id="buergerbuero", client_secret="s3cret", redirect_uri=REDIRECT, **kwargs
    )
    settings.OIDC = {"ISSUER": app.base_url, "CLIENT_ID": "buergerbuero", "CLIENT_SECRET": "s3cret", "SCOPES": "openid"}
    return app, httpd


@pytest.fixture
def provider(db, tmp_path, settings):
    app, httpd = start_provider(tmp_path, settings)
    yield app
    httpd.shutdown()


def callback_url(client, *, method="eid", level=4, person="erika") -> str:
    started = client.get(f"/online/anmelden/oidc/?level={level}&next=/online/")
    assert started.status_code == 302, started.content
    with urllib.request.urlopen(started["Location"], timeout=30) as response:  # the login page
        action, fields = form_fields(response.read().decode())
    body = urllib.parse.urlencode({"params": fields["params"], "person": person, "method": method}).encode()
    opener = urllib.request.build_opener(local_oidc.NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(urllib.request.Request(action, data=body), timeout=30)
    location = redirect.value.headers["Location"]
    assert location.startswith(REDIRECT)
    return location.removeprefix("http://testserver")


def identity_of(client):
    data = client.session.get(identity_session.IDENTITY_KEY)
    return data and data["identity"]


def test_login_maps_the_claims(client, provider):
    done = client.get(callback_url(client))
    assert done.status_code == 302, done.content.decode()
    assert client.get(done["Location"])["Location"] == "/online/"
    identity = identity_of(client)
    assert identity["provider"] == "oidc" and identity["trust_level"] == 4
    assert (identity["given_name"], identity["birth_date"], identity["postcode"]) == ("Erika", "1964-08-12", "44575")


def test_too_low_level_is_refused(client, provider):
    done = client.get(callback_url(client, method="password"))
    page = client.get(done["Location"])
    assert page.status_code == 403 and "Online-Ausweisfunktion" in page.content.decode()
    assert identity_of(client) is None


def test_a_callback_works_once(client, provider):
    url = callback_url(client)
    assert client.get(url).status_code == 302
    again = client.get(url)
    assert again.status_code == 403 and "keiner offenen Anmeldung" in again.content.decode()


def test_forged_token_is_refused(client, db, tmp_path, settings):
    _app, httpd = start_provider(tmp_path, settings, wrong_key=True)
    try:
        refused = client.get(callback_url(client))
    finally:
        httpd.shutdown()
    assert refused.status_code == 403 and "nicht gültig signiert" in refused.content.decode()
    assert identity_of(client) is None


def test_expired_token_is_refused(client, db, tmp_path, settings):
    _app, httpd = start_provider(tmp_path, settings, token_seconds=-600)
    try:
        refused = client.get(callback_url(client))
    finally:
        httpd.shutdown()
    assert refused.status_code == 403 and "abgelaufen" in refused.content.decode()


def test_unconfigured_provider_is_explained(client, db, settings):
    settings.OIDC = {"ISSUER": "", "CLIENT_ID": ""}
    response = client.get("/online/anmelden/oidc/?level=4")
    assert response.status_code == 503 and "nicht eingerichtet" in response.content.decode()
