"""BundID SAML login against a real local IdP on 127.0.0.1 (pysaml2 + xmlsec1 on both sides)."""

import base64
import datetime as dt

import pytest

from buergerbuero.applications.identity import session as identity_session
from buergerbuero.applications.identity.base import TrustLevel
from buergerbuero.applications.identity.contrib.local_idp import Quirks
from buergerbuero.applications.models import ConsumedAssertion, PendingLogin
from tests.applications.conftest import idp_response, login, start_idp


def identity_of(client):
    data = client.session.get(identity_session.IDENTITY_KEY)
    return data and data["identity"]


def test_metadata_describes_our_service_provider(client, sp_var):
    response = client.get("/online/anmelden/bundid/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    body = response.content.decode()
    assert "AssertionConsumerService" in body
    assert "http://testserver/online/anmelden/bundid/acs" in body
    assert 'AuthnRequestsSigned="true"' in body
    assert (sp_var / "identity" / "bundid-sp.key").exists()


def test_eid_login_maps_the_attributes(client, local_idp):
    page = login(client, person="erika", method="eid")
    assert page.status_code == 302 and page["Location"] == "/online/"
    identity = identity_of(client)
    assert identity["trust_level"] == int(TrustLevel.HIGH)
    assert identity["given_name"] == "Erika" and identity["family_name"] == "Mustermann"
    assert identity["birth_date"] == "1964-08-12"
    assert (identity["street"], identity["postcode"], identity["city"]) == ("Europaplatz 5", "44575", "Castrop-Rauxel")
    assert identity["nationality"] == "D"
    assert identity["subject"] == "bpk2-test-erika-mustermann"
    assert client.get("/online/").content.decode().count("Erika Mustermann") == 1


def test_too_low_trust_level_is_refused_with_an_explanation(client, local_idp):
    fields = idp_response(client, method="elster", level=4)
    done = client.post("/online/anmelden/bundid/acs", fields)
    page = client.get(done["Location"])
    assert page.status_code == 403
    text = page.content.decode()
    assert "substantiell" in text and "Online-Ausweisfunktion" in text
    assert identity_of(client) is None


def test_substantial_is_enough_when_the_service_asks_for_it(client, local_idp):
    login(client, method="elster", level=3)
    assert identity_of(client)["trust_level"] == int(TrustLevel.SUBSTANTIAL)


def test_replayed_response_is_refused(client, local_idp):
    fields = idp_response(client)
    assert client.post("/online/anmelden/bundid/acs", fields).status_code == 302
    again = client.post("/online/anmelden/bundid/acs", fields)
    assert again.status_code == 403
    assert "keiner offenen Anmeldung" in again.content.decode()
    assert ConsumedAssertion.objects.count() == 1


def test_tampered_response_is_refused_and_nothing_stored(client, local_idp):
    fields = idp_response(client)
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert "1964-08-12" in xml
    fields["SAMLResponse"] = base64.b64encode(xml.replace("1964-08-12", "1994-08-12").encode()).decode()
    refused = client.post("/online/anmelden/bundid/acs", fields)
    assert refused.status_code == 403
    assert "nicht gültig signiert" in refused.content.decode()
    assert ConsumedAssertion.objects.count() == 0
    assert not PendingLogin.objects.filter(identity__isnull=False).exists()


@pytest.mark.parametrize("garbage", ["", "bm90IHhtbA==", base64.b64encode(b"<a><b></a>").decode()])
def test_garbage_response_gets_a_clear_message(client, local_idp, garbage):
    refused = client.post("/online/anmelden/bundid/acs", {"SAMLResponse": garbage})
    assert refused.status_code == 403
    assert "BundID" in refused.content.decode()


def test_expired_assertion_is_refused(client, db, tmp_path, settings, sp_var):
    sp_metadata = client.get("/online/anmelden/bundid/metadata").content.decode()
    _app, httpd = start_idp(tmp_path, settings, sp_metadata, assertion_minutes=-10)
    try:
        fields = idp_response(client)
    finally:
        httpd.shutdown()
    refused = client.post("/online/anmelden/bundid/acs", fields)
    assert refused.status_code == 403
    assert "abgelaufen" in refused.content.decode()
    assert identity_of(client) is None


def test_login_picked_up_by_another_session_is_refused(client, local_idp, django_user_model):
    from django.test import Client

    fields = idp_response(client)
    done = client.post("/online/anmelden/bundid/acs", fields)
    stranger = Client()
    assert stranger.get(done["Location"]).status_code == 403
    assert client.get(done["Location"]).status_code == 302


def test_missing_xmlsec_is_explained(client, sp_var, settings):
    settings.BUNDID = {**settings.BUNDID, "XMLSEC_BINARY": "", "IDP_METADATA_FILE": "/nonexistent.xml"}
    response = client.get("/online/anmelden/bundid/?level=4")
    assert response.status_code == 503
    assert "nicht eingerichtet" in response.content.decode()


def test_session_identity_expires(client, local_idp):
    login(client)
    session = client.session
    data = session[identity_session.IDENTITY_KEY]
    data["at"] = (dt.datetime.fromisoformat(data["at"]) - dt.timedelta(hours=2)).isoformat()
    session[identity_session.IDENTITY_KEY] = data
    session.save()
    assert "identity-banner" not in client.get("/online/").content.decode()


def answer_with(client, tmp_path, settings, quirks):
    """A login answered by a local IdP that deviates from the profile in one way (correctly signed)."""
    sp_metadata = client.get("/online/anmelden/bundid/metadata").content.decode()
    _app, httpd = start_idp(tmp_path, settings, sp_metadata, quirks=quirks)
    try:
        return idp_response(client)
    finally:
        httpd.shutdown()


@pytest.mark.parametrize(
    ("quirks", "message"),
    [
        (Quirks(audience="https://andere-behoerde.example/sp"), "nicht für diesen Dienst ausgestellt"),
        (Quirks(no_audience=True), "nicht für diesen Dienst ausgestellt"),
        (Quirks(recipient="http://testserver/online/anmelden/bundid/metadata"), "an eine andere Adresse gerichtet"),
        (Quirks(recipient="https://angreifer.example/acs"), "an eine andere Adresse gerichtet"),
        (Quirks(sha1=True), "veralteten Verfahren (SHA-1)"),
    ],
    ids=["other-audience", "no-audience", "recipient-entity-id", "recipient-elsewhere", "sha1"],
)
def test_answers_outside_the_profile_are_refused_with_403(client, db, tmp_path, settings, sp_var, quirks, message):
    fields = answer_with(client, tmp_path, settings, quirks)
    refused = client.post("/online/anmelden/bundid/acs", fields)
    assert refused.status_code == 403
    assert message in refused.content.decode()
    assert ConsumedAssertion.objects.count() == 0
    assert identity_of(client) is None


def test_metadata_advertises_only_sha2(client, sp_var):
    body = client.get("/online/anmelden/bundid/metadata").content.decode()
    assert "xmlenc#sha256" in body and "rsa-sha256" in body
    for weak in ("#md5", "xmldsig#sha1", "rsa-sha1", "#dsa-sha", "rsa-md5", "ripemd160"):
        assert weak not in body, weak
