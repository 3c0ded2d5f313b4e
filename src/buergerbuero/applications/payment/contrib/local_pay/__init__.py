"""A real payment platform for development and tests on 127.0.0.1, speaking the XBezahldienste-style protocol of
`contrib/xbezahldienste` (signed JSON requests, a payment page, signed notifications, status polls).

The tester decides the outcome on its payment page (pay, fail, cancel); the platform then posts the signed
notification to our server and sends the browser back, as ePayBL or pmPayment would. `resend(payment_id)`
posts the last notification once more (a platform retrying). No card data: nothing is asked for.
Plain WSGI (no Django); run it in a thread (tests) or as `manage.py run_local_pay`.
"""

import html
import json
import secrets
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs

from buergerbuero.applications.local_servers import page, reply
from buergerbuero.applications.payment.contrib.xbezahldienste import sign

OUTCOMES = {
    "pay": ("PAYED", "Bezahlen"),
    "fail": ("FAILED", "Zahlung scheitern lassen"),
    "cancel": ("CANCELED", "Abbrechen"),
}


class LocalPaymentPlatform:
    def __init__(self, *, base_url: str, merchant_id: str, secret: str):
        self.base_url, self.merchant_id, self.secret = base_url.rstrip("/"), merchant_id, secret
        self.payments: dict[str, dict] = {}
        self._lock = threading.Lock()

    # --- protocol --------------------------------------------------------------------------------------
    def _signed(self, start_response, status: str, data: dict):
        body = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("X-Signature", sign(self.secret, body))])
        return [body]

    def _view(self, payment: dict) -> dict:
        keys = ("paymentId", "requestId", "status", "grossAmount", "receipt", "paymentMethod")
        return {key: payment.get(key, "") for key in keys}

    def notify(self, payment_id: str) -> int:
        """Post the signed outcome to the merchant's notification URL; returns the HTTP status it answered."""
        payment = self.payments[payment_id]
        body = json.dumps(self._view(payment)).encode()
        request = urllib.request.Request(
            payment["notificationUrl"],
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": sign(self.secret, body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # loopback in development and tests
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    resend = notify

    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        signature = environ.get("HTTP_X_SIGNATURE", "")
        if method == "POST" and path == "/paymentrequests":
            if signature != sign(self.secret, body):
                return reply(start_response, "401 Unauthorized", "bad signature", "text/plain")
            order = json.loads(body)
            if order.get("origin") != self.merchant_id:
                return reply(start_response, "403 Forbidden", "unknown merchant", "text/plain")
            payment_id = secrets.token_hex(8)
            with self._lock:
                self.payments[payment_id] = {**order, "paymentId": payment_id, "status": "INITIAL"}
            return self._signed(
                start_response,
                "201 Created",
                {"paymentId": payment_id, "paymentUrl": f"{self.base_url}/pay/{payment_id}", "status": "INITIAL"},
            )
        if method == "GET" and path.startswith("/paymentrequests/"):
            if signature != sign(self.secret, path.encode()):
                return reply(start_response, "401 Unauthorized", "bad signature", "text/plain")
            payment = self.payments.get(path.rsplit("/", 1)[-1])
            if payment is None:
                return reply(start_response, "404 Not Found", "unknown payment", "text/plain")
            return self._signed(start_response, "200 OK", self._view(payment))
        if path.startswith("/pay/"):
            payment = self.payments.get(path.rsplit("/", 1)[-1])
            if payment is None:
                return reply(start_response, "404 Not Found", page("Unbekannt", "<p>Unbekannte Zahlung.</p>"))
            if method == "POST":
                return self._decide(start_response, payment, parse_qs(body.decode()).get("action", [""])[0])
            return reply(start_response, "200 OK", self._pay_page(payment))
        return reply(start_response, "404 Not Found", page("Nicht gefunden", "<p>Unbekannte Adresse.</p>"))

    def _pay_page(self, payment: dict) -> str:
        amount = f"{int(payment['grossAmount']) / 100:.2f}".replace(".", ",")
        buttons = "".join(
            f'<button type="submit" name="action" value="{key}">{label}</button> '
            for key, (_status, label) in OUTCOMES.items()
        )
        body = (
            f"<p>Verwendungszweck: <strong>{html.escape(payment['purpose'])}</strong></p>"
            f'<p>Betrag: <strong id="amount">{amount} €</strong></p>'
            f'<form method="post" action="{self.base_url}/pay/{payment["paymentId"]}">{buttons}</form>'
        )
        return page("Lokale Bezahlplattform (XBezahldienste-Protokoll)", body)

    def _decide(self, start_response, payment: dict, action: str):
        if action not in OUTCOMES or payment["status"] != "INITIAL":
            return reply(
                start_response, "409 Conflict", page("Schon entschieden", "<p>Diese Zahlung ist abgeschlossen.</p>")
            )
        with self._lock:
            payment["status"] = OUTCOMES[action][0]
            if action == "pay":
                payment["receipt"] = f"BELEG-{secrets.token_hex(4).upper()}"
                payment["paymentMethod"] = "giropay"
        self.notify(payment["paymentId"])
        start_response("303 See Other", [("Location", payment["redirectUrl"])])
        return [b""]
