"""Run the local SAML test identity provider for development: `manage.py run_local_idp` beside `make run`."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from buergerbuero.applications.identity.contrib.bundid import xmlsec_binary
from buergerbuero.applications.identity.contrib.local_idp import LocalIdP
from buergerbuero.applications.local_servers import serve


class Command(BaseCommand):
    help = "Startet den lokalen Test-Identitätsanbieter (SAML, wie BundID) auf 127.0.0.1 – nur für die Entwicklung."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8090)
        parser.add_argument("--sp", default="http://127.0.0.1:8000", help="Basis-URL des Bürgerbüro-Servers")

    def handle(self, *args, port: int, sp: str, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Der Test-Identitätsanbieter läuft nie in Produktion.")
        if not xmlsec_binary():
            raise CommandError("xmlsec1 fehlt: apt-get install xmlsec1")
        app = LocalIdP(
            base_url=f"http://127.0.0.1:{port}",
            key_dir=Path(settings.VAR_DIR) / "identity",
            sp_metadata=f"{sp.rstrip('/')}/online/anmelden/bundid/metadata",
        )
        path = app.write_metadata(Path(settings.BUNDID["IDP_METADATA_FILE"]))
        httpd = serve(app, port=port)
        self.stdout.write(f"Test-IdP auf {app.base_url} – Metadaten in {path}. Strg+C beendet.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()
