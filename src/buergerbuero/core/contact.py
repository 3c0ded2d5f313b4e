"""The citizen's contact data, checked alike on every channel: the booking pages, the JSON API, the partner call
center and the waitlist. Services call these; forms call them too, to show the message beside the field at once.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import DomainError


def email_address(raw: str, *, field: str = "email", required: bool = True) -> str:
    """A valid address, stripped and lower-cased; an invalid one raises DomainError naming `field`, an empty one
    too unless not `required` (then it stays empty)."""
    email = (raw or "").strip().lower()
    if not email and not required:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(
            _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de."), field=field, code="email"
        ) from None
    return email


def phone_number(raw: str, *, field: str = "phone") -> str:
    """A German or international number as E.164 (0234/123456 → +49234123456); empty stays empty.

    A number that cannot be dialled (not a valid number of its country) raises DomainError naming `field`."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(
            _("Bitte geben Sie eine Telefonnummer wie 02305 106-0 oder +49 2305 1060 an."), field=field, code="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
