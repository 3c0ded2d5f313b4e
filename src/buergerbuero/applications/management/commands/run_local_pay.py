"""Run the local payment platform for development: `manage.py run_local_pay` beside `make run`."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from buergerbuero.applications.local_servers import serve
from buergerbuero.applications.payment.contrib.local_pay import LocalPaymentPlatform


class Command(BaseCommand):
    help = "Startet die lokale Bezahlplattform (XBezahldienste-Protokoll) auf 127.0.0.1 – nur für die Entwicklung."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8092)
        parser.add_argument("--merchant", default="stadt-test")
        parser.add_argument("--secret", default="lokal-geheim")

    def handle(self, *args, port: int, merchant: str, secret: str, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Die lokale Bezahlplattform läuft nie in Produktion.")
        httpd = serve(
            LocalPaymentPlatform(base_url=f"http://127.0.0.1:{port}", merchant_id=merchant, secret=secret), port=port
        )
        self.stdout.write(
            f"Bezahlplattform auf http://127.0.0.1:{port} – im Admin als Bezahlkonto eintragen: Adresse "
            f"http://127.0.0.1:{port}, Mandant {merchant}, Schlüssel {secret}. Strg+C beendet."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()
