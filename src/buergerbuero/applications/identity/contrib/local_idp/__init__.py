"""A real SAML 2.0 identity provider for development and tests, running on 127.0.0.1.

It speaks the same protocol as BundID towards our service provider: it reads and verifies the signed
AuthnRequest (HTTP-POST binding), lets the tester pick a test person and a login method (password →
basisregistriert, ELSTER → substantiell, Online-Ausweis → hoch) and answers with a signed Response whose
assertion carries the STORK-QAA class reference and the BundID attributes. Nothing is faked on our side:
the service provider checks signature, audience, InResponseTo, validity window and trust level as it would
with BundID. The key pair is generated at start-up in a directory of the caller's choice.

This is a plain WSGI application (no Django), so it runs in a thread of the test process or as
`manage.py run_local_idp` beside the development server. `Quirks` make it answer like a misconfigured or
hostile IdP (another audience, no AudienceRestriction, another recipient, SHA-1) — correctly signed, so only
the service provider's own checks can refuse them.
"""

import base64
import html
import secrets
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

from saml2 import BINDING_HTTP_POST
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

from buergerbuero.applications.identity import keys
from buergerbuero.applications.identity.base import TrustLevel
from buergerbuero.applications.identity.contrib.bundid import CLASS_REFS, xmlsec_binary

METHODS = {
    "password": ("Benutzername und Passwort", TrustLevel.BASIC),
    "elster": ("ELSTER-Zertifikat", TrustLevel.SUBSTANTIAL),
    "eid": ("Online-Ausweis (eID)", TrustLevel.HIGH),
}

# Test persons (invented). Attribute names as BundID sends them.
PERSONS = {
    "erika": {
        "urn:oid:1.3.6.1.4.1.25484.494450.3": "bpk2-test-erika-mustermann",
        "urn:oid:2.5.4.42": "Erika",
        "urn:oid:2.5.4.4": "Mustermann",
        "urn:oid:1.3.6.1.5.5.7.9.1": "1964-08-12",
        "urn:oid:2.5.4.9": "Europaplatz 5",
        "urn:oid:2.5.4.17": "44575",
        "urn:oid:2.5.4.7": "Castrop-Rauxel",
        "urn:oid:1.3.6.1.5.5.7.9.5": "D",
        "urn:oid:1.3.6.1.5.5.7.9.4": "D",
        "urn:oid:0.9.2342.19200300.100.1.3": "erika.mustermann@example.org",
    },
    "leon": {
        "urn:oid:1.3.6.1.4.1.25484.494450.3": "bpk2-test-leon-beispiel",
        "urn:oid:2.5.4.42": "Leon",
        "urn:oid:2.5.4.4": "Beispiel",
        "urn:oid:1.3.6.1.5.5.7.9.1": "2009-03-01",
        "urn:oid:2.5.4.9": "Wittener Straße 12",
        "urn:oid:2.5.4.17": "44577",
        "urn:oid:2.5.4.7": "Castrop-Rauxel",
        "urn:oid:1.3.6.1.5.5.7.9.5": "D",
        "urn:oid:1.3.6.1.5.5.7.9.4": "D",
        "urn:oid:0.9.2342.19200300.100.1.3": "leon.beispiel@example.org",
    },
}


@dataclass(frozen=True)
class Quirks:
    """How the answer deviates from BundID's profile (tests of the service provider's refusals)."""

    audience: str = ""  # another audience than the service provider's entity id
    no_audience: bool = False  # no AudienceRestriction at all
    recipient: str = ""  # another SubjectConfirmationData Recipient than the ACS
    sha1: bool = False  # sign with rsa-sha1 / sha1 digests


class _QuirkyServer(Server):
    quirks = Quirks()

    def setup_assertion(self, *args, **kwargs):
        assertion = super().setup_assertion(*args, **kwargs)
        conditions = assertion.conditions
        if self.quirks.no_audience:
            conditions.audience_restriction = []
        elif self.quirks.audience:
            for restriction in conditions.audience_restriction:
                for audience in restriction.audience:
                    audience.text = self.quirks.audience
        if self.quirks.recipient:
            for confirmation in assertion.subject.subject_confirmation:
                confirmation.subject_confirmation_data.recipient = self.quirks.recipient
        return assertion


