"""Single sign-on for staff through the city's identity provider, against the project's local OpenID Connect
provider over real HTTP (issue 14): accounts by subject, organisation and role from the groups at every sign-in,
refusals (no mapped group, unknown organisation, wrong state, wrong nonce, forged token), the provider's second
factor or ours, lockout, sign-out at the provider."""

import datetime as dt
import json
import logging
import shlex
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from buergerbuero.accounts import middleware, sso, tiles
from buergerbuero.accounts.models import ExternalAccount, Organisation, StaffMembership
from buergerbuero.privacy.models import AuditRecord
from tests import factories, local_oidc, staff_login
from tests.applications.conftest import form_fields

CALLBACK = "http://testserver/intern/anmelden/dienstkonto/zurueck/"
CITY = "Stadt Castrop-Rauxel"
GROUPS = f"bb-reception-castrop={CITY}:reception; bb-clerk-castrop={CITY}:clerk"


def _start_provider(tmp_path, settings, **kwargs):
    app, httpd = local_oidc.start(
        tmp_path / "staff-oidc",
        client_id="buergerbuero-intern",
        client_secret="geheim-und-lang",
        redirect_uri=CALLBACK,
        people="staff",
        **kwargs,
    )
    settings.STAFF_SSO = settings.STAFF_SSO | {
        "ISSUER": app.base_url,
        "CLIENT_ID": "buergerbuero-intern",
        "CLIENT_SECRET": "geheim-und-lang",
        "GROUPS": GROUPS,
        "MFA_AMR": ["mfa", "otp"],
        "MFA_ACR": [],
    }
    return app, httpd


@pytest.fixture
def city(db):
    organisation = Organisation.objects.create(name=CITY)
    office = factories.office(slug="castrop", organisation=organisation)
    return organisation, office


@pytest.fixture
def provider(city, tmp_path, settings):
    app, httpd = _start_provider(tmp_path, settings)
    yield app
    httpd.shutdown()


def _authorize_url(client) -> str:
    page = client.get("/intern/anmelden/")
    assert 'id="sso-sign-in"' in page.content.decode()
    started = client.get("/intern/anmelden/dienstkonto/?next=/intern/")
    assert started.status_code == 302, started.content
    return started["Location"]


def _callback(authorize_url: str, *, person="anna", method="mfa") -> str:
    """What the browser does at the provider: open its login page, pick the person and the method; the provider
    sends it back to us (the address is returned, not followed)."""
    with urllib.request.urlopen(authorize_url, timeout=30) as response:
        action, fields = form_fields(response.read().decode())
    body = urllib.parse.urlencode({"params": fields["params"], "person": person, "method": method}).encode()
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(local_oidc.NoRedirect).open(urllib.request.Request(action, data=body), timeout=30)
    location = redirect.value.headers["Location"]
    assert location.startswith(CALLBACK)
    return location.removeprefix("http://testserver")


def sign_in(client, **kwargs):
    return client.get(_callback(_authorize_url(client), **kwargs))


def _users() -> int:
    return get_user_model().objects.count()


def test_first_sign_in_makes_the_member_and_opens_their_tools(client, provider, city):
    organisation, office = city
    done = sign_in(client, person="anna", method="mfa")
    assert done.status_code == 302 and done["Location"] == "/intern/", done.content.decode()
    assert "no-store" in done["Cache-Control"]
    account = ExternalAccount.objects.select_related("user").get()
    assert (account.issuer, account.subject) == (provider.base_url, "3f1c9a52-staff-anna")
    user = account.user
    assert (user.first_name, user.last_name, user.has_usable_password()) == ("Anna", "Empfang", False)
    member = StaffMembership.objects.get(user=user)
    assert (member.organisation, member.role) == (organisation, StaffMembership.Role.RECEPTION)
    # The provider's second factor counted: no authenticator of ours was needed.
    assert not TOTPDevice.objects.filter(user=user).exists()
    start = client.get("/intern/")
    text = start.content.decode()
    assert start.status_code == 200 and "Anna Empfang" in text and CITY in text
    links = tiles.links_for(user)
    assert {link.key for link in links} == {"reception", "display", "callcenter"}  # reception at their office
    assert all(f'href="{link.url}"' in text for link in links)
    assert next(link for link in links if link.key == "reception").office == office.name
    assert "Online-Anträge" not in text  # reception reads no applications
    assert client.session.get(middleware.SIGNED_IN_AT) is not None  # idle and absolute timeout apply


