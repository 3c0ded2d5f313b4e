"""The citizen's proof of a booking: code and secret token (links in mails), or code and e-mail (resend links)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from buergerbuero.booking.models import Appointment
from buergerbuero.core.errors import NotFound
from buergerbuero.core.tokens import hash_token


def appointment_for_citizen(code: str, token: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("office", "counter")
        .prefetch_related("items__service")
        .filter(code=code.strip().upper())
        .first()
    )
    if appointment is None or not token or appointment.token_hash != hash_token(token):
        # One message for both: a wrong token must not reveal that the code exists.
        raise NotFound(_("Kein Termin mit diesem Buchungscode und Schlüssel gefunden."), field="code")
    return appointment


def hold_for_citizen(public_id, token: str) -> Appointment:
    appointment = Appointment.objects.select_related("office").filter(public_id=public_id).first()
    if appointment is None or appointment.token_hash != hash_token(token or ""):
        raise NotFound(_("Diese Reservierung gibt es nicht."), field="hold")
    return appointment


def confirmed_by_code_and_email(code: str, email: str, *, now: dt.datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(
            code=code.strip().upper(),
            email__iexact=email.strip(),
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
        )
        .select_related("office")
        .first()
    )
