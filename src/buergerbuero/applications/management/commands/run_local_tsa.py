"""Run the local time-stamping authority for development: `manage.py run_local_tsa` beside `make run`."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from buergerbuero.applications.local_servers import serve
from buergerbuero.applications.local_tsa import LocalTSA


class Command(BaseCommand):
    help = "Startet den lokalen Zeitstempeldienst (RFC 3161) auf 127.0.0.1 – nur für die Entwicklung."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8091)

    def handle(self, *args, port: int, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Der lokale Zeitstempeldienst läuft nie in Produktion.")
        httpd = serve(LocalTSA(Path(settings.VAR_DIR) / "pki"), port=port)
        url = f"http://127.0.0.1:{port}/"
        self.stdout.write(
            f"Zeitstempeldienst auf {url} – mit APPLICATIONS_SIGNING_TSA_URL={url} signiert das Bürgerbüro "
            "auf Stufe PAdES B-T. Strg+C beendet."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()
