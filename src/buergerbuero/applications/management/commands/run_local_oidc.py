"""Run the local OpenID Connect provider for development: `manage.py run_local_oidc [--staff]` beside `make run`.

Without `--staff` it is a citizens' service account (the `oidc` identity plugin); with `--staff` it plays the
city's sign-in service for the staff single sign-on (test staff with groups). It prints the environment the
Bürgerbüro server needs to use it.
"""

import shlex
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from buergerbuero.applications.identity.contrib.local_oidc import LocalOIDC
from buergerbuero.applications.local_servers import serve

CLIENT_SECRET = "nur-fuer-die-entwicklung"
DEMO_ORGANISATION = "Stadt Castrop-Rauxel"


class Command(BaseCommand):
    help = (
        "Startet den lokalen OpenID-Connect-Anbieter auf 127.0.0.1 (Servicekonto für Bürger, mit --staff den "
        "Anmeldedienst der Stadt für Mitarbeitende) – nur für die Entwicklung."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8091)
        parser.add_argument("--site", default="http://127.0.0.1:8000", help="Basis-URL des Bürgerbüro-Servers")
        parser.add_argument("--staff", action="store_true", help="Anmeldedienst für Mitarbeitende (Single Sign-on)")

    def handle(self, *args, port: int, site: str, staff: bool, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Der Test-Anbieter läuft nie in Produktion.")
        site = site.rstrip("/")
        base_url = f"http://127.0.0.1:{port}"
        if staff:
            client_id, callback = "buergerbuero-intern", f"{site}/intern/anmelden/dienstkonto/zurueck/"
            env = {
                "STAFF_SSO_ISSUER": base_url,
                "STAFF_SSO_CLIENT_ID": client_id,
                "STAFF_SSO_CLIENT_SECRET": CLIENT_SECRET,
                "STAFF_SSO_GROUPS": f"bb-reception-castrop={DEMO_ORGANISATION}:reception; "
                f"bb-clerk-castrop={DEMO_ORGANISATION}:clerk",
            }
        else:
            client_id, callback = "buergerbuero", f"{site}/online/anmelden/oidc/acs"
            env = {"OIDC_ISSUER": base_url, "OIDC_CLIENT_ID": client_id, "OIDC_CLIENT_SECRET": CLIENT_SECRET}
        app = LocalOIDC(
            base_url=base_url,
            key_dir=Path(settings.VAR_DIR) / "identity",
            client_id=client_id,
            client_secret=CLIENT_SECRET,
            redirect_uri=callback,
            people="staff" if staff else "citizens",
        )
        httpd = serve(app, port=port)
        exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
        self.stdout.write(f"export {exports}")
        self.stdout.write(
            f"OpenID-Connect-Anbieter auf {base_url} (Server mit dieser Umgebung starten). Strg+C beendet."
        )
        self.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            httpd.shutdown()
