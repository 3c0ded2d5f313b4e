"""Thin views of the applications app: identity login, the citizen's forms, the back office."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from buergerbuero.applications import services
from buergerbuero.applications.identity import registry
from buergerbuero.applications.identity import session as identity_session
from buergerbuero.applications.identity.base import IdentityError, TrustLevel
from buergerbuero.core.errors import DomainError


def _error(request: HttpRequest, message, *, status: int = 403) -> HttpResponse:
    return render(request, "applications/identity_error.html", {"message": message}, status=status)


def _safe_next(request: HttpRequest, default: str = "/online/") -> str:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- identity ----------------------------------------------------------------------------------------
@require_GET
def identity_start(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        level = TrustLevel(int(request.GET.get("level", int(TrustLevel.HIGH))))
    except ValueError:
        level = TrustLevel.HIGH
    try:
        plugin = registry.get(provider)
        ok, reason = plugin.is_available()
        if not ok:
            return _error(request, reason, status=503)
        started = plugin.start(request, level=level)
        services.begin_login(
            provider=plugin.key, transaction_id=started.transaction_id, level=level, next_url=_safe_next(request)
        )
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    identity_session.remember_transaction(request, started.transaction_id)
    return started.response


@csrf_exempt  # the identity provider posts here cross-site; the signed response is the protection
@require_POST
def identity_acs(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        plugin = registry.get(provider)
        pending = services.complete_login(provider=plugin.key, result=plugin.finish(request))
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    return redirect("applications:identity_done", provider=plugin.key, public_id=pending.public_id)


@require_GET
def identity_done(request: HttpRequest, provider: str, public_id) -> HttpResponse:
    try:
        pending = services.claim_login(public_id=public_id, session_transactions=identity_session.transactions(request))
    except IdentityError as exc:
        return _error(request, exc.message)
    if pending.error:
        return _error(request, pending.error)
    identity_session.store(request, pending.identity)
    return redirect(pending.next_url)


@require_GET
def identity_metadata(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        plugin = registry.get(provider)
        document = plugin.metadata(request)
    except DomainError as exc:
        return _error(request, exc.message, status=exc.status)
    if document is None:
        return _error(request, "–", status=404)
    content_type, body = document
    return HttpResponse(body, content_type=content_type)


@require_POST
def identity_logout(request: HttpRequest) -> HttpResponse:
    identity_session.forget(request)
    return redirect("applications:index")


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/index.html", {"identity": identity_session.current(request)})
