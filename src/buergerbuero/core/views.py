import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from buergerbuero.core import health, metrics
from buergerbuero.core.errors import Forbidden
from buergerbuero.core.problems import problem_response


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Deliberately asks nothing else: a database outage must not make the
    supervisor restart healthy web processes (that is what /readyz is for)."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: every registered check passes (database, cache, and what apps add), else 503."""
    checks = health.run_checks()
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status=200 if ready else 503)


def _may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent.encode(), token.encode())
    # Without a token: only a scraper on this host talking to us directly. A request through the reverse
    # proxy also comes from loopback, but carries X-Forwarded-For (docs/deployment.md shows the proxy setup).
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _may_read_metrics(request):
        denied = Forbidden(_("Die Betriebskennzahlen sind nur mit Zugangsschlüssel abrufbar."))
        return problem_response(status=403, code="metrics_forbidden", messages=denied.messages())
    return HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon. Its (hashed) static name is
    looked up per request, not when the URLs are loaded, which is before collectstatic wrote the manifest."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))
