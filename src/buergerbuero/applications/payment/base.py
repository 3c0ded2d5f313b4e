"""The contract every payment provider plugin fulfils (an XBezahldienste platform such as ePayBL, pmPayment,
epay21 …): create a payment request, send the citizen there, learn the outcome from a signed notification or a
status poll. Card or account data never touches our server: the citizen pays on the provider's page.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import DomainError


class PaymentError(DomainError):
    """The provider could not be reached or answered something we cannot use."""

    status = 502
    code = "payment_unavailable"


class NotificationRefused(DomainError):
    """A notification that is not signed by the provider (or unreadable): nothing is changed."""

    status = 403
    code = "payment_notification_refused"


class Outcome:
    """What a payment became (the subset of XBezahldienste states that matters to us)."""

    OPEN = "open"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PaymentOrder:
    """What we ask the citizen to pay: amounts come from our fee table only."""

    reference: str  # ours, unique; the provider returns it with every answer
    amount: Decimal
    purpose: str  # shown on the provider's page and the bank statement
    return_url: str  # where the citizen's browser comes back to
    notify_url: str  # where the provider posts the signed outcome


@dataclass(frozen=True)
class CreatedPayment:
    provider_id: str
    redirect_url: str


@dataclass(frozen=True)
class PaymentEvent:
    reference: str
    provider_id: str
    outcome: str
    amount: Decimal
    receipt: str = ""  # the provider's receipt or booking number (for the treasury)
    method: str = ""  # e.g. "giropay", "creditcard" – as the provider names it


class PaymentAccount:
    """Where a municipality takes its fees: endpoint, merchant id and shared secret (one per municipality)."""

    def __init__(self, *, endpoint: str, merchant_id: str, secret: str):
        self.endpoint, self.merchant_id, self.secret = endpoint.rstrip("/"), merchant_id, secret


class PaymentProvider(ABC):
    key: str = ""
    label = _("Online bezahlen")

    def __init__(self, account: PaymentAccount):
        self.account = account

    @abstractmethod
    def create(self, order: PaymentOrder) -> CreatedPayment:
        """Register the payment request at the provider; raises PaymentError."""

    @abstractmethod
    def read_notification(self, request: HttpRequest) -> PaymentEvent:
        """The outcome from the provider's (signed) notification; raises NotificationRefused."""

    @abstractmethod
    def poll(self, provider_id: str) -> PaymentEvent:
        """Ask the provider for the current state (when the notification has not arrived yet)."""
