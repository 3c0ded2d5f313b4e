"""Authentication for the API: an API token for machine clients, the browser session (with CSRF) for people.

A token comes in the `Authorization: Bearer bb_…` header, which a browser never sends by itself, so it needs
no CSRF token. A session comes in a cookie, which a browser sends along with any cross-site form, so every
state-changing request on a session must carry the CSRF token. The decision is made here, once, for all
operations: views never read `request.user` for rights, they ask `request.auth`.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from buergerbuero.accounts import selectors
from buergerbuero.core.errors import Forbidden


class StaffTokenAuth(HttpBearer):
    """A revocable API token (see accounts.services.issue_api_token). A wrong token is 401, not anonymous."""

    def authenticate(self, request: HttpRequest, token: str):
        user = selectors.user_for_api_token(token, now=timezone.now())
        if user is None:
            raise AuthenticationError()
        request.user = user  # the session of another user must not leak into a token request
        return user


class StaffSessionAuth(SessionAuth):
    """The signed-in browser session; state-changing methods also need the CSRF token.

    Without a signed-in session this auth does not apply, so an anonymous call gets 401 (login needed)
    rather than a CSRF refusal.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        if not request.user.is_authenticated:
            return None
        # Safe methods pass; the token comes from the X-CSRFToken header or a form field. A form body that
        # cannot be parsed raises MultiPartParserError here, which core.problems answers with 400.
        if check_csrf(request) is not None:
            raise Forbidden(
                _("Sicherheitsprüfung fehlgeschlagen: Bitte senden Sie das CSRF-Token mit (Kopfzeile X-CSRFToken)."),
                code="csrf_failed",
            )
        return request.user


class PublicAccess:
    """Last in the list of a public operation: without token or session it runs as anonymous.

    The OpenAPI document shows it as the empty security requirement `{}` (core.openapi), i.e. "optional".
    """

    openapi_security_schema: dict = {}

    def __call__(self, request: HttpRequest):
        request.user = AnonymousUser()
        return request.user


# Token first: a script sends no cookie, and a browser request that also carries a token is judged by the token.
staff_auth = [StaffTokenAuth(), StaffSessionAuth()]
public_or_staff_auth: list[Callable[[HttpRequest], Any]] = [*staff_auth, PublicAccess()]
