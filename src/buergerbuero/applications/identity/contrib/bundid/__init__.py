"""BundID (the federal user account) as a SAML 2.0 service provider, built on pysaml2.

pysaml2 signs and verifies with the `xmlsec1` program (Debian package `xmlsec1`). Without it the provider
reports itself unavailable with a clear reason instead of failing at login.

Trust levels are requested as STORK-QAA class references in a RequestedAuthnContext (comparison "minimum")
and the class reference the IdP puts into the AuthnStatement is checked against what was asked for.
"""

import base64
import datetime as dt
import logging
import shutil
import uuid
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from saml2 import BINDING_HTTP_POST, SAMLError
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.response import (
    IncorrectlySigned,
    StatusError,
    UnsolicitedResponse,
    VerificationError,
)
from saml2.saml import NAMEID_FORMAT_PERSISTENT, AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext
from saml2.sigver import SignatureError, SigverError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from buergerbuero.applications.identity import keys
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

REPLAYED = _(
    "Diese Anmeldeantwort gehört zu keiner offenen Anmeldung (schon verwendet, abgelaufen oder nicht von hier "
    "angefordert). Bitte melden Sie sich erneut an."
)
EXPIRED = _("Die Anmeldung ist abgelaufen (die Antwort der BundID ist nicht mehr gültig). Bitte erneut anmelden.")
UNREADABLE = _("Die Antwort der BundID konnte nicht gelesen werden und wurde verworfen.")


def _in_response_to(encoded: str) -> str:
    """The request id the response answers, read before any check only to find the open login."""
    try:
        document = base64.b64decode(encoded, validate=False)
        element = defused_fromstring(document)
    except (ValueError, DefusedXmlException, ParseError):
        return ""
    return (element.get("InResponseTo") or "")[:200]


def _expired(encoded: str, slack_seconds: int) -> bool:
    """Whether a rejected response carries a NotOnOrAfter in the past (only to choose the message)."""
    try:
        element = defused_fromstring(base64.b64decode(encoded, validate=False))
    except (ValueError, DefusedXmlException, ParseError):
        return False
    now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=slack_seconds)
    for node in element.iter():
        value = node.get("NotOnOrAfter")
        if value:
            try:
                if dt.datetime.fromisoformat(value.replace("Z", "+00:00")) <= now:
                    return True
            except ValueError:
                continue
    return False


# Signature algorithms we accept and advertise: SHA-2 only (BSI TR-02102; SHA-1, MD5 and DSA are refused).
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
STRONG_DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
}
STRONG_SIGNATURES = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
}
WEAK_SIGNATURE = _("Die Antwort der BundID ist mit einem veralteten Verfahren (SHA-1) signiert und wurde verworfen.")
NOT_FOR_US = _("Diese Anmeldeantwort ist nicht für diesen Dienst ausgestellt und wurde verworfen.")
NOT_HERE = _("Diese Anmeldeantwort ist an eine andere Adresse gerichtet und wurde verworfen.")


def _strong(algorithm: str | None, allowed: set[str]) -> bool:
    return (algorithm or "") in allowed


def _weak_algorithm_in(encoded: str) -> bool:
    """Whether any signature in the (unencrypted part of the) response uses a digest or method we refuse."""
    try:
        element = defused_fromstring(base64.b64decode(encoded, validate=False))
    except (ValueError, DefusedXmlException, ParseError):
        return False  # unreadable: pysaml2 says so
    return any(
        not _strong(node.get("Algorithm"), STRONG_DIGESTS) for node in element.iter(f"{DSIG}DigestMethod")
    ) or any(not _strong(node.get("Algorithm"), STRONG_SIGNATURES) for node in element.iter(f"{DSIG}SignatureMethod"))


def _assertion_checks(assertion, *, entity_id: str, acs: str) -> None:
    """What pysaml2 lets pass and BundID's profile requires: the assertion names us as its audience (pysaml2
    accepts an assertion without any AudienceRestriction), every bearer confirmation names our ACS as recipient
    (pysaml2 also accepts our entity id), and its signature uses SHA-2 (also when it came encrypted)."""
    conditions = assertion.conditions
    audiences = [
        (audience.text or "").strip()
        for restriction in (conditions.audience_restriction if conditions else [])
        for audience in restriction.audience
    ]
    if entity_id not in audiences:
        raise IdentityError(NOT_FOR_US, code="identity_wrong_audience")
    confirmations = assertion.subject.subject_confirmation if assertion.subject else []
    if not confirmations or any(
        c.subject_confirmation_data is None or c.subject_confirmation_data.recipient != acs for c in confirmations
    ):
        raise IdentityError(NOT_HERE, code="identity_wrong_recipient")
    signature = assertion.signature
    if signature is not None:
        info = signature.signed_info
        digests = [ref.digest_method.algorithm for ref in info.reference if ref.digest_method is not None]
        if not _strong(info.signature_method.algorithm, STRONG_SIGNATURES) or any(
            not _strong(d, STRONG_DIGESTS) for d in digests
        ):
            raise IdentityError(WEAK_SIGNATURE, code="identity_weak_signature")


# TrustLevel ↔ the STORK-QAA class references BundID uses (domain.md: ELSTER = 3, eID = 4).
CLASS_REFS = {
    TrustLevel.BASIC: "STORK-QAA-Level-1",
    TrustLevel.SUBSTANTIAL: "STORK-QAA-Level-3",
    TrustLevel.HIGH: "STORK-QAA-Level-4",
}
LEVEL_OF_CLASS_REF = {v: k for k, v in CLASS_REFS.items()} | {"STORK-QAA-Level-2": TrustLevel.BASIC}

# SAML attribute names (URI name format, X.500/PKIX OIDs as BundID sends them) → Identity fields.
ATTRIBUTES = {
    "urn:oid:2.5.4.42": "given_name",
    "urn:oid:2.5.4.4": "family_name",
    "urn:oid:1.3.6.1.5.5.7.9.1": "birth_date",
    "urn:oid:2.5.4.9": "street",
    "urn:oid:2.5.4.17": "postcode",
    "urn:oid:2.5.4.7": "city",
    "urn:oid:1.3.6.1.5.5.7.9.5": "country",
    "urn:oid:1.3.6.1.5.5.7.9.4": "nationality",
    "urn:oid:0.9.2342.19200300.100.1.3": "email",
    "urn:oid:1.3.6.1.4.1.25484.494450.3": "subject",  # bPK2: the pseudonym that stays the same per person
}


def _setting(name: str, default=""):
    return getattr(settings, "BUNDID", {}).get(name, default)


def xmlsec_binary() -> str | None:
    return _setting("XMLSEC_BINARY") or shutil.which("xmlsec1")


def sp_key_pair() -> tuple[Path, Path]:
    key, cert = _setting("SP_KEY_FILE"), _setting("SP_CERT_FILE")
    if key and cert:
        return Path(key), Path(cert)
    if getattr(settings, "PRODUCTION", False):
        raise IdentityError(_("Für BundID fehlen Schlüssel und Zertifikat des Dienstanbieters."))
    return keys.self_signed(settings.VAR_DIR / "identity", "bundid-sp", common_name="buergerbuero SP (development)")


