"""RFC 9457 problem+json for every error the API gives, with German and English text and the field."""

import json
import logging

from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from buergerbuero.core.errors import DomainError

logger = logging.getLogger(__name__)

TITLES = {
    400: _("Ungültige Anfrage"),
    401: _("Anmeldung erforderlich"),
    403: _("Keine Berechtigung"),
    404: _("Nicht gefunden"),
    405: _("Methode nicht erlaubt"),
    409: _("Konflikt"),
    422: _("Ungültige Eingabe"),
    429: _("Zu viele Anfragen"),
    503: _("Vorübergehend nicht verfügbar"),
}
FIELD_ERROR = _("Der Wert im Feld „%(field)s“ ist ungültig: %(reason)s")
GENERIC_MESSAGES = {
    400: _("Die Anfrage konnte nicht gelesen werden."),
    401: _("Bitte melden Sie sich an."),
    403: _("Dafür fehlt Ihnen die Berechtigung."),
    404: _("Nicht gefunden."),
    429: _("Zu viele Anfragen. Bitte warten Sie einen Moment."),
}
PROBLEM_MEDIA_TYPE = "application/problem+json"


class InvalidParamOut(Schema):
    name: str | None
    reason: str | None


class ProblemOut(Schema):
    """RFC 9457 problem details with the German and English message and the offending field."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    messages: dict[str, str]
    field: str | None = None
    invalid_params: list[InvalidParamOut] | None = None


def responses(*statuses: int) -> dict[int, type[ProblemOut]]:
    """Error answers an operation gives beyond those its auth and input imply (see core.openapi)."""
    return dict.fromkeys(statuses, ProblemOut)


def _both(message) -> dict[str, str]:
    out = {}
    for language in ("de", "en"):
        with translation.override(language):
            out[language] = str(message)
    return out


def problem_response(
    *,
    status: int,
    code: str,
    messages: dict[str, str],
    field: str | None = None,
    extra: dict | None = None,
    invalid_params: list[dict] | None = None,
) -> HttpResponse:
    language = "en" if (translation.get_language() or "de").startswith("en") else "de"
    body = {
        "type": f"urn:buergerbuero:problem:{code}",
        "title": _both(TITLES.get(status, _("Fehler")))[language],
        "status": status,
        "detail": messages[language],
        "code": code,
        "messages": messages,
    }
    if field:
        body["field"] = field
        body["invalid_params"] = invalid_params or [{"name": field, "reason": messages[language]}]
    if extra:
        body.update(extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_MEDIA_TYPE}; charset=utf-8",
    )


UNAVAILABLE_RETRY_SECONDS = 5


def unavailable_response(reason: str, message) -> HttpResponse:
    """503 with Retry-After: the server is at capacity or its database is away for a moment."""
    from buergerbuero.core.metrics import UNAVAILABLE

    UNAVAILABLE.labels(reason).inc()
    response = problem_response(
        status=503, code=reason, messages=_both(message), extra={"retry_after": UNAVAILABLE_RETRY_SECONDS}
    )
    response["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
    return response


DATABASE_BUSY = _("Der Dienst ist gerade ausgelastet. Bitte versuchen Sie es in einigen Sekunden erneut.")


def _field_from_loc(loc) -> str | None:
    names = [str(p) for p in loc if isinstance(p, str) and p not in {"body", "query", "path", "header", "payload"}]
    return ".".join(names) or None


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError):
        response = problem_response(
            status=exc.status, code=exc.code, messages=exc.messages(), field=exc.field, extra=exc.extra
        )
        for header, value in getattr(exc, "headers", {}).items():  # e.g. Retry-After on 429
            response[header] = value
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError):
        first = exc.errors[0] if exc.errors else {}
        field = _field_from_loc(first.get("loc", ())) or "body"
        reason = first.get("msg", "")
        messages = {}
        for language in ("de", "en"):
            with translation.override(language):
                messages[language] = str(FIELD_ERROR % {"field": field, "reason": reason})
        errors = [{"name": _field_from_loc(e.get("loc", ())), "reason": e.get("msg")} for e in exc.errors]
        return problem_response(status=422, code="validation", messages=messages, field=field, invalid_params=errors)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        status = exc.status_code
        code = "unauthorized" if isinstance(exc, AuthenticationError) else f"http_{status}"
        return problem_response(status=status, code=code, messages=_both(GENERIC_MESSAGES.get(status, str(exc))))

    @api.exception_handler(OperationalError)
    def database_unavailable(request: HttpRequest, exc: OperationalError):
        # No free pooled connection within DB_POOL_TIMEOUT, or the database is away: the client may retry.
        logger.warning("database unavailable: %s", type(exc).__name__)
        return unavailable_response("database_unavailable", DATABASE_BUSY)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        return problem_response(status=404, code="not_found", messages=_both(GENERIC_MESSAGES[404]))

    @api.exception_handler(MultiPartParserError)
    def unreadable_form(request: HttpRequest, exc: MultiPartParserError):
        # e.g. multipart/form-data without a boundary: Django raises while reading request.POST/FILES.
        return problem_response(status=400, code="unreadable_body", messages=_both(GENERIC_MESSAGES[400]), field="body")
