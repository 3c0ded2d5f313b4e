"""Calendar invitation (.ics, RFC 5545) and check-in QR code for an appointment.

One appointment keeps one UID for its whole life; every change the citizen is told about raises SEQUENCE,
so calendar programs replace the old entry (METHOD:REQUEST) or remove it (METHOD:CANCEL).
"""

import datetime as dt
from email.utils import parseaddr
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import icalendar
import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

PRODID = "-//buergerbuero//Terminbuchung//DE"


def uid(appointment) -> str:
    return f"{appointment.public_id}@buergerbuero"


def calendar(appointment, *, now: dt.datetime | None = None) -> icalendar.Calendar:
    """The event in the booking's language (downloaded from an English page or not: the file is the booking's)."""
    with translation.override(appointment.language or "de"):
        return _calendar(appointment, now=now)


def _calendar(appointment, *, now: dt.datetime | None = None) -> icalendar.Calendar:
    now = now or timezone.now()
    tz = ZoneInfo(appointment.office.timezone)
    cancelled = appointment.status == appointment.Status.CANCELLED
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", appointment.start.astimezone(tz))
    event.add("dtend", appointment.end.astimezone(tz))
    services = ", ".join(item.service.name for item in appointment.items.all())
    event.add(
        "summary", _("Termin %(office)s: %(services)s") % {"office": appointment.office.name, "services": services}
    )
    event.add("location", address(appointment.office))
    lines = [_("Buchungscode: %(code)s") % {"code": appointment.code}]
    documents = [doc for item in appointment.items.all() for doc in item.service.documents]
    if documents:
        lines.append(_("Bitte mitbringen:"))
        lines.extend(f"- {doc}" for doc in documents)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = icalendar.vText(appointment.office.name)
    event.add("organizer", organizer)
    if appointment.email:
        attendee = icalendar.vCalAddress(f"mailto:{appointment.email}")
        attendee.params["cn"] = icalendar.vText(appointment.name or appointment.email)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("ACCEPTED")
        event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal


def ics_bytes(appointment, *, now: dt.datetime | None = None) -> bytes:
    return calendar(appointment, now=now).to_ical()


def address(office) -> str:
    return f"{office.name}, {office.street}, {office.postcode} {office.city}"


def map_url(office) -> str:
    return "https://www.openstreetmap.org/search?query=" + quote_plus(
        f"{office.street}, {office.postcode} {office.city}"
    )


def qr_svg(appointment) -> str:
    """Inline SVG of the booking code for check-in at the office's terminal or reception."""
    qr = segno.make(f"BB:{appointment.code}", error="m")
    label = _("QR-Code für den Check-in") + f": {appointment.code}"
    svg = qr.svg_inline(omitsize=True, dark="#000", light="#fff", title=label)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