def test_a_changed_group_changes_the_role_of_the_same_account(client, provider):
    sign_in(client, person="anna", method="mfa")
    user = ExternalAccount.objects.get().user
    client.post("/intern/abmelden/")
    provider.staff["anna"]["groups"] = ["bb-clerk-castrop"]
    users = _users()
    assert sign_in(client, person="anna", method="mfa")["Location"] == "/intern/"
    assert _users() == users  # matched by subject, not made again
    assert StaffMembership.objects.get(user=user).role == StaffMembership.Role.CLERK
    assert ExternalAccount.objects.get().groups == ["bb-clerk-castrop"]
    assert "applications" in {link.key for link in tiles.links_for(user)}
    assert "Online-Anträge" in client.get("/intern/").content.decode()


def test_losing_every_mapped_group_ends_the_membership(client, provider):
    sign_in(client, person="bernd", method="mfa")
    user = ExternalAccount.objects.get().user
    client.post("/intern/abmelden/")
    provider.staff["bernd"]["groups"] = ["alle-beschaeftigten"]
    refused = sign_in(client, person="bernd", method="mfa")
    assert refused.status_code == 403 and "nicht freigeschaltet" in refused.content.decode()
    assert not StaffMembership.objects.filter(user=user).exists()  # no rights left, API tokens included
    assert client.get("/intern/").status_code == 302


def test_the_same_e_mail_address_is_not_the_same_person(client, provider):
    """A local account with the provider's user name and e-mail address stays another person."""
    local = get_user_model().objects.create_user("a.empfang", "anna.empfang@castrop-rauxel.example", "x" * 20)
    sign_in(client, person="anna", method="mfa")
    account = ExternalAccount.objects.get()
    assert account.user_id != local.pk and account.user.username != "a.empfang"


def test_nobody_without_a_mapped_group_gets_an_account(client, provider):
    users = _users()
    refused = sign_in(client, person="dora", method="mfa")
    assert refused.status_code == 403 and "nicht freigeschaltet" in refused.content.decode()
    assert _users() == users and not ExternalAccount.objects.exists()
    assert client.get("/intern/").status_code == 302


def test_a_group_naming_an_unknown_organisation_is_refused_and_logged(client, provider, settings, caplog):
    settings.STAFF_SSO = settings.STAFF_SSO | {"GROUPS": "bb-reception-castrop=Stadt Nirgendwo:reception"}
    users = _users()
    with caplog.at_level(logging.ERROR, logger="buergerbuero.security"):
        refused = sign_in(client, person="anna", method="mfa")
    assert refused.status_code == 403 and "Organisation, die es hier nicht gibt" in refused.content.decode()
    assert _users() == users
    assert any("Stadt Nirgendwo" in record.getMessage() for record in caplog.records)


def test_an_answer_to_another_state_is_refused_and_works_once(client, provider):
    url = _callback(_authorize_url(client))
    forged = url.replace("state=", "state=x")
    refused = client.get(forged)
    assert refused.status_code == 403 and "nicht begonnen" in refused.content.decode()
    # The refusal closed the open sign-in: the real answer is now too late as well.
    assert client.get(url).status_code == 403
    assert not ExternalAccount.objects.exists()
    # And an answer that belongs to another browser's sign-in does not sign this one in.
    other = Client()
    assert other.get(_callback(_authorize_url(Client()))).status_code == 403


def test_a_token_for_another_nonce_is_refused(client, provider):
    authorize = _authorize_url(client)
    parts = urllib.parse.urlsplit(authorize)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["nonce"] = "von-einem-angreifer"  # the provider signs what it was asked for; our session knows better
    changed = parts._replace(query=urllib.parse.urlencode(query)).geturl()
    refused = client.get(_callback(changed))
    assert refused.status_code == 403 and "keiner offenen Anmeldung" in refused.content.decode()
    assert not ExternalAccount.objects.exists()


