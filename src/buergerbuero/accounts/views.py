"""The staff front door: sign-in (password, then second factor or its enrolment), start page, sign-out.

Thin: who may use which tool is decided by accounts.selectors (via accounts.tiles), lockout by accounts.lockout,
the second factor by accounts.twofactor, session timeouts by accounts.middleware, the optional single sign-on
through the city's identity provider by accounts.sso.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from buergerbuero.accounts import lockout, middleware, selectors, sso, tiles, twofactor
from buergerbuero.accounts.forms import CodeForm, EnrolForm, SignInForm
from buergerbuero.core.oidc import OIDCError

NEXT_KEY = "staff_next"


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _after_password(request: HttpRequest, user) -> HttpResponse:
    """Where a correct password leads: the second factor (or its enrolment), else the tools."""
    if not selectors.needs_second_factor(user):
        return redirect(request.session.pop(NEXT_KEY, settings.LOGIN_REDIRECT_URL))
    if settings.DEMO_SKIP_2FA and twofactor.skip_for_demo(request, user):
        return redirect(request.session.pop(NEXT_KEY, settings.LOGIN_REDIRECT_URL))
    if twofactor.has_authenticator(user):
        return redirect("accounts:verify")
    return redirect("accounts:enrol")


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    # the password step's user while the second factor is missing (accounts.middleware sets it)
    unverified = getattr(request, "unverified_user", None)
    if unverified is not None:
        if "next" in request.GET:
            request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
        return _after_password(request, unverified)
    form = SignInForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if lockout.locked(request, username):
            error, status = _locked_message(), 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                error = (
                    _locked_message()
                    if lockout.failed(request, username)
                    else _("Benutzername oder Passwort stimmt nicht.")
                )
                status = 429 if lockout.locked(request, username) else 200
            else:
                lockout.succeeded(request, username)
                next_url = _safe_next(request, request.POST.get("next"))
                login(request, user)
                middleware.start(request.session, now=time.time())
                request.session[NEXT_KEY] = next_url
                return _after_password(request, user)
    return _sign_in_page(request, form=form, error=error, status=status)


def _sign_in_page(request: HttpRequest, *, form=None, error=None, status: int = 200) -> HttpResponse:
    context = {
        "form": form or SignInForm(),
        "error": error,
        "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
        "sso": sso.enabled(),
    }
    return render(request, "accounts/sign_in.html", context, status=status)


def _sso_redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("accounts:sso_callback"))


def sso_start(request: HttpRequest) -> HttpResponse:
    """The button 'Mit Dienstkonto anmelden': off to the city's identity provider (404 while single sign-on is off)."""
    if not sso.enabled():
        raise Http404
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    if lockout.address_locked(request):
        return _sign_in_page(request, error=_locked_message(), status=429)
    try:
        target = sso.begin(
            request, redirect_uri=_sso_redirect_uri(request), next_url=_safe_next(request, request.GET.get("next"))
        )
    except OIDCError as exc:
        return _sign_in_page(request, error=str(exc.message), status=503)
    return redirect(target)


def sso_callback(request: HttpRequest) -> HttpResponse:
    """The identity provider sends the browser back here with a code; the staff member is signed in (and asked
    for the code of their authenticator app unless the provider's second factor counts)."""
    if not sso.enabled():
        raise Http404
    if lockout.address_locked(request):
        return _sign_in_page(request, error=_locked_message(), status=429)
    next_url = sso.next_url(request) or settings.LOGIN_REDIRECT_URL
    try:
        signed = sso.complete(request, redirect_uri=_sso_redirect_uri(request), now=timezone.now())
    except sso.SignInRefused as exc:  # nobody to sign in here: not an attack, not counted
        return _sign_in_page(request, error=str(exc.message), status=403)
    except OIDCError as exc:
        if exc.code == "identity_unavailable":
            return _sign_in_page(request, error=str(exc.message), status=503)
        locked = lockout.address_failed(request)
        return _sign_in_page(request, error=_locked_message() if locked else str(exc.message), status=403)
    login(request, signed.user, backend="django.contrib.auth.backends.ModelBackend")
    middleware.start(request.session, now=time.time())
    request.session[sso.ID_TOKEN_KEY] = signed.id_token
    request.session[sso.ACCOUNT_KEY] = signed.account_id
    request.session[NEXT_KEY] = next_url
    if signed.provider_mfa:
        twofactor.otp_login(request, sso.provider_device(signed.user))
        return redirect(request.session.pop(NEXT_KEY, settings.LOGIN_REDIRECT_URL))
    return _after_password(request, signed.user)


