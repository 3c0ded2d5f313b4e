"""Staff sessions: a second factor before anything else, an idle and an absolute timeout, and no caching.

After django-otp's OTPMiddleware (which knows whether the session passed the second factor):

- A signed-in user who needs a second factor (`selectors.needs_second_factor`) but whose session has not passed
  it is anonymous for every view; only the sign-in steps see them, as `request.unverified_user`. So a password
  alone (or the admin's own login form) opens nothing, and every access check keeps asking `request.user`.
- A staff session ends after STAFF_SESSION_IDLE_MINUTES without a request and STAFF_SESSION_MAX_HOURS after the
  sign-in, whatever happens in between (a working day).
- Every answer under /intern/ and every answer to a signed-in user or an API token (staff pages and API answers
  with citizens' data) carries `Cache-Control: no-store`: no copy in the browser's or a proxy's cache.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from buergerbuero.accounts import selectors, sso

SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"
TOUCH_SECONDS = 60  # the last-seen stamp is written at most once a minute (one session write, not one per request)
STAFF_PREFIX = "/intern/"


def session_ended(session, *, now: float) -> str | None:
    """Why the staff session is over at `now` (epoch seconds): 'idle', 'lifetime', or None (still valid)."""
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if signed_in is not None and now - signed_in > settings.STAFF_SESSION_MAX_HOURS * 3600:
        return "lifetime"
    if seen is not None and now - seen > settings.STAFF_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def start(session, *, now: float) -> None:
    """Stamp a new staff session (called at sign-in)."""
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def _personal(request) -> bool:
    """Staff pages, and anything answered to a signed-in person or an API token (set on request.user by the API's
    authentication, so it is known only after the view ran)."""
    if request.path.startswith(STAFF_PREFIX) or getattr(request, "unverified_user", None) is not None:
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            self._check(request, user, now=time.time())
        response = self.get_response(request)
        if _personal(request):
            add_never_cache_headers(response)
        return response

    def _check(self, request, user, *, now: float) -> None:
        session = request.session
        if session.get(SIGNED_IN_AT) is None:
            start(session, now=now)  # a session from before this middleware (or a test's force_login)
        ended = session_ended(session, now=now)
        account = session.get(sso.ACCOUNT_KEY)
        if ended is None and account is not None and sso.signed_out(account, signed_in_at=session[SIGNED_IN_AT]):
            ended = "provider"
        if ended is not None:
            logout(request)
            request.user = AnonymousUser()
            if ended == "idle":
                text = _("Sie wurden nach %(minutes)d Minuten ohne Aktivität abgemeldet. Bitte melden Sie sich neu an.")
                messages.info(request, text % {"minutes": settings.STAFF_SESSION_IDLE_MINUTES})
            elif ended == "provider":
                messages.info(request, _("Sie wurden beim Anmeldedienst abgemeldet. Bitte melden Sie sich neu an."))
            else:
                messages.info(request, _("Ihr Arbeitstag ist um: Bitte melden Sie sich neu an."))
            return
        if now - session.get(SEEN_AT, 0) >= TOUCH_SECONDS:
            session[SEEN_AT] = now
        if selectors.needs_second_factor(user) and not user.is_verified():
            request.unverified_user = user
            request.user = AnonymousUser()
