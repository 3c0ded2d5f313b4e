"""Domain errors that carry a German and an English message and the offending field.

Services raise them; the API turns them into RFC 9457 problem+json and HTML forms show the message next
to the field. Messages are gettext strings (German source), so the English text comes from the catalogue.
"""

from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import lazy


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message, *, field: str | None = None, code: str | None = None, extra: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.extra = extra or {}

    def messages(self) -> dict[str, str]:
        out = {}
        for language in ("de", "en"):
            with translation.override(language):
                out[language] = str(self.message)
        return out


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


def _interpolate(template, params: dict) -> str:
    return str(template) % {
        key: value if isinstance(value, int | float) else str(value) for key, value in params.items()
    }


# A message with parameters, formatted when it is shown: `_("… %(n)d …") % {...}` would translate it once in the
# request's language, so the German and the English text of a problem+json would be the same. Values may be
# lazy themselves (lazy_date), so a date follows the language of the text around it.
lazy_format = lazy(_interpolate, str)


def _date(value, format_name: str) -> str:
    return date_format(value, format_name)


lazy_date = lazy(_date, str)
