"""Fees and age rules of the ID card are decided for the day of the visit, not the day of the pre-application:
across the 24th birthday, the rate change of 7 Feb 2026 and the 16th birthday (Direktversand). Time is passed in."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from buergerbuero.applications import services
from buergerbuero.booking import antibot, links, mails
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.core.errors import DomainError
from tests.applications.conftest import VALID_ID_CARD

BERLIN = ZoneInfo("Europe/Berlin")
BASE_URL = "http://testserver/"


@pytest.fixture(autouse=True)
def ticket_at_once(settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0  # the no-JS proof, valid at the `now` it was made


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=BERLIN)


def submitted(online, now, **answers):
    application, _token = services.start_application(
        service=online["id_card"], office=online["office"], identity=None, now=now
    )
    services.save_draft(application=application, raw={**VALID_ID_CARD, **answers}, now=now)
    return services.submit(application=application, now=now)


def free_start(online, day: dt.date, now: dt.datetime) -> dt.datetime:
    """The first free short appointment on or after `day` (the office opens Monday to Friday mornings)."""
    query = booking_live.booking_query(office=online["office"], service_slugs=["personalausweis-vorantrag"], now=now)
    free = booking_live.free_times(query, day, day + dt.timedelta(days=10), now=now)
    return next(t.start for d, times in sorted(free.items()) for t in times if d >= day)


def book(application, start, now):
    proof = antibot.create_delay_ticket(now=now)
    return services.book_appointment(application=application, start=start, proof=proof, base_url=BASE_URL, now=now)


def test_the_24th_birthday_before_the_visit_raises_the_fee_and_the_citizen_is_told(
    online, django_capture_on_commit_callbacks
):
    now = noon(dt.date(2027, 1, 4))  # Monday; she turns 24 on Sunday 10 January
    application = submitted(online, now, birth_date="2003-01-10")
    assert application.fee_day == dt.date(2027, 1, 5)  # the earliest free visit (Tuesday morning)
    assert application.fee == Decimal("27.60")

    with django_capture_on_commit_callbacks(execute=True):
        appointment, before = book(application, free_start(online, dt.date(2027, 1, 11), now), now)
    application.refresh_from_db()
    assert before == Decimal("27.60")
    assert (application.fee, application.fee_day) == (Decimal("46.00"), dt.date(2027, 1, 11))
    assert application.fee_lines == [{"label": "Personalausweis (ab 24 Jahren)", "amount": "46.00"}]
    told = [m for m in mail.outbox if "Gebühr" in m.subject]
    assert len(told) == 1 and "46,00 € statt 27,60 €" in told[0].body and "11.01.2027" in told[0].body

    booking_services.confirm_opt_in(appointment=appointment, base_url=BASE_URL, now=now)  # the mailed link
    with django_capture_on_commit_callbacks(execute=True):
        _moved, before = services.move_appointment(
            application=application, start=free_start(online, dt.date(2027, 1, 8), now), base_url=BASE_URL, now=now
        )
    application.refresh_from_db()
    assert before == Decimal("46.00")
    assert (application.fee, application.fee_day) == (Decimal("27.60"), dt.date(2027, 1, 8))


def test_the_rate_change_of_7_february_2026_counts_on_the_visit_day(online, django_capture_on_commit_callbacks):
    now = noon(dt.date(2026, 1, 26))
    application = submitted(online, now, birth_date="1990-05-17")
    assert application.fee == Decimal("37.00")
    with django_capture_on_commit_callbacks(execute=True):
        appointment, before = book(application, free_start(online, dt.date(2026, 2, 6), now), now)
    application.refresh_from_db()
    assert before is None and application.fee == Decimal("37.00")  # Friday 6 Feb: still the old rate, no mail
    assert not [m for m in mail.outbox if "Gebühr" in m.subject]
    booking_services.confirm_opt_in(appointment=appointment, base_url=BASE_URL, now=now)
    _moved, before = services.move_appointment(
        application=application, start=free_start(online, dt.date(2026, 2, 9), now), base_url=BASE_URL, now=now
    )
    application.refresh_from_db()
    assert before == Decimal("37.00")
    assert (application.fee, application.fee_day) == (Decimal("46.00"), dt.date(2026, 2, 9))


def test_direktversand_from_the_16th_birthday_on(online):
    now = noon(dt.date(2026, 2, 2))  # she turns 16 on Tuesday 10 February
    application = submitted(online, now, birth_date="2010-02-10", delivery="direct", second_id="Reisepass C01X00T47")
    assert application.fee_day == dt.date(2026, 2, 10)
    assert application.fee == Decimal("42.60")  # 27.60 + 15.00 Direktversand
    with pytest.raises(DomainError) as refused:
        book(application, free_start(online, dt.date(2026, 2, 3), now), now)
    assert refused.value.code == "too_young_on_that_day" and "10.02.2026" in str(refused.value.message)
    application.refresh_from_db()
    assert application.appointment_code == ""
    appointment, _before = book(application, free_start(online, dt.date(2026, 2, 10), now), now)
    assert appointment.start.astimezone(BERLIN).date() == dt.date(2026, 2, 10)


def test_the_bookings_own_links_move_the_short_visit_only_through_its_application(online, client):
    """The confirmation mail's and the booking page's "move" lead to the application, which decides the fee anew;
    the booking's own move (web link or API with the booking token) refuses, so no path skips the fee."""
    now = noon(dt.date(2027, 1, 4))
    application = submitted(online, now, birth_date="2003-01-10")
    appointment, _before = book(application, free_start(online, dt.date(2027, 1, 5), now), now)
    appointment, _changed = booking_services.confirm_opt_in(appointment=appointment, base_url=BASE_URL, now=now)
    owner_page = f"/online/antrag/{application.public_id}/termin"
    assert appointment.managed_at == owner_page

    later = free_start(online, dt.date(2027, 1, 11), now)
    with pytest.raises(DomainError) as refused:
        booking_services.reschedule_by_citizen(appointment=appointment, start=later, base_url=BASE_URL, now=now)
    assert refused.value.code == "managed_elsewhere" and refused.value.extra["manage_url"] == owner_page
    appointment.refresh_from_db()
    assert appointment.start < later  # nothing moved

    token = links.manage_token(appointment.public_id)
    response = client.get(reverse("booking:reschedule", args=[token]))
    assert response.status_code == 302 and response["Location"] == owner_page
    assert mails.context(appointment, base_url=BASE_URL)["reschedule_url"] == "http://testserver" + owner_page
