"""Security keys (WebAuthn) at the staff front door, and the staff's own page of their second factors.

The ceremonies are JSON endpoints the page's script (accounts/static/accounts/security-key.js) calls: options
first (a fresh challenge, kept in the session), then the key's answer, checked by accounts.twofactor. Who may:
a sign-in waiting for its second factor (`request.unverified_user`) signs in with a key of that person; a
person enrolling (no second factor yet) or signed in completely registers a key for themselves.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buergerbuero.accounts import selectors, twofactor
from buergerbuero.accounts.forms import EnrolForm
from buergerbuero.accounts.views import NEXT_KEY


def _refused(text: str, status: int = 403) -> JsonResponse:
    return JsonResponse({"detail": text}, status=status)


def _body(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _registrant(request: HttpRequest):
    """Who may register a key now: a person signed in completely who needs a second factor, or a person
    enrolling (password given, no second factor yet). None: nobody."""
    user = request.user
    if user.is_authenticated:
        return user if selectors.needs_second_factor(user) else None
    pending = getattr(request, "unverified_user", None)
    if pending is not None and not twofactor.has_authenticator(pending):
        return pending
    return None


@require_POST
def register_options(request: HttpRequest) -> HttpResponse:
    user = _registrant(request)
    if user is None:
        return _refused(_("Bitte melden Sie sich zuerst an."))
    return JsonResponse(twofactor.key_registration_options(request, user))


@require_POST
def register(request: HttpRequest) -> HttpResponse:
    user = _registrant(request)
    if user is None:
        return _refused(_("Bitte melden Sie sich zuerst an."))
    data = _body(request)
    if data is None or not isinstance(data.get("credential"), dict):
        return _refused(_("Die Antwort des Schlüssels fehlt."), status=400)
    enrolling = not request.user.is_authenticated
    try:
        key = twofactor.add_key(request, user, data["credential"], name=str(data.get("name", "")))
    except twofactor.KeyRefused as exc:
        return _refused(str(exc), status=400)
    if enrolling:
        # First sign-in with a key: the session has passed the second factor with it; recovery codes next.
        twofactor.verify_device(request, key)
        request.session.pop(NEXT_KEY, None)
        twofactor.audit.security_event(request, "second_factor_enrolled", user=user)
    messages.success(request, _("Der Sicherheitsschlüssel „%(name)s“ ist eingerichtet.") % {"name": key.name})
    return JsonResponse({"id": key.pk, "redirect_url": reverse("accounts:security")})


@require_POST
def sign_in_options(request: HttpRequest) -> HttpResponse:
    user = getattr(request, "unverified_user", None)
    if user is None or not twofactor.has_key(user):
        return _refused(_("Es wartet keine Anmeldung mit Sicherheitsschlüssel."))
    return JsonResponse(twofactor.key_sign_in_options(request, user))


@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    user = getattr(request, "unverified_user", None)
    if user is None:
        return _refused(_("Es wartet keine Anmeldung mit Sicherheitsschlüssel."))
    data = _body(request)
    if data is None or not isinstance(data.get("credential"), dict):
        return _refused(_("Die Antwort des Schlüssels fehlt."), status=400)
    try:
        twofactor.verify_key(request, user, data["credential"])
    except twofactor.KeyRefused as exc:
        return _refused(str(exc), status=400)
    return JsonResponse({"redirect_url": request.session.pop(NEXT_KEY, settings.LOGIN_REDIRECT_URL)})


def _own(request: HttpRequest):
    user = request.user
    return user if user.is_authenticated and selectors.needs_second_factor(user) else None


def security(request: HttpRequest) -> HttpResponse:
    """The person's own second factors: authenticator app, security keys (add, remove), recovery codes."""
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={request.path}")
    user = _own(request)
    if user is None:
        return HttpResponse(status=404)  # an account without a second factor has nothing to show here
    context = {
        "has_app": twofactor.has_app(user),
        "keys": list(twofactor.keys_of(user)),
        "codes_left": twofactor.recovery_codes_left(user),
        "name_max": twofactor.KEY_NAME_MAX,
    }
    return render(request, "accounts/security.html", context)


def add_app(request: HttpRequest) -> HttpResponse:
    """Connect an authenticator app later (a person who signed up with a security key only): QR code, first code."""
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={request.path}")
    user = _own(request)
    if user is None:
        return HttpResponse(status=404)  # as the security page: no second factor, nothing to add
    if twofactor.has_app(user):
        return redirect("accounts:security")
    device = twofactor.pending_authenticator(user)
    form = EnrolForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        if twofactor.add_app(request, user=user, device=device, token=form.cleaned_data["code"]):
            messages.success(request, _("Die Authenticator-App ist eingerichtet."))
            return redirect("accounts:security")
        error = _("Der Code stimmt nicht. Prüfen Sie die Uhrzeit Ihres Geräts und geben Sie den aktuellen Code ein.")
    context = {"form": form, "error": error, "qr": twofactor.qr_svg(device), "secret": twofactor.secret_base32(device)}
    return render(request, "accounts/add_app.html", context)


@require_POST
def remove_key(request: HttpRequest, key_id: int) -> HttpResponse:
    user = _own(request)
    if user is None:
        return redirect(settings.LOGIN_URL)
    if not twofactor.keys_of(user).filter(pk=key_id).exists():
        return HttpResponse(status=404)
    if twofactor.remove_key(request, user, key_id):
        messages.success(request, _("Der Sicherheitsschlüssel wurde entfernt."))
    else:
        messages.error(
            request,
            _("Das ist Ihr letzter zweiter Faktor. Richten Sie zuerst einen weiteren Schlüssel ein."),
        )
    return redirect("accounts:security")


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _own(request)
    if user is None:
        return redirect(settings.LOGIN_URL)
    codes = twofactor.renew_recovery_codes(request, user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})
