"""The second factor of a staff sign-in: a TOTP authenticator app (django-otp), security keys (WebAuthn,
django-otp-webauthn) and one-time recovery codes.

A password alone is not a sign-in for anybody `selectors.needs_second_factor` names: until the session is
verified (django-otp's `otp_login`), `accounts.middleware.StaffSessionMiddleware` treats the user as anonymous on
every page and API operation except the sign-in steps themselves.
"""

from __future__ import annotations

import logging

import segno
from django.db import transaction
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.exceptions import WebAuthnException

from buergerbuero.privacy import audit

security_log = logging.getLogger("buergerbuero.security")

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator-App"
RECOVERY_DEVICE_NAME = "Wiederherstellungscodes"
KEY_NAME_MAX = 64
REGISTER_STATE = "staff_key_register_state"  # the challenge of a key registration, until it is answered
SIGN_IN_STATE = "staff_key_sign_in_state"  # the challenge of a sign-in with a key, until it is answered


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def keys_of(user):
    """The user's security keys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def has_key(user) -> bool:
    return keys_of(user).exists()


def has_authenticator(user) -> bool:
    """Whether the user has a second factor to sign in with: an authenticator app or a security key."""
    return has_app(user) or has_key(user)


def pending_authenticator(user) -> TOTPDevice:
    """The not yet confirmed authenticator of an enrolment (made on first call; the same until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link of the device as an inline SVG (no script, no external image: fits the CSP)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="otpauth")
    return mark_safe(svg)


