"""A generic OpenID Connect relying party (authorization code flow with PKCE) for Länder and other IdPs.

Settings (environment, see docs/online-services.md): OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
OIDC_SCOPES. The protocol itself (discovery, PKCE, token exchange, ID token checks) is `core.oidc`, shared with
the staff single sign-on. The trust level is requested with `acr_values` and read from the ID token's `acr` claim
(eIDAS LoA URIs or STORK-QAA levels). The nonce and the PKCE verifier are derived from the random `state`
with the SECRET_KEY, so nothing but the open login row has to be stored.
"""

import base64
import datetime as dt
import hashlib
import hmac
import secrets

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
from buergerbuero.core import oidc
from buergerbuero.core.oidc import REPLAYED, UNREADABLE

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


def _setting(name: str, default=""):
    return getattr(settings, "OIDC", {}).get(name, default)


def _derive(state: str, purpose: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{state}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def client() -> oidc.Client:
    return oidc.Client(
        issuer=_setting("ISSUER"),
        client_id=_setting("CLIENT_ID"),
        client_secret=_setting("CLIENT_SECRET"),
        scopes=_setting("SCOPES", "openid profile email address"),
    )


def _refused(exc: oidc.OIDCError) -> IdentityError:
    return IdentityError(exc.message, code=exc.code)


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
        state = secrets.token_urlsafe(24)
        try:
            target = client().authorization_url(
                redirect_uri=self._redirect_uri(request),
                state=state,
                nonce=_derive(state, "nonce"),
                verifier=_derive(state, "pkce"),
                extra={"acr_values": ACR_FOR_LEVEL[level]},
            )
        except oidc.OIDCError as exc:
            raise _refused(exc) from exc
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
        rp = client()
        try:
            id_token = rp.exchange(code=code, verifier=_derive(state, "pkce"), redirect_uri=self._redirect_uri(request))
            claims = rp.verify(id_token, nonce=_derive(state, "nonce"))
        except oidc.OIDCError as exc:
            raise _refused(exc) from exc
        identity = self._identity(claims)
        proof = claims.get("jti") or hashlib.sha256(id_token.encode()).hexdigest()
        return FinishedLogin(identity, state, f"{claims['iss']}|{proof}")

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