class LocalIdP:
    """The WSGI application. `sp_metadata` is the SP's metadata XML or an http://127.0.0.1 URL to read it from."""

    def __init__(
        self, *, base_url: str, key_dir: Path, sp_metadata: str, assertion_minutes: int = 5, quirks: Quirks = Quirks()
    ):
        self.base_url = base_url.rstrip("/")
        self.quirks = quirks
        self.key_dir = Path(key_dir)
        self.sp_metadata = sp_metadata
        self.assertion_minutes = assertion_minutes
        self._pending: dict[str, tuple[str, str]] = {}
        self._server: Server | None = None
        self._lock = threading.Lock()

    # --- pysaml2 -------------------------------------------------------------------------------------
    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/metadata"

    def config(self, *, with_sp: bool) -> IdPConfig:
        key_file, cert_file = keys.self_signed(self.key_dir, "local-idp", common_name="buergerbuero local IdP")
        conf = {
            "entityid": self.entity_id,
            "xmlsec_binary": xmlsec_binary(),
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {
                "idp": {
                    "name": "Lokaler Test-Identitätsanbieter",
                    "endpoints": {"single_sign_on_service": [(f"{self.base_url}/sso", BINDING_HTTP_POST)]},
                    "want_authn_requests_signed": True,
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": self.assertion_minutes},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
        }
        if with_sp:
            conf["metadata"] = {"inline": [self._sp_metadata()]}
        idp_config = IdPConfig()
        idp_config.load(conf)
        return idp_config

    def _sp_metadata(self) -> str:
        if self.sp_metadata.startswith("http://127.0.0.1") or self.sp_metadata.startswith("http://localhost"):
            with urllib.request.urlopen(self.sp_metadata, timeout=10) as response:
                return response.read().decode()
        return self.sp_metadata

    def server(self) -> Server:
        with self._lock:
            if self._server is None:
                self._server = _QuirkyServer(config=self.config(with_sp=True))
                self._server.quirks = self.quirks
            return self._server

    def metadata_xml(self) -> str:
        return str(entity_descriptor(self.config(with_sp=False)))

    def write_metadata(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.metadata_xml())
        return path

    # --- WSGI ----------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        form = {}
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        try:
            if path == "/metadata":
                return _reply(start_response, "200 OK", self.metadata_xml(), "application/samlmetadata+xml")
            if path == "/sso" and "SAMLRequest" in form:
                return _reply(start_response, "200 OK", self.login_page(form))
            if path == "/login" and "ticket" in form:
                return _reply(start_response, "200 OK", self.answer(form))
        except Exception as exc:  # a test IdP shows what went wrong instead of hanging the browser
            return _reply(start_response, "400 Bad Request", _page("Fehler", f"<p>{html.escape(repr(exc))}</p>"))
        return _reply(start_response, "404 Not Found", _page("Nicht gefunden", "<p>Unbekannte Adresse.</p>"))

    def login_page(self, form: dict) -> str:
        parsed = self.server().parse_authn_request(form["SAMLRequest"], BINDING_HTTP_POST)  # verifies signature
        message = parsed.message
        requested = ""
        if message.requested_authn_context is not None:
            requested = ", ".join(ref.text for ref in message.requested_authn_context.authn_context_class_ref)
        ticket = secrets.token_urlsafe(16)
        self._pending[ticket] = (form["SAMLRequest"], form.get("RelayState", ""))
        persons = "".join(
            f'<label><input type="radio" name="person" value="{k}"{" checked" if i == 0 else ""}> '
            f"{html.escape(p['urn:oid:2.5.4.42'])} {html.escape(p['urn:oid:2.5.4.4'])} "
            f"(geb. {p['urn:oid:1.3.6.1.5.5.7.9.1']})</label><br>"
            for i, (k, p) in enumerate(PERSONS.items())
        )
        methods = "".join(
            f'<button type="submit" name="method" value="{k}">Anmelden mit {html.escape(label)}</button> '
            for k, (label, _level) in METHODS.items()
        )
        body = (
            f"<p>Angefragt von <code>{html.escape(message.issuer.text)}</code>, "
            f"Mindest-Vertrauensniveau: <strong>{html.escape(requested or '–')}</strong></p>"
            f'<form method="post" action="{self.base_url}/login"><input type="hidden" name="ticket" value="{ticket}">'
            f"<fieldset><legend>Testperson</legend>{persons}</fieldset><p>{methods}</p></form>"
        )
        return _page("Lokaler Test-Identitätsanbieter (BundID-Protokoll)", body)

    def answer(self, form: dict) -> str:
        saml_request, relay_state = self._pending.pop(form["ticket"])
        server = self.server()
        parsed = server.parse_authn_request(saml_request, BINDING_HTTP_POST)
        person = PERSONS[form.get("person", "erika")]
        _label, level = METHODS[form.get("method", "eid")]
        args = server.response_args(parsed.message, [BINDING_HTTP_POST])
        subject = person["urn:oid:1.3.6.1.4.1.25484.494450.3"]
        response = server.create_authn_response(
            dict(person),
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            authn={"class_ref": CLASS_REFS[level], "authn_auth": self.entity_id},
            sign_assertion=True,
            sign_response=True,
            sign_alg=SIG_RSA_SHA1 if self.quirks.sha1 else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if self.quirks.sha1 else DIGEST_SHA256,
            **args,
        )
        encoded = base64.b64encode(str(response).encode()).decode()
        return auto_post(args["destination"], {"SAMLResponse": encoded, "RelayState": relay_state})


def auto_post(action: str, fields: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
    )
    return _page(
        "Weiterleitung",
        f'<form id="saml" method="post" action="{html.escape(action)}">{hidden}'
        '<button type="submit">Weiter zum Bürgerbüro</button></form>'
        "<script>document.getElementById('saml').submit()</script>",
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _reply(start_response, status: str, body: str, content_type: str = "text/html; charset=utf-8"):
    data = body.encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve(app: WSGIApplication, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """Start serving in a daemon thread; returns the server (server.server_port, server.shutdown())."""
    httpd = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd
