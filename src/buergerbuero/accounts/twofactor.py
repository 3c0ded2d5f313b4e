"""The second factor of a staff sign-in: a TOTP authenticator app (django-otp) and one-time recovery codes.

A password alone is not a sign-in for anybody `selectors.needs_second_factor` names: until the session is
verified (django-otp's `otp_login`), `accounts.middleware.StaffSessionMiddleware` treats the user as anonymous on
every page and API operation except the sign-in steps themselves.
"""

from __future__ import annotations

import logging

import segno
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

security_log = logging.getLogger("buergerbuero.security")

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator-App"
RECOVERY_DEVICE_NAME = "Wiederherstellungscodes"


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


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
def confirm_authenticator(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the enrolment with a first code from the app: new recovery codes (shown once), or None."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token.replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    security_log.info("second factor enrolled", extra={"user_id": user.pk, "event": "2fa_enrolled"})
    return new_recovery_codes(user)


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
        return None
    otp_login(request, device)
    security_log.info("second factor accepted", extra={"user_id": user.pk, "event": "2fa_ok"})
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
def reset(user) -> int:
    """Remove every second factor of the user (admin reset): the next sign-in enrols a new authenticator."""
    count = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        count += 1
    security_log.warning("second factor reset", extra={"user_id": user.pk, "event": "2fa_reset"})
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
