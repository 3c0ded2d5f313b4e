"""Confirmed appointments made through the booking services, for the background tests."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction

from buergerbuero.booking import services
from buergerbuero.booking.selectors import live
from tests import factories


def confirmed_appointment(office, *, now: dt.datetime, email: str = "erika@example.org", weeks_ahead: int = 3):
    """Hold, opt-in and confirm through the services at `now` (their mails go into the outbox)."""
    tz = ZoneInfo(office.timezone)
    day = factories.next_weekday(0, after=now.astimezone(tz).date(), weeks_ahead=weeks_ahead)
    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    starts = [t.start for times in live.free_times(query, day, day, now=now).values() for t in times]
    with transaction.atomic():
        hold, _token = services.hold(query=query, start=starts[0], now=now)
        services.request_opt_in(
            appointment=hold, name="Erika Mustermann", email=email, base_url="http://testserver", now=now
        )
        appointment, _changed = services.confirm_opt_in(appointment=hold, base_url="http://testserver", now=now)
    return appointment
