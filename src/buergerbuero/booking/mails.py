"""E-mails about an appointment: plain text + HTML from translatable templates, with .ics and QR code."""

import datetime as dt
import io
from email.message import MIMEPart

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from buergerbuero.booking import invites, links
from buergerbuero.booking.models import Appointment, MailDelivery

Kind = MailDelivery.Kind
WITH_INVITE = {Kind.CONFIRMED, Kind.UPDATED, Kind.CANCELLED, Kind.REMINDER, Kind.LINKS}


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
        "reschedule_url": base_url + reverse("booking:reschedule", args=[manage]),
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
