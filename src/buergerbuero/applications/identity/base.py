"""The contract every identity provider plugin fulfils (BundID over SAML, a generic OIDC relying party, …).

A provider starts a login at the identity provider (a redirect) and finishes it when the citizen comes back
(the assertion consumer endpoint). `finish` returns a verified `Identity` or raises `IdentityError` with a
German message for the citizen; it never returns half-checked data.
"""

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from enum import IntEnum

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import DomainError


class TrustLevel(IntEnum):
    """Vertrauensniveau (eIDAS / TR-03107): what the login method proves about the person."""

    BASIC = 1  # user name + password ("niedrig"/basisregistriert)
    SUBSTANTIAL = 3  # ELSTER certificate ("substantiell")
    HIGH = 4  # Online-Ausweis / eID ("hoch")

    @property
    def label(self) -> str:
        return str(TRUST_LABELS[self])


TRUST_LABELS = {
    TrustLevel.BASIC: _("basisregistriert (Benutzername und Passwort)"),
    TrustLevel.SUBSTANTIAL: _("substantiell (z. B. ELSTER-Zertifikat)"),
    TrustLevel.HIGH: _("hoch (Online-Ausweisfunktion / eID)"),
}


class IdentityError(DomainError):
    """The login could not be used. The message says why, in words a citizen understands."""

    status = 403
    code = "identity_refused"


@dataclass(frozen=True)
class Identity:
    """A verified person as the identity provider vouched for them. Never built from user input."""

    provider: str
    subject: str  # stable pseudonymous id at the provider (e.g. BundID bPK2)
    trust_level: TrustLevel
    given_name: str = ""
    family_name: str = ""
    birth_date: dt.date | None = None
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    nationality: str = ""
    email: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = asdict(self)
        data["trust_level"] = int(self.trust_level)
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Identity":
        data = dict(data)
        data["trust_level"] = TrustLevel(data["trust_level"])
        data["birth_date"] = dt.date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None
        return cls(**data)


@dataclass(frozen=True)
class StartedLogin:
    response: HttpResponse  # sends the browser to the identity provider
    transaction_id: str  # the protocol's id of this login (SAML request ID, OIDC state)


@dataclass(frozen=True)
class FinishedLogin:
    identity: Identity
    transaction_id: str  # which started login this answers
    proof_id: str  # unique id of the proof (SAML assertion ID, OIDC token jti): used once only


class IdentityProvider(ABC):
    """One way of proving who somebody is. Subclasses live in `identity/contrib/<provider>/`."""

    key: str = ""
    label: str | Promise = ""  # for the citizen: usually a lazy translation

    @abstractmethod
    def is_available(self) -> tuple[bool, str]:
        """(True, "") when configured and usable; otherwise (False, German reason for the page)."""

    @abstractmethod
    def start(self, request: HttpRequest, *, level: TrustLevel) -> StartedLogin:
        """Send the citizen to the identity provider, asking for at least `level`."""

    @abstractmethod
    def finish(self, request: HttpRequest) -> FinishedLogin:
        """Check the answer (signature, audience, validity, that it answers an open login); raise IdentityError.

        The caller checks the trust level against what the login asked for and that the proof is used once."""

    def metadata(self, request: HttpRequest) -> tuple[str, str] | None:
        """(content type, document) describing us to the identity provider, if the protocol has one."""
        return None
