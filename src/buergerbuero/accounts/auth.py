"""Authentication for the staff API: the browser session (with CSRF) or HTTP Basic for scripts."""

from django.contrib.auth import authenticate
from ninja.security import HttpBasicAuth, SessionAuth


class StaffBasicAuth(HttpBasicAuth):
    def authenticate(self, request, username, password):
        user = authenticate(request, username=username, password=password)
        if user is not None and user.is_active:
            request.user = user
            return user
        return None


class StaffSessionAuth(SessionAuth):
    """The browser session; CSRF is checked only for a logged-in session, so an anonymous write answers
    401 (not authenticated, as the API docs promise) instead of a 403 from the CSRF check."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


# Basic first: ninja stops at the first auth that raises, and the session auth raises on a failed CSRF
# check, so a script's POST with Basic credentials (no CSRF token) would be refused if it came second.
staff_auth = [StaffBasicAuth(), StaffSessionAuth()]