def test_a_token_signed_with_another_key_is_refused(client, city, tmp_path, settings):
    _app, httpd = _start_provider(tmp_path, settings, wrong_key=True)
    try:
        refused = sign_in(client)
    finally:
        httpd.shutdown()
    assert refused.status_code == 403 and "nicht gültig signiert" in refused.content.decode()
    assert not ExternalAccount.objects.exists()


def test_without_the_providers_second_factor_our_code_is_asked(client, provider):
    first = sign_in(client, person="bernd", method="password")
    assert first.status_code == 302 and first["Location"] == "/intern/anmelden/einrichten/"
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")  # not yet signed in
    user = ExternalAccount.objects.get().user
    device = staff_login.authenticator(user)  # as if enrolled; now the code is asked each time
    client.post("/intern/abmelden/")
    again = sign_in(client, person="bernd", method="password")
    assert again["Location"] == "/intern/anmelden/code/"
    assert client.post("/intern/anmelden/code/", {"code": staff_login.current_code(device)})["Location"] == "/intern/"
    assert client.get("/intern/").status_code == 200


def test_without_trusted_amr_values_our_code_is_asked_even_after_the_providers(client, provider, settings):
    settings.STAFF_SSO = settings.STAFF_SSO | {"MFA_AMR": []}
    assert sign_in(client, person="anna", method="mfa")["Location"] == "/intern/anmelden/einrichten/"


def test_an_acr_can_stand_for_the_providers_second_factor(client, provider, settings):
    settings.STAFF_SSO = settings.STAFF_SSO | {"MFA_AMR": [], "MFA_ACR": ["2"]}
    assert sign_in(client, person="anna", method="mfa")["Location"] == "/intern/"
    client.post("/intern/abmelden/")
    assert sign_in(client, person="anna", method="password")["Location"] == "/intern/anmelden/einrichten/"


def test_sign_out_ends_the_session_here_and_at_the_provider(client, provider):
    sign_in(client, person="anna", method="mfa")
    out = client.post("/intern/abmelden/")
    assert out.status_code == 302 and out["Location"].startswith(f"{provider.base_url}/logout?")
    with pytest.raises(urllib.error.HTTPError) as back:
        urllib.request.build_opener(local_oidc.NoRedirect).open(out["Location"], timeout=30)
    assert back.value.headers["Location"] == "http://testserver/intern/anmelden/"
    assert provider.logouts and provider.logouts[0]["client_id"] == "buergerbuero-intern"
    assert provider.logouts[0]["id_token_hint"]
    assert client.get("/intern/")["Location"].startswith("/intern/anmelden/")


BACKCHANNEL = "/intern/anmelden/dienstkonto/abgemeldet/"