@csrf_exempt  # the identity provider's server posts here, not a browser: the signed token is the proof
@require_POST
@never_cache
def sso_backchannel_logout(request: HttpRequest) -> HttpResponse:
    """OpenID Connect back-channel logout: the provider says a person signed out there; their sessions here end.
    200 when taken, 400 for a token that is not valid (as the specification asks), 404 without single sign-on."""
    if not sso.enabled():
        raise Http404
    try:
        sso.sign_out_from_provider(request, request.POST.get("logout_token", "")[:8192])
    except OIDCError as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=200)


def _locked_message() -> str:
    return _(
        "Zu viele fehlgeschlagene Anmeldeversuche. Die Anmeldung ist für %(minutes)d Minuten gesperrt. "
        "Wenn Sie Ihr Passwort vergessen haben, wenden Sie sich an die Administration."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def _pending_user(request: HttpRequest):
    return getattr(request, "unverified_user", None)


def verify(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app or a recovery code."""
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:start" if request.user.is_authenticated else "accounts:login")
    if not twofactor.has_authenticator(user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        if lockout.locked(request, user.get_username()):
            error, status = _locked_message(), 429
        else:
            device = twofactor.verify(request, user, form.cleaned_data["code"])
            if device is not None:
                lockout.code_succeeded(user)
                if device.persistent_id.startswith("otp_static"):
                    left = twofactor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        _("Sie haben einen Wiederherstellungscode benutzt; %(n)d sind noch übrig.") % {"n": left},
                    )
                return redirect(request.session.pop(NEXT_KEY, settings.LOGIN_REDIRECT_URL))
            if lockout.code_failed(request, user):
                error, status = _locked_message(), 429
            else:
                error = _("Der Code stimmt nicht (oder ist abgelaufen). Bitte geben Sie den aktuellen Code ein.")
    context = {"form": form, "error": error, "pending": user, "has_app": twofactor.has_app(user)}
    context["has_key"] = twofactor.has_key(user)
    return render(request, "accounts/verify.html", context, status=status)


def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: connect an authenticator app (QR code), confirm with its first code, get recovery codes."""
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:start" if request.user.is_authenticated else "accounts:login")
    if twofactor.has_authenticator(user):
        return redirect("accounts:verify")
    device = twofactor.pending_authenticator(user)
    form = EnrolForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_authenticator(request, user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            twofactor.verify_device(request, device)
            next_url = request.session.pop(NEXT_KEY, settings.LOGIN_REDIRECT_URL)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
        error = _("Der Code stimmt nicht. Prüfen Sie die Uhrzeit Ihres Geräts und geben Sie den aktuellen Code ein.")
    context = {
        "form": form,
        "error": error,
        "pending": user,
        "qr": twofactor.qr_svg(device),
        "secret": twofactor.secret_base32(device),
    }
    return render(request, "accounts/enrol.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Ends the session here; after a single sign-on also at the identity provider, if it offers that."""
    id_token = request.session.get(sso.ID_TOKEN_KEY)
    logout(request)
    messages.success(request, _("Sie sind abgemeldet."))
    if id_token:
        target = sso.logout_url(id_token=id_token, back_to=request.build_absolute_uri(reverse("accounts:login")))
        if target:
            return redirect(target)
    return redirect("accounts:login")


@login_required
def start(request: HttpRequest) -> HttpResponse:
    member = selectors.membership(request.user)
    return render(
        request,
        "accounts/start.html",
        {
            "member": member,
            "links": tiles.links_for(request.user),
            "security_link": selectors.needs_second_factor(request.user),
        },
    )
