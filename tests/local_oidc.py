"""The project's local OpenID Connect provider on a free port, for the citizens' OIDC login and the staff single
sign-on tests alike, and an opener that shows redirects instead of following them."""

import urllib.request
from pathlib import Path

from buergerbuero.applications.identity.contrib.local_oidc import LocalOIDC
from buergerbuero.applications.local_servers import serve
from buergerbuero.core import oidc


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start(key_dir: Path, *, client_id: str, client_secret: str, redirect_uri: str, **kwargs):
    """(provider, server): the provider answers at provider.base_url; the caller points its settings there."""
    app = LocalOIDC(
        base_url="http://127.0.0.1:0",
        key_dir=key_dir,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        **kwargs,
    )
    httpd = serve(app)
    app.base_url = f"http://127.0.0.1:{httpd.server_port}"
    oidc.clear_cache()  # discovery documents of earlier providers are cached per issuer
    return app, httpd
