"""E-mails about an appointment: plain text + HTML from translatable templates, with .ics and QR code.

They are outbox messages (docs/adr/0003-outbox-and-leases.md): `queue` writes the row in the transaction of the
change, the worker calls `for_outbox` when it delivers it, so the mail shows the appointment as it is then."""

import datetime as dt
import io
from email.message import MIMEPart

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from buergerbuero.background import services as outbox
from buergerbuero.booking import invites, links
from buergerbuero.booking.models import Appointment
from buergerbuero.booking.selectors import live

OUTBOX_KIND = "booking.appointment"


class Kind(models.TextChoices):
    OPT_IN = "opt_in", _("Bitte bestätigen")
    CONFIRMED = "confirmed", _("Terminbestätigung")
    UPDATED = "updated", _("Termin verschoben")
    CANCELLED = "cancelled", _("Absage")
    REMINDER = "reminder", _("Erinnerung")
    LINKS = "links", _("Links erneut gesendet")


WITH_INVITE = {Kind.CONFIRMED, Kind.UPDATED, Kind.CANCELLED, Kind.REMINDER, Kind.LINKS}


def queue(appointment: Appointment, kind: str, *, ref: str, base_url: str, now: dt.datetime) -> None:
    """Write the mail into the outbox; at most one per appointment, kind and version (`ref`)."""
    outbox.send_later(
        kind=OUTBOX_KIND,
        key=f"booking:{appointment.pk}:{kind}:{ref}",
        payload={"appointment": appointment.pk, "kind": kind, "ref": ref, "base_url": base_url},
        recipient=appointment.email,
        office_id=appointment.office_id,
        now=now,
    )


def for_outbox(payload: dict, *, now: dt.datetime) -> EmailMultiAlternatives | None:
    """The mail of an outbox row, or None when the appointment has overtaken it (or has no address)."""
    appointment = Appointment.objects.filter(pk=payload["appointment"]).first()
    if appointment is None or not appointment.email:
        return None
    if not still_relevant(appointment, payload["kind"], payload["ref"], now=now):
        return None
    appointment = live.appointment_by_public_id(appointment.public_id)
    return build(appointment, payload["kind"], base_url=payload["base_url"])


def still_relevant(appointment: Appointment, kind: str, ref: str, *, now: dt.datetime) -> bool:
    """Skip mails that the appointment has overtaken (e.g. an opt-in mail for a hold confirmed meanwhile)."""
    status = appointment.status
    if kind == Kind.OPT_IN:
        return status == Appointment.Status.HELD and appointment.opt_in_sent_at is not None
    if kind == Kind.CANCELLED:
        return status == Appointment.Status.CANCELLED
    if kind in (Kind.CONFIRMED, Kind.UPDATED, Kind.LINKS):
        return status == Appointment.Status.CONFIRMED
    if kind == Kind.REMINDER:
        return status == Appointment.Status.CONFIRMED and ref == str(appointment.sequence) and appointment.start > now
    return False


def context(appointment: Appointment, *, base_url: str) -> dict:
    base_url = base_url.rstrip("/")
    manage = links.manage_token(appointment.public_id)
    return {
        "appointment": appointment,
        "office": appointment.office,
        "services": [item.service for item in appointment.items.all()],
        "address": invites.address(appointment.office),
        "map_url": invites.map_url(appointment.office),
        "opt_in_url": base_url + reverse("booking:opt_in", args=[links.opt_in_token(appointment.public_id)]),
        "manage_url": base_url + reverse("booking:manage", args=[manage]),
        "cancel_url": base_url + reverse("booking:cancel", args=[manage]),
        # The reschedule view sends an appointment another process owns there; the mail links there directly.
        "reschedule_url": base_url + (appointment.managed_at or reverse("booking:reschedule", args=[manage])),
        "ics_url": base_url + reverse("booking:ics", args=[manage]),
        "opt_in_minutes": settings.BOOKING_OPT_IN_MINUTES,
    }


def build(appointment: Appointment, kind: str, *, base_url: str) -> EmailMultiAlternatives:
    with translation.override(appointment.language or "de"):
        ctx = context(appointment, base_url=base_url)
        ctx["kind"] = kind
        subject = " ".join(render_to_string(f"booking/mail/{kind}_subject.txt", ctx).split())
        text = render_to_string(f"booking/mail/{kind}.txt", ctx)
        html = render_to_string(f"booking/mail/{kind}.html", ctx)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [appointment.email])
    message.attach_alternative(html, "text/html")
    if kind in WITH_INVITE:
        ics = invites.calendar(appointment)
        method = str(ics["method"])
        message.attach("termin.ics", ics.to_ical(), f"text/calendar; method={method}; charset=utf-8")
        if appointment.status == Appointment.Status.CONFIRMED:
            png = io.BytesIO()
            segno.make(f"BB:{appointment.code}", error="m").save(png, kind="png", scale=6)
            image = MIMEPart()
            image.set_content(
                png.getvalue(),
                maintype="image",
                subtype="png",
                disposition="inline",
                filename="checkin-qr.png",
                cid="<checkin-qr>",
            )
            message.attach(image)
    return message
