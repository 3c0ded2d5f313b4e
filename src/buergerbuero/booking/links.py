"""Signed links in e-mails: confirm a hold (double opt-in, expires) and manage an appointment (cancel, move).

The link carries only the appointment's public id and a signature made with SECRET_KEY; a tampered or
truncated link fails the signature check and gets a clear message instead of an error page.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import DomainError

OPT_IN_SALT = "buergerbuero.booking.opt-in"
MANAGE_SALT = "buergerbuero.booking.manage"


class LinkError(DomainError):
    status = 400
    code = "bad_link"


def opt_in_token(public_id: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=OPT_IN_SALT).sign(uuid.UUID(str(public_id)).hex)


def manage_token(public_id: uuid.UUID) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(uuid.UUID(str(public_id)).hex)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(hex=value)
    except ValueError as exc:
        raise signing.BadSignature from exc


def read_opt_in(token: str) -> uuid.UUID:
    max_age = settings.BOOKING_OPT_IN_LINK_HOURS * 3600
    try:
        return _uuid(signing.TimestampSigner(salt=OPT_IN_SALT).unsign(token, max_age=max_age))
    except signing.SignatureExpired as exc:
        raise LinkError(
            _("Dieser Bestätigungslink ist abgelaufen. Bitte wählen Sie Ihren Termin noch einmal."),
            field="link",
            code="link_expired",
        ) from exc
    except signing.BadSignature as exc:
        raise LinkError(
            _("Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig aus der E-Mail übernommen wurde."),
            field="link",
        ) from exc


def read_manage(token: str) -> uuid.UUID:
    try:
        return _uuid(signing.Signer(salt=MANAGE_SALT).unsign(token))
    except signing.BadSignature as exc:
        raise LinkError(
            _(
                "Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig aus der E-Mail übernommen wurde. "
                "Sie können die Links zu Ihrem Termin auch neu anfordern."
            ),
            field="link",
        ) from exc
