"""A payment platform that speaks an XBezahldienste-style REST binding (ePayBL, pmPayment, epay21 … each
municipality has its own account: endpoint, merchant id, shared secret).

Protocol (JSON over HTTPS; every message carries `X-Signature: hex(HMAC-SHA256(secret, body))`, a GET the HMAC
of its path):

* `POST {endpoint}/paymentrequests` – `{"origin", "requestId", "purpose", "grossAmount" (cents), "currency",
  "redirectUrl", "notificationUrl"}` → 201 `{"paymentId", "paymentUrl", "status": "INITIAL"}`
* the citizen pays on `paymentUrl`; the platform then posts to `notificationUrl`
  `{"paymentId", "requestId", "status": "PAYED" | "FAILED" | "CANCELED", "grossAmount", "receipt", "paymentMethod"}`
  and sends the browser to `redirectUrl`
* `GET {endpoint}/paymentrequests/{paymentId}` → the same fields (status poll)

Check the field names against the platform's interface description during onboarding: they live in this module.
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.payment.base import (
    CreatedPayment,
    NotificationRefused,
    Outcome,
    PaymentError,
    PaymentEvent,
    PaymentOrder,
    PaymentProvider,
)
from buergerbuero.applications.payment.registry import register

STATUS = {"INITIAL": Outcome.OPEN, "PAYED": Outcome.PAID, "FAILED": Outcome.FAILED, "CANCELED": Outcome.CANCELLED}
TIMEOUT_SECONDS = 10
UNREACHABLE = _("Die Bezahlplattform ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.")


def sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _event(data: dict) -> PaymentEvent:
    try:
        return PaymentEvent(
            reference=str(data["requestId"]),
            provider_id=str(data["paymentId"]),
            outcome=STATUS[data["status"]],
            amount=Decimal(int(data["grossAmount"])) / 100,
            receipt=str(data.get("receipt") or "")[:100],
            method=str(data.get("paymentMethod") or "")[:40],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise NotificationRefused(_("Die Rückmeldung der Bezahlplattform ist unlesbar."), field="payment") from exc


@register("xbezahldienste")
class XBezahldiensteProvider(PaymentProvider):
    label = _("Bezahlplattform (XBezahldienste)")

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        body = json.dumps(payload).encode() if payload is not None else b""
        request = urllib.request.Request(
            self.account.endpoint + path,
            data=body if payload is not None else None,
            method=method,
            headers={
                "Content-Type": "application/json",
                "X-Signature": sign(self.account.secret, body if payload is not None else path.encode()),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                answer = response.read()
                if not hmac.compare_digest(response.headers.get("X-Signature", ""), sign(self.account.secret, answer)):
                    raise PaymentError(UNREACHABLE, field="payment")
                return json.loads(answer)
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise PaymentError(UNREACHABLE, field="payment") from exc

    def create(self, order: PaymentOrder) -> CreatedPayment:
        data = self._call(
            "POST",
            "/paymentrequests",
            {
                "origin": self.account.merchant_id,
                "requestId": order.reference,
                "purpose": order.purpose[:140],
                "grossAmount": cents(order.amount),
                "currency": "EUR",
                "redirectUrl": order.return_url,
                "notificationUrl": order.notify_url,
            },
        )
        try:
            return CreatedPayment(provider_id=str(data["paymentId"]), redirect_url=str(data["paymentUrl"]))
        except KeyError as exc:
            raise PaymentError(UNREACHABLE, field="payment") from exc

    def read_notification(self, request: HttpRequest) -> PaymentEvent:
        body = request.body
        if not hmac.compare_digest(request.headers.get("X-Signature", ""), sign(self.account.secret, body)):
            raise NotificationRefused(_("Die Rückmeldung ist nicht von der Bezahlplattform signiert."), field="payment")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise NotificationRefused(_("Die Rückmeldung der Bezahlplattform ist unlesbar."), field="payment") from exc
        return _event(data)

    def poll(self, provider_id: str) -> PaymentEvent:
        return _event(self._call("GET", f"/paymentrequests/{provider_id}"))
