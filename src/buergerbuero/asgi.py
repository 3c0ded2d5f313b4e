import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
application = get_asgi_application()
# Load the URL configuration (and with it every view module) now, while the process starts, so the first
# request – and the first /readyz – does not pay for it.
get_resolver().url_patterns  # noqa: B018
