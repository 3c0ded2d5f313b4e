"""One error page for 400/403/404/500 in German and English, for citizens and staff, with the reason and a way back.

Django calls these for any view (settings: `handler400` … in buergerbuero/urls.py), also with DEBUG off, so a
mistyped address never shows the URL list and a refusal shows its German reason instead of a bare "403 Forbidden".
Under /api/ the answer is problem+json like every other API error. A refusal is an ordinary answer: it is logged
as one request line, never with a traceback (settings.LOGGING keeps django.request at ERROR).
"""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.logs import request_id_var
from buergerbuero.core.problems import GENERIC_MESSAGES, _both, problem_response

# Pages for staff (tools, back office, admin): their error page links back to the staff start page.
STAFF_PATHS = re.compile(
    r"^/(intern|admin|insights|planung|betrieb|callcenter|datenschutz)(/|$)|^/online/verwaltung/"
    r"|^/queue/[^/]+/(reception|counter)/"
)
TITLES = {
    400: _("Die Anfrage war fehlerhaft"),
    403: _("Kein Zugriff"),
    404: _("Seite nicht gefunden"),
    500: _("Ein Fehler ist aufgetreten"),
}
REASONS = {
    400: _(
        "Die Anfrage konnte nicht verarbeitet werden. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
    ),
    403: _("Dafür fehlt Ihnen die Berechtigung."),
    404: _("Diese Adresse gibt es nicht (mehr). Vielleicht ist sie falsch geschrieben oder der Link ist veraltet."),
    500: _("Das lag nicht an Ihnen. Bitte versuchen Sie es in einigen Minuten noch einmal."),
}
API_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "server_error"}


def is_staff_path(path: str) -> bool:
    return bool(STAFF_PATHS.match(path))


def _staff_home() -> str:
    return reverse("accounts:start")  # the staff start page (/intern/)


def _reason_of(exception, status: int) -> str | None:
    """The refusal's own message (e.g. "Die Kennzahlen sind der Leitung vorbehalten."), never Django's internals."""
    if exception is None or not exception.args or not isinstance(exception.args[0], str):
        return None
    message = exception.args[0]
    if status == 404 and ("matches the given query" in message or message.startswith(("No ", "Resolver"))):
        return None
    return message or None


def _ways_back(request: HttpRequest, staff: bool) -> list[tuple[str, str | Promise]]:
    if staff:
        ways: list[tuple[str, str | Promise]] = [(_staff_home(), _("Zur Startseite für Mitarbeitende"))]
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            ways.append((f"{settings.LOGIN_URL}?next={request.path}", _("Anmelden")))
        return ways
    return [
        (reverse("booking:start"), _("Zur Startseite: Termin buchen")),
        (reverse("booking:resend_links"), _("Meine Buchung")),
    ]


def error_page(request: HttpRequest, status: int, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        message = _reason_of(exception, status) if status == 403 else None
        return problem_response(
            status=status,
            code=API_CODES[status],
            messages=_both(message or GENERIC_MESSAGES.get(status, REASONS[status])),
        )
    staff = is_staff_path(request.path)
    context = {
        "status": status,
        "title": TITLES[status],
        "reason": _reason_of(exception, status) if status in (403, 404) else None,
        "general": REASONS[status],
        "ways_back": _ways_back(request, staff),
        "request_id": request_id_var.get(None) if status == 500 else None,
    }
    template = "errors/error_staff.html" if staff else "errors/error.html"
    return render(request, template, context, status=status)


def bad_request(request, exception=None):
    return error_page(request, 400, exception)


def permission_denied(request, exception=None):
    return error_page(request, 403, exception)


def page_not_found(request, exception=None):
    return error_page(request, 404, exception)


def server_error(request):
    return error_page(request, 500)
