"""The one OpenID Connect client of the project (authorization code flow with PKCE, nonce, signed ID token).

Used by the citizens' identity plugin (`applications/identity/contrib/oidc`) and by the staff single sign-on
(`accounts/sso.py`). Each caller keeps its own `state`, `nonce` and PKCE verifier where it wants (an open login
row, the session) and passes them in; this module speaks the protocol: discovery (cached per issuer), the
authorization address, the code exchange at the token endpoint, the ID token's checks (signature from the
JWKS, `iss`, `aud`/`azp`, `exp`/`iat`, `nonce`) and those of a back-channel logout token. It raises `OIDCError`
with a German message and never returns half-checked claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import jwt
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import DomainError

log = logging.getLogger(__name__)

DISCOVERY_SECONDS = 3600
ALGORITHMS = ["RS256", "ES256", "PS256"]
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 300  # a logout token older (or newer) than this is not taken: it may be a replay
_discovery: dict[str, tuple[float, dict]] = {}

EXPIRED = _("Die Anmeldung ist abgelaufen (das ID-Token ist nicht mehr gültig). Bitte erneut anmelden.")
REPLAYED = _(
    "Diese Anmeldung gehört zu keiner offenen Anmeldung (schon verwendet oder abgelaufen). Bitte erneut anmelden."
)
TAMPERED = _("Die Antwort des Identitätsanbieters ist nicht gültig signiert und wurde verworfen.")
UNREADABLE = _("Die Antwort des Identitätsanbieters konnte nicht gelesen werden und wurde verworfen.")


class OIDCError(DomainError):
    """The identity provider's answer cannot be used; the message says why."""

    status = 403
    code = "identity_refused"


def random_secret() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def clear_cache() -> None:
    _discovery.clear()


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@dataclass(frozen=True)
class Client:
    """A relying party registered at one issuer."""

    issuer: str
    client_id: str
    client_secret: str = ""
    scopes: str = "openid"

    def discovery(self) -> dict:
        issuer = self.issuer.rstrip("/")
        cached = _discovery.get(issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            document = _get_json(f"{issuer}/.well-known/openid-configuration")
        except (OSError, ValueError) as exc:
            raise OIDCError(
                _("Der Identitätsanbieter ist gerade nicht erreichbar."), code="identity_unavailable"
            ) from exc
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
            raise OIDCError(_("Der Identitätsanbieter meldet einen anderen Aussteller."), code="identity_invalid")
        _discovery[issuer] = (time.monotonic() + DISCOVERY_SECONDS, document)
        return document

    def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, verifier: str, extra: dict | None = None
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            **(extra or {}),
        }
        endpoint = self.discovery()["authorization_endpoint"]
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urllib.parse.urlencode(params)}"

    def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> str:
        """The ID token for an authorization code (the code works once; the verifier proves we started it)."""
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }
        ).encode()
        request = urllib.request.Request(self.discovery()["token_endpoint"], data=body)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                tokens = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            log.warning("OIDC token endpoint refused the code: %s", exc)
            raise OIDCError(REPLAYED, code="identity_replayed") from exc
        except (OSError, ValueError) as exc:
            raise OIDCError(UNREADABLE, code="identity_invalid") from exc
        if not isinstance(tokens, dict) or not tokens.get("id_token"):
            raise OIDCError(UNREADABLE, code="identity_invalid")
        return tokens["id_token"]

    def _decode(self, token: str, *, require: list[str], kind: str) -> dict:
        """The claims of a token signed with one of the issuer's keys (JWKS), issued by it for us; OIDCError if not."""
        config = self.discovery()
        try:
            key = jwt.PyJWKClient(config["jwks_uri"], cache_keys=True).get_signing_key_from_jwt(token)
            return jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.client_id,
                issuer=config["issuer"],
                leeway=60,
                options={"require": require},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OIDCError(EXPIRED, code="identity_expired") from exc
        except (jwt.InvalidSignatureError, jwt.PyJWKClientError) as exc:
            log.warning("OIDC %s failed verification: %s", kind, exc)
            raise OIDCError(TAMPERED, code="identity_tampered") from exc
        except jwt.InvalidTokenError as exc:
            raise OIDCError(UNREADABLE, code="identity_invalid") from exc

    def verify(self, id_token: str, *, nonce: str) -> dict:
        """The claims of a correctly signed, current ID token issued to us for this login's nonce."""
        claims = self._decode(id_token, require=["exp", "iat", "iss", "aud", "sub"], kind="ID token")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise OIDCError(UNREADABLE, code="identity_invalid")
        if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OIDCError(REPLAYED, code="identity_replayed")
        return claims

    def verify_logout(self, logout_token: str) -> dict:
        """The claims of a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6): signed
        by the issuer for us, recent, with the logout event and a subject, and without a nonce (so that an ID
        token cannot be passed off as one)."""
        claims = self._decode(logout_token, require=["iat", "iss", "aud", "sub", "events"], kind="logout token")
        events = claims.get("events")
        if "nonce" in claims or not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
            raise OIDCError(UNREADABLE, code="identity_invalid")
        if abs(time.time() - float(claims["iat"])) > LOGOUT_TOKEN_SECONDS:
            raise OIDCError(EXPIRED, code="identity_expired")
        return claims

    def end_session_url(self, *, id_token_hint: str, post_logout_redirect_uri: str) -> str | None:
        """Where the browser ends the session at the identity provider too (RP-initiated logout), if it offers it."""
        try:
            endpoint = self.discovery().get("end_session_endpoint")
        except OIDCError:
            return None
        if not endpoint:
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urllib.parse.urlencode(params)}"