def test_the_providers_back_channel_logout_ends_the_session_here(client, provider):
    assert sign_in(client, person="anna", method="mfa")["Location"] == "/intern/"
    assert client.get("/intern/").status_code == 200
    subject = ExternalAccount.objects.get().subject
    provider_server = Client()  # the provider's server posts, without the person's cookies or a CSRF token
    taken = provider_server.post(BACKCHANNEL, {"logout_token": provider.logout_token(subject)})
    assert taken.status_code == 200 and "no-store" in taken["Cache-Control"]
    ended = client.get("/intern/")
    assert ended.status_code == 302 and ended["Location"].startswith("/intern/anmelden/")
    page = client.get(ended["Location"]).content.decode()
    assert "Sie wurden beim Anmeldedienst abgemeldet." in page
    user = ExternalAccount.objects.get().user
    assert AuditRecord.objects.filter(view="security:signed_out_by_provider", actor=user).count() == 1
    # An older token (a replay, or one delayed) does not move the moment back.
    moment = ExternalAccount.objects.get().signed_out_at
    older = provider.logout_token(subject, iat=int(moment.timestamp()) - 60)
    assert provider_server.post(BACKCHANNEL, {"logout_token": older}).status_code == 200
    assert ExternalAccount.objects.get().signed_out_at == moment
    # Signing in again afterwards works: only sessions from before the logout end (the token counts whole
    # seconds, so a session of the same second ends too; the person signs in again a moment later).
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=2), tick=True):
        assert sign_in(client, person="anna", method="mfa")["Location"] == "/intern/"
        assert client.get("/intern/").status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "another-client"}, id="another audience"),
        pytest.param({"nonce": "n"}, id="an ID token passed off as a logout token"),
        pytest.param({"events": {}}, id="without the logout event"),
        pytest.param({"iat": 1_000_000_000, "exp": 4_000_000_000}, id="issued long ago"),
        pytest.param({"sub": "nobody-here"}, id="a subject without an account"),
    ],
)
def test_a_logout_token_that_is_not_valid_changes_nothing(client, provider, claims):
    sign_in(client, person="anna", method="mfa")
    subject = ExternalAccount.objects.get().subject
    refused = Client().post(BACKCHANNEL, {"logout_token": provider.logout_token(subject, **claims)})
    assert refused.status_code == 400 and refused.content  # the reason, for the provider's log
    assert client.get("/intern/").status_code == 200
    assert ExternalAccount.objects.get().signed_out_at is None


def test_a_logout_token_signed_with_another_key_is_refused(client, city, tmp_path, settings):
    app, httpd = _start_provider(tmp_path, settings)
    forger, forger_httpd = local_oidc.start(
        tmp_path / "other",
        client_id="buergerbuero-intern",
        client_secret="x",
        redirect_uri=CALLBACK,
        people="staff",
        wrong_key=True,
    )
    try:
        sign_in(client, person="anna", method="mfa")
        subject = ExternalAccount.objects.get().subject
        forged = forger.logout_token(subject, iss=app.base_url)
        refused = Client().post(BACKCHANNEL, {"logout_token": forged})
    finally:
        httpd.shutdown()
        forger_httpd.shutdown()
    assert refused.status_code == 400
    assert client.get("/intern/").status_code == 200


def test_back_channel_logout_without_single_sign_on_is_not_there(db):
    assert Client().post(BACKCHANNEL, {"logout_token": "x"}).status_code == 404