def secret_base32(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_authenticator(request, *, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the enrolment with a first code from the app: new recovery codes (shown once), or None."""
    if not add_app(request, user=user, device=device, token=token):
        return None
    return new_recovery_codes(user)


@transaction.atomic
def add_app(request, *, user, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending authenticator app with a first code from it; the person's recovery codes stay as they
    are (at first sign-in `confirm_authenticator` makes them). False if the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token.replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    security_log.info("second factor enrolled", extra={"user_id": user.pk, "event": "2fa_enrolled"})
    audit.security_event(request, "second_factor_enrolled", user=user)
    return True


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones; each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(request, user, token: str):
    """Check a code from the app (six digits) or a recovery code; on success mark the session as signed in with
    the device. Each device throttles its own failures (django-otp: the wait doubles with every wrong code)."""
    token = token.replace(" ", "").strip()
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    device = None
    if token:
        with transaction.atomic():
            for candidate in model.objects.select_for_update().filter(user=user, confirmed=True):
                if candidate.verify_token(token):
                    device = candidate
                    break
    if device is None:
        security_log.warning("second factor refused", extra={"user_id": user.pk, "event": "2fa_failed"})
        audit.security_event(request, "second_factor_failed", user=user)
        return None
    otp_login(request, device)
    security_log.info("second factor accepted", extra={"user_id": user.pk, "event": "2fa_ok"})
    if isinstance(device, StaticDevice):
        audit.security_event(request, "recovery_code_used", user=user)
    return device


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def skip_for_demo(request, user) -> bool:
    """BUERGERBUERO_DEMO_SKIP_2FA (make run; production refuses it): a demo person with an authenticator is
    signed in with it without typing the code. Anybody without one still enrols."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    otp_login(request, device)
    security_log.info("second factor skipped (demo)", extra={"user_id": user.pk, "event": "2fa_demo_skip"})
    return True


@transaction.atomic
def reset(request, user) -> int:
    """Remove every second factor of the user (admin reset): authenticator app, security keys and recovery codes.
    The next sign-in enrols a new one. Recorded in the audit log with the administrator as the actor."""
    count = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        count += 1
    security_log.warning("second factor reset", extra={"user_id": user.pk, "event": "2fa_reset"})
    admin = getattr(request, "user", None)
    audit.security_event(request, "second_factor_reset", user=admin if admin else None, about=user)
    return count


def verify_device(request, device) -> None:
    """Mark the session as signed in with a device just confirmed (enrolment)."""
    otp_login(request, device)


def otp_login(request, device) -> None:
    """The session has passed the second factor with `device` (django-otp's session key), under a new session
    key (the rights of the session grew). django_otp.login checks request.user, which is anonymous here."""
    user = getattr(request, "unverified_user", None) or request.user
    if device.user_id != user.pk:
        return
    request.session.cycle_key()
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    user.otp_device = device
    request.user = user
    request.unverified_user = None


# --- security keys (WebAuthn) ---------------------------------------------------------------------------


class KeyRefused(Exception):
    """A security key ceremony that did not succeed; the message is for the person."""


class KeyHelper(WebAuthnHelper):
    """django-otp-webauthn's ceremonies (relying party and origins from the settings OTP_WEBAUTHN_*)."""


_CEREMONY_ERRORS = (OTPWebAuthnApiError, WebAuthnException, ValueError, KeyError, TypeError)


def key_registration_options(request, user) -> dict:
    """Start registering a security key for `user`: the options for navigator.credentials.create()."""
    options, state = KeyHelper(request).register_begin(user=user)
    request.session[REGISTER_STATE] = state
    return options


@transaction.atomic
def add_key(request, user, credential: dict, *, name: str) -> WebAuthnCredential:
    """Finish registering: the key's answer is checked against the challenge (signature, origin, relying party);
    the key is stored under `name`. Raises KeyRefused."""
    state = request.session.pop(REGISTER_STATE, None)
    if not state:
        raise KeyRefused(_("Die Einrichtung ist abgelaufen. Bitte versuchen Sie es noch einmal."))
    try:
        with rewrite_exceptions(logger=None):
            device = KeyHelper(request).register_complete(user=user, state=state, data=credential)
    except _CEREMONY_ERRORS as exc:
        security_log.warning("security key refused", extra={"user_id": user.pk, "event": "key_refused"})
        raise KeyRefused(_("Der Sicherheitsschlüssel konnte nicht eingerichtet werden.")) from exc
    device.name = (name.strip() or _("Sicherheitsschlüssel"))[:KEY_NAME_MAX]
    device.save(update_fields=["name"])
    security_log.info("security key added", extra={"user_id": user.pk, "event": "key_added"})
    audit.security_event(request, "key_added", user=user)
    return device


def key_sign_in_options(request, user) -> dict:
    """Start a sign-in with one of `user`'s keys: the options for navigator.credentials.get()."""
    options, state = KeyHelper(request).authenticate_begin(user=user, require_user_verification=False)
    request.session[SIGN_IN_STATE] = state
    return options


def verify_key(request, user, credential: dict) -> WebAuthnCredential:
    """Check the key's signature over the challenge (and its counter); on success the session has passed the
    second factor with the key. Each challenge is answered at most once. Raises KeyRefused."""
    state = request.session.pop(SIGN_IN_STATE, None)
    request.session.save()  # the challenge is gone even if what follows fails: no second try with it
    if not state:
        raise KeyRefused(_("Die Anmeldung mit dem Schlüssel ist abgelaufen. Bitte versuchen Sie es noch einmal."))
    try:
        with rewrite_exceptions(logger=None):
            device = KeyHelper(request).authenticate_complete(user=user, state=state, data=credential)
    except _CEREMONY_ERRORS as exc:
        security_log.warning("security key refused", extra={"user_id": user.pk, "event": "2fa_failed"})
        audit.security_event(request, "second_factor_failed", user=user)
        raise KeyRefused(_("Dieser Sicherheitsschlüssel wurde nicht erkannt.")) from exc
    if not device.confirmed:
        raise KeyRefused(_("Dieser Sicherheitsschlüssel wurde nicht erkannt."))
    otp_login(request, device)
    security_log.info("second factor accepted", extra={"user_id": user.pk, "event": "2fa_ok"})
    return device


@transaction.atomic
def remove_key(request, user, key_id: int) -> bool:
    """Remove one of the user's own keys; refused (False) when it is their last second factor (they would be
    locked out at the next sign-in) or not theirs."""
    key = keys_of(user).select_for_update().filter(pk=key_id).first()
    if key is None:
        return False
    if not has_app(user) and keys_of(user).count() <= 1:
        return False
    key.delete()
    security_log.info("security key removed", extra={"user_id": user.pk, "event": "key_removed"})
    audit.security_event(request, "key_removed", user=user)
    return True


def renew_recovery_codes(request, user) -> list[str]:
    codes = new_recovery_codes(user)
    audit.security_event(request, "recovery_codes_renewed", user=user)
    return codes
