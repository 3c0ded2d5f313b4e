"""A real OpenID Connect provider for development and tests on 127.0.0.1 (authorization code + PKCE, RS256).

Discovery, JWKS, an authorization page where the tester picks a test person and a login method (which sets
the `acr`), and a token endpoint that checks the client secret, the redirect URI, the one-time code and the
PKCE verifier and issues a signed ID token. Plain WSGI; run it in a thread (tests) or beside `make run`.

`people="staff"` makes it the city's directory for the staff single sign-on instead: test staff with their
groups (in the `groups` claim; `app.staff` may be changed while it runs, as a directory changes), a login with
the password alone (`amr` ["pwd"], `acr` "1") or with a second factor (`amr` ["pwd", "otp", "mfa"], `acr` "2"),
and an end_session_endpoint (`/logout`).
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from buergerbuero.applications.identity.contrib.oidc import ACR_FOR_LEVEL
from buergerbuero.applications.identity.local_login import METHODS, PERSONS, login_page
from buergerbuero.applications.local_servers import page, reply

# Test staff of the city's directory (invented), with the groups an administrator gave them.
STAFF: dict[str, dict[str, Any]] = {  # key → claims as the ID token carries them
    "anna": {
        "sub": "3f1c9a52-staff-anna",
        "preferred_username": "a.empfang",
        "given_name": "Anna",
        "family_name": "Empfang",
        "email": "anna.empfang@castrop-rauxel.example",
        "groups": ["bb-reception-castrop"],
    },
    "bernd": {
        "sub": "8d2e7b10-staff-bernd",
        "preferred_username": "b.sachbearbeitung",
        "given_name": "Bernd",
        "family_name": "Sachbearbeitung",
        "email": "bernd.sachbearbeitung@castrop-rauxel.example",
        "groups": ["bb-clerk-castrop", "alle-beschaeftigten"],
    },
    "dora": {
        "sub": "c47a0e91-staff-dora",
        "preferred_username": "d.bauamt",
        "given_name": "Dora",
        "family_name": "Bauamt",
        "email": "dora.bauamt@castrop-rauxel.example",
        "groups": ["alle-beschaeftigten"],
    },
}
# label, amr, acr (the level of authentication as Keycloak numbers it by default)
STAFF_METHODS = {
    "password": ("Passwort", ["pwd"], "1"),
    "mfa": ("Passwort und Einmalcode", ["pwd", "otp", "mfa"], "2"),
}


def _claims(person: dict) -> dict:
    return {
        "sub": person["urn:oid:1.3.6.1.4.1.25484.494450.3"],
        "given_name": person["urn:oid:2.5.4.42"],
        "family_name": person["urn:oid:2.5.4.4"],
        "birthdate": person["urn:oid:1.3.6.1.5.5.7.9.1"],
        "email": person["urn:oid:0.9.2342.19200300.100.1.3"],
        "address": {
            "street_address": person["urn:oid:2.5.4.9"],
            "postal_code": person["urn:oid:2.5.4.17"],
            "locality": person["urn:oid:2.5.4.7"],
            "country": "DE",
        },
        "nationalities": ["DE"],
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        stored = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(stored, rsa.RSAPrivateKey):
            raise ValueError(f"{path}: the local OpenID provider signs with an RSA key")
        return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return key


class LocalOIDC:
    def __init__(
        self,
        *,
        base_url: str,
        key_dir: Path,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        token_seconds: int = 300,
        wrong_key: bool = False,
        people: str = "citizens",
    ):
        self.base_url = base_url.rstrip("/")
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.token_seconds = token_seconds
        self.people = people
        self.staff = {key: dict(person) for key, person in STAFF.items()}
        self.logouts: list[dict] = []  # the end-session requests received (what a directory would log)
        self.key = _key(Path(key_dir) / "local-oidc.key")
        # wrong_key: sign with a key that is not in the JWKS (to test that the RP refuses forged tokens)
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if wrong_key else self.key
        self.kid = hashlib.sha256(
            self.key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).hexdigest()[:16]
        self._codes: dict[str, dict] = {}
        self._lock = threading.Lock()

    def discovery(self) -> dict:
        return {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": list(ACR_FOR_LEVEL.values()),
        } | ({"end_session_endpoint": f"{self.base_url}/logout"} if self.people == "staff" else {})

    def logout_token(self, subject: str, **claims) -> str:
        """A back-channel logout token for `subject` (what the provider posts to a relying party's
        backchannel_logout_uri when the person signs out there); `claims` replace or add claims."""
        now = int(time.time())
        body = {
            "iss": self.base_url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(16),
            "sub": subject,
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        } | claims
        return jwt.encode(body, self.signing_key, algorithm="RS256", headers={"kid": self.kid, "typ": "logout+jwt"})

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = {}
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        if path == "/.well-known/openid-configuration":
            return reply(start_response, "200 OK", json.dumps(self.discovery()), "application/json")
        if path == "/jwks":
            return reply(start_response, "200 OK", json.dumps(self.jwks()), "application/json")
        if path == "/authorize" and environ.get("REQUEST_METHOD") == "GET":
            if query.get("client_id") != self.client_id or query.get("redirect_uri") != self.redirect_uri:
                return reply(start_response, "400 Bad Request", page("Fehler", "<p>Unbekannter Client.</p>"))
            return reply(start_response, "200 OK", self._login_page(query))
        if path == "/authorize" and form.get("params"):
            params = json.loads(form["params"])
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = {
                    **params,
                    "person": form.get("person", "anna" if self.people == "staff" else "erika"),
                    "method": form.get("method", "eid"),
                    "expires": time.time() + 60,
                }
            target = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
            start_response("302 Found", [("Location", target), ("Content-Length", "0")])
            return [b""]
        if path == "/token" and form:
            return self._token(form, start_response)
        if path == "/logout" and self.people == "staff":
            return self._logout(query, start_response)
        return reply(start_response, "404 Not Found", page("Nicht gefunden", "<p>Unbekannte Adresse.</p>"))

    def _login_page(self, query: dict) -> str:
        if self.people == "staff":
            return self._staff_login_page(query)
        return login_page(
            "Lokaler Test-Identitätsanbieter (OpenID Connect)",
            f"<p>Angefragtes Vertrauensniveau: <strong>{html.escape(query.get('acr_values', '–'))}</strong></p>",
            action=f"{self.base_url}/authorize",
            hidden={"params": json.dumps(query)},
        )

    def _staff_login_page(self, query: dict) -> str:
        persons = "".join(
            f'<label><input type="radio" name="person" value="{k}"{" checked" if i == 0 else ""}> '
            f"{html.escape(p['given_name'])} {html.escape(p['family_name'])} "
            f"({html.escape(', '.join(p['groups']))})</label><br>"
            for i, (k, p) in enumerate(self.staff.items())
        )
        methods = "".join(
            f'<button type="submit" name="method" value="{k}">Anmelden mit {html.escape(label)}</button> '
            for k, (label, _amr, _acr) in STAFF_METHODS.items()
        )
        body = (
            f'<form method="post" action="{self.base_url}/authorize">'
            f'<input type="hidden" name="params" value="{html.escape(json.dumps(query))}">'
            f"<fieldset><legend>Dienstkonto</legend>{persons}</fieldset><p>{methods}</p></form>"
        )
        return page("Lokaler Anmeldedienst der Stadt (OpenID Connect)", body)

    def _staff_claims(self, grant: dict) -> dict:
        person = self.staff[grant["person"]]
        return {key: (list(value) if isinstance(value, list) else value) for key, value in person.items()} | {
            "amr": STAFF_METHODS[grant["method"]][1],
            "acr": STAFF_METHODS[grant["method"]][2],
        }

    def _logout(self, query: dict, start_response):
        self.logouts.append(query)
        target = query.get("post_logout_redirect_uri", "")
        if target and _origin(target) == _origin(self.redirect_uri):  # back to the registered client only
            start_response("302 Found", [("Location", target), ("Content-Length", "0")])
            return [b""]
        return reply(start_response, "200 OK", page("Abgemeldet", "<p>Sie sind abgemeldet.</p>"))

    def _token(self, form: dict, start_response):
        def refuse(error: str):
            return reply(start_response, "400 Bad Request", json.dumps({"error": error}), "application/json")

        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return refuse("invalid_client")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["expires"] < time.time() or form.get("redirect_uri") != grant["redirect_uri"]:
            return refuse("invalid_grant")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant.get("code_challenge"):
            return refuse("invalid_grant")
        now = int(time.time())
        if self.people == "staff":
            person = self._staff_claims(grant)
        else:
            person = _claims(PERSONS[grant["person"]]) | {"acr": ACR_FOR_LEVEL[METHODS[grant["method"]][1]]}
        claims = person | {
            "iss": self.base_url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + self.token_seconds,
            "nonce": grant.get("nonce", ""),
            "jti": secrets.token_hex(16),
        }
        token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.kid})
        body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": token}
        return reply(start_response, "200 OK", json.dumps(body), "application/json")