def test_refused_answers_lock_the_address(client, provider, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    for _ in range(2):
        url = _callback(_authorize_url(client))
        client.get(url.replace("state=", "state=x"))
    locked = client.get("/intern/anmelden/dienstkonto/")
    assert locked.status_code == 429 and "Zu viele fehlgeschlagene" in locked.content.decode()


def test_off_by_default(client, db, settings):
    settings.STAFF_SSO = settings.STAFF_SSO | {"ISSUER": "", "CLIENT_ID": ""}
    assert 'id="sso-sign-in"' not in client.get("/intern/anmelden/").content.decode()
    assert client.get("/intern/anmelden/dienstkonto/").status_code == 404
    assert client.get("/intern/anmelden/dienstkonto/zurueck/?code=a&state=b").status_code == 404


def test_the_group_mapping_as_operators_write_it(settings):
    rules = sso.parse_rules(
        "cn=bb-empfang,ou=Gruppen,dc=stadt,dc=de=Stadt Castrop-Rauxel:reception;\n /bb/leitung = Stadt Herne:manager"
    )
    assert [(r.group, r.organisation, r.role) for r in rules] == [
        ("cn=bb-empfang,ou=Gruppen,dc=stadt,dc=de", "Stadt Castrop-Rauxel", "reception"),
        ("/bb/leitung", "Stadt Herne", "manager"),
    ]
    json_rules = sso.parse_rules(
        '{"bb-dsb": ["Stadt Herne", "dpo"], "bb-admin": {"organisation": "X", "role": "admin"}}'
    )
    assert [(r.group, r.role) for r in json_rules] == [("bb-dsb", "dpo"), ("bb-admin", "admin")]
    with pytest.raises(ValueError, match="unknown role"):
        sso.parse_rules("bb-chef=Stadt Herne:chef")
    with pytest.raises(ValueError, match="expected group=organisation:role"):
        sso.parse_rules("bb-chef")
    settings.STAFF_SSO = settings.STAFF_SSO | {"ISSUER": "https://id.example", "CLIENT_ID": "bb", "GROUPS": "x=y:z"}
    assert [m.id for m in sso.check_configuration()] == ["accounts.E101"]
    assert any(m.id == "accounts.E101" for m in checks.run_checks(tags=[checks.Tags.security]))


def test_the_button_and_the_refusal_speak_english(provider):
    client = Client(headers={"Accept-Language": "en"})
    assert "Sign in with your city account" in client.get("/intern/anmelden/").content.decode()
    refused = sign_in(client, person="dora", method="mfa")
    assert refused.status_code == 403 and "not enabled for the Bürgerbüro" in refused.content.decode()


def test_operators_configure_it_by_environment_and_check_names_a_broken_mapping(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "buergerbuero.settings",
        "PYTHONPATH": "src",
        "PATH": "/usr/bin:/bin",
        "BUERGERBUERO_VAR_DIR": str(tmp_path),
        "STAFF_SSO_ISSUER": "https://adfs.stadt.example/adfs",
        "STAFF_SSO_CLIENT_ID": "3c6a9e1f",
        "STAFF_SSO_GROUPS_CLAIM": "group",
        "STAFF_SSO_MFA_AMR": "http://schemas.microsoft.com/claims/multipleauthn",
        "STAFF_SSO_GROUPS": "BB-Empfang=Stadt Castrop-Rauxel:empfang",  # the role is misspelt
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.STAFF_SSO['GROUPS_CLAIM'], s.STAFF_SSO['MFA_AMR'], s.STAFF_SSO['SCOPES']]))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert json.loads(shown.stdout) == [
        "group",
        ["http://schemas.microsoft.com/claims/multipleauthn"],
        "openid profile email",
    ]
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode != 0 and "accounts.E101" in checked.stderr and "'empfang'" in checked.stderr


def test_the_development_provider_prints_the_environment_to_use_it(tmp_path):
    """`manage.py run_local_oidc --staff` beside `make run`: the printed environment points at a live provider."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"DJANGO_SETTINGS_MODULE": "buergerbuero.settings", "PYTHONPATH": "src", "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_local_oidc", "--staff", f"--port={port}"],
        cwd=settings.BASE_DIR,
        env=env | {"BUERGERBUERO_VAR_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        exports = dict(item.split("=", 1) for item in shlex.split(process.stdout.readline().removeprefix("export ")))
        with urllib.request.urlopen(f"{exports['STAFF_SSO_ISSUER']}/.well-known/openid-configuration") as answer:
            discovery = json.loads(answer.read())
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert discovery["issuer"] == f"http://127.0.0.1:{port}" and discovery["end_session_endpoint"]
    assert [rule.role for rule in sso.parse_rules(exports["STAFF_SSO_GROUPS"])] == ["reception", "clerk"]


def test_two_first_sign_ins_at_once_end_in_one_account(city, settings):
    """The second of two simultaneous first sign-ins read "no account yet" before the first one made it: it
    joins that account instead of failing on the unique subject (the read before the race is passed in)."""
    claims = {"sub": "race-1", "preferred_username": "r.rennen", "groups": ["bb-clerk-castrop"], "email": "r@x.example"}
    settings.STAFF_SSO = settings.STAFF_SSO | {"GROUPS": GROUPS}
    now = timezone.now()
    first = sso.provision(issuer="https://idp.example", claims=claims, now=now)
    rule = sso._target(sso.groups_of(claims))
    second = sso._apply_or_join(
        None,  # what the second sign-in read before the first one committed
        issuer="https://idp.example",
        subject="race-1",
        claims=claims,
        groups=sso.groups_of(claims),
        rule=rule,
        organisation=city[0],
        now=now,
    )
    assert second == first
    assert ExternalAccount.objects.filter(subject="race-1").count() == 1
    assert get_user_model().objects.filter(email="r@x.example").count() == 1
