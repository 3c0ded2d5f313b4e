"""A generic OpenID Connect relying party (authorization code flow with PKCE) for Länder and other IdPs.

Settings (environment, see docs/online-services.md): OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
OIDC_SCOPES. The trust level is requested with `acr_values` and read from the ID token's `acr` claim
(eIDAS LoA URIs or STORK-QAA levels). The nonce and the PKCE verifier are derived from the random `state`
with the SECRET_KEY, so nothing but the open login row has to be stored.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.identity.base import (
    FinishedLogin,
    Identity,
    IdentityError,
    IdentityProvider,
    StartedLogin,
    TrustLevel,
)
from buergerbuero.applications.identity.registry import register

log = logging.getLogger(__name__)

ACR_FOR_LEVEL = {
    TrustLevel.BASIC: "http://eidas.europa.eu/LoA/low",
    TrustLevel.SUBSTANTIAL: "http://eidas.europa.eu/LoA/substantial",
    TrustLevel.HIGH: "http://eidas.europa.eu/LoA/high",
}
LEVEL_FOR_ACR = {v: k for k, v in ACR_FOR_LEVEL.items()} | {
    "STORK-QAA-Level-1": TrustLevel.BASIC,
    "STORK-QAA-Level-2": TrustLevel.BASIC,
    "STORK-QAA-Level-3": TrustLevel.SUBSTANTIAL,
    "STORK-QAA-Level-4": TrustLevel.HIGH,
}
DISCOVERY_SECONDS = 3600
_discovery: dict[str, tuple[float, dict]] = {}

EXPIRED = _("Die Anmeldung ist abgelaufen (das ID-Token ist nicht mehr gültig). Bitte erneut anmelden.")
REPLAYED = _(
    "Diese Anmeldung gehört zu keiner offenen Anmeldung (schon verwendet oder abgelaufen). Bitte erneut anmelden."
)
TAMPERED = _("Die Antwort des Identitätsanbieters ist nicht gültig signiert und wurde verworfen.")
UNREADABLE = _("Die Antwort des Identitätsanbieters konnte nicht gelesen werden und wurde verworfen.")


def _setting(name: str, default=""):
    return getattr(settings, "OIDC", {}).get(name, default)


def _derive(state: str, purpose: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{state}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def discovery() -> dict:
    issuer = _setting("ISSUER").rstrip("/")
    cached = _discovery.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        document = _get_json(f"{issuer}/.well-known/openid-configuration")
    except (OSError, ValueError) as exc:
        raise IdentityError(
            _("Der Identitätsanbieter ist gerade nicht erreichbar."), code="identity_unavailable"
        ) from exc
    if document.get("issuer", "").rstrip("/") != issuer:
        raise IdentityError(_("Der Identitätsanbieter meldet einen anderen Aussteller."), code="identity_invalid")
    _discovery[issuer] = (time.monotonic() + DISCOVERY_SECONDS, document)
    return document


@register("oidc")
class OpenIDConnectProvider(IdentityProvider):
    label = _("Servicekonto (OpenID Connect)")

    def is_available(self) -> tuple[bool, str]:
        if not (_setting("ISSUER") and _setting("CLIENT_ID")):
            return False, str(_("Die Anmeldung per OpenID Connect ist nicht eingerichtet."))
        return True, ""

    def _redirect_uri(self, request: HttpRequest) -> str:
        return request.build_absolute_uri(reverse("applications:identity_acs", args=[self.key]))

    def start(self, request: HttpRequest, *, level: TrustLevel) -> StartedLogin:
        config = discovery()
        state = secrets.token_urlsafe(24)
        verifier = _derive(state, "pkce")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {
            "response_type": "code",
            "client_id": _setting("CLIENT_ID"),
            "redirect_uri": self._redirect_uri(request),
            "scope": _setting("SCOPES", "openid profile email address"),
            "state": state,
            "nonce": _derive(state, "nonce"),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "acr_values": ACR_FOR_LEVEL[level],
        }
        target = f"{config['authorization_endpoint']}?{urllib.parse.urlencode(params)}"
        return StartedLogin(HttpResponseRedirect(target), state)

    def finish(self, request: HttpRequest) -> FinishedLogin:
        if request.GET.get("error"):
            raise IdentityError(_("Die Anmeldung wurde abgebrochen oder abgelehnt."), code="identity_cancelled")
        state, code = request.GET.get("state", "")[:200], request.GET.get("code", "")[:512]
        if not state or not code:
            raise IdentityError(UNREADABLE, code="identity_invalid")
        from buergerbuero.applications import selectors  # open logins are rows of this app

        if selectors.open_login(provider=self.key, request_id=state) is None:
            raise IdentityError(REPLAYED, code="identity_replayed")
        config = discovery()
        id_token = self._exchange(config, code=code, state=state, redirect_uri=self._redirect_uri(request))
        claims = self._verify(config, id_token, state=state)
        identity = self._identity(claims)
        proof = claims.get("jti") or hashlib.sha256(id_token.encode()).hexdigest()
        return FinishedLogin(identity, state, f"{claims['iss']}|{proof}")

    def _exchange(self, config: dict, *, code: str, state: str, redirect_uri: str) -> str:
        body = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": _derive(state, "pkce"),
                "client_id": _setting("CLIENT_ID"),
                "client_secret": _setting("CLIENT_SECRET"),
            }
        ).encode()
        try:
            with urllib.request.urlopen(
                urllib.request.Request(config["token_endpoint"], data=body), timeout=10
            ) as response:
                tokens = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            log.warning("OIDC token endpoint refused the code: %s", exc)
            raise IdentityError(REPLAYED, code="identity_replayed") from exc
        except (OSError, ValueError) as exc:
            raise IdentityError(UNREADABLE, code="identity_invalid") from exc
        if not isinstance(tokens, dict) or not tokens.get("id_token"):
            raise IdentityError(UNREADABLE, code="identity_invalid")
        return tokens["id_token"]

    def _verify(self, config: dict, id_token: str, *, state: str) -> dict:
        try:
            key = jwt.PyJWKClient(config["jwks_uri"], cache_keys=True).get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                audience=_setting("CLIENT_ID"),
                issuer=config["issuer"],
                leeway=60,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise IdentityError(EXPIRED, code="identity_expired") from exc
        except (jwt.InvalidSignatureError, jwt.PyJWKClientError) as exc:
            log.warning("OIDC ID token failed verification: %s", exc)
            raise IdentityError(TAMPERED, code="identity_tampered") from exc
        except jwt.InvalidTokenError as exc:
            raise IdentityError(UNREADABLE, code="identity_invalid") from exc
        if not hmac.compare_digest(str(claims.get("nonce", "")), _derive(state, "nonce")):
            raise IdentityError(REPLAYED, code="identity_replayed")
        return claims

    def _identity(self, claims: dict) -> Identity:
        level = LEVEL_FOR_ACR.get(str(claims.get("acr", "")))
        if level is None:
            raise IdentityError(
                _("Der Identitätsanbieter hat kein Vertrauensniveau mitgeteilt."), code="trust_level_missing"
            )
        address = claims.get("address") or {}
        nationalities = claims.get("nationalities") or [claims.get("nationality", "")]
        birth = None
        if claims.get("birthdate"):
            try:
                birth = dt.date.fromisoformat(str(claims["birthdate"])[:10])
            except ValueError as exc:
                raise IdentityError(_("Das Geburtsdatum ist unlesbar."), code="identity_invalid") from exc
        return Identity(
            provider=self.key,
            subject=str(claims["sub"]),
            trust_level=level,
            given_name=str(claims.get("given_name", "")),
            family_name=str(claims.get("family_name", "")),
            birth_date=birth,
            street=str(address.get("street_address", "")),
            postcode=str(address.get("postal_code", "")),
            city=str(address.get("locality", "")),
            country=str(address.get("country", "")),
            nationality=str(nationalities[0] if nationalities else ""),
            email=str(claims.get("email", "")),
        )
