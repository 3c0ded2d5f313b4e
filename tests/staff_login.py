"""Signing staff in, in tests: the real two steps (password, then a TOTP code) or a completed sign-in.

`client.force_login(user)` in tests stands for a complete staff sign-in, password AND second factor:
tests/conftest.py makes it also mark the session as verified (`mark_verified`), explicitly, so the many tests of
what staff may do need not repeat the sign-in. Tests of the sign-in itself use `password_only` (a session that
passed the password but not the second factor) or the real forms (`sign_in`, `browser_sign_in`).
"""

from __future__ import annotations

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    """The user's confirmed TOTP device (made if missing): what the person's app holds."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test-App", confirmed=True)
    return device


def current_code(device: TOTPDevice, *, drift: int = 0) -> str:
    """The code the app shows now (computed by the library, like an authenticator app does)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.drift = drift
    return f"{totp.token():0{device.digits}d}"


def mark_verified(client, user) -> None:
    """The session of `client` has passed the second factor of `user`."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()


def password_only(client, user) -> None:
    """Django's own force_login: signed in with the password, the second factor still missing."""
    ClientMixin.force_login(client, user)


def sign_in(client, username: str, password: str, *, next_url: str = ""):
    """Both real steps through the HTTP stack; returns the answer to the code step."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    device = authenticator(user)
    client.post("/intern/anmelden/", {"username": username, "password": password, "next": next_url})
    return client.post("/intern/anmelden/code/", {"code": current_code(device)})


def browser_sign_in(page, username: str, password: str, *, next_url: str = "/intern/") -> None:
    """The real sign-in in the browser: password, then the code the library computes (as the person's app)."""
    from django.contrib.auth import get_user_model

    device = authenticator(get_user_model().objects.get(username=username))
    page.goto(f"/intern/anmelden/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#sign-in")
    page.wait_for_url("**/intern/anmelden/code/")
    page.fill("#id_code", current_code(device))
    page.click("#verify")
    page.wait_for_url(lambda url: "/intern/anmelden/" not in url)
