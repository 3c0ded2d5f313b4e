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


# Basic first: ninja stops at the first auth that raises, and the session auth raises on a failed CSRF
# check, so a script's POST with Basic credentials (no CSRF token) would be refused if it came second.
staff_auth = [StaffBasicAuth(), SessionAuth()]