@register("bundid")
class BundIDProvider(IdentityProvider):
    label = _("BundID (Nutzerkonto Bund)")

    def is_available(self) -> tuple[bool, str]:
        if not xmlsec_binary():
            return False, str(
                _(
                    "Die Anmeldung mit BundID ist auf diesem Server nicht eingerichtet: das Programm xmlsec1 fehlt "
                    "(Debian-Paket „xmlsec1“)."
                )
            )
        if not Path(_setting("IDP_METADATA_FILE")).is_file():
            return False, str(_("Die Anmeldung mit BundID ist nicht eingerichtet: die Metadaten der BundID fehlen."))
        return True, ""

    # --- configuration -------------------------------------------------------------------------------
    def urls(self, request: HttpRequest) -> tuple[str, str]:
        metadata = request.build_absolute_uri(reverse("applications:identity_metadata", args=[self.key]))
        acs = request.build_absolute_uri(reverse("applications:identity_acs", args=[self.key]))
        return _setting("SP_ENTITY_ID") or metadata, acs

    def config(self, request: HttpRequest, *, with_idp: bool = True) -> SPConfig:
        entity_id, acs = self.urls(request)
        key_file, cert_file = sp_key_pair()
        conf: dict[str, Any] = {
            "entityid": entity_id,
            "xmlsec_binary": xmlsec_binary(),
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "encryption_keypairs": [{"key_file": str(key_file), "cert_file": str(cert_file)}],
            "allow_unknown_attributes": True,
            "accepted_time_diff": int(_setting("ACCEPTED_TIME_DIFF", 60)),
            "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            "service": {
                "sp": {
                    "name": "buergerbuero",
                    "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)]},
                    "authn_requests_signed": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "allow_unsolicited": False,
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                }
            },
        }
        if with_idp:
            conf["metadata"] = {"local": [_setting("IDP_METADATA_FILE")]}
        sp_config = SPConfig()
        sp_config.load(conf)
        return sp_config

    def metadata(self, request: HttpRequest) -> tuple[str, str]:
        descriptor = entity_descriptor(self.config(request, with_idp=False))
        if descriptor.extensions is not None:
            # pysaml2 lists every algorithm xmlsec1 knows (md5, sha1, dsa …): advertise only what we accept.
            descriptor.extensions.extension_elements = [
                element
                for element in descriptor.extensions.extension_elements
                if element.tag not in ("DigestMethod", "SigningMethod")
                or _strong(element.attributes.get("Algorithm"), STRONG_DIGESTS | STRONG_SIGNATURES)
            ]
        return "application/samlmetadata+xml", str(descriptor)

    # --- login ---------------------------------------------------------------------------------------
    def start(self, request: HttpRequest, *, level: TrustLevel) -> StartedLogin:
        ok, reason = self.is_available()
        if not ok:
            raise IdentityError(reason, code="identity_unavailable")
        client = Saml2Client(self.config(request))
        idps = list(client.metadata.identity_providers())
        if len(idps) != 1:
            raise IdentityError(_("Die Metadaten der BundID müssen genau einen Identitätsanbieter enthalten."))
        destination = client.metadata.single_sign_on_service(idps[0], BINDING_HTTP_POST)[0]["location"]
        context = RequestedAuthnContext(
            authn_context_class_ref=[AuthnContextClassRef(text=CLASS_REFS[level])], comparison="minimum"
        )
        request_id, authn_request = client.create_authn_request(
            destination,
            binding=BINDING_HTTP_POST,
            sign=True,
            requested_authn_context=context,
            message_id=f"id-{uuid.uuid4().hex}",
        )
        saml_request = base64.b64encode(str(authn_request).encode()).decode()
        page = render(
            request,
            "applications/identity_post.html",
            {"destination": destination, "saml_request": saml_request, "provider": self, "level": level},
        )
        return StartedLogin(page, request_id)

    def finish(self, request: HttpRequest) -> FinishedLogin:
        encoded = request.POST.get("SAMLResponse", "")
        if not encoded:
            raise IdentityError(_("Von der BundID kam keine Antwort an. Bitte melden Sie sich erneut an."))
        request_id = _in_response_to(encoded)
        from buergerbuero.applications import selectors  # open logins are rows of this app

        pending = selectors.open_login(provider=self.key, request_id=request_id) if request_id else None
        outstanding = {pending.request_id: pending.next_url} if pending else {}
        if _weak_algorithm_in(encoded):
            raise IdentityError(WEAK_SIGNATURE, code="identity_weak_signature")
        client = Saml2Client(self.config(request))
        try:
            response = client.parse_authn_request_response(encoded, BINDING_HTTP_POST, outstanding=outstanding)
        except (ResponseLifetimeExceed, ToEarly) as exc:
            log.info("SAML response outside its validity: %s", exc)
            raise IdentityError(EXPIRED, code="identity_expired") from exc
        except UnsolicitedResponse as exc:
            raise IdentityError(REPLAYED, code="identity_replayed") from exc
        except StatusError as exc:
            raise IdentityError(
                _("Die Anmeldung bei der BundID wurde abgebrochen oder abgelehnt."), code="identity_cancelled"
            ) from exc
        except (SignatureError, SigverError, IncorrectlySigned, VerificationError) as exc:
            log.warning("SAML response failed verification: %s", exc)
            if isinstance(exc, VerificationError) and _expired(encoded, int(_setting("ACCEPTED_TIME_DIFF", 60))):
                raise IdentityError(EXPIRED, code="identity_expired") from exc
            if isinstance(exc, VerificationError) and "recipient" in str(exc):
                raise IdentityError(NOT_HERE, code="identity_wrong_recipient") from exc
            raise IdentityError(
                _("Die Antwort der BundID ist nicht gültig signiert und wurde verworfen."), code="identity_tampered"
            ) from exc
        except (SAMLError, ParseError, ValueError, TypeError, AttributeError, KeyError) as exc:
            log.warning("SAML response unusable: %r", exc)
            raise IdentityError(UNREADABLE, code="identity_invalid") from exc
        except Exception as exc:  # pysaml2 raises a bare Exception for another audience or an unknown condition
            log.warning("SAML response refused by its conditions: %s", exc)
            if "AudienceRestriction" in str(exc):
                raise IdentityError(NOT_FOR_US, code="identity_wrong_audience") from exc
            raise IdentityError(UNREADABLE, code="identity_invalid") from exc
        if response is None or response.assertion is None:
            raise IdentityError(UNREADABLE, code="identity_invalid")
        if pending is None or response.in_response_to != pending.request_id:
            raise IdentityError(REPLAYED, code="identity_replayed")
        entity_id, acs = self.urls(request)
        _assertion_checks(response.assertion, entity_id=entity_id, acs=acs)
        identity = self._identity(response, self._level(response))
        return FinishedLogin(identity, pending.request_id, response.assertion.id)

    @staticmethod
    def _level(response) -> TrustLevel:
        named = [LEVEL_OF_CLASS_REF.get(class_ref) for class_ref, _auth, *_rest in response.authn_info()]
        levels = [level for level in named if level is not None]
        if not levels:
            raise IdentityError(_("Die BundID hat kein Vertrauensniveau mitgeteilt."), code="trust_level_missing")
        return min(levels)

    def _identity(self, response, level: TrustLevel) -> Identity:
        values: dict[str, str] = {}
        for statement in response.assertion.attribute_statement:
            for attribute in statement.attribute:
                field = ATTRIBUTES.get(attribute.name)
                if field and attribute.attribute_value:
                    values[field] = (attribute.attribute_value[0].text or "").strip()
        birth = None
        if values.get("birth_date"):
            try:
                birth = dt.date.fromisoformat(values.pop("birth_date")[:10])
            except ValueError as exc:
                raise IdentityError(
                    _("Das Geburtsdatum aus der BundID ist unlesbar."), code="identity_invalid"
                ) from exc
        else:
            values.pop("birth_date", None)
        subject = values.pop("subject", "") or response.assertion.subject.name_id.text
        return Identity(
            provider=self.key,
            subject=subject,
            trust_level=level,
            birth_date=birth,
            given_name=values.get("given_name", ""),
            family_name=values.get("family_name", ""),
            street=values.get("street", ""),
            postcode=values.get("postcode", ""),
            city=values.get("city", ""),
            country=values.get("country", ""),
            nationality=values.get("nationality", ""),
            email=values.get("email", ""),
        )
