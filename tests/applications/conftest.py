import re
import shutil
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

from buergerbuero.applications.identity.contrib.local_idp import LocalIdP
from buergerbuero.applications.local_servers import serve

FIELD = re.compile(r'name="(?P<name>[^"]+)" value="(?P<value>[^"]*)"')
FORM = re.compile(r'<form[^>]*action="(?P<action>[^"]+)"[^>]*>(?P<body>.*?)</form>', re.S)


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    """Action and fields of the page's protocol form (not the language switch every page carries)."""
    import html as html_lib

    form = next(m for m in FORM.finditer(html) if "/i18n/" not in m["action"])
    return html_lib.unescape(form["action"]), {
        m["name"]: html_lib.unescape(m["value"]) for m in FIELD.finditer(form["body"])
    }


def http_post(url: str, data: dict) -> str:
    body = urllib.parse.urlencode(data).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as response:  # loopback
        return response.read().decode()


@dataclass
class IdPHandle:
    app: LocalIdP
    base_url: str


def start_idp(tmp_path, settings, sp_metadata: str, *, assertion_minutes: int = 5, quirks=None):
    if not shutil.which("xmlsec1"):
        pytest.fail("xmlsec1 not found: install Debian's 'xmlsec1' package (see .ci/run)")
    app = LocalIdP(
        base_url="http://127.0.0.1:0",
        key_dir=tmp_path / "idp",
        sp_metadata=sp_metadata,
        assertion_minutes=assertion_minutes,
        **({"quirks": quirks} if quirks else {}),
    )
    httpd = serve(app)
    app.base_url = f"http://127.0.0.1:{httpd.server_port}"
    settings.BUNDID = {**settings.BUNDID, "IDP_METADATA_FILE": str(app.write_metadata(tmp_path / "idp.xml"))}
    return app, httpd


@pytest.fixture(autouse=True)
def sp_var(tmp_path, settings):
    """Keys, the test CA and uploads go to a fresh directory per test (never the developer's var/)."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.VAR_DIR


@pytest.fixture
def local_idp(db, tmp_path, settings, client, sp_var):
    """A real SAML IdP on 127.0.0.1 in a thread, trusting our SP as the test client sees it."""
    sp_metadata = client.get("/online/anmelden/bundid/metadata").content.decode()
    app, httpd = start_idp(tmp_path, settings, sp_metadata)
    yield app
    httpd.shutdown()


def idp_response(client, *, person="erika", method="eid", level=4, next_url="/online/") -> dict[str, str]:
    """Start a login at our SP, log in at the local IdP; return the form the IdP would post to our ACS."""
    started = client.get(f"/online/anmelden/bundid/?level={level}&next={next_url}")
    assert started.status_code == 200, started.content
    action, fields = form_fields(started.content.decode())
    login_page = http_post(action, fields)
    login_action, login_fields = form_fields(login_page)
    answer = http_post(login_action, {"ticket": login_fields["ticket"], "person": person, "method": method})
    acs, response_fields = form_fields(answer)
    assert acs.endswith("/online/anmelden/bundid/acs")
    return response_fields


def login(client, **kwargs):
    fields = idp_response(client, **kwargs)
    done = client.post("/online/anmelden/bundid/acs", fields)
    assert done.status_code == 302, done.content.decode()
    return client.get(done["Location"])


@pytest.fixture
def online(db, small_office, id_card):
    """The ID-card pre-application and the online Meldebescheinigung at the small test office."""
    from buergerbuero.applications import idcard, registration
    from buergerbuero.applications.models import OnlineService
    from buergerbuero.catalog.models import OfficeService
    from tests import factories

    short = factories.service(slug="personalausweis-vorantrag", minutes=10, max_persons=1)
    OfficeService.objects.create(office=small_office, service=short)
    cert = factories.service(slug="meldebescheinigung", minutes=10, leika="99115003000000", fee="10.00")
    OfficeService.objects.create(office=small_office, service=cert)
    id_service = OnlineService.objects.create(
        slug="personalausweis",
        kind="id_card",
        service=id_card,
        appointment_service=short,
        title_de="Personalausweis: Vorantrag",
        title_en="ID card: pre-application",
        trust_level=None,
        form_schema=idcard.FORM,
        retention_days=30,
    )
    cert_service = OnlineService.objects.create(
        slug="meldebescheinigung",
        kind="meldebescheinigung",
        service=cert,
        title_de="Meldebescheinigung online",
        title_en="Certificate of registration",
        trust_level=4,
        form_schema=registration.FORM,
        retention_days=90,
    )
    return {"office": small_office, "id_card": id_service, "certificate": cert_service, "short": short}


@pytest.fixture
def clerk(db, small_office, django_user_model):
    from buergerbuero.accounts.models import StaffMembership

    user = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    StaffMembership.objects.create(user=user, organisation=small_office.organisation, role="clerk")
    return user


VALID_ID_CARD = {
    "given_name": "Max",
    "family_name": "Muster",
    "birth_date": "1990-05-17",
    "birth_place": "Dortmund",
    "street": "Markt 3",
    "postcode": "44575",
    "city": "Castrop-Rauxel",
    "email": "max@example.org",
    "reason": "expiry",
    "photo": "code",
    "photo_code": "EPF-7Q2X-K9ZB",
    "delivery": "pickup",
    "consent": "on",
}


def start_draft(client, slug="personalausweis"):
    response = client.post(f"/online/dienst/{slug}/")
    assert response.status_code == 302, response.content.decode()
    return response["Location"]
